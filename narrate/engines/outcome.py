"""A segment process's outcome on the wire: what a process forked to speak one segment hands back.

Used by the segment processes a worker forks itself (narrate.engines.pool) and by those the speaker forks
(narrate.engines.speaker). Light on purpose: the speaker imports it, and it must stay a small process."""

from __future__ import annotations

import os
import pickle
import struct
from dataclasses import replace
from collections.abc import Callable
from typing import Any, BinaryIO

from narrate.audio.pcm import Pcm
from narrate.engines.base import EngineError

HEAD_SIZE = struct.Struct("<I")
"""Length of the pickled head a segment process writes first (send_outcome)."""


def outcome_of(task: Callable[[], object]) -> tuple[str, object]:
    """("ok", what `task()` returns), or ("error", what it raised): what a segment process sends."""
    try:
        return "ok", task()
    except BaseException as error:  # noqa: BLE001 - handed to the receiver as is
        return "error", error


def result_of(outcome: tuple[str, Any]) -> Any:
    """The result an outcome carries; raises the error it carries instead."""
    kind, value = outcome
    if kind == "error":
        raise value
    return value


def send_outcome(fd: int, outcome: tuple[str, object]) -> None:
    """Write a segment process's outcome to `fd` (and close it): the length of a pickled head, the head, then for a
    Pcm its samples as they are. The head is ("pcm", the Pcm without samples, their length), or the outcome itself
    for an error. A pickled Pcm would copy its samples twice more in the child (into the pickle, and out of it in the
    receiver), and the child's fresh pages are what a segment process costs beyond its speech."""
    kind, value = outcome
    data = b""
    if kind == "ok" and isinstance(value, Pcm):
        data = value.data
        head = pickle.dumps(("pcm", replace(value, data=b""), len(data)), protocol=pickle.HIGHEST_PROTOCOL)
    else:
        try:
            head = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - an unpicklable error still becomes a message
            head = pickle.dumps(("error", EngineError(str(value))), protocol=pickle.HIGHEST_PROTOCOL)
    with os.fdopen(fd, "wb") as out:
        out.write(HEAD_SIZE.pack(len(head)))
        out.write(head)
        out.write(data)


def received_outcome(incoming: BinaryIO) -> tuple[str, Any] | None:
    """Read what send_outcome wrote: ("ok", result) or ("error", exception), or None when it ends short (the
    segment process died before it had written everything)."""
    size = incoming.read(HEAD_SIZE.size)
    if len(size) != HEAD_SIZE.size:
        return None
    (head_size,) = HEAD_SIZE.unpack(size)
    try:
        head = pickle.loads(incoming.read(head_size))
    except Exception:  # noqa: BLE001 - part of a head
        return None
    if head[0] != "pcm":
        return head
    _, pcm, length = head
    data = incoming.read(length)
    if len(data) != length:
        return None
    return "ok", replace(pcm, data=data)
