"""The speaker (narrate.engines.speaker): a small process that speaks each eSpeak NG segment in a fresh fork of
itself, or of a process that has set the segment's voice settings. Its audio is the audio a fork of a prepared worker
makes; workers forked from the fork server use it; a build gives the same bytes with it and without it; a worker
whose speaker is gone speaks for itself."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_support import FIXTURES, REPO, build_json

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the speaker listens in Linux's abstract socket namespace")

SPEAKER_AND_WORKER_FORK = r'''
import json, os, signal
import psutil
from narrate.engines import pool, speaker
from narrate.engines.base import EngineError, VoiceSettings
from narrate.engines.pool import SynthJob

speaker.start()  # this process plays the fork server: the speaker is its child
(speaker_process,) = psutil.Process().children()
jobs = [
    SynthJob(0, "The ferry left at seven, twelve minutes late.", "pyttsx3", VoiceSettings()),
    SynthJob(1, "Prices rose by 3.4 percent in March.", "pyttsx3", VoiceSettings(rate_wpm=190, pitch=40)),
    SynthJob(2, "A quieter voice reads the quote.", "pyttsx3", VoiceSettings(voice="en-us", volume=0.8)),
    SynthJob(3, "[[h@'l@U]] again.", "pyttsx3", VoiceSettings()),
]
report = {"speaks_for": [speaker.speaks_for("pyttsx3"), speaker.speaks_for("piper")]}
spoken = [speaker.speak(job.engine, job.text, job.settings) for job in jobs]
try:
    speaker.speak("pyttsx3", "", VoiceSettings())
except EngineError as error:
    report["empty"] = str(error)
for attempt in range(2):  # settings the engine refuses: no voiced process, the segment process reports why
    try:
        speaker.speak("pyttsx3", "Hello.", VoiceSettings(voice="no-such-voice"))
    except EngineError as error:
        report.setdefault("refused", []).append(str(error))
report["prepared"] = [
    speaker.prepare("pyttsx3", VoiceSettings(rate_wpm=150)),  # a prewarmed worker's: a voiced process before any segment
    speaker.prepare("pyttsx3", VoiceSettings(voice="no-such-voice")),  # refused: none (its segments say why), no error
    speaker.prepare("piper", VoiceSettings()),  # not the speaker's engine: the worker prepares its own
]
import time
time.sleep(0.3)  # the segment processes have exited; the voiced processes (one per settings) live on
report["voiced"] = len([p for p in speaker_process.children() if p.status() != psutil.STATUS_ZOMBIE])
address = speaker._address
speaker._address = None  # now as a worker without a speaker: prepare here, fork a segment process per segment
forked = [pool._in_child_process(pool._synthesize_here, job) for job in jobs] if pool._prepare_here("pyttsx3", VoiceSettings()) else []
report["same"] = [a is not None and b is not None and a == b for a, b in zip(spoken, forked)]
report["sizes"] = [len(p.data) for p in spoken]
report["rates"] = [p.sample_rate for p in spoken]
speaker._address = address
if os.getuid() == 0:  # another user connecting to the speaker's socket is turned away, unheard
    read_end, write_end = os.pipe()
    if os.fork() == 0:
        os.setuid(65534)
        reply = speaker.speak("pyttsx3", jobs[0].text, jobs[0].settings)
        os.write(write_end, b"refused" if reply is None and speaker._address is None else b"served")
        os._exit(0)
    os.close(write_end)
    report["other_user"] = os.read(read_end, 20).decode()
# A segment process killed while it speaks (settings new here: its voiced process is made for this connection): the
# worker hears of it at once (no other process holds its connection).
import threading
outcome = {}
def long_segment():
    started = time.monotonic()
    try:
        speaker.speak("pyttsx3", " ".join(["The harbour master read the long list of ships once more."] * 100), VoiceSettings(rate_wpm=160))
        outcome["result"] = "spoken"
    except EngineError as error:
        outcome["result"] = str(error)
    outcome["seconds"] = time.monotonic() - started
speaking = threading.Thread(target=long_segment)
speaking.start()
deadline = time.monotonic() + 10
killed = False
while not killed and time.monotonic() < deadline and speaking.is_alive():
    for voiced in speaker_process.children():
        for segment_process in voiced.children():
            segment_process.kill()
            killed = True
    time.sleep(0.002)
speaking.join(30)
report["killed_segment"] = [killed, outcome.get("result"), outcome.get("seconds", 99) < 5]
speaker_process.kill()
speaker_process.wait(10)
report["after_kill"] = [speaker.speak("pyttsx3", jobs[0].text, jobs[0].settings) is None, speaker.speaks_for("pyttsx3")]
print(json.dumps(report))
'''


def _run(code: str, extra_env: dict[str, str] | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO), **(extra_env or {})}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_speaker_speaks_what_a_fork_of_a_prepared_worker_speaks_and_a_worker_speaks_itself_once_it_is_gone() -> None:
    report = _run(SPEAKER_AND_WORKER_FORK)
    assert report["speaks_for"] == [True, False]
    assert "no text" in report["empty"]
    assert len(report["refused"]) == 2 and all("no voice 'no-such-voice'" in message for message in report["refused"])
    assert report["prepared"] == [True, True, False]
    assert report["voiced"] == 4  # jobs 0 and 3 share their settings; one more prepared ahead
    assert report["same"] == [True, True, True, True]
    assert all(size > 22050 for size in report["sizes"])  # at least half a second of speech each
    assert set(report["rates"]) == {22050}
    assert report["after_kill"] == [True, False]
    assert report["killed_segment"] == [True, "the synthesis process died", True]
    if os.getuid() == 0:
        assert report["other_user"] == "refused"


WORKERS_USE_THE_SPEAKER = r'''
import json
from concurrent.futures import ProcessPoolExecutor
from narrate.engines.speaker import speaks_for
from narrate.processes import context, init_worker
with ProcessPoolExecutor(max_workers=1, mp_context=context(), initializer=init_worker) as workers:
    print(json.dumps([workers.submit(speaks_for, "pyttsx3").result(), workers.submit(speaks_for, "piper").result()]))
'''


def test_workers_forked_from_the_fork_server_send_their_pyttsx3_segments_to_the_speaker() -> None:
    assert _run(WORKERS_USE_THE_SPEAKER) == [True, False]
    assert _run(WORKERS_USE_THE_SPEAKER, {"NARRATE_NO_SPEAKER": "1"}) == [False, False]


def test_a_build_gives_the_same_bytes_with_the_speaker_and_without_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(FIXTURES / "bakery.md", tmp_path / "article.md")
    with_speaker = build_json(["article.md", "-o", "a", "--cache", "ca", "--jobs", "2"], tmp_path)
    monkeypatch.setenv("NARRATE_NO_SPEAKER", "1")
    without = build_json(["article.md", "-o", "b", "--cache", "cb", "--jobs", "2"], tmp_path)
    assert with_speaker["segments"]["synthesized"] == without["segments"]["synthesized"] > 3
    for key in ("mp3", "vtt", "chapters_json"):
        assert (tmp_path / with_speaker[key]).read_bytes() == (tmp_path / without[key]).read_bytes(), key


KILLED_BUILD = r'''
import os, signal
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver
import psutil
from narrate.processes import context, init_worker
from narrate.engines.base import VoiceSettings
from narrate.engines.pool import SynthJob, synthesize_job
workers = ProcessPoolExecutor(max_workers=1, mp_context=context(), initializer=init_worker)
worker = workers.submit(os.getpid).result()
workers.submit(synthesize_job, SynthJob(0, "One line, so that a voiced process exists.", "pyttsx3", VoiceSettings())).result()
server = forkserver._forkserver._forkserver_pid
print(" ".join(str(p.pid) for p in psutil.Process(server).children(recursive=True) if p.pid != worker), flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # no pool is shut down
'''


def test_the_speaker_and_its_voiced_processes_die_with_a_build_process_killed_with_sigkill() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", KILLED_BUILD], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == -9, proc.stderr
    speakers = list(map(int, proc.stdout.split()))  # the speaker and its voiced process (and maybe a segment process)
    assert len(speakers) >= 2
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in speakers):
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in speakers), "the speaker or a voiced process outlived the killed build process"


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
