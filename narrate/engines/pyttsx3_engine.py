"""The default engine: pyttsx3 (eSpeak NG on Linux, from the espeakng-loader wheel), one per process."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import io
import os
import platform
import tempfile
import threading
import time
import wave
from pathlib import Path
from typing import Any

from narrate.audio.pcm import Pcm
from narrate.engines.base import EngineError, VoiceSettings
from narrate.versions import package_version

ENGINE_NAME = "pyttsx3"
"""The name voice profiles use for this engine."""
MAX_TEXT_CHARS = 8000
"""Longest text handed to pyttsx3 at once (eSpeak through pyttsx3 crashes the interpreter past about 13,000)."""
WAV_WAIT_S = 10.0
"""How long to wait for pyttsx3's WAV to be complete after synthesis starts (drivers other than eSpeak)."""
ESPEAK_FALLBACK_VOICE = "gmw/en"
"""The voice pyttsx3's driver selects when a freshly started eSpeak reports none (as the driver itself does)."""
ESPEAK_BUFFER_MS = 1000
"""Length of the sound buffers eSpeak hands to pyttsx3's driver (the driver's own choice)."""
WAV_POLL_S = 0.002
"""Poll interval for the WAV file on drivers that give no end-of-message event (not eSpeak)."""
DEFAULT_PITCH = 50
"""eSpeak's own default pitch, used when a profile sets none."""

_ESPEAK_PHONEMES_FLAG = 0x100
"""espeakPHONEMES: lets eSpeak read `[[...]]` as phoneme mnemonics."""

ESPEAK_RAND_SEED = 1
"""Seed of eSpeak NG's own random generator (breath noise of voice variants such as '+f3'), set before every
utterance: eSpeak otherwise seeds it from the clock, and the same text would sound different on every run."""

_synchronous_espeak = False
"""True once this process started eSpeak NG itself in synchronous mode (see _start_espeak_synchronous)."""
_espeak_sample_rate = 22050
"""The sample rate eSpeak NG reported when it started (pyttsx3's driver assumes 22050 Hz)."""
_shared_engine: Any = None
"""The one pyttsx3 engine of this process (two engines in one process hang)."""
_prepared_voices: list[tuple[str, str, list[str]]] | None = None
"""The installed voices, listed once by a prepared worker (prepare_process) so forked segment processes need not."""


def _pyttsx3_version() -> str:
    return package_version("pyttsx3", missing="unknown")


def _driver_name() -> str:
    system = platform.system()
    return {"Windows": "sapi5", "Darwin": "nsss"}.get(system, "espeak")


@functools.cache
def describe() -> tuple[str, str]:
    """Return (engine name, version) without loading any speech library, e.g. ('pyttsx3', 'pyttsx3-2.99/espeak-ng-1.52.0').

    Cached: package metadata and the library's file name do not change while narrate runs, and every
    segment process forked from a prepared worker would otherwise read them again (5-8 ms each)."""
    driver = _driver_name()
    if driver == "espeak":
        from narrate.engines.espeak_library import wheel_espeak_version

        driver_version = f"espeak-ng-{wheel_espeak_version()}"
    else:
        driver_version = f"{driver}-{platform.release()}"
    return ENGINE_NAME, f"pyttsx3-{_pyttsx3_version()}/{driver_version}"


def _pyttsx3_engine() -> Any:
    """Return this process's pyttsx3 engine, creating it (after loading the wheel's eSpeak) on first use."""
    global _shared_engine
    if _shared_engine is None:
        if _driver_name() == "espeak":
            from narrate.engines.espeak_library import ensure_wheel_espeak

            ensure_wheel_espeak()
            _start_espeak_synchronous()
        try:
            import pyttsx3

            _shared_engine = pyttsx3.init()
        except Exception as error:  # pyttsx3 raises bare RuntimeError/OSError when its driver fails
            raise EngineError(f"pyttsx3 could not start its speech driver: {error}.") from error
    return _shared_engine


