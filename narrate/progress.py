"""A rich progress bar on stderr for synthesis and assembly; silent when disabled."""

from __future__ import annotations

from types import TracebackType


class ProgressReporter:
    """Context manager whose `update(stage, done, total)` drives one bar per stage."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._progress = None
        self._tasks: dict[str, int] = {}

    def __enter__(self) -> "ProgressReporter":
        return self

    def _start(self) -> None:
        """Show the bars at the first update, so a build that fails before any work prints nothing but its error."""
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description:<11}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(stderr=True), transient=False,
        )
        self._progress.start()

    def update(self, stage: str, done: int, total: int) -> None:
        """Show that `done` of `total` units of `stage` are finished."""
        if not self.enabled:
            return
        if self._progress is None:
            self._start()
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(stage, total=total)
        self._progress.update(self._tasks[stage], completed=done, total=total)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()
