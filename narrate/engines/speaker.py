"""The speaker: a small process that speaks every eSpeak NG segment of a build in a fresh fork of its own.

eSpeak NG's audio for a text depends on what its process spoke before, so each segment is spoken by a process
forked from one whose engine is started but has never spoken (Pyttsx3Engine.fresh_process_per_segment). A worker
could fork that process itself, but a worker is large (numpy, soxr, LAME, narrate's audio code): each fork copied its
page tables, the exit unmapped them again, and every page the worker wrote afterwards (trimming and measuring the
segment it got back) was copied or write-faulted anew. On the sample article that was about 5 ms of CPU per segment,
a fifth of the speech itself, on a machine where the build keeps both cores busy.

So the fork server forks this process first, before its own heavy imports (start(), from narrate.worker_server),
with the pyttsx3 engine's Python code only; it starts eSpeak NG (the same preparation a worker made) and then only
waits for connections on a Unix socket. For each it reads one request (a text and its voice settings) and hands the
text and the connection to its voiced process for those settings: a child of the speaker that set them on the engine
once (one per distinct settings, up to MAX_VOICED) and forks a segment process per text, which speaks it and writes
the outcome back on the connection (narrate.engines.outcome), then exits. Setting the voice in every segment process
reloaded eSpeak NG's voice and dictionary there: about 1 ms and 150 pages per segment. A segment process forked from
the voiced process makes the same calls to eSpeak NG in the same order as one that sets the settings itself (the
fallback where there is no voiced process), so the samples are the same.

Workers, forked from the fork server after it, inherit the socket's address and send each pyttsx3 segment there
(speak); the audio is the audio a fork of a prepared worker made (tests compare).

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
from narrate.engines.outcome import outcome_of, received_outcome, result_of, send_outcome
from narrate.processes import WORKER_NICENESS, die_with_parent, quiet_stdout

ENGINE = "pyttsx3"
"""The engine the speaker speaks for."""
CHILD_DEADLINE_S = 900
"""A segment process still speaking after this long is ended (the worker that waits for it has long been stopped by
its own per-segment timeout by then; this only keeps a hung eSpeak from living on)."""
_SERVING = b"S"
"""The speaker's first byte on a connection: it has taken the request (and handed it to a segment process)."""
_CANNOT = b"U"
"""...or: it cannot speak here (eSpeak NG did not start synchronously); the worker speaks the segment itself."""
_READY = b"R"
"""A voiced process's first byte to the speaker: it has set its settings (_voiced)."""
_TEXT = b"T"
"""What starts every message to a voiced process, before the text (which may be empty: an end of file may not)."""
MAX_VOICED = 8
"""At most this many voiced processes (one per distinct voice settings) per speaker; other settings are set in each
segment process."""
MAX_REQUEST_BYTES = 1 << 20
"""The largest text handed to a voiced process (segments are bounded far below: narrate.script)."""
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


def prepare(engine: str, settings: VoiceSettings) -> bool:
    """Have the speaker set up its voiced process for `settings` now (a prewarmed worker asks, so that the first
    segment of an edit finds it ready). Returns whether the speaker speaks `engine`'s segments for this process."""
    if not speaks_for(engine):
        return False
    connection = _ask({"text": "", "settings": asdict(settings), "prepare": True})  # answered once it is ready
    if connection is not None:
        connection.close()
    return connection is not None


def speak(engine: str, text: str, settings: VoiceSettings) -> Pcm | None:
    """The speaker's audio for `text` (as `engine` speaks it with `settings`), or None where no speaker speaks for
    `engine` in this process (the caller speaks it itself). Raises the segment's EngineError, or one when the
    segment process died before it had written its whole result."""
    if not speaks_for(engine):
        return None
    connection = _ask({"text": text, "settings": asdict(settings)})
    if connection is None:
        return None
    with connection, connection.makefile("rb") as incoming:
        outcome = received_outcome(incoming)
    if outcome is None:
        raise EngineError("the synthesis process died")
    return result_of(outcome)


def _ask(request: dict[str, object]) -> socket.socket | None:
    """Send `request` to the speaker; return the connection once the speaker has taken it (its first byte read), or
    None when it cannot speak or is gone (this process then speaks for itself from now on)."""
    global _address
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(_address)
        connection.sendall(json.dumps(request).encode("utf-8"))
        connection.shutdown(socket.SHUT_WR)  # the end of the request
        answer = connection.recv(1)
    except OSError:
        answer = b""
    if answer != _SERVING:
        connection.close()
        _address = None
        return None
    return connection


# --- inside the speaker --------------------------------------------------------------------------


