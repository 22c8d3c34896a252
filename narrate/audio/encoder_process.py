"""The encoder process: `python -m narrate.audio.encoder_process` reads a JSON line and f32le mono on stdin, writes one MP3.

narrate.audio.encode.Mp3Encoder starts it and pipes the episode's samples in as they are made.
A process of its own, not a thread: LAME's encode (about 1.2 s of CPU for 8.5 minutes) then
never waits for the build's Python work to let go of the interpreter lock, and runs beside it
on another core. On failure it prints one line on stderr and exits with status 1.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

READ_BYTES = 1 << 20
"""Bytes read from the pipe at a time."""


def main(argv: list[str]) -> int:
    """Encode stdin into an MP3: its first line is the JSON spec (input_rate, path, and the Mp3Format fields), then f32le.

    The libraries load before the spec is read, so a process started early is ready when the audio comes.
    """
    try:
        import numpy as np

        from narrate.audio.mp3writer import Mp3Format, Mp3Writer

        first, _, carry = _read_line()
        if not first:
            return 0  # the build ended before any audio: nothing to write
        spec = json.loads(first)
        writer = Mp3Writer(int(spec["input_rate"]), Path(spec["path"]), Mp3Format(**spec["format"]))
    except Exception as error:  # noqa: BLE001 - one line for the parent to show
        print(f"cannot start the encoder: {error}", file=sys.stderr)
        return 1
    try:
        while True:
            usable = len(carry) // 4 * 4
            writer.write(np.frombuffer(carry[:usable], dtype="<f4"))
            carry = carry[usable:]
            chunk = os.read(0, READ_BYTES)
            if not chunk:
                break
            carry += chunk
        writer.close()
    except Exception as error:  # noqa: BLE001 - one line for the parent to show
        writer.abort()
        print(str(error) or type(error).__name__, file=sys.stderr)
        return 1
    return 0


def _read_line() -> tuple[bytes, bytes, bytes]:
    """Read stdin up to the first newline: (line, newline, bytes read after it); an empty line at end of input."""
    data = b""
    while b"\n" not in data:
        chunk = os.read(0, READ_BYTES)
        if not chunk:
            return b"", b"", b""
        data += chunk
    return data.partition(b"\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
