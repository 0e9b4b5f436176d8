"""The one error the compiler raises for a model it cannot turn into exact C++."""

from __future__ import annotations


class CompileError(ValueError):
    """The model uses something the compiler does not support, or is malformed.

    The message names the operator (kind and index) and its tensors, so the user can find
    the layer in their model.
    """
