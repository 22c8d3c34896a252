"""The scheduler of `narrate serve --follow SOURCE --every 30m`: follow runs on a schedule inside the server's process.

A background task on the server's event loop starts a follow run at once, then every interval (counted from
one start to the next; a run longer than the interval is followed by the next at once). Each run is a child
`narrate follow ... --json --wait 0` process: a run that fails, hangs in an engine or grows large never takes
the server down, and the server keeps serving whatever the last published state is. Each run is logged in one
line; a run that finds another follow run at work (a manual one, or cron) is skipped and says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

from narrate.follow.when import parse_duration

STOP_GRACE_S = 10.0
"""How long a follow run may take to stop when the server stops, before it is killed (the next run finishes its work)."""


def follow_command(output_dir: Path, sources: Sequence[str], base_url: str | None = None,
                   edition: str | None = None) -> list[str]:
    """The child process's command line: one follow run, JSON report, no waiting for a busy folder."""
    command = [sys.executable, "-m", "narrate", "follow", *sources, "-o", str(output_dir), "--json", "--wait", "0"]
    if base_url:
        command += ["--base-url", base_url]
    if edition:
        command += ["--edition", edition]
    return command


def summary_line(returncode: int, stdout: bytes, stderr: bytes, started: dt.datetime) -> str:
    """One log line for a finished run: what it built and what failed, or the sentence that stopped it."""
    stamp = f"narrate follow {started:%Y-%m-%d %H:%M:%S}"
    try:
        report: dict[str, Any] = json.loads(stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        words = stderr.decode("utf-8", "replace").strip().splitlines()
        why = words[-1].removeprefix("narrate: ") if words else f"exit status {returncode}"
        state = "skipped" if returncode == 3 else "failed"
        return f"{stamp}: {state}: {why}"
    counts = report.get("counts", {})
    built = sum(1 for s in report["sources"] for i in s["items"] if i["outcome"] == "published")
    failed = [f"{i['title'] or i['id']}: {i['detail']}" for s in report["sources"] for i in s["items"]
              if i["outcome"] == "failed"]
    unreadable = [s["error"] for s in report["sources"] if s["error"]]
    parts = [f"{built} built ({counts.get('new', 0)} new, {counts.get('changed', 0)} changed)" if built
             else ("nothing built" if failed else "nothing new")]
    if report.get("edition_note"):
        parts.append(report["edition_note"].rstrip("."))
    if report.get("retired"):
        parts.append(f"{len(report['retired'])} retired")
    parts.append(f"{len(failed)} failed")
    line = f"{stamp}: " + ", ".join(parts) + f" in {report.get('elapsed_s', 0):.1f} s"
    problems = unreadable + failed + report.get("errors", [])
    if problems:
        line += f"; {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
    return line


async def run_once(command: Sequence[str]) -> str:
    """Run one follow child process to its end; its one-line summary. Cancelled: the child is stopped too."""
    started = dt.datetime.now().astimezone()
    try:
        process = await asyncio.create_subprocess_exec(*command, stdin=asyncio.subprocess.DEVNULL,
                                                       stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    except OSError as error:
        return f"narrate follow {started:%Y-%m-%d %H:%M:%S}: failed: could not start ({error.strerror or error})"
    try:
        stdout, stderr = await process.communicate()
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), STOP_GRACE_S)
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        raise
    return summary_line(process.returncode or 0, stdout, stderr, started)


def follow_in_background(output_dir: Path, sources: Sequence[str], every: str, base_url: str | None = None,
                         edition: str | None = None,
                         print_line: Callable[[str], None] | None = None) -> Callable[[Any], AsyncIterator[None]]:
    """An aiohttp cleanup context that follows `sources` into `output_dir` every `every` ('30m', '1h'...) while the
    server runs. NarrateError (one sentence) for a duration it cannot read, before anything starts."""
    every_s = parse_duration(every, "--every")
    command = follow_command(output_dir, sources, base_url, edition)
    say = print_line or (lambda line: print(line, flush=True))

    async def schedule() -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            try:
                say(await run_once(command))
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - the server keeps serving whatever happens here
                say(f"narrate follow: failed: {type(error).__name__}: {error}")
            await asyncio.sleep(max(0.0, every_s - (loop.time() - started)))

    async def context(_app: Any) -> AsyncIterator[None]:
        task = asyncio.create_task(schedule(), name="narrate-follow-schedule")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return context
