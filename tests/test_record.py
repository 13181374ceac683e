"""coach record and coach devices, through a real PortAudio microphone.

The microphone is ``scripts/virtual-mic``: a private PulseAudio server whose
null sink's monitor is the default input, reached by PortAudio through ALSA's
pulse plugin exactly as a laptop microphone is.  Tests play fixture takes into
it while ``coach record`` runs as a real process (stdin closed, so no
countdown and no Enter; ``--max-seconds`` or a signal ends the take).

Without PulseAudio/PortAudio these tests skip, saying what to install; under
CI (``CI`` set) they fail instead, so they can never silently stop running.
The piece-cutting logic is tested on generated signals, with no device.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import wave
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from coach.practice.live import LiveTranscriber
from coach.practice.record import (
    InputDevice,
    LiveStatus,
    RecordError,
    TakeFile,
    choose_device,
    choose_settings,
)
from coach.speech.audio import SAMPLE_RATE, load
from coach.speech.transcribe import DecodeOptions, Transcript, Word, merge, shift
from coach.views.live import clock_style, level_bar, live_view
from tests.vmic import ROOT, VMIC, VirtualMic, missing, no_devices, unavailable
from tests.vmic import down as _down
from tests.vmic import up as _up

NUMBER = "4155550134"


# -- scripts/virtual-mic under pipefail (#16) ---------------------------------

#: a long listing whose line of interest comes first: a `grep -q` quits at it while the
#: writer still writes, and the writer dies of SIGPIPE
LONG_AFTER = 'for ((i = 0; i < 20000; i++)); do echo "line $i"; done'


def _fake_tools(folder: Path, tools: dict[str, str]) -> dict[str, str]:
    """An environment whose PATH holds only ``tools`` (bash bodies) and the coreutils the
    script needs, so no real PulseAudio or ldconfig answers."""
    folder.mkdir()
    for name in ("grep", "ls", "id", "seq", "mkdir", "chmod", "cat", "tail", "sleep"):
        real = shutil.which(name)
        assert real is not None, name
        (folder / name).symlink_to(real)
    for name, body in tools.items():
        tool = folder / name
        tool.write_text(f"#!/bin/bash\n{body}\n", encoding="utf-8")
        tool.chmod(0o755)
    return {"PATH": str(folder), "COACH_VMIC_DIR": str(folder / "vmic"), "HOME": str(folder)}


def test_virtual_mic_finds_portaudio_listed_first_by_a_long_ldconfig(tmp_path: Path) -> None:
    """`ldconfig -p | grep -q` under pipefail said libportaudio2 was missing 2 runs in 10."""
    ldconfig = (
        'echo "\tlibportaudio.so.2 (libc6,x86-64) => /usr/lib/libportaudio.so.2"\n' + LONG_AFTER
    )
    env = _fake_tools(tmp_path / "bin", {"ldconfig": ldconfig})
    for _ in range(3):
        proc = subprocess.run(
            ["/bin/bash", str(VMIC), "up"], env=env, capture_output=True, text=True, check=False
        )
        # PulseAudio is missing here (not in PATH): said so, and only that.
        assert proc.returncode == 3, proc.stderr
        assert "missing pulseaudio pulseaudio-utils —" in proc.stderr
        assert "libportaudio2" not in proc.stderr


def test_virtual_mic_sees_its_sink_listed_first_by_a_long_pactl(tmp_path: Path) -> None:
    """`pactl list short sinks | grep -q` under pipefail could load a second sink."""
    calls = tmp_path / "calls"
    pactl = f"""echo "$*" >>{calls}
if [ "$1 $2 $3" = "list short sinks" ]; then
  echo "1\tcoach_vmic\tmodule-null-sink.c\ts16le 2ch 44100Hz\tIDLE"
  {LONG_AFTER}
