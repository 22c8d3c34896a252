"""Rich progress bars on stderr for every stage of a build, from reading the articles on; silent when disabled."""

from __future__ import annotations

from types import TracebackType


STAGES = ("read", "compose", "normalize", "synthesize", "assemble")
"""Stages in the order their bars are listed, whichever reports first (a partial rebuild assembles cached
segments before the first fresh one is synthesized): articles read, blocks composed into segments, segments
rewritten for speech, segments synthesized, segments laid into the episode."""


class ProgressReporter:
    """Context manager whose `update(stage, done, total)` drives one bar per stage, listed in STAGES order."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._progress = None
        self._tasks: dict[str, int] = {}
        self._state: dict[str, tuple[int, int]] = {}

    def __enter__(self) -> "ProgressReporter":
        return self

    def _start(self) -> None:
        """Show the bars at the first update (reading the first article): a build shows progress from its first
        second. A build that fails takes its bars away again, so it prints nothing but its error."""
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
        self._state[stage] = (done, total)
        if stage not in self._tasks:
            self._add_in_order(stage)
        self._progress.update(self._tasks[stage], completed=done, total=total)

    @property
    def shown_stages(self) -> tuple[str, ...]:
        """The stages whose bars are shown, top to bottom."""
        return tuple(self._tasks)

    def completed(self, stage: str) -> int:
        """How many units of `stage` were reported done."""
        return self._state.get(stage, (0, 0))[0]

    def _add_in_order(self, stage: str) -> None:
        """Add the bar of `stage`, re-adding the bars that must be listed after it so the order stays STAGES'."""
        rank = {name: i for i, name in enumerate(STAGES)}
        later = [s for s in self._tasks if rank.get(s, len(STAGES)) > rank.get(stage, len(STAGES))]
        for name in later:
            self._progress.remove_task(self._tasks.pop(name))
        for name in [stage, *later]:
            done, total = self._state[name]
            self._tasks[name] = self._progress.add_task(name, total=total, completed=done)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            if exc_type is not None and not issubclass(exc_type, KeyboardInterrupt):
                # A failed build says its error alone: the bars are taken away (Live.stop, not Progress.stop, which
                # also prints a blank line where stderr is not a terminal).
                self._progress.live.transient = True
                self._progress.live.stop()
            else:
                self._progress.stop()