def _start_espeak_synchronous() -> None:
    """Start eSpeak NG in synchronous mode before pyttsx3's driver starts it in asynchronous mode.

    pyttsx3's driver initialises eSpeak once per process (AUDIO_OUTPUT_RETRIEVAL), which starts eSpeak's
    own command thread; a process with that thread cannot be forked safely, so each forked segment process
    had to start eSpeak again (about 3 ms each, plus setting the voice). In synchronous mode eSpeak runs no
    thread: espeak_Synth returns once every sample has gone through the driver's callback, so a worker can
    start the engine once and fork a segment process per segment from it. The driver starts eSpeak only
    when its class says it has not been, so it keeps this instance (and reads the default voice as it
    would itself). The samples are the same in both modes (the tests compare them).
    """
    global _synchronous_espeak, _espeak_sample_rate
    from pyttsx3.drivers import _espeak
    from pyttsx3.drivers.espeak import EspeakDriver

    if EspeakDriver._moduleInitialized:
        return
    rate = _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, ESPEAK_BUFFER_MS)
    if rate == -1:
        raise EngineError("eSpeak NG could not start (espeak_Initialize failed).")
    _synchronous_espeak, _espeak_sample_rate = True, rate
    current = _espeak.GetCurrentVoice()
    named = current and current.contents.name
    EspeakDriver._defaultVoice = current.contents.name.decode("utf-8") if named else ESPEAK_FALLBACK_VOICE
    EspeakDriver._moduleInitialized = True


def list_engine_voices() -> list[tuple[str, str, list[str]]]:
    """Return the installed engine voices as (id, name, languages); loads the speech library in this process."""
    engine = _pyttsx3_engine()
    return [(str(v.id), str(v.name), [str(lang) for lang in (v.languages or [])]) for v in engine.getProperty("voices")]


