"""The speaker: a small process that speaks every eSpeak NG segment of a build in a fresh fork of itself.

eSpeak NG's audio for a text depends on what its process spoke before, so each segment is spoken by a process
forked from one whose engine is started but has never spoken (Pyttsx3Engine.fresh_process_per_segment). A worker
could fork that process itself, but a worker is large (numpy, soxr, LAME, narrate's audio code): each fork copied its
page tables, the exit unmapped them again, and every page the worker wrote afterwards (trimming and measuring the
segment it got back) was copied or write-faulted anew. On the sample article that was about 5 ms of CPU per segment,
a fifth of the speech itself, on a machine where the build keeps both cores busy.

So the fork server forks this process first, before its own heavy imports (start(), from narrate.worker_server),
with the pyttsx3 engine's Python code only; it starts eSpeak NG (the same preparation a worker made) and then only
waits for connections on a Unix socket: for each, it forks a child that reads one request (a text and its voice
settings), speaks it with the inherited engine and writes the outcome back on that connection
(narrate.engines.outcome), then exits. Workers, forked from the fork server after it, inherit the socket's address
and send each pyttsx3 segment there (speak); the audio is the audio a fork of a prepared worker made (tests compare).

Where there is no speaker (no fork server, a platform without Unix sockets in the abstract namespace, Dask workers,
eSpeak NG that cannot start synchronously), speak returns None and the worker forks segment processes itself.
The speaker dies with the fork server, and its segment processes with it (die_with_parent); it holds none of the
build's output open."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import struct
import sys
from dataclasses import asdict

from narrate.audio.pcm import Pcm
from narrate.engines.base import EngineError, VoiceSettings
from narrate.engines.outcome import received_outcome, send_outcome
from narrate.processes import WORKER_NICENESS, die_with_parent, quiet_stdout

ENGINE = "pyttsx3"
"""The engine the speaker speaks for."""
CHILD_DEADLINE_S = 900
"""A segment process still speaking after this long is ended (the worker that waits for it has long been stopped by
its own per-segment timeout by then; this only keeps a hung eSpeak from living on)."""
_SERVING = b"S"
"""The speaker's first byte on a connection: it has forked a segment process for the request."""
_CANNOT = b"U"
"""...or: it cannot speak here (eSpeak NG did not start synchronously); the worker speaks the segment itself."""
_PEER_CREDENTIALS = struct.Struct("3i")
"""SO_PEERCRED: the connecting process's pid, uid and gid."""

_address: bytes | None = None
"""The speaker's socket address, set in the fork server by start() and inherited by every worker; None: no speaker."""


def start() -> None:
    """In the fork server, before its heavy imports: open the speaker's socket and fork the speaker (serve).

    A no-op off Linux (the abstract socket namespace is Linux's), or with NARRATE_NO_SPEAKER set."""
    global _address
    if not sys.platform.startswith("linux") or os.environ.get("NARRATE_NO_SPEAKER"):
        return
    import narrate.engines.pyttsx3_engine  # noqa: F401 - imported before the fork: the speaker and the workers share it

    address = f"\0narrate-speaker-{os.getpid()}-{secrets.token_hex(8)}".encode()
    try:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(address)
        listener.listen(64)
    except OSError:
        return
    server = os.getpid()
    pid = os.fork()
    if pid == 0:
        try:
            _serve(listener, server)
        finally:
            os._exit(0)
    listener.close()
    _address = address


def speaks_for(engine: str) -> bool:
    """Whether this process sends `engine`'s segments to a speaker (as far as it knows: see speak)."""
    return _address is not None and engine == ENGINE


def speak(engine: str, text: str, settings: VoiceSettings) -> Pcm | None:
    """The speaker's audio for `text` (as `engine` speaks it with `settings`), or None where no speaker speaks for
    `engine` in this process (the caller speaks it itself). Raises the segment's EngineError, or one when the
    segment process died before it had written its whole result."""
    global _address
    if not speaks_for(engine):
        return None
    request = json.dumps({"text": text, "settings": asdict(settings)}).encode("utf-8")
    try:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(_address)
        connection.sendall(request)
        connection.shutdown(socket.SHUT_WR)  # the end of the request
    except OSError:
        _address = None  # the speaker is gone (or never started): speak here from now on
        return None
    with connection, connection.makefile("rb") as incoming:
        try:
            first = incoming.read(1)
        except OSError:
            first = b""
        if first != _SERVING:
            _address = None
            return None
        outcome = received_outcome(incoming)
    if outcome is None:
        raise EngineError("the synthesis process died")
    kind, value = outcome
    if kind == "error":
        raise value
    return value


# --- inside the speaker --------------------------------------------------------------------------


def _serve(listener: socket.socket, server: int) -> None:
    """The speaker's life (a child of the fork server `server`): start eSpeak NG, then fork one segment process per
    connection, until the server ends."""
    die_with_parent()
    if os.getppid() != server:  # the server ended before the line above took effect
        os._exit(0)
    keep = listener.fileno()
    os.closerange(3, keep)  # the fork server's listener and pipes are its own
    os.closerange(keep + 1, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 1024)
    quiet_stdout()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # nor does it hold the build's error output open (its segments' errors travel as outcomes)
    os.close(devnull)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build process's to handle
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # segment processes are reaped by the kernel
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    engine = _ready_engine()
    while True:
        try:
            connection, _ = listener.accept()
        except InterruptedError:  # pragma: no cover - Python retries accept itself (PEP 475)
            continue
        with contextlib.suppress(OSError):
            if not _same_user(connection):  # an abstract socket has no file permissions: only the build's user speaks
                connection.close()
                continue
            if engine is None:
                connection.sendall(_CANNOT)
            else:
                connection.sendall(_SERVING)
                if os.fork() == 0:
                    listener.close()
                    _speak_one(engine, connection)  # never returns
        connection.close()


def _same_user(connection: socket.socket) -> bool:
    """Whether the process at the other end of `connection` runs as this process's user."""
    try:
        _, uid, _ = _PEER_CREDENTIALS.unpack(connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEER_CREDENTIALS.size))
    except (OSError, AttributeError, struct.error):
        return False
    return uid == os.getuid()


def _ready_engine():  # type: ignore[no-untyped-def]
    """The started, never-used engine every segment process inherits, prepared as a worker prepares its own
    (Pyttsx3Engine.prepare_process, then the engine object); None when eSpeak NG cannot run synchronously here."""
    from narrate.engines.pyttsx3_engine import Pyttsx3Engine

    try:
        if not Pyttsx3Engine.prepare_process(VoiceSettings()):
            return None
        return Pyttsx3Engine()
    except Exception:  # noqa: BLE001 - the workers speak for themselves then, and report what fails
        return None


def _speak_one(engine, connection: socket.socket) -> None:  # type: ignore[no-untyped-def]
    """A segment process: read the request, speak it, write the outcome, exit."""
    try:
        die_with_parent()  # a speaker that is killed takes its segment processes with it
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.alarm(CHILD_DEADLINE_S)
        parts = []
        while part := connection.recv(1 << 16):
            parts.append(part)
        request = json.loads(b"".join(parts))
        text, settings = str(request["text"]), VoiceSettings(**request["settings"])
        try:
            outcome: tuple[str, object] = ("ok", engine.synthesize(text, settings))
        except BaseException as error:  # noqa: BLE001 - handed to the worker as is
            outcome = ("error", error)
        send_outcome(connection.detach(), outcome)
    finally:
        os._exit(0)
