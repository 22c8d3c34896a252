"""Baseline: pyttsx3 (over the wheel's eSpeak NG) reading a text file whole, then sentence by sentence.

Run by bench/run.py in its own process: `python bench/pyttsx3_baseline.py TEXT_FILE SENTENCES_FILE`.
Prints one JSON line: {"whole_s": ..., "sentences_s": ..., "whole_audio_s": ..., "sentences_audio_s": ...}.
Engine start-up (library load, first save) is excluded from both figures.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import wave
from pathlib import Path


def _save(engine, text: str, path: Path) -> float:
    """Render `text` to `path` and wait until the WAV is complete; return its duration in seconds."""
    path.unlink(missing_ok=True)
    engine.save_to_file(text, str(path))
    engine.runAndWait()
    deadline = time.monotonic() + 30
    last = -1
    while time.monotonic() < deadline:  # runAndWait may return before the file is complete
        size = path.stat().st_size if path.exists() else -1
        if size > 44 and size == last:
            break
        last = size
        time.sleep(0.005)
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


def main() -> None:
    """Time both readings and print the JSON line."""
    text = Path(sys.argv[1]).read_text(encoding="utf-8")
    sentences = [s for s in Path(sys.argv[2]).read_text(encoding="utf-8").split("\n") if s.strip()]
    from narrate.engines.espeak_library import ensure_wheel_espeak

    ensure_wheel_espeak()
    import pyttsx3

    devnull = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(1)
    os.dup2(devnull, 1)  # the driver prints "Audio saved to ..." on stdout
    try:
        engine = pyttsx3.init()
        work = Path(tempfile.mkdtemp(prefix="bench-pyttsx3-"))
        _save(engine, "Ready.", work / "warm.wav")
        start = time.perf_counter()
        whole_audio = _save(engine, text, work / "whole.wav")
        whole_s = time.perf_counter() - start
        start = time.perf_counter()
        sentences_audio = sum(_save(engine, s, work / "one.wav") for s in sentences)
        sentences_s = time.perf_counter() - start
    finally:
        os.dup2(saved, 1)
    print(json.dumps({"whole_s": whole_s, "sentences_s": sentences_s,
                      "whole_audio_s": whole_audio, "sentences_audio_s": sentences_audio}))


if __name__ == "__main__":
    main()
