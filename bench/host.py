"""Robustness figures for publishing and `narrate serve`: `python bench/host.py [--quick] [--out FILE]` writes
bench/RESULTS-host.md.

1. Kills: a real `narrate build` killed with SIGKILL (NARRATE_KILL_AT) at every named moment of narrate.faults,
   for a first episode into an empty folder, a new episode and a changed episode. At the instant of the kill the
   feed may only name files that exist with the size it gives, the catalog must pass PRAGMA integrity_check, and
   feed and catalog must each be the state before or after the build (the feed never ahead of the catalog). The
   same build run again must leave the feed equal to `narrate episodes` and no file unaccounted for.
2. Clients: how long `narrate serve` keeps sockets that never send, that send headers a byte at a time, and
   kept-alive ones with nothing more to ask (measured from the client side).
3. Request rate of `narrate serve`, measured with wrk (Debian's `wrk`), for the feed, a page and 64 KiB ranges
   of an episode.
4. Concurrency: 8 different articles built at once into one folder; two builds of one article at once.
The articles are our own few sentences; nothing is read from the corpus.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import selectors
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from narrate.faults import KILL_AT_ENV, MOMENTS  # noqa: E402
from narrate.publish.limits import ServeLimits  # noqa: E402

PY = sys.executable
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
TOWNS = ("Arden", "Belmont", "Carrow", "Dunmore", "Elsby", "Fenwick", "Garth", "Holloway")


def article(town: str, detail: str = "before nine") -> str:
    return (f"# {town} opens a new library\n\n**Ada Moss****2 May 2026**\n\n"
            f"The town of {town} opened its new library on Saturday. People queued at the door {detail}.\n\n"
            f"## The reading room\n\nThe reading room holds {len(town) * 300} books and twelve long tables.\n")


def narrate(args: list[str], cwd: Path, kill_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**ENV, **({KILL_AT_ENV: kill_at} if kill_at else {})}
    return subprocess.run([PY, "-m", "narrate", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def build(work: Path, source: str, out: str, kill_at: str | None = None) -> subprocess.CompletedProcess[str]:
    return narrate(["build", source, "-o", out, "--cache", "cache", "--jobs", "1", "--json", "-q"], work, kill_at)


# 1. Kills ---------------------------------------------------------------------------------------------------

def catalog_state(out: Path) -> set[tuple[str, str, int]]:
    from narrate.publish import list_episodes

    return {(e.guid, e.record.mp3, e.record.mp3_bytes) for e in list_episodes(out)}


def feed_state(out: Path, problems: list[str]) -> set[tuple[str, str, int]] | None:
    from lxml import etree

    if not (out / "feed.xml").exists():
        return None
    items = set()
    for item in etree.parse(str(out / "feed.xml")).iter("item"):
        enclosure = item.find("enclosure")
        name, length = enclosure.get("url").rsplit("/", 1)[1], int(enclosure.get("length"))
        if not (out / name).is_file() or (out / name).stat().st_size != length:
            problems.append(f"the feed names {name} ({length} bytes), which is not there with that size")
        items.add((item.findtext("guid"), name, length))
    return items


def integrity_ok(out: Path) -> bool:
    if not (out / "catalog.sqlite").exists():
        return True
    conn = sqlite3.connect(out / "catalog.sqlite")
    try:
        return conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()


def leftovers(out: Path) -> list[str]:
    """Episode files and pages no catalog entry names, and unfinished-publish markers."""
    from narrate import locks
    from narrate.publish import list_episodes
    from narrate.publish.catalog import EPISODE_FILE, PAGE_FILE

    entries = list_episodes(out)
    named = {n for e in entries for n in (e.record.mp3, e.record.chapters_json, e.record.vtt, e.page)} | {"index.html"}
    found = [p.name for p in out.iterdir() if (EPISODE_FILE.match(p.name) or PAGE_FILE.match(p.name)) and p.name not in named]
    return found + ([] if locks.publish_settled(out) else ["an unfinished publish or placement"])


def bench_kills(work: Path) -> list[dict]:
    """Every moment x action: was the build killed there, was everything consistent then, did the next build repair."""
    (work / "cache").mkdir()
    for town in ("Arden", "Belmont"):
        (work / f"{town.lower()}.md").write_text(article(town), "utf-8")
    (work / "arden-v2.md").write_text(article("Arden", "long before nine"), "utf-8")
    (work / "base").mkdir()
    if build(work, "arden.md", "base").returncode:
        raise RuntimeError("the base build failed")
    for warm in ("belmont.md", "arden-v2.md"):  # fill the cache: the kills then cost no synthesis
        shutil.rmtree(work / "scratch", ignore_errors=True)
        build(work, warm, "scratch")
    actions = {"first episode, empty folder": ("belmont.md", None), "new episode": ("belmont.md", "base"),
               "changed episode": ("arden-v2.md", "base")}
    rows = []
    for action, (source, base) in actions.items():
        for moment in MOMENTS:
            out = work / f"kill-{len(rows)}"
            if base:
                shutil.copytree(work / base, out)
            before = catalog_state(out) if base else set()
            killed = build(work, source, out.name, kill_at=moment)
            problems: list[str] = []
            reached = killed.returncode == -signal.SIGKILL
            if not reached and killed.returncode != 0:
                raise RuntimeError(f"{action} at {moment}: {killed.stderr}")
            listed = catalog_state(out)
            shown = feed_state(out, problems)
            if not integrity_ok(out):
                problems.append("the catalog fails its integrity check")
            if shown is not None and shown != before and shown != listed:
                problems.append("the feed shows a state the catalog never committed")
            again = build(work, source, out.name)
            repaired = again.returncode == 0 and feed_state(out, problems) == catalog_state(out) and not leftovers(out)
            rows.append({"action": action, "moment": moment, "killed": reached, "consistent": not problems,
                         "repaired": repaired, "problems": problems})
    return rows


# 2. Clients -------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(out: Path) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    proc = subprocess.Popen([PY, "-m", "narrate", "serve", "-o", str(out), "--port", str(port)], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("narrate serve did not start")


def closing_times(port: int, count: int, kind: str) -> list[float]:
    """Open `count` sockets of one kind; seconds until the server closed each (measured from the client)."""
    selector = selectors.DefaultSelector()
    started: dict[socket.socket, float] = {}
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        if kind == "kept alive":
            sock.sendall(b"GET /feed.xml HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.recv(1 << 20)
        elif kind == "headers a byte at a time":
            sock.sendall(b"GET /feed.xml HTTP/1.1\r\n")
        sock.setblocking(False)
        started[sock] = time.monotonic()
        selector.register(sock, selectors.EVENT_READ)
    times: list[float] = []
    next_drip = time.monotonic()
    while started and time.monotonic() - min(started.values()) < 120:
        if kind == "headers a byte at a time" and time.monotonic() >= next_drip:
            for sock in started:
                try:
                    sock.send(b"X")
                except OSError:
                    pass
            next_drip = time.monotonic() + 0.5
        for key, _ in selector.select(timeout=0.1):
            sock = key.fileobj
            try:
                data = sock.recv(1 << 16)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                times.append(time.monotonic() - started.pop(sock))
                selector.unregister(sock)
                sock.close()
    return times


def bench_clients(out: Path, count: int) -> dict[str, list[float]]:
    proc, port = start_server(out)
    try:
        return {kind: closing_times(port, count, kind)
                for kind in ("never sending", "headers a byte at a time", "kept alive")}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# 3. Request rate --------------------------------------------------------------------------------------------

def wrk(url: str, seconds: int, connections: int, header: str | None = None) -> dict[str, float] | str:
    if not shutil.which("wrk"):
        return "wrk is not installed (apt-get install wrk)"
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url] + (["-H", header] if header else [])
    text = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", text, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {"rate": rate, "p50": latency.get("50", "?"), "p99": latency.get("99", "?"),
            "non_2xx": int(errors.group(1)) if errors else 0}


def bench_rate(out: Path, seconds: int) -> dict[str, object]:
    from narrate.publish import list_episodes

    mp3 = list_episodes(out)[0].record.mp3
    proc, port = start_server(out)
    base = f"http://127.0.0.1:{port}"
    try:
        return {
            "feed.xml": wrk(f"{base}/feed.xml", seconds, 64),
            "index.html": wrk(f"{base}/index.html", seconds, 64),
            "64 KiB range of an episode": wrk(f"{base}/{mp3}", seconds, 64, "Range: bytes=0-65535"),
        }
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# 4. Concurrency ---------------------------------------------------------------------------------------------

def bench_concurrency(work: Path) -> dict[str, object]:
    for town in TOWNS:
        (work / f"{town.lower()}.md").write_text(article(town, "at eight"), "utf-8")
    started = time.monotonic()
    procs = [subprocess.Popen([PY, "-m", "narrate", "build", f"{t.lower()}.md", "-o", "eight", "--cache", "c8",
                               "--jobs", "1", "--json", "-q"], cwd=work, env=ENV, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for t in TOWNS]
    codes = [p.wait(timeout=900) for p in procs]
    eight_s = time.monotonic() - started
    problems: list[str] = []
    in_feed = len(feed_state(work / "eight", problems) or ())
    ok = all(c == 0 for c in codes) and in_feed == len(TOWNS) and integrity_ok(work / "eight") and not problems
    pair = [subprocess.Popen([PY, "-m", "narrate", "build", "arden.md", "-o", "pair", "--cache", cache, "--jobs", "1",
                              "--json", "-q"], cwd=work, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for cache in ("pa", "pb")]
    summaries = [json.loads(p.communicate(timeout=900)[0]) for p in pair]
    return {"eight_s": eight_s, "eight_in_feed": in_feed, "eight_ok": ok,
            "pair_synthesized": sorted(s["segments"]["synthesized"] for s in summaries),
            "pair_total": summaries[0]["segments"]["total"]}


# Report -----------------------------------------------------------------------------------------------------

def _seconds(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{min(values):.1f} / {statistics.median(values):.1f} / {max(values):.1f}"


def report(kills: list[dict], clients: dict[str, list[float]], count: int, rate: dict[str, object],
           concurrency: dict[str, object], started: datetime.datetime, elapsed_s: float) -> str:
    limits = ServeLimits()
    reached = [r for r in kills if r["killed"]]
    survived = [r for r in reached if r["consistent"] and r["repaired"]]
    lines = [
        "# narrate: publishing and hosting under faults",
        "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC by `python bench/host.py` in {elapsed_s / 60:.1f} min on "
        f"{os.cpu_count()} cores ({platform.platform()}, Python {platform.python_version()}). The machine is shared: "
        "wall times and request rates are indicative (other work ran at the same time).",
        "",
        "## 1. Builds killed with SIGKILL at every named moment",
        "",
        f"**{len(survived)} of {len(reached)} kills survived**: at the instant of the kill the feed named only files "
        "that were there with the size it gives, the catalog passed `PRAGMA integrity_check`, feed and catalog each "
        "showed the state before or after the build (the feed never ahead of the catalog), and running the same "
        "build again left the feed equal to `narrate episodes` with no episode file, page or marker unaccounted for.",
        "",
        "| Moment | " + " | ".join(dict.fromkeys(r["action"] for r in kills)) + " |",
        "|---|" + "---|" * len(dict.fromkeys(r["action"] for r in kills)),
    ]
    for moment in MOMENTS:
        cells = []
        for row in (r for r in kills if r["moment"] == moment):
            if not row["killed"]:
                cells.append("not reached")
            else:
                cells.append("consistent, repaired" if row["consistent"] and row["repaired"]
                             else "FAILED: " + "; ".join(row["problems"] or ["not repaired"]))
        lines.append(f"| `{moment}` | " + " | ".join(cells) + " |")
    lines += [
        "",
        "The moments are described in `narrate/faults.py`; `tests/test_publish_crash.py` and "
        "`tests/test_build_crash.py` run the same checks in the suite.",
        "",
        f"## 2. Idle and slow clients ({count} sockets of each kind, seconds until the server closed them: "
        "min / median / max)",
        "",
        "| Client | Closed after (s) | Limit |",
        "|---|---|---|",
        f"| Connects and never sends | {_seconds(clients['never sending'])} | {limits.head_timeout_s:g} s for a "
        "request head |",
        f"| Sends its headers a byte every half second | {_seconds(clients['headers a byte at a time'])} | "
        f"{limits.head_timeout_s:g} s for a request head |",
        f"| Kept alive after one request, then silent | {_seconds(clients['kept alive'])} | "
        f"{limits.idle_timeout_s:g} s idle |",
        "",
        "## 3. Request rate of `narrate serve` (wrk, 2 threads, 64 connections; wrk and the server share the 2 cores)",
        "",
        "| Request | Requests/s | Latency p50 | Latency p99 | Non-2xx/3xx |",
        "|---|---|---|---|---|",
    ]
    for name, figure in rate.items():
        if isinstance(figure, str):
            lines.append(f"| {name} | {figure} | | | |")
        else:
            lines.append(f"| {name} | {figure['rate']:,.0f} | {figure['p50']} | {figure['p99']} | "
                         f"{figure['non_2xx']} |")
    lines += [
        "",
        "## 4. Concurrent builds into one folder",
        "",
        f"- 8 different articles built at once (`--jobs 1` each): {concurrency['eight_s']:.1f} s wall, "
        f"{concurrency['eight_in_feed']} of 8 episodes in the feed, catalog "
        f"{'intact' if concurrency['eight_ok'] else 'NOT intact'}.",
        f"- Two builds of one article at once (separate segment caches): segments synthesized "
        f"{' and '.join(map(str, concurrency['pair_synthesized']))} of {concurrency['pair_total']} "
        "(the second waits for the first and reuses its episode).",
        "",
        "## Raw figures",
        "",
        "```json",
        json.dumps({"kills": kills, "clients": clients, "rate": rate, "concurrency": concurrency}, indent=1),
        "```",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sockets and shorter load runs")
    parser.add_argument("--out", type=Path, help="report file (default bench/RESULTS-host.md)")
    args = parser.parse_args(argv)
    out_file = args.out or REPO / "bench" / ("RESULTS-host-quick.md" if args.quick else "RESULTS-host.md")
    started, t0 = datetime.datetime.now(datetime.timezone.utc), time.monotonic()
    count, seconds = (20, 3) if args.quick else (100, 10)
    with tempfile.TemporaryDirectory(prefix="narrate-host-bench-") as tmp:
        work = Path(tmp)
        print("kills...", flush=True)
        kills = bench_kills(work)
        print("clients...", flush=True)
        clients = bench_clients(work / "base", count)
        print("request rate...", flush=True)
        rate = bench_rate(work / "base", seconds)
        print("concurrency...", flush=True)
        concurrency = bench_concurrency(work)
    out_file.write_text(report(kills, clients, count, rate, concurrency, started, time.monotonic() - t0), "utf-8")
    print(f"wrote {out_file}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
