"""Trim: each segment's leading and trailing engine silence cut to a fixed margin, so the pauses heard are the script's.

Engines frame every utterance with silence of their own. eSpeak NG (through pyttsx3) ends each one with digital
zeros: 300 ms at 175 words a minute, 350 ms at 160, 530 ms at 120 (up to a second after some punctuation), and
its breathy variants (en+f3) with breath noise decaying from -50 to -90 dB. Piper starts with 20-60 ms of noise
near -90 dB and ends with 50-300 ms of noise decaying from about -55 dB. Left in, that silence is added to every
pause of the script: on the sample article sentences were parted by about 600 ms and paragraphs by 1,000 ms
instead of 300 and 700.

So each segment, as it comes from the engine, keeps its speech and exactly MARGIN_MS before and after it: its
speech runs from the first to the last WINDOW_MS window whose RMS is within SPEECH_FLOOR_DB of the segment's
loudest window; what lies beyond the margins is dropped, a shorter margin is made up with zeros, and the margins
fade in and out (raised cosine) so every segment starts and ends on zero. The joins then put the script's pause
less the two margins between segments (narrate.audio.layout), so the silence from the end of one segment's speech
to the start of the next is the configured pause.

Measured on the 62 segments of the sample article (eSpeak NG en-us at 120 and 175 wpm, en+f3, and Piper's
joe-medium): with a floor of -60 dB and 40 ms margins, nothing dropped is louder than -60.3 dB (eSpeak's breath
noise) or -62.6 dB (Piper's) relative to the segment's loudest 5 ms, and soft endings (the 'th' of "faith" at
-55 dB in Piper, the fricatives eSpeak stops abruptly at -40 dB) lie inside the kept speech. A floor of -50 dB
would have cut Piper's -55 dB endings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from narrate.audio.pcm import Pcm

if TYPE_CHECKING:
    import numpy as np

WINDOW_MS = 5
"""Length of the windows whose RMS tells speech from engine silence."""
SPEECH_FLOOR_DB = -60.0
"""A window is speech when its RMS is at most this far below the segment's loudest window."""
MARGIN_MS = 40
"""Quiet kept (or made up with zeros) before and after each segment's speech."""


def margin_frames(sample_rate: int) -> int:
    """MARGIN_MS in samples at `sample_rate`."""
    return (MARGIN_MS * sample_rate + 500) // 1000


POWER_BLOCK_WINDOWS = 256
"""Windows squared at a time by window_power: a reused buffer of a few kB instead of a float64 copy of the segment,
which (at a megabyte and more) was memory the worker mapped and page-faulted afresh for every segment."""


def window_power(samples: np.ndarray, window: int) -> np.ndarray:
    """Sum of squares (float64) of every `window` consecutive samples of the int16 `samples` (the last window
    padded with zeros), computed POWER_BLOCK_WINDOWS windows at a time."""
    import numpy as np

    count = -(-samples.size // window)
    power = np.empty(count)
    block = POWER_BLOCK_WINDOWS * window
    squares = np.empty(block)
    for first in range(0, count, POWER_BLOCK_WINDOWS):
        piece = samples[first * window : first * window + block]
        rows = -(-piece.size // window)
        out = squares[: rows * window]
        np.square(piece, out=out[: piece.size], dtype=np.float64)
        out[piece.size :] = 0.0
        power[first : first + rows] = out.reshape(rows, window).sum(axis=1)
    return power


def trim_silence(pcm: Pcm) -> Pcm:
    """`pcm` with its speech and exactly MARGIN_MS of faded quiet before and after it (16-bit audio; other widths,
    and audio without any sample above zero, are returned as they are)."""
    import numpy as np

    if pcm.sample_width != 2 or pcm.frames == 0:
        return pcm
    channels = pcm.channels
    samples = np.frombuffer(pcm.data, dtype="<i2", count=pcm.frames * channels).reshape(-1, channels)
    n = samples.shape[0]
    window = max(1, (WINDOW_MS * pcm.sample_rate + 500) // 1000)
    power = window_power(samples.ravel(), window * channels)
    loudest = float(power.max())
    if loudest == 0.0:
        return pcm
    speech = np.flatnonzero(power >= loudest * 10 ** (SPEECH_FLOOR_DB / 10))
    start, end = int(speech[0]) * window, min(n, (int(speech[-1]) + 1) * window)
    margin = margin_frames(pcm.sample_rate)
    fade = np.sin(np.pi / 2 * (np.arange(margin) + 0.5) / margin) ** 2 if margin else np.zeros(0)
    head = np.zeros((margin, channels))
    head[margin - min(margin, start) :] = samples[max(0, start - margin) : start]
    tail = np.zeros((margin, channels))
    kept = samples[end : end + margin]
    tail[: kept.shape[0]] = kept
    edge = 2 * channels
    data = b"".join((
        np.rint(head * fade[:, None]).astype("<i2").tobytes(),
        pcm.data[start * edge : end * edge],
        np.rint(tail * fade[::-1, None]).astype("<i2").tobytes(),
    ))
    return Pcm(data=data, sample_rate=pcm.sample_rate, sample_width=2, channels=channels)
