from typing import TypeAlias

import numpy as np
from _typeshed import ReadableBuffer, WriteableBuffer

# numpy 1.x arrays implement the buffer protocol but do not declare __buffer__ to type checkers
_In: TypeAlias = ReadableBuffer | np.ndarray
_Out: TypeAlias = WriteableBuffer | np.ndarray

def clipped_matches(ids: _In, offsets: _In, n_refs: int, max_order: int, out: _Out, /) -> None: ...
def split_ids(text: str, sep: int, words: bool, /) -> tuple[bytes, bytes, int]: ...
def regexp13a(text: str, /) -> str: ...
