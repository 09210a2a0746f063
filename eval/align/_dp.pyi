from typing import TypeAlias

import numpy as np
from _typeshed import ReadableBuffer, WriteableBuffer

# numpy 1.x arrays implement the buffer protocol but do not declare __buffer__ to type checkers
_In: TypeAlias = ReadableBuffer | np.ndarray
_Out: TypeAlias = WriteableBuffer | np.ndarray

def dp_rows(
    cost: _Out, back: _Out, flat: _In, bead: _In, rows: _In, lo: _In, hi: _In, width: int, n_types: int, skip: float, /
) -> None: ...
def gather_dots(left: _In, right: _In, dim: int, rows: _In, cols: _In, out: _Out, /) -> None: ...
def mean_window_knn_sums(
    cos: _In,
    weights: _In,
    n_cols: int,
    sizes: _In,
    inv_norm: _In,
    offset: _In,
    inv_centred: _In,
    take: int,
    out: _Out,
    /,
) -> None: ...
def knn_sums(block: _In, n_cols: int, take: int, out: _Out, /) -> None: ...