fi"""
    env = _fake_tools(
        tmp_path / "bin",
        {
            "ldconfig": 'echo "libportaudio.so.2 => /usr/lib/libportaudio.so.2"',
            "pulseaudio": "exit 1",
            "paplay": "exit 0",
            "pactl": pactl,
        },
    )
    for _ in range(3):
        proc = subprocess.run(
            ["/bin/bash", str(VMIC), "up"], env=env, capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stderr
    said = calls.read_text(encoding="utf-8").splitlines()
    assert said.count("list short sinks") == 3
    assert not [line for line in said if line.startswith("load-module")], said


# -- signals with known answers ---------------------------------------------


def tone(seconds: float, *, db: float = -12.0, freq: float = 220.0) -> np.ndarray:
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (10 ** (db / 20) * np.sqrt(2) * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * SAMPLE_RATE), dtype=np.float32)


def noise(seconds: float, *, db: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (10 ** (db / 20) * rng.standard_normal(round(seconds * SAMPLE_RATE))).astype(np.float32)


def test_pieces_join_into_one_transcript_without_repeats() -> None:
    a = Transcript("Hi Dana,", (Word("Hi", 0.2, 0.4), Word("Dana,", 0.4, 0.8)))
    b = Transcript("call me back.", (Word("call", 0.1, 0.3), Word("me", 0.3, 0.4)))
    joined = merge([shift(a, 0.0), Transcript("", ()), shift(b, 9.2)])
    assert joined.text == "Hi Dana, call me back."
    assert [(w.text, w.start, w.end) for w in joined.words] == [
        ("Hi", 0.2, 0.4),
        ("Dana,", 0.4, 0.8),
        ("call", 9.3, 9.5),
        ("me", 9.5, 9.6),
    ]
    assert merge([]) == Transcript("", ())


@pytest.mark.parametrize(
    ("elapsed", "style"),
    [
        (0.0, "bold green"),
        (24.9, "bold green"),
        (25.1, "bold yellow"),
        (30.0, "bold yellow"),
        (30.1, "bold red"),
        (80.0, "bold red"),
    ],
)
def test_the_clock_turns_amber_then_red(elapsed: float, style: str) -> None:
    assert clock_style(elapsed, target_s=30.0) == style


def test_the_live_view_shows_the_meter_and_the_hints() -> None:
    from rich.console import Console

    def shown(**kw: Any) -> str:
        status = LiveStatus(**{"elapsed_s": 12.3, "level_dbfs": -30.0, "speaking": True} | kw)
        console = Console(width=80, record=True, color_system=None)
        console.print(
            live_view(status, device="default", target_s=30.0, max_s=90.0, interactive=True)
        )
        return console.export_text()

    calm = shown(too_quiet=False, clipping=False)
    assert "12.3 s / 30 s target" in calm and "Press Enter to stop" in calm
    assert level_bar(-30.0) in calm and level_bar(-30.0).count("█") == 15
    assert "Too quiet" in shown(too_quiet=True, clipping=False)
    assert "Clipping" in shown(too_quiet=True, clipping=True)
    assert level_bar(0.0) == "█" * 30 and level_bar(-120.0) == "·" * 30


# -- devices and settings, as data ------------------------------------------

DEVICES = [
    InputDevice(0, "pulse", "ALSA", 32, 44_100),
    InputDevice(1, "default", "ALSA", 32, 44_100, is_default=True),
    InputDevice(4, "USB Audio Mic: Yeti (hw:2,0)", "ALSA", 2, 48_000),
]

CHOICES = {
    "default": (None, 1),
    "index": ("4", 4),
    "fragment, any case": ("yeti", 4),
    "exact name over fragment": ("pulse", 0),
    "no such index": ("999", "no input device 999 — run coach devices"),
    "no such name": ("nosuchname", "no input device matches 'nosuchname' — run coach devices"),
    "several names": ("u", "matches several devices (0 'pulse', 1 'default', 4"),
}


@pytest.mark.parametrize("case", list(CHOICES), ids=list(CHOICES))
def test_choosing_a_device(case: str) -> None:
    spec, expected = CHOICES[case]
    if isinstance(expected, int):
        assert choose_device(spec, DEVICES).index == expected
    else:
        with pytest.raises(RecordError) as caught:
            choose_device(spec, DEVICES)
        assert expected in str(caught.value)


def test_no_device_at_all() -> None:
    with pytest.raises(RecordError, match="no input device found — connect a microphone"):
        choose_device(None, [])


def test_a_device_refusing_its_own_rate_falls_back() -> None:
    yeti = DEVICES[2]
    assert choose_settings(yeti, lambda rate, ch: True) == (48_000, 1)
    # Refuses its default rate and mono: 44.1 kHz stereo (down-mixed and resampled later).
    assert choose_settings(yeti, lambda rate, ch: rate == 44_100 and ch == 2) == (44_100, 2)
    assert choose_settings(yeti, lambda rate, ch: False) is None


def test_the_take_file_is_a_true_wav_after_every_block(tmp_path: Path) -> None:
    take = TakeFile(tmp_path, rate=44_100)
    try:
        with wave.open(str(take.path)) as w:  # playable before any audio
            assert w.getnframes() == 0
        for n in (1, 2205, 4410):
            take.write(np.full(n, 1000, dtype=np.int16))
            with wave.open(str(take.path)) as w:  # read while still open for writing
                assert w.getnframes() == take.frames
                assert w.getframerate() == 44_100
    finally:
        take.close()
    assert take.path.name.startswith("take-") and take.path.suffix == ".wav"
    again = TakeFile(tmp_path, rate=16_000)  # same second: a new name, never overwritten
    again.close()
    assert again.path != take.path


def test_the_live_16k_stream_is_what_the_file_decodes_to(tmp_path: Path) -> None:
    """Block by block as the recorder does it: the live analysis and `coach score FILE` agree."""
    from coach.practice.record import to_pcm16
    from coach.speech.audio import Resampler

    rate = 44_100
    t = np.arange(rate * 3) / rate
    rng = np.random.default_rng(1)
    x = (0.3 * np.sin(2 * np.pi * 300 * t) + 0.05 * rng.standard_normal(t.size)).astype(np.float32)
    take, resample, live = TakeFile(tmp_path, rate=rate), Resampler(rate), []
    for i in range(0, x.size, 2205):
        pcm = to_pcm16(x[i : i + 2205])
        take.write(pcm)
        live.append(resample(pcm.astype(np.float32) / 32768.0))
    live.append(resample.flush())
    take.close()
    np.testing.assert_array_equal(np.concatenate(live), load(take.path).samples)


# -- the live transcription on real speech (the bundled model) --------------


@pytest.mark.model
def test_a_take_heard_while_recorded_is_the_file_heard(
    transcriber: Any, fixtures_dir: Path
) -> None:
    from coach.speech.hearing import hear
    from coach.speech.numbers import find_phone_numbers

    loaded = load(fixtures_dir / "t1_grouped_end_kal.flac")
    y = np.concatenate([loaded.samples, silence(1.0)])  # the rep reaching for the key
    options = DecodeOptions(hotwords="Chris Walker, Northwind Logistics, Dana Reyes, Acme")
    live = LiveTranscriber(lambda: transcriber, options=options, warm=False)
    try:
        for i in range(0, y.size, 1600):
            live.feed(y[i : i + 1600])
        live.wait()
        heard_live = live.transcript(y)
    finally:
        live.close()
    assert live.timings["used_early"] == 1.0  # heard while the rep was quiet: nothing left
    # Fed faster than real time, hearings asked for at earlier pauses were
    # overtaken by newer ones and skipped: the last covers them.
    assert live.timings["hearings"] >= 1
    assert heard_live == hear(transcriber, y, options=options)
    assert NUMBER in [n.digits for n in find_phone_numbers(heard_live.words)]


@pytest.mark.model
def test_a_take_stopped_mid_word_is_heard_after_the_stop(transcriber: Any) -> None:
    from coach.speech.hearing import hear

    y = load(ROOT / "audio_fixtures" / "t1_good_slt.flac").samples
    y = y[: y.size // 2]  # the stop falls mid-sentence: no quiet after the last word
    options = DecodeOptions()
    live = LiveTranscriber(lambda: transcriber, options=options, warm=False)
    try:
        for i in range(0, y.size, 1600):
            live.feed(y[i : i + 1600])
        heard_live = live.transcript(y)
    finally:
        live.close()
    assert "used_early" not in live.timings
    assert heard_live == hear(transcriber, y, options=options)


@pytest.mark.model
def test_words_stamped_over_the_final_silence_are_heard_again(
    transcriber: Any, fixtures_dir: Path
) -> None:
    """Whisper sometimes jumps to the window's end: "…0134. I'm calling" at 23.9 s, rest lost."""
    from coach.speech.transcribe import recover_tail

    audio = load(fixtures_dir / "t1_grouped_early_slt.flac")
    whole = transcriber.transcribe(audio.samples, options=DecodeOptions())
    cut = next(i for i, w in enumerate(whole.words) if w.text.lower().startswith("calling"))
    end = audio.duration_s
    jumped = [*whole.words[:cut], Word("calling", end - 0.3, end - 0.01, 0.2)]
    broken = Transcript(" ".join(w.text for w in jumped), tuple(jumped))
    speech_end = 20.6 + 0.3  # fixtures.toml: message_s after 0.3 s of lead
    mended = recover_tail(
        broken, audio.samples, speech_end_s=speech_end, model=transcriber, options=DecodeOptions()
    )
    assert "because" in mended.text and "reconciliation" in mended.text.lower()
    assert all(w.start < speech_end + 0.3 for w in mended.words)