class Pyttsx3Engine:
    """Speech through pyttsx3; create at most one per process (pyttsx3 allows no more)."""

    name: str
    """Always 'pyttsx3'."""
    version: str
    """pyttsx3 and driver versions, e.g. 'pyttsx3-2.99/espeak-ng-1.52.0'."""
    phoneme_input: bool = False
    """Whether the current text is passed with espeakPHONEMES (eSpeak only); `synthesize` sets it to
    whether the text holds `[[...]]`, which eSpeak then reads as phoneme mnemonics."""
    fresh_process_per_segment = True
    """eSpeak NG's audio for a text depends on what the process spoke before (its wave generator keeps
    phase and filter state, and re-initialising it in-process hangs), so the pool speaks each segment in a
    process freshly forked from a worker whose engine is started but has never spoken: the first utterance
    of a started engine is reproducible."""

    def __init__(self) -> None:
        self.name, self.version = describe()
        self._engine = _pyttsx3_engine()
        self._voices = list(_prepared_voices) if _prepared_voices is not None else list_engine_voices()
        self._workdir: Path | None = None
        self._default_voice_id: str | None = None
        self._driver = getattr(getattr(self._engine, "proxy", None), "_driver", None)
        self._espeak: Any = None
        if _driver_name() == "espeak" and self._driver is not None and hasattr(self._driver, "setProperty"):
            from pyttsx3.drivers import _espeak

            self._espeak = _espeak
        self._utterance_done = threading.Event()
        self._buffers: list[bytes] | None = None
        """The sound buffers of the utterance being spoken synchronously (_render_espeak_synchronous)."""
        self._collector: Any = None
        """_on_buffer as eSpeak's synthesis callback (made once: a ctypes callback object is not free to make)."""
        if self._espeak is not None:
            if _synchronous_espeak:
                self._collector = self._espeak.t_espeak_callback(self._on_buffer)
            self._install_phoneme_hook()
            self._engine.connect("finished-utterance", self._on_finished_utterance)

    @classmethod
    def describe(cls) -> tuple[str, str]:
        """Return (name, version) without loading the speech library."""
        return describe()

    @classmethod
    def preload_modules(cls) -> None:
        """Import pyttsx3's pure-Python modules (no speech library), so processes forked from this one start fast."""
        import pyttsx3  # noqa: F401
        import pyttsx3.driver  # noqa: F401
        import pyttsx3.voice  # noqa: F401

    @classmethod
    def prepare_process(cls, settings: VoiceSettings) -> bool:
        """Start this process's engine (eSpeak NG in synchronous mode: no threads, so forks of it are safe) without
        speaking, so each segment process forked from here only sets its voice and speaks.

        Returns whether an engine object may be made here too, for the forks to inherit (only when eSpeak NG runs
        synchronously: another driver, or eSpeak started with its own thread, must be started in each fork)."""
        if _shared_engine is not None or _driver_name() != "espeak":
            return _synchronous_espeak
        from narrate.engines.espeak_library import ensure_wheel_espeak

        ensure_wheel_espeak()
        cls.preload_modules()
        import pyttsx3.drivers.espeak  # noqa: F401 - loads the already-mapped library by soname

        describe()  # cached here, so forked segment processes do not look it up again
        _prepare_voice_list()
        _pyttsx3_engine()
        return _synchronous_espeak

    @property
    def _default_voice(self) -> str:
        """The engine's own current voice, asked once and only when a profile names none."""
        if self._default_voice_id is None:
            self._default_voice_id = str(self._engine.getProperty("voice") or "")
        return self._default_voice_id

    def list_voices(self) -> list[tuple[str, str, list[str]]]:
        """Return the installed engine voices as (id, name, languages)."""
        return list(self._voices)

    def synthesize(self, text: str, settings: VoiceSettings) -> Pcm:
        """Return the speech for `text` in `settings` as 22050 Hz mono 16-bit Pcm, or raise EngineError."""
        self._check_text(text)
        self._apply(settings)
        return self._spoken(text)

    def apply_settings(self, settings: VoiceSettings) -> None:
        """Set `settings` now, for every later synthesize_applied (the speaker sets them once in a process that each
        segment process of those settings is forked from: narrate.engines.speaker)."""
        self._apply(settings)

    def synthesize_applied(self, text: str) -> Pcm:
        """synthesize(text, settings) where `settings` were set by apply_settings in this process and nothing was
        spoken since: the same calls to eSpeak NG in the same order, so the same samples."""
        self._check_text(text)
        return self._spoken(text)

    def _check_text(self, text: str) -> None:
        if not text.strip():
            raise EngineError("There is no text to synthesize.")
        if len(text) > MAX_TEXT_CHARS:
            raise EngineError(f"A segment of {len(text)} characters is too long for pyttsx3 (at most {MAX_TEXT_CHARS}).")

    def _spoken(self, text: str) -> Pcm:
        self.phoneme_input = "[[" in text
        pcm = self._render(text)
        if not pcm.data:  # no second try here: a retry must be a fresh process (see fresh_process_per_segment)
            raise EngineError("pyttsx3 wrote an empty WAV file.")
        return pcm

    def _apply(self, settings: VoiceSettings) -> None:
        """Set voice, rate, pitch and volume, and make sure eSpeak has applied them before synthesis starts."""
        voice = settings.voice or settings.language
        engine_voice = self._resolve_voice(voice) if voice else self._default_voice
        properties: list[tuple[str, object]] = [("voice", engine_voice)] if engine_voice else []
        properties += [("rate", int(settings.rate_wpm)), ("volume", float(settings.volume))]
        if self._espeak is None:
            for key, value in properties:
                self._engine.setProperty(key, value)
            return
        # pyttsx3 queues setProperty behind a busy flag and drops the queue when its loop ends, and
        # eSpeak applies parameters on its own thread: set them on the driver directly, between waits
        # for eSpeak to be idle, so every segment gets exactly its own settings.
        properties.append(("pitch", DEFAULT_PITCH if settings.pitch is None else int(settings.pitch)))
        self._espeak_idle()
        for key, value in properties:
            self._driver.setProperty(key, value)
        self._espeak_idle()

    def _reset_random(self) -> None:
        """Reseed eSpeak NG's random generator (when this eSpeak has one), once it is idle."""
        set_seed = getattr(getattr(self._espeak, "dll", None), "espeak_ng_SetRandSeed", None) if self._espeak else None
        if set_seed is None:
            return
        self._espeak_idle()
        set_seed.argtypes = [ctypes.c_long]
        set_seed.restype = None
        set_seed(ESPEAK_RAND_SEED)

    def _espeak_idle(self) -> None:
        """Wait until eSpeak's own thread has finished all queued work."""
        self._espeak.dll.espeak_Synchronize()

    def _resolve_voice(self, wanted: str) -> str:
        """Map a profile's voice (id, short id, name or language, with an optional '+variant') to an engine voice id."""
        base, plus, variant = wanted.partition("+")
        key = base.strip().lower()
        for voice_id, voice_name, _ in self._voices:
            if key in (voice_id.lower(), voice_id.rsplit("/", 1)[-1].lower(), voice_name.lower()):
                return f"{voice_id}{plus}{variant}"
        for voice_id, _, languages in self._voices:
            if key in (lang.lower() for lang in languages):
                return f"{voice_id}{plus}{variant}"
        raise EngineError(f"pyttsx3 has no voice '{wanted}'; `narrate voices` lists the installed ones.")

    def _install_phoneme_hook(self) -> None:
        """Make the eSpeak driver pass espeakPHONEMES when `phoneme_input` is on (pyttsx3 hard-codes its flags)."""
        driver = getattr(getattr(self._engine, "proxy", None), "_driver", None)
        if driver is None or not hasattr(driver, "_start_synthesis"):
            return
        from pyttsx3.drivers import _espeak

        engine = self

        def start_synthesis(text: str) -> None:
            driver._proxy.setBusy(True)
            driver._proxy.notify("started-utterance")
            driver._speaking = True
            driver._data_buffer = bytearray()  # the driver appends each buffer eSpeak hands it: in place, not copied anew
            flags = _espeak.ENDPAUSE | _espeak.CHARS_UTF8
            if engine.phoneme_input:
                flags |= _ESPEAK_PHONEMES_FLAG
            _espeak.Synth(str(text).encode("utf-8"), flags=flags)

        driver._start_synthesis = start_synthesis

    def _on_finished_utterance(self, **_: object) -> None:
        """pyttsx3 callback (on eSpeak's thread): the driver has written the WAV of the current utterance."""
        self._utterance_done.set()

    def _render(self, text: str) -> Pcm:
        """Save `text` to a fresh WAV through pyttsx3 (eSpeak: in memory), wait until it is complete, and read it."""
        self._reset_random()
        if self._espeak is not None and _synchronous_espeak:
            return self._render_espeak_synchronous(text)  # prints nothing
        # pyttsx3's eSpeak driver prints "Audio saved to ..."; never let it reach the user's terminal.
        with contextlib.redirect_stdout(io.StringIO()):
            if self._espeak is not None:
                return self._render_espeak_async(text)
            if self._workdir is None:
                self._workdir = Path(tempfile.mkdtemp(prefix="narrate-pyttsx3-"))
            wav_path = self._workdir / "segment.wav"
            wav_path.unlink(missing_ok=True)
            self._engine.save_to_file(text, str(wav_path))
            self._engine.runAndWait()
            pcm = _wait_for_wav(wav_path, WAV_WAIT_S)
        wav_path.unlink(missing_ok=True)
        return pcm

    def _render_espeak_synchronous(self, text: str) -> Pcm:
        """Speak `text` with eSpeak NG started synchronously (_start_espeak_synchronous): espeak_Synth returns once every
        sound buffer of the utterance has come through the synthesis callback.

        For the utterance, narrate's own callback (_on_buffer) takes the buffers in place of pyttsx3's driver's, which
        walks every word event in Python (notifying pyttsx3 of each word) and copies its whole buffer anew at each
        call: in a segment process forked from a worker, that work and the pages it wrote cost more than a
        millisecond per segment. The driver's callback is put back afterwards. The flags are the ones the driver's
        synthesis passes (with espeakPHONEMES for phoneme input), so the samples are the ones the driver would
        collect (tests compare them)."""
        espeak = self._espeak
        flags = espeak.ENDPAUSE | espeak.CHARS_UTF8 | (_ESPEAK_PHONEMES_FLAG if self.phoneme_input else 0)
        self._buffers = buffers = []
        espeak.cSetSynthCallback(self._collector)
        try:
            espeak.Synth(text.encode("utf-8"), flags=flags)
        finally:
            espeak.cSetSynthCallback(espeak.SynthCallback)  # the driver's own callback, as the driver registered it
            self._buffers = None
        if not buffers:
            raise EngineError("pyttsx3 left no audio after speaking.")
        return Pcm(data=b"".join(buffers), sample_rate=_espeak_sample_rate, sample_width=2, channels=1)

    def _on_buffer(self, wav: Any, count: int, events: Any) -> int:
        """eSpeak NG's synthesis callback during _render_espeak_synchronous: keep the buffer's samples (16-bit)."""
        if count > 0 and self._buffers is not None:
            self._buffers.append(ctypes.string_at(wav, 2 * count))
        return 0

    def _render_espeak_async(self, text: str) -> Pcm:
        """The same through an eSpeak pyttsx3 started asynchronously: wait for the driver's 'finished-utterance'
        notification (sent from eSpeak's thread once it has written the in-memory WAV)."""
        self._utterance_done.clear()
        buffer = io.BytesIO()
        self._driver._save_file = buffer
        self._driver._text_to_say = text
        self._driver._start_synthesis(text)
        if not self._utterance_done.wait(WAV_WAIT_S):
            raise EngineError(f"pyttsx3 did not finish speaking within {WAV_WAIT_S:.0f} s.")
        self._driver._save_file = None
        size = buffer.getbuffer().nbytes
        buffer.seek(0)
        pcm = _read_complete_wav(buffer, size) if size >= 44 else None
        if pcm is None:
            state = "no audio" if size == 0 else f"an incomplete WAV of {size} bytes"
            raise EngineError(f"pyttsx3 left {state} after speaking.")
        return pcm


