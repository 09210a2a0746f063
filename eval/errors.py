"""Typed errors. Library code raises these; only ``eval.cli`` turns them into exit codes.

Every message says what went wrong, where (file, system, model) and how to fix it.
"""

from __future__ import annotations


class EvalError(Exception):
    """Base class of every error a user can cause or fix."""

    exit_code: int = 2


class InputError(EvalError):
    """A document, manifest or line-aligned file is missing, empty, unreadable or inconsistent."""


class ConfigError(EvalError):
    """A Hydra config names something unknown or holds an invalid value."""


class CleaningError(InputError):
    """Cleaning left nothing of a document or system."""


class ResourceError(EvalError):
    """An external resource (Apertium package, model directory, checkpoint) is missing or corrupt."""

    exit_code = 3


class MissingApertiumError(ResourceError):
    """An Apertium mode or the apertium binary is not installed."""


class ModelError(ResourceError):
    """A model directory or checkpoint is missing, corrupt or of the wrong kind."""


class AlignmentError(EvalError):
    """A version cannot be aligned to the reference (nothing alignable)."""


class MetricError(EvalError):
    """A metric got inconsistent input (counts differ, wrong language pairing)."""


class GlossaryError(InputError):
    """A glossary file does not parse; the message names the file and line."""


class RunFolderError(EvalError):
    """A folder is not a complete run folder; the message lists what is missing."""


class StorageError(EvalError):
    """The results folder cannot take the run: read-only, full, or every name taken."""

    exit_code = 4