@pytest.mark.model
def test_an_unlikely_repeat_running_into_the_silence_is_dropped(transcriber: Any) -> None:
    """Whisper wrote the number twice, the copy at p 0.02 running 2.5 s past the speech."""
    from coach.speech.transcribe import recover_tail

    words = (
        Word("is", 17.56, 17.84, 0.96),
        Word("415-555-013-4", 17.84, 23.08, 0.44),
        Word("415-555-013-4", 23.08, 25.80, 0.02),
    )
    heard = Transcript(" ".join(w.text for w in words), words)
    kept = recover_tail(
        heard,
        np.zeros(26 * SAMPLE_RATE, dtype=np.float32),
        speech_end_s=23.26,
        model=transcriber,
        options=DecodeOptions(),
    )
    assert [w.text for w in kept.words] == ["is", "415-555-013-4"]


@pytest.mark.model
def test_a_number_not_heard_whole_is_heard_again(transcriber: Any, fixtures_dir: Path) -> None:
    """A digit dropped from "five five five" ("415-550134") gets a second hearing."""
    from coach.speech.numbers import find_phone_numbers, rehear_numbers

    audio = load(fixtures_dir / "t1_buried_slt.flac")
    heard = transcriber.transcribe(audio.samples, options=DecodeOptions())
    [number] = find_phone_numbers(heard.words)
    assert number.digits == NUMBER
    dropped = replace(heard.words[number.last_word], text="415-550134,")
    words = (*heard.words[: number.first_word], dropped, *heard.words[number.last_word + 1 :])
    broken = Transcript(" ".join(w.text for w in words), words)
    assert [n.digits for n in find_phone_numbers(broken.words)] == ["415550134"]
    mended = rehear_numbers(broken, audio.samples, model=transcriber, options=DecodeOptions())
    assert [n.digits for n in find_phone_numbers(mended.words)] == [NUMBER]
    assert mended.words[0] == broken.words[0]  # only the number's stretch was heard again
    # A number heard whole is left as it was, at no cost.
    assert rehear_numbers(heard, audio.samples, model=transcriber, options=DecodeOptions()) is heard