def _wait_for_wav(path: Path, timeout_s: float) -> Pcm:
    """Wait (bounded) until `path` holds a complete WAV, then return its samples; raise EngineError on timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        size = path.stat().st_size if path.exists() else -1
        if size >= 44:  # the header is written with the final length, so header vs. size tells completeness
            pcm = _read_complete_wav(path, size)
            if pcm is not None:
                return pcm
        if time.monotonic() > deadline:
            state = "no file" if size < 0 else f"an incomplete file of {size} bytes"
            raise EngineError(f"pyttsx3 left {state} after {timeout_s:.0f} s.")
        time.sleep(WAV_POLL_S)


def _prepare_voice_list() -> None:
    """List the installed voices in a prepared worker without starting eSpeak (only its data path is set)."""
    global _prepared_voices
    with contextlib.suppress(Exception):
        from pyttsx3.drivers import _espeak
        from pyttsx3.drivers.espeak import EspeakDriver

        from narrate.engines.espeak_library import wheel_espeak_paths

        _espeak.dll.espeak_ng_InitializePath(os.fsencode(wheel_espeak_paths()[1]))
        voices = EspeakDriver.getProperty("voices")
        listed = [(str(v.id), str(v.name), [str(lang) for lang in (v.languages or [])]) for v in voices]
        if listed:
            _prepared_voices = listed


def _read_complete_wav(path: Path | io.BytesIO, size: int) -> Pcm | None:
    """Return the WAV's samples when its header agrees with its size, else None (still being written)."""
    try:
        with wave.open(path if isinstance(path, io.BytesIO) else os.fspath(path), "rb") as wav:
            frames = wav.getnframes()
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            data = wav.readframes(frames)
    except (wave.Error, EOFError, OSError):
        return None
    if len(data) != frames * width * channels or size < 44 + len(data):
        return None
    if width != 2:
        raise EngineError(f"pyttsx3 wrote {8 * width}-bit audio instead of 16-bit.")
    return Pcm(data=data, sample_rate=rate, sample_width=width, channels=channels)
