"""CPU time of the script stage (read, compose, normalize) in a fresh process: `python bench/script_stage.py [--cache DIR]
[--edition TITLE] SOURCE...` prints one JSON line.

The build imports the audio side (numpy, the encoder, the worker pool) whatever the script needs, so those modules are
imported first and timed apart ("audio_imports_s"); "script_imports_s" is what importing narrate.build costs beyond
them (the readers, pysbd, the normalizer...), "make_script_s" the work itself. With --cache, the script cache in DIR is
used (narrate versions that have none ignore it). Run by bench/run.py; not a test.
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    """Parse the arguments, time the imports and one make_script, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", default=None)
    parser.add_argument("--edition", default=None)
    parser.add_argument("sources", nargs="+")
    args = parser.parse_args()
    started = time.process_time()
    import narrate.audio.assemble  # noqa: F401
    import narrate.cache.store  # noqa: F401
    import narrate.engines.pool  # noqa: F401

    audio = time.process_time()
    from narrate.build import ScriptOptions, make_script

    imported = time.process_time()
    options = ScriptOptions(tuple(args.sources), edition=args.edition)
    if args.cache is not None and "cache_dir" in ScriptOptions.__dataclass_fields__:
        options = ScriptOptions(tuple(args.sources), edition=args.edition, cache_dir=args.cache)  # type: ignore[call-arg]
    script = make_script(options)
    done = time.process_time()
    print(json.dumps({"audio_imports_s": audio - started, "script_imports_s": imported - audio,
                      "make_script_s": done - imported, "segments": len(script.segments())}))


if __name__ == "__main__":
    main()
