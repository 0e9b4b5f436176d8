"""The one error the compiler raises for a model it cannot turn into exact C++."""

from __future__ import annotations


class CompileError(ValueError):
    """The model uses something the compiler does not support, or is malformed.

    The message names the operator (kind and index) and its tensors, so the user can find
    the layer in their model.
    """


class OutputPathError(CompileError):
    """The library cannot be written where asked: the path is a file, lies under a file, or is
    not writable. The message names the path and what is wrong with it."""