# -- the real audio path -----------------------------------------------------


#: a generous bound on one coach run: a loaded machine decodes far slower than real time
RUN_TIMEOUT_S = 300.0


def coach(mic: VirtualMic, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coach", *args],
        env=mic.env(COACH_HOME=str(home)),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=RUN_TIMEOUT_S,
    )


@dataclass
class Run:
    """``coach record`` running in the background, its output going to files."""

    proc: subprocess.Popen[bytes]
    home: Path

    def take(self) -> Path | None:
        takes = sorted((self.home / "takes").glob("take-*.wav"))
        return takes[-1] if takes else None

    def wait_for_audio(self, timeout: float = 30.0) -> Path:
        """Wait until the take file holds audio (the stream is running)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            path = self.take()
            if path is not None and path.stat().st_size > 44 + 8_000:
                return path
            assert self.proc.poll() is None, self.stderr()
            time.sleep(0.05)
        raise AssertionError(f"no audio reached the take file: {self.stderr()}")

    def finish(self, timeout: float = RUN_TIMEOUT_S) -> int:
        return self.proc.wait(timeout=timeout)

    def stdout(self) -> str:
        return (self.home / "stdout").read_text()

    def stderr(self) -> str:
        return (self.home / "stderr").read_text()


def record(mic: VirtualMic, home: Path, *args: str) -> Run:
    home.mkdir(parents=True, exist_ok=True)
    with (home / "stdout").open("wb") as out, (home / "stderr").open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "coach", "record", *args],
            env=mic.env(COACH_HOME=str(home)),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            # Python turns SIGINT into KeyboardInterrupt only if it was not
            # ignored at start (background jobs of some shells ignore it).
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    return Run(proc, home)


@pytest.fixture
def first_sentence(tmp_path: Path, fixtures_dir: Path) -> Path:
    """The first 10 s of t1_good_slt: name, company and the callback number."""
    audio = load(fixtures_dir / "t1_good_slt.flac")
    path = tmp_path / "first_sentence.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        pcm = np.clip(np.rint(audio.samples[: 10 * SAMPLE_RATE] * 32768), -32768, 32767)
        w.writeframes(pcm.astype(np.int16).tobytes())
    return path


@pytest.mark.mic
def test_devices_lists_the_virtual_microphone(vmic: VirtualMic, tmp_path: Path) -> None:
    proc = coach(vmic, tmp_path, "devices")
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if "ALSA" in line]
    default = [row for row in rows if "(default)" in row]
    assert len(default) == 1 and "*" in default[0] and "44100 Hz" in default[0]
    assert any(" pulse " in row for row in rows)


@pytest.mark.mic
@pytest.mark.parametrize(
    ("device", "expected"),
    [
        ("999", "Error: no input device 999 — run coach devices"),
        ("nosuchname", "Error: no input device matches 'nosuchname' — run coach devices"),
    ],
)
def test_record_refuses_an_unknown_device(
    vmic: VirtualMic, tmp_path: Path, device: str, expected: str
) -> None:
    proc = coach(vmic, tmp_path, "record", "--device", device, "--max-seconds", "2")
    assert proc.returncode == 2
    assert proc.stderr.strip() == expected
    assert not (tmp_path / "takes").exists() or not any((tmp_path / "takes").iterdir())


@pytest.mark.mic
@pytest.mark.model
def test_record_scores_a_take_played_into_the_microphone(
    vmic: VirtualMic, tmp_path: Path, fixtures_dir: Path
) -> None:
    args = ["--max-seconds", "35", "--json", "--callback", "415-555-0134", "--touch", "1"]
    run = record(vmic, tmp_path, *args)
    run.wait_for_audio()
    time.sleep(0.5)
    vmic.play(fixtures_dir / "t1_good_slt.flac")
    assert run.finish() == 0, run.stderr()
    report = json.loads(run.stdout())
    assert NUMBER in [n["digits"] for n in report["metrics"]["phone_numbers"]]
    assert "walker" in report["transcript"]["text"].lower()
    take = run.take()
    assert take is not None and report["source"] == str(take)
    assert f"Saved take: {take}" in run.stderr()
    audio = load(take)
    assert 34.0 < audio.duration_s < 36.0
    assert abs(report["metrics"]["duration_s"] - audio.duration_s) < 0.05


#: how many times test_kill_9_at_random_moments kills coach record (issue 14: 20)
KILLS = 20


@pytest.mark.mic
@pytest.mark.model
def test_kill_9_at_random_moments_loses_nothing(
    vmic: VirtualMic, tmp_path: Path, fixtures_dir: Path
) -> None:
    """kill -9 while starting, recording, scoring or saving: valid WAVs, no half rows."""
    import random
    import sqlite3

    rng = random.Random(14)
    home = tmp_path / "home"
    vmic.play(fixtures_dir / "t1_good_slt.flac")  # speech in the microphone throughout
    moments = []
    for _ in range(KILLS):
        run = record(vmic, home, "--max-seconds", "3", "--json", "--callback", "415-555-0134")
        # 0-11 s after the start: the countdown, the take, the scoring, the save
        moment = rng.uniform(0.0, 11.0)
        moments.append(moment)
        time.sleep(moment)
        run.proc.send_signal(signal.SIGKILL)
        run.finish()
        if vmic.players[-1].poll() is not None:
            vmic.play(fixtures_dir / "t1_good_slt.flac")
    assert max(moments) > 8.0 and min(moments) < 2.0  # early and late kills both happened
    for path in sorted((home / "takes").glob("*.wav")):
        with wave.open(str(path)) as w:
            frames = w.getnframes()
        assert 0 <= path.stat().st_size - (44 + 2 * frames) < 2 * 48_000, path
    db = home / "coach.db"
    if db.exists():
        with sqlite3.connect(db) as con:
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            rows = con.execute("SELECT id, audio_path, report_json FROM sessions").fetchall()
        for session, audio, report in rows:
            assert json.loads(report)["schema"] == "coach.report/1", session
            assert audio is None or (home / audio).exists() or Path(audio).exists(), session
    # The next coach command reads the store as the kills left it.
    listed = coach(vmic, home, "sessions", "--json")
    assert listed.returncode == 0, listed.stderr


@pytest.mark.mic
def test_kill_9_leaves_a_playable_take(
    vmic: VirtualMic, tmp_path: Path, fixtures_dir: Path
) -> None:
    run = record(vmic, tmp_path, "--max-seconds", "60", "--json")
    path = run.wait_for_audio()
    vmic.play(fixtures_dir / "t1_good_slt.flac")
    time.sleep(3.5)
    run.proc.send_signal(signal.SIGKILL)
    assert run.finish() == -signal.SIGKILL
    # A strict reader: the header never claims more than the bytes on disk
    # (at most the block being written when the process died is not counted).
    with wave.open(str(path)) as w:
        frames, rate = w.getnframes(), w.getframerate()
    assert 0 <= path.stat().st_size - (44 + 2 * frames) < 2 * rate
    assert frames / rate >= 3.0
    # And the coach's own decoder takes it (it refuses a header claiming more than it holds).
    audio = load(path)
    assert audio.duration_s >= 3.0
    assert np.max(np.abs(audio.samples)) > 0.05  # it holds what was said


@pytest.mark.mic
@pytest.mark.model
def test_ctrl_c_stops_the_take_and_scores_it(
    vmic: VirtualMic, tmp_path: Path, first_sentence: Path
) -> None:
    run = record(vmic, tmp_path, "--max-seconds", "60", "--json", "--callback", "415-555-0134")
    run.wait_for_audio()
    vmic.play(first_sentence).wait(timeout=30)
    time.sleep(0.5)
    run.proc.send_signal(signal.SIGINT)
    assert run.finish() == 0, run.stderr()
    report = json.loads(run.stdout())
    assert NUMBER in [n["digits"] for n in report["metrics"]["phone_numbers"]]
    take = run.take()
    assert take is not None and f"Saved take: {take}" in run.stderr()
    assert 10.0 < load(take).duration_s < 20.0


@pytest.mark.mic
def test_a_microphone_gone_mid_take_keeps_what_was_recorded(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    reason = missing()
    if reason:
        unavailable(reason)
    mic = _up(tmp_path / "vm")  # its own server, to pull the plug on
    try:
        run = record(mic, tmp_path / "home", "--max-seconds", "60")
        path = run.wait_for_audio()
        mic.play(fixtures_dir / "t1_good_slt.flac")
        time.sleep(2.5)
    finally:
        _down(mic)
    assert run.finish(timeout=60) == 2
    errors = [line for line in run.stderr().splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, run.stderr()
    assert "stopped sending audio after" in errors[0]
    assert f"kept in {path}" in errors[0]
    assert "Traceback" not in run.stderr()
    assert load(path).duration_s >= 2.0


def test_without_portaudio_the_error_says_what_to_install(tmp_path: Path) -> None:
    # sounddevice raises OSError at import when libportaudio cannot be loaded.
    (tmp_path / "sounddevice.py").write_text("raise OSError('PortAudio library not found')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "COACH_HOME": str(tmp_path)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "coach", *args],
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    assert run("--help").returncode == 0
    for args in (["devices"], ["record", "--max-seconds", "2"]):
        proc = run(*args)
        assert proc.returncode == 2
        assert proc.stderr.strip() == (
            "Error: PortAudio is not installed — apt install libportaudio2 (Debian/Ubuntu) "
            "or brew install portaudio"
        )


@pytest.mark.mic
def test_no_input_device_is_one_clear_line(tmp_path: Path) -> None:
    env = no_devices(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "coach", "record", "--max-seconds", "2"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "Error: no input device found — connect a microphone (or check that the system sees one)"
    )


@pytest.mark.mic
@pytest.mark.model
def test_rehearse_records_through_the_microphone_and_keeps_the_take(
    vmic: VirtualMic, tmp_path: Path, first_sentence: Path
) -> None:
    """coach rehearse, non-interactive: one take recorded, scored against the card, kept."""
    with (tmp_path / "stdout").open("wb") as out, (tmp_path / "stderr").open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "coach", "rehearse", "acme-t1", "--max-seconds", "14", "--json"],
            env=vmic.env(COACH_HOME=str(tmp_path)),
            stdin=subprocess.DEVNULL,  # end of input after the take: quit, keeping the best
            stdout=out,
            stderr=err,
        )
    run = Run(proc, tmp_path)
    run.wait_for_audio()
    time.sleep(0.5)
    vmic.play(first_sentence)
    assert run.finish() == 0, run.stderr()
    assert "Get ready — recording from" in run.stderr()  # the countdown, before the take
    rehearsal = json.loads(run.stdout())
    assert rehearsal["schema"] == "coach.rehearsal/1"
    assert rehearsal["card"] == "acme-t1"
    assert rehearsal["kept"] == 0
    [report] = rehearsal["takes"]
    assert report["touch"] == 1
    assert NUMBER in [n["digits"] for n in report["metrics"]["phone_numbers"]]
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses["identity"] == "pass"  # the card's rep: Chris Walker, Northwind
    assert statuses["callback_number"] == "pass"  # checked against the card's number
    assert 0 < rehearsal["script_similarity"][0] < 100
    assert run.take() is not None


# -- parity: a recorded take is judged as the same take scored from its file --

#: fixture takes played through the microphone and scored both ways: the
#: three with the number said in groups (0.4-0.8 s pauses inside it: a live
#: take is cut at pauses), and three more voices and touches
PARITY_TAKES = (
    "t1_grouped_early_slt",
    "t1_grouped_end_kal",
    "t1_grouped_both_espeak",
    "t1_good_slt",
    "t3_good_slt",
    "t1_trick_kal",
)


def _card_args(entry: dict[str, Any]) -> list[str]:
    return [
        "--touch",
        str(entry["touch"]),
        "--callback",
        entry["callback_digits"],
        "--rep-name",
        entry["rep_name"],
        "--rep-company",
        entry["rep_company"],
        "--prospect",
        entry["prospect_name"],
        "--prospect-company",
        entry["prospect_company"],
    ]


def _verdicts(report: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    numbers = [n["digits"] for n in report["metrics"]["phone_numbers"]]
    return numbers, {c["id"]: c["status"] for c in report["checks"]}


@pytest.mark.mic
@pytest.mark.model
@pytest.mark.parametrize("name", PARITY_TAKES)
def test_a_recorded_take_is_judged_as_its_file(
    name: str, vmic: VirtualMic, tmp_path: Path, fixtures_dir: Path
) -> None:
    from tests.conftest import fixture_manifest

    entry = fixture_manifest()[name]
    card = _card_args(entry)
    seconds = f"{entry['duration_s'] + 2.5:.1f}"
    run = record(vmic, tmp_path, "--json", "--max-seconds", seconds, *card)
    run.wait_for_audio()
    time.sleep(0.5)
    vmic.play(fixtures_dir / entry["file"])
    assert run.finish() == 0, run.stderr()
    live = json.loads(run.stdout())
    take = run.take()
    assert take is not None
    scored = coach(vmic, tmp_path, "score", str(take), "--json", "--no-save", *card)
    assert scored.returncode == 0, scored.stderr
    again = json.loads(scored.stdout)
    # Every digit of every instance, and the status of every check: both paths
    # hear the same samples through the same function (coach.speech.hearing).
    heard = (live["transcript"]["text"], again["transcript"]["text"])
    assert entry["callback_digits"] in _verdicts(live)[0], heard
    assert _verdicts(live) == _verdicts(again), heard
    assert live["transcript"] == again["transcript"]
    assert live["score"] == again["score"]
    # One truth: the saved session is the report the rep saw.
    shown = coach(vmic, tmp_path, "sessions", "show", "1", "--json")
    assert shown.returncode == 0, shown.stderr
    saved = json.loads(shown.stdout)
    saved = saved.get("report", saved)
    assert saved["transcript"] == live["transcript"]
    assert _verdicts(saved) == _verdicts(live)