def _serve(listener: socket.socket, server: int) -> None:
    """The speaker's life (a child of the fork server `server`): start eSpeak NG, then hand each connection's text to a
    segment process (forked by the voiced process of its settings, else by the speaker), until the server ends."""
    die_with_parent()
    if os.getppid() != server:  # the server ended before the line above took effect
        os._exit(0)
    keep = listener.fileno()
    os.closerange(3, keep)  # the fork server's listener and pipes are its own
    os.closerange(keep + 1, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 1024)
    quiet_stdout(stderr=True)  # nor does it hold the build's error output open (its segments' errors travel as outcomes)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build process's to handle
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # segment processes are reaped by the kernel
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    engine = _ready_engine()
    voiced: dict[VoiceSettings, socket.socket | None] = {}
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
                connection.close()
                continue
            try:
                text, settings, only_prepare = _request(connection)
            except (ValueError, TypeError, KeyError):
                connection.close()  # not a request of narrate's: the worker that sent it sees the speaker gone
                continue
            if settings not in voiced:
                voiced[settings] = _voiced(engine, settings, (listener, connection), voiced) if len(voiced) < MAX_VOICED else None
            connection.sendall(_SERVING)
            if only_prepare:
                connection.close()
                continue
            if not _hand_to(voiced[settings], text, connection):
                voiced[settings] = None
                if os.fork() == 0:
                    listener.close()
                    _speak_one(engine, connection, text, settings)  # never returns
        connection.close()


def _request(connection: socket.socket) -> tuple[str, VoiceSettings, bool]:
    """The text and voice settings a worker sent on `connection` (all of it: the worker then shuts its side), and
    whether it only asks for the voiced process of those settings (prepare)."""
    parts = []
    while part := connection.recv(1 << 16):
        parts.append(part)
    request = json.loads(b"".join(parts))
    return str(request["text"]), VoiceSettings(**request["settings"]), bool(request.get("prepare"))


def _voiced(engine, settings: VoiceSettings, speakers: tuple[socket.socket, ...],  # type: ignore[no-untyped-def]
            others: dict[VoiceSettings, socket.socket | None]) -> socket.socket | None:
    """Fork a process that sets `settings` on the engine once, then forks a segment process per text it is handed
    (_voice_loop); return the speaker's end of its channel, or None when it cannot set them (the speaker then forks
    segment processes that set them themselves, and report the error). `speakers` (the speaker's listener and the
    connection being served) and the `others` voiced processes' channels are closed in it: a worker waiting for
    the end of its connection must not wait for a process that never writes there."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    if os.fork() == 0:
        try:
            ours.close()
            for held in speakers:
                held.close()
            for channel in others.values():
                if channel is not None:
                    channel.close()
            _voice_loop(engine, settings, theirs)
        finally:
            os._exit(0)
    theirs.close()
    try:
        ready = ours.recv(1)
    except OSError:
        ready = b""
    if ready != _READY:
        ours.close()
        return None
    return ours


def _voice_loop(engine, settings: VoiceSettings, channel: socket.socket) -> None:  # type: ignore[no-untyped-def]
    """A voiced process's life: set `settings`, say so, then fork a segment process for each (text, connection) the
    speaker hands over, until the speaker ends."""
    die_with_parent()
    try:
        engine.apply_settings(settings)
    except Exception:  # noqa: BLE001 - the speaker's own segment processes report it
        return
    channel.sendall(_READY)
    while True:
        message, fds, _, _ = socket.recv_fds(channel, MAX_REQUEST_BYTES, 1)
        if not message or not fds:  # the speaker has ended (every message has its text's marker and a connection)
            return
        connection = socket.socket(fileno=fds[0])
        if os.fork() == 0:
            channel.close()
            _speak_one(engine, connection, message[len(_TEXT):].decode("utf-8"), None)  # never returns
        connection.close()


def _hand_to(channel: socket.socket | None, text: str, connection: socket.socket) -> bool:
    """Hand `text` and `connection` to a voiced process; False when there is none, or it is gone."""
    if channel is None:
        return False
    try:
        socket.send_fds(channel, [_TEXT + text.encode("utf-8")], [connection.fileno()])
    except OSError:
        channel.close()
        return False
    return True


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


def _speak_one(engine, connection: socket.socket, text: str, settings: VoiceSettings | None) -> None:  # type: ignore[no-untyped-def]
    """A segment process: speak `text` (in `settings`; None: as its voiced parent set them), write the outcome on
    `connection`, exit."""
    try:
        die_with_parent()  # a speaker (or voiced process) that is killed takes its segment processes with it
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.alarm(CHILD_DEADLINE_S)
        speak_here = (lambda: engine.synthesize(text, settings)) if settings is not None else (
            lambda: engine.synthesize_applied(text))
        send_outcome(connection.detach(), outcome_of(speak_here))
    finally:
        os._exit(0)
