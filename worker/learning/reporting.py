"""How training reports progress to whoever runs it (the job wrapper, a CLI, a test)."""

from __future__ import annotations

from typing import Protocol


class TrainingReporter(Protocol):
    """Receives progress (epochs done of total) and log lines while a training runs."""

    def progress(self, done: int, total: int) -> None: ...

    def log(self, line: str) -> None: ...


class NullReporter:
    """A reporter that drops everything; used when the caller passes `None`."""

    def progress(self, done: int, total: int) -> None:
        pass

    def log(self, line: str) -> None:
        pass


class RecordingReporter:
    """A reporter that keeps every call, for the CLI summary and for tests."""

    def __init__(self) -> None:
        self.progress_calls: list[tuple[int, int]] = []
        self.lines: list[str] = []

    def progress(self, done: int, total: int) -> None:
        self.progress_calls.append((done, total))

    def log(self, line: str) -> None:
        self.lines.append(line)
