"""Turn the bytes of an input into text, or say clearly why they are not an article."""

from __future__ import annotations

import codecs
import unicodedata

from narrate.errors import InputError

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
"""Byte-order marks we trust, longest first (UTF-32 LE starts like UTF-16 LE)."""

_PREFERRED_SINGLE_BYTE = ("cp1252", "latin_1")
"""The single-byte encodings Western articles really use, tried in this order."""

_TIE = 0.05
"""How much messier than the detector's best guess Windows-1252 may read and still be preferred."""

_MAX_CHAOS = 0.2
"""The highest charset-normalizer 'mess' ratio we accept as a confident guess."""

_MAX_CONTROL_SHARE = 0.01
"""Above this share of control bytes (other than tab, newline, form feed, carriage return) input is binary."""


def describe_source(source: str) -> str:
    """How a source is named in messages: its path or URL, or 'Standard input' for '-'."""
    return "Standard input" if source == "-" else source


def size_text(size: int) -> str:
    """A byte count as people say it in messages: '20 MB', '2 KB'."""
    return f"{size / 1024**2:.3g} MB" if size >= 1024**2 // 10 else f"{size / 1024:.3g} KB"


def _binary_error(source: str) -> InputError:
    if source == "-":
        return InputError("Standard input holds binary data, not an article.")
    return InputError(f"{source} is a binary file, not an article.")


def _undecodable_error(source: str) -> InputError:
    return InputError(
        f"{describe_source(source)} is not readable text: it is neither UTF-8, UTF-16 nor an encoding "
        "that can be recognised with confidence."
    )


_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in (0x09, 0x0A, 0x0C, 0x0D)) + b"\x7f"
"""C0 control codes (but tab, line feed, form feed, carriage return) and DEL."""


def _control_share(data: bytes) -> float:
    """The share of bytes that are C0 control codes no text file uses."""
    if not data:
        return 0.0
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    return controls / len(data)


_BAD_CATEGORIES = ("Cc", "Cn", "Co", "Cs")
"""Control, unassigned, private-use and surrogate characters: no text is made of them."""


def reads_as_text(text: str) -> bool:
    """True when a decoded string looks like human text: no control or unassigned characters to speak of.

    Each distinct character is looked up once (an article uses a few hundred), so a long book costs a set and a few
    counts rather than a lookup per character."""
    if not text.strip():
        return True
    bad = sum(text.count(ch) for ch in set(text)
              if ch not in "\t\n\r\f" and (ch == "\ufffd" or unicodedata.category(ch) in _BAD_CATEGORIES))
    return bad / len(text) <= _MAX_CONTROL_SHARE


def _western_guess(data: bytes) -> tuple[str, float] | None:
    """The bytes as Windows-1252 (a superset of Latin-1's letters) with charset-normalizer's mess ratio."""
    for encoding in _PREFERRED_SINGLE_BYTE:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if reads_as_text(text) and any(ch.isalpha() for ch in text):
            from charset_normalizer.md import mess_ratio

            return text, mess_ratio(text)
    return None


def _detect(data: bytes) -> str | None:
    """Decode with charset-normalizer, only when it is confident and the result reads as text.

    Short Western texts tie between cp1250, cp1252, mac_iceland...; when Windows-1252 reads about as
    cleanly as the detector's best guess, it wins, since that is what such articles really use. (charset-normalizer is
    imported here, for the rare input that is not UTF-8.)
    """
    import charset_normalizer

    guesses = [
        (str(m), m.chaos) for m in charset_normalizer.from_bytes(data) if m.chaos <= _MAX_CHAOS
    ]
    guesses = [(text, chaos) for text, chaos in guesses if reads_as_text(text) and any(c.isalpha() for c in text)]
    best = min(guesses, key=lambda g: g[1], default=None)
    western = _western_guess(data)
    if western is not None and western[1] <= _MAX_CHAOS and (best is None or western[1] <= best[1] + _TIE):
        return western[0]
    return best[0] if best else None


def decode_text(data: bytes, source: str) -> str:
    """Decode an article's bytes: UTF-8 (BOM or not), UTF-16/32 with a BOM, else a confident detector guess.

    Raises InputError naming `source` when the bytes are binary (NUL bytes, mostly control bytes)
    or cannot be decoded with confidence.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                raise _undecodable_error(source) from None
            if not reads_as_text(text):
                raise _binary_error(source)
            return text
    if b"\x00" in data or _control_share(data) > _MAX_CONTROL_SHARE:
        raise _binary_error(source)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        detected = _detect(data)
        if detected is None:
            raise _undecodable_error(source) from None
        return detected
    if not reads_as_text(text):
        raise _binary_error(source)
    return text
