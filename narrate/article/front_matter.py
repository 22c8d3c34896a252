"""YAML front matter at the top of a Markdown article: read safely, whatever it holds.

Front matter is the user's own metadata, so nothing in it may stop a build: a block that cannot be read
(broken YAML, nesting deeper than MAX_DEPTH, more than MAX_BYTES) is dropped from the text with a warning, and a
field that cannot be used (a date that does not exist, a title that is a list) is ignored with a warning.
Warnings are InputWarning, which the command line prints as one line.
"""

from __future__ import annotations

import functools
import re
import warnings
from typing import Any

from narrate.article.paragraphs import normalize_space
from narrate.errors import InputWarning

MAX_DEPTH = 20
"""The deepest nesting of lists and mappings accepted; real front matter nests two or three levels."""

MAX_BYTES = 64 * 1024
"""The largest front-matter block read; real ones are well under a kilobyte."""

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_MATTER_LINE = re.compile(r"^(?:[\w-]+\s*:|\s|-\s|#)")


@functools.cache
def _yaml() -> tuple[Any, type[Exception], type[Any]]:
    """PyYAML, the 'too deep' error and the loader: PyYAML's safe loader with a nesting limit, whose scalars that do
    not convert (2025-02-30, a 5,000-digit integer) stay as the text they were written as instead of raising.
    Built on first use: most articles have no front matter, and importing PyYAML costs about 15 ms."""
    import yaml

    class TooDeep(yaml.YAMLError):
        """The block nests deeper than MAX_DEPTH."""

    class Loader(yaml.SafeLoader):
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self._depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: ANN401 (PyYAML's own signature)
            self._depth += 1
            try:
                if self._depth > MAX_DEPTH:
                    raise TooDeep(f"front matter nests deeper than {MAX_DEPTH} levels")
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    def as_written(constructor: Any) -> Any:  # noqa: ANN401
        def construct(loader: Loader, node: yaml.ScalarNode) -> Any:  # noqa: ANN401
            try:
                return constructor(loader, node)
            except (ValueError, OverflowError):
                return loader.construct_scalar(node)

        return construct

    for tag, method in (("timestamp", yaml.SafeLoader.construct_yaml_timestamp),
                        ("int", yaml.SafeLoader.construct_yaml_int), ("float", yaml.SafeLoader.construct_yaml_float)):
        Loader.add_constructor(f"tag:yaml.org,2002:{tag}", as_written(method))
    return yaml, TooDeep, Loader


def warn(message: str) -> None:
    """Report something in the input that was ignored (one sentence), without stopping."""
    warnings.warn(message, InputWarning, stacklevel=2)


def _load(block: str) -> tuple[object, str | None]:
    """The YAML data of a block, or (None, why it cannot be read)."""
    if len(block.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return None, f"The front matter is larger than {MAX_BYTES // 1024} KB and was ignored."
    yaml, too_deep, loader = _yaml()
    try:
        return yaml.load(block, Loader=loader), None  # noqa: S506 (a SafeLoader subclass)
    except too_deep:
        return None, f"The front matter nests deeper than {MAX_DEPTH} levels and was ignored."
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as error:
        where = getattr(error, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        return None, f"The front matter is not valid YAML{line} and was ignored."


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split a leading YAML `---` block off the text: (fields, rest); ({}, text) when there is none.

    Field names are lower-cased. A block that cannot be read is dropped with a warning when it has the shape of
    front matter (key lines), never read aloud; otherwise it is text, and left as it is.
    """
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    block = match.group(1) or ""
    data, problem = _load(block) if block.strip() else (None, None)
    if not isinstance(data, dict):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines or all(_FRONT_MATTER_LINE.match(line) for line in lines):
            if problem:
                warn(problem)
            return {}, text[match.end():]
        return {}, text
    return {str(k).strip().lower(): v for k, v in data.items()}, text[match.end():]


def text_field(meta: dict[str, Any], *names: str) -> str | None:
    """The first of `names` that holds text (a number counts as its digits); a field of another type is
    ignored with a warning."""
    for name in names:
        value = meta.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            if value.strip():
                return normalize_space(value)
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        warn(f"The front matter's {name!r} is not text and was ignored.")
    return None


def author_names(meta: dict[str, Any]) -> list[str] | None:
    """The author names in `author`, `authors` or `byline`: text, a list of names, or {name: ...} entries.

    None when no such field is given; entries that are not names are ignored with a warning.
    """
    for name in ("author", "authors", "byline"):
        value = meta.get(name)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        names: list[str] = []
        for item in items:
            if isinstance(item, dict):
                item = item.get("name")
            if isinstance(item, str) and item.strip():
                names.append(normalize_space(re.sub(r"^by\s+", "", item.strip(), flags=re.IGNORECASE)))
            elif item is not None:
                warn(f"The front matter's {name!r} holds something that is not a name; it was ignored.")
        if names:
            return names
    return None
