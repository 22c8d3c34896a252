"""Mp3File: the episode's MP3 written from its encoded chunks in order, with ONE LAME 'Info' frame for the whole file.

The file starts with room for the Info frame (narrate.audio.lametag), then each chunk's frames are appended as
they come (only the chunk being written is in memory), and close() fills the Info frame in: the frame count, byte
count, seek table and music CRC of all chunks, LAME's encoder delay at the start and the last chunk's padding at
the end, so a player that honours it plays exactly the episode's samples. The frames of one chunk follow the
previous chunk's without a gap; narrate.audio.layout places the chunks so that this is where a single encode
would have put them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from narrate.audio.chunk import EncodedChunk
from narrate.audio.lametag import AudioFrames, info_frame, info_frame_size, parse_header
from narrate.audio.layout import ENCODER_DELAY
from narrate.errors import NarrateError

LAME_VERSION_TAG = "LAME3.100"
"""The encoder named in the Info frame: lameenc 1.x is built on LAME 3.100."""


class Mp3File:
    """Writes a CBR MP3 at `path` from EncodedChunks appended in order; close() writes the Info frame."""

    def __init__(self, path: Path) -> None:
        """Open `path` for the MP3 (truncating it)."""
        self.path = Path(path)
        with self._writing():
            self._file = open(self.path, "wb")  # noqa: SIM115 - closed by close() or abort()
        self._frames = AudioFrames()
        self._info_size = 0
        self._padding = 0
        self.samples = 0
        """MP3-rate samples of audio so far (what a player plays)."""

    def add(self, chunk: EncodedChunk) -> None:
        """Append the next chunk's frames."""
        if not self._info_size:
            first = parse_header(chunk.frames)
            if first is None:
                raise ValueError("an encoded chunk does not start with an MP3 frame")
            self._info_size = info_frame_size(first)
            with self._writing():
                self._file.write(bytes(self._info_size))  # the Info frame's place, filled in by close()
        self._frames.add_frames(chunk.frames, chunk.offsets)
        with self._writing():
            self._file.write(chunk.frames)
        # Every chunk's frames take the place of its LAME delay, input and padding; only the first chunk's delay and
        # the last chunk's padding are outside the episode (the Info frame trims them).
        self.samples = len(self._frames.offsets) * self._frames.first.samples - ENCODER_DELAY - chunk.padding  # type: ignore[union-attr]
        self._padding = chunk.padding

    def close(self) -> None:
        """Write the Info frame at the start and close the file."""
        try:
            if self._frames.first is None:
                raise ValueError("no audio was written")
            frame = info_frame(self._frames, ENCODER_DELAY, self._padding, encoder=LAME_VERSION_TAG)
            if len(frame) != self._info_size:
                raise ValueError("the Info frame does not fit the room left for it")
            with self._writing():
                self._file.seek(0)
                self._file.write(frame)
                self._file.close()  # flushes: a full disk shows here
        finally:
            self._file.close()

    def abort(self) -> None:
        """Close the file without finishing it (the caller removes it)."""
        with contextlib.suppress(OSError):
            self._file.close()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Turn a failed write (no such folder, disk full) into one sentence for the user."""
        try:
            yield
        except OSError as error:
            raise NarrateError(f"Writing the MP3 {self.path} failed: {error.strerror or error}.") from None
