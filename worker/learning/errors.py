"""The one error type of the learning core: what went wrong, what to fix, and the log behind it."""

from __future__ import annotations


class TrainingError(Exception):
    """Training could not run or finish; `message` says what to fix, `log` holds the traceback.

    The job wrapper stores `message` as the job's failure reason and `log` in its log.
    """

    def __init__(self, message: str, *, log: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.log = log

    def __str__(self) -> str:
        if not self.log:
            return self.message
        return f"{self.message}\n{self.log}"


class NothingLearned(TrainingError):
    """The trained network gives the same output for every window (a layer's outputs are all
    zero, so its int8 quantization is degenerate and LiteRT cannot run the int8 model). Its own
    type so that callers who chose the settings (the tuner) can name the one that did it."""
