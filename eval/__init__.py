"""Translation-quality evaluation harness (import as ``from eval.x import y``)."""

__version__ = "0.1.0"
