"""Playing a take back: ``coach play``, ``p`` in ``coach rehearse``, ``coach review --play``.

What comes out is heard for real: the tests marked ``mic`` play through
``scripts/virtual-mic``'s null sink (the default output) while ``parecord``
records its monitor, and find the take's samples in what was recorded by
normalised cross-correlation — where they start, how alike they are, and
that nothing before the asked moment (or after a Ctrl-C) was played.
The choices, bad inputs and the player's own logic are tested without a
device (a stand-in for sounddevice where a device would be needed).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from coach.cli import app
from coach.errors import AudioError
from coach.practice import playback
from coach.practice.playback import PastTheEnd, PlaybackError, Player, choose_output, load_clip
from coach.practice.rehearse import Replay, parse_choice
from coach.speech.audio import SAMPLE_RATE, load, read_span
from coach.team.store import Store
from tests.scripts import script_report
from tests.vmic import VirtualMic, missing, no_devices, unavailable
from tests.vmic import down as _down
from tests.vmic import up as _up

ROOT = Path(__file__).resolve().parent.parent
TAKE = ROOT / "audio_fixtures" / "t1_good_slt.flac"  # 28.08 s, speech throughout
runner = CliRunner()
#: a recording this alike the take is the take (resampled twice by PulseAudio)
ALIKE = 0.9
#: digital silence from a null sink with nothing playing, RMS
QUIET = 1e-4


# -- a saved session with audio, and what the tests compare with ------------


def _save(home: Path, audio: np.ndarray) -> int:
    """Save a session whose audio is ``audio`` (16 kHz) in the store under ``home``.

    Its report is a script's, made as long as the audio (review checks a
    comment's moment against it).
    """
    report = script_report(source=str(TAKE))
    seconds = len(audio) / SAMPLE_RATE
    report = replace(report, metrics=replace(report.metrics, duration_s=seconds))
    with Store(home / "coach.db") as store:
        return store.save(
            report, rep="Chris Walker", card_id="", prospect="", prospect_company="", audio=audio
        ).id


@pytest.fixture(scope="module")
def take() -> np.ndarray:
    """The fixture take at 16 kHz, as the store's FLAC holds it (16-bit)."""
    return load(TAKE).samples


def _stored(home: Path, session_id: int) -> np.ndarray:
    """The samples of a session's FLAC, as soundfile reads them."""
    samples, rate = sf.read(home / "audio" / f"{session_id}.flac", dtype="float32")
    assert rate == SAMPLE_RATE
    return np.asarray(samples)


def _likeness(recorded: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """How alike ``ref`` is to each window of ``recorded`` (0–1), window by window.

    Normalised cross-correlation: the dot product over each window divided
    by both norms, so a quiet and a loud window compare alike and digital
    silence scores 0.
    """
    from scipy.signal import fftconvolve

    if len(recorded) < len(ref):
        recorded = np.concatenate([recorded, np.zeros(len(ref) - len(recorded), np.float32)])
    x = recorded.astype(np.float64)
    r = ref.astype(np.float64)
    dots = fftconvolve(x, r[::-1], mode="valid")
    power = np.concatenate([[0.0], np.cumsum(x * x)])
    energy = power[len(r) :] - power[: -len(r)]
    return dots / (np.sqrt(np.maximum(energy, 1e-12)) * np.linalg.norm(r))


def _find(recorded: np.ndarray, ref: np.ndarray) -> tuple[int, float]:
    """Where ``ref`` starts in ``recorded`` (samples) and how alike they are there (0–1).

    The first place it is found (alike above :data:`ALIKE`), else the best.
    """
    ncc = _likeness(recorded, ref)
    found = np.flatnonzero(ncc > ALIKE)
    if found.size == 0:
        lag = int(np.argmax(ncc))
    else:  # the peak of the first match: a take played twice is found twice
        first = int(found[0])
        lag = first + int(np.argmax(ncc[first : first + SAMPLE_RATE // 10]))
    return lag, float(ncc[lag])


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


# -- choices and bad inputs, no device ---------------------------------------


@pytest.mark.parametrize(
    ("answer", "choice"),
    [
        ("p", Replay(2)),  # the last of three takes
        ("P", Replay(2)),
        ("play", Replay(2)),
        ("p 1", Replay(0)),
        ("p1", Replay(0)),
        ("play 2", Replay(1)),
        ("p 4", "again"),
        ("p 0", "again"),
        ("p one", "again"),
        ("pause", "again"),
        ("k 2", 1),  # keeping is unchanged
    ],
)
def test_p_plays_a_take_back(answer: str, choice: object) -> None:
    assert parse_choice(answer, takes=3) == choice


@pytest.mark.parametrize(
    ("file_rate", "refused", "expected"),
    [
        (16_000, set(), (16_000, 1)),  # the take's own rate, mono
        (16_000, {(16_000, 1), (16_000, 2)}, (44_100, 1)),  # the device's default rate
        (16_000, {(16_000, 1), (44_100, 1), (48_000, 1)}, (16_000, 2)),  # stereo, own rate
        (48_000, {(48_000, 1), (48_000, 2), (44_100, 1), (44_100, 2)}, (32_000, 1)),
    ],
)
def test_the_output_setting_prefers_the_takes_own_rate(
    file_rate: int, refused: set[tuple[int, int]], expected: tuple[int, int]
) -> None:
    got = choose_output(file_rate, default_rate=44_100, accepts=lambda r, c: (r, c) not in refused)
    assert got == expected


def test_no_output_setting_at_all() -> None:
    assert choose_output(16_000, default_rate=44_100, accepts=lambda r, c: False) is None


def _wav(path: Path, samples: np.ndarray, rate: int, channels: int = 1) -> Path:
    sf.write(str(path), samples.reshape(-1, channels), rate, subtype="PCM_16")
    return path


def test_a_clip_is_the_file_from_the_moment_on(tmp_path: Path) -> None:
    rate = 44_100
    ramp = (np.arange(3 * rate) % 20_000 / 40_000).astype(np.float32)  # 3 s, exact in 16-bit
    path = _wav(tmp_path / "take.wav", ramp, rate)
    clip = load_clip(path, start_s=1.25)
    assert clip.rate == rate
    assert clip.duration_s == 3.0
    assert clip.start_s == 1.25
    expected, _ = sf.read(str(path), dtype="float32")
    np.testing.assert_array_equal(clip.samples, expected[round(1.25 * rate) :])
    # at the end, past it, and clamped to the last second
    for start in (3.0, 7.5):
        with pytest.raises(PastTheEnd, match=r"past the end of the take \(3\.00 s long\)"):
            load_clip(path, start_s=start)
    clamped = load_clip(path, start_s=7.5, clamp=True)
    assert clamped.start_s == 2.0
    assert clamped.samples.size == rate


def test_a_stereo_file_is_played_as_its_mix(tmp_path: Path) -> None:
    left = np.full(1000, 0.5, np.float32)
    right = np.full(1000, -0.25, np.float32)
    path = _wav(tmp_path / "stereo.wav", np.stack([left, right], axis=1), 8000, channels=2)
    span = read_span(path)
    assert span.samples.shape == (1000,)
    np.testing.assert_allclose(span.samples, 0.125, atol=1e-4)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "nothing.flac", "no such file"),
        (lambda d: d, "no such file"),  # a folder
        (
            lambda d: (d / "notes.flac").write_text("not audio") and d / "notes.flac",
            "is not a WAV or FLAC file that can be played",
        ),
    ],
)
def test_what_cannot_be_played(tmp_path: Path, make: Any, message: str) -> None:
    with pytest.raises(AudioError, match=message):
        load_clip(make(tmp_path))


@pytest.fixture
def saved(coach_home: Path) -> int:
    """A session holding 2 s of a tone, in this test's COACH_HOME."""
    t = np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE
    return _save(coach_home, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32))


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["play", "9"], "Error: no session 9 in {store} — run coach sessions to list them"),
        (
            ["play", "0"],
            "Error: Invalid value for 'ID': Input should be greater than or equal to 1 — "
            "see coach play --help",
        ),
        (
            ["play", "1", "--at", "soon"],
            "Error: --at 'soon' is not a time in the take — e.g. 0:12 or 12",
        ),
        (
            ["play", "1", "--at", "0:75"],
            "Error: --at '0:75' is not a time in the take — e.g. 0:12 or 12",
        ),
        (
            ["play", "1", "--at", "-1"],
            "Error: --at '-1' is not a time in the take — e.g. 0:12 or 12",
        ),
        (
            ["play", "1", "--at", "0:02"],
            "Error: --at 0:02 is past the end of the take (2.00 s long)",
        ),
        (["play", "1", "--at", "9"], "Error: --at 9 is past the end of the take (2.00 s long)"),
        (
            ["play", "1", "--at"],
            "Error: Option '--at' requires an argument — see coach play --help",
        ),
        (
            ["review", "1", "--play-comment", "1"],
            "Error: --play-comment 1: session 1 has no comments — see coach review 1",
        ),
        (
            ["review", "1", "--play", "--play-comment", "1"],
            "Error: --play plays from the start, --play-comment N from a comment: give one",
        ),
        (
            ["review", "1", "--play", "--done"],
            "Error: --play and --play-comment go alone: review first, then listen",
        ),
        (["review", "--play"], "Error: say which session: coach review ID --play"),
        (
            ["review", "9", "--play"],
            "Error: no session 9 in {store} — run coach sessions to list them",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    saved: int, coach_home: Path, args: list[str], error: str
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr == error.format(store=coach_home / "coach.db") + "\n"
    assert result.stdout == ""
    with Store(coach_home / "coach.db") as store:  # a refused --play saved nothing either
        assert store.get(saved).reviewed_at is None


def test_each_comment_plays_from_its_moment(
    saved: int, coach_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As listed: the whole-take comment from the start; one past the end, its last second."""
    from coach.cli import playing

    for comment in (["Smile"], ["Late", "--at", "2.4"], ["Early", "--at", "0:01.5"]):
        args = ["review", str(saved), "--comment", comment[0], *comment[1:], "--by", "Lee"]
        assert runner.invoke(app, args).exit_code == 0
    played: list[tuple[float, str]] = []

    def play_take(path: Path, *, start_s: float, what: str, **kw: Any) -> float | None:
        assert path == coach_home / "audio" / f"{saved}.flac"
        clip = load_clip(path, start_s=start_s, clamp=kw.get("clamp", False))
        played.append((clip.start_s, what))
        return None

    monkeypatch.setattr(playing, "play_take", play_take)
    for n in ("1", "2", "3"):
        result = runner.invoke(app, ["review", str(saved), "--play-comment", n])
        assert result.exit_code == 0, result.stderr
    assert runner.invoke(app, ["review", str(saved), "--play"]).exit_code == 0
    assert played == [
        (0.0, f"session {saved} (comment 1: Smile)"),
        (1.5, f"session {saved} (comment 2: Early)"),
        (1.0, f"session {saved} (comment 3: Late)"),  # 2.4 s of a 2 s take: its last second
        (0.0, f"session {saved}"),
    ]


def test_a_session_without_its_audio(coach_home: Path) -> None:
    with Store(coach_home / "coach.db") as store:
        kept = store.save(script_report(), rep="", card_id="", prospect="", prospect_company="")
    result = runner.invoke(app, ["play", str(kept.id)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: session {kept.id} was saved without its audio — there is nothing to play\n"
    )


def test_a_session_whose_audio_is_gone(saved: int, coach_home: Path) -> None:
    flac = coach_home / "audio" / f"{saved}.flac"
    flac.unlink()
    for args in (["play", str(saved)], ["review", str(saved), "--play"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert result.stderr == (
            f"Error: the audio of session {saved} is gone ({flac}) — it was moved or deleted; "
            "nothing to play\n"
        )


# -- the player, with a stand-in for sounddevice ------------------------------


class FakeDevice:
    """Enough of sounddevice for :class:`Player`: one output device, streams run by a thread.

    ``stall_after`` blocks: the device stops asking for audio (its server gone).
    """

    class PortAudioError(Exception):
        pass

    class CallbackStop(Exception):
        pass

    def __init__(
        self,
        *,
        present: bool = True,
        refuse: frozenset[tuple[int, int]] = frozenset(),
        stall_after: int | None = None,
    ) -> None:
        self.present = present
        self.refuse = refuse
        self.stall_after = stall_after
        self.played: list[np.ndarray] = []
        self.opened: dict[str, Any] = {}
        self.aborted = False

    def query_devices(self, kind: str | None = None) -> dict[str, Any]:
        if not self.present:
            raise self.PortAudioError("Error querying device -1")
        return {"name": "Speakers", "default_samplerate": 44_100.0}

    def check_output_settings(self, *, channels: int, samplerate: int, dtype: str) -> None:
        if (samplerate, channels) in self.refuse:
            raise self.PortAudioError("Invalid sample rate")

    def OutputStream(self, **kw: Any) -> Any:
        self.opened = kw
        return _FakeStream(self, **kw)


class _FakeStream:
    def __init__(self, device: FakeDevice, **kw: Any) -> None:
        self.device = device
        self.kw = kw
        self.latency = 0.0
        self._stop = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        block = 256
        n = 0
        while not self._stop.is_set():
            if self.device.stall_after is not None and n >= self.device.stall_after:
                return  # no more callbacks, and no finish
            out = np.full((block, self.kw["channels"]), np.nan, np.float32)
            try:
                self.kw["callback"](out, block, None, None)
            except FakeDevice.CallbackStop:
                self.device.played.append(out)
                break
            self.device.played.append(out)
            n += 1
            time.sleep(0.001)  # a device takes its blocks in time
        self.kw["finished_callback"]()

    def abort(self) -> None:
        self.device.aborted = True
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        pass


def _clip(seconds: float, rate: int = SAMPLE_RATE) -> playback.Clip:
    samples = (np.arange(round(seconds * rate)) % 1000 / 1000).astype(np.float32)
    return playback.Clip(Path("t.wav"), samples, rate, 0.0, seconds)


def test_the_player_hands_over_every_sample_then_silence(monkeypatch: pytest.MonkeyPatch) -> None:
    device = FakeDevice()
    monkeypatch.setattr(playback, "load_sounddevice", lambda: device)
    clip = _clip(0.1)
    with Player(clip) as player:
        player.wait()
        assert player.done
        assert player.position_s == clip.duration_s
    out = np.concatenate(device.played)[:, 0]
    np.testing.assert_array_equal(out[: clip.samples.size], clip.samples)
    assert not out[clip.samples.size :].any()  # the last block is padded with silence
    assert device.opened["samplerate"] == SAMPLE_RATE and device.opened["channels"] == 1
    assert not device.aborted  # played to the end: nothing to drop


def test_a_device_refusing_the_rate_gets_the_take_resampled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    device = FakeDevice(refuse=frozenset({(16_000, 1), (16_000, 2)}))
    monkeypatch.setattr(playback, "load_sounddevice", lambda: device)
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    with Player(playback.Clip(Path("t.wav"), tone, SAMPLE_RATE, 0.0, 1.0)) as player:
        player.wait()
    assert device.opened["samplerate"] == 44_100
    out = np.concatenate(device.played)[:, 0]
    heard = out[np.abs(out) > 0]
    assert abs(heard.size - 44_100) < 200  # 1 s at the device's rate
    spectrum = np.abs(np.fft.rfft(out[:44_100]))  # 1 Hz a bin
    assert abs(int(np.argmax(spectrum)) - 440) <= 1  # still a 440 Hz tone


def test_stopping_early_drops_the_rest_and_says_where(monkeypatch: pytest.MonkeyPatch) -> None:
    device = FakeDevice()
    monkeypatch.setattr(playback, "load_sounddevice", lambda: device)
    with Player(_clip(600.0)) as player:
        time.sleep(0.05)
    assert device.aborted
    assert player.stopped_at is not None and 0 < player.stopped_at < 600
    assert not player.done


def test_a_device_that_stops_taking_audio_is_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(playback, "STALL_S", 0.3)
    device = FakeDevice(stall_after=4)
    monkeypatch.setattr(playback, "load_sounddevice", lambda: device)
    with (
        pytest.raises(PlaybackError, match=r"the output device stopped taking audio at 0\.\d s"),
        Player(_clip(60.0)) as player,
    ):
        player.wait()


def test_no_output_device_is_one_line(
    saved: int, monkeypatch: pytest.MonkeyPatch, coach_home: Path
) -> None:
    monkeypatch.setattr(playback, "load_sounddevice", lambda: FakeDevice(present=False))
    for args in (["play", str(saved)], ["review", str(saved), "--play"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert result.stderr == (
            "Error: no output device found — connect speakers or headphones "
            "(or check that the system sees them)\n"
        )


def test_without_portaudio_play_says_what_to_install(saved: int, coach_home: Path) -> None:
    stub = coach_home / "stub"
    stub.mkdir()
    (stub / "sounddevice.py").write_text("raise OSError('PortAudio library not found')\n")
    proc = subprocess.run(
        [sys.executable, "-m", "coach", "play", str(saved)],
        env={**os.environ, "PYTHONPATH": str(stub), "COACH_HOME": str(coach_home)},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr == (
        "Error: PortAudio is not installed — apt install libportaudio2 (Debian/Ubuntu) "
        "or brew install portaudio\n"
    )


# -- rehearse: the key loop, with the playing itself stood in for ------------


def _rehearse_with(monkeypatch: pytest.MonkeyPatch, takes: list[Path]) -> None:
    """``coach rehearse`` records ``takes`` in turn (no microphone, no model)."""
    from coach.cli import practice

    sources = iter(takes)
    monkeypatch.setattr(
        practice, "_record_take", lambda *a, **kw: script_report(source=str(next(sources)))
    )


def test_p_in_rehearse_plays_the_last_take_and_asks_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from coach.cli import playing

    takes = [tmp_path / "take-1.wav", tmp_path / "take-2.wav"]
    _rehearse_with(monkeypatch, takes)
    played: list[tuple[Path, float]] = []

    def play_take(path: Path, *, start_s: float, what: str, **kw: Any) -> float | None:
        played.append((path, start_s))
        return 1.5 if len(played) == 3 else None  # the third is stopped with Ctrl-C

    monkeypatch.setattr(playing, "play_take", play_take)
    result = runner.invoke(app, ["rehearse", "acme-t1", "--no-save"], input="p\n\np\np 1\np 3\nq\n")
    assert result.exit_code == 0, result.stderr
    assert played == [(takes[0], 0.0), (takes[1], 0.0), (takes[0], 0.0)]
    assert "Enter: retake · p: play it back (p N: take N) · k: keep the best take" in result.stderr
    assert "Stopped at 0:01." in result.stderr
    assert "No such choice: 'p 3' — Enter, q, p, k, or p/k 1 to 2" in result.stderr
    assert "Kept take 2 (" in result.stdout


def test_a_take_that_cannot_be_played_does_not_end_the_rehearsal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _rehearse_with(monkeypatch, [tmp_path / "gone.wav"])
    result = runner.invoke(app, ["rehearse", "acme-t1", "--no-save"], input="p\nk\n")
    assert result.exit_code == 0, result.stderr
    assert f"Cannot play take 1: {tmp_path / 'gone.wav'}: no such file" in result.stderr
    assert "Kept take 1 (" in result.stdout


# -- through the virtual microphone's sink -------------------------------------


@pytest.fixture
def sink(vmic: VirtualMic) -> VirtualMic:
    """The run's virtual microphone, whose sink is where the coach plays."""
    return vmic


@contextmanager
def capturing(mic: VirtualMic, path: Path) -> Iterator[list[np.ndarray]]:
    """Record the sink's monitor (what the coach plays) at 16 kHz mono into ``path``.

    The list yielded gets the recording once the block ends.  The recording
    is running (its file growing) before the block's body starts.
    """
    recorder = subprocess.Popen(
        [
            "parecord",
            "--device=coach_vmic.monitor",
            "--raw",
            "--format=float32le",
            f"--rate={SAMPLE_RATE}",
            "--channels=1",
            "--latency-msec=20",
            str(path),
        ],
        env=mic.env(),
        stdin=subprocess.DEVNULL,
    )
    got: list[np.ndarray] = []
    try:
        deadline = time.monotonic() + 20
        while not (path.exists() and path.stat().st_size > 0):
            assert recorder.poll() is None, "parecord exited"
            assert time.monotonic() < deadline, "parecord recorded nothing"
            time.sleep(0.02)
        yield got
        time.sleep(0.5)  # the end of what was played, through the server
    finally:
        recorder.send_signal(signal.SIGINT)
        recorder.wait(timeout=10)
    got.append(np.fromfile(path, dtype=np.float32))


def _coach(mic: VirtualMic, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coach", *args],
        env=mic.env(COACH_HOME=str(home)),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=120,
    )


def _ours(stderr: str) -> list[str]:
    """stderr without alsa-lib's own diagnostics ("ALSA lib pcm.c:…: underrun occurred"),
    which PortAudio's ALSA back end lets through on a loaded machine."""
    return [line for line in stderr.splitlines() if not line.startswith("ALSA lib ")]


@pytest.mark.mic
def test_play_from_a_moment_plays_the_take_from_there_to_the_end(
    sink: VirtualMic, tmp_path: Path, take: np.ndarray
) -> None:
    home = tmp_path / "home"
    session = _save(home, take)
    stored = _stored(home, session)
    start = 20.0
    before = stored[int((start - 3) * SAMPLE_RATE) : int(start * SAMPLE_RATE)]
    assert _rms(before[-SAMPLE_RATE:]) > 0.01  # speech just before the moment: it must not play
    with capturing(sink, tmp_path / "out.raw") as got:
        proc = _coach(sink, home, "play", str(session), "--at", "0:20")
    assert proc.returncode == 0, proc.stderr
    assert _ours(proc.stderr) == [
        f"Playing session {session} from 0:20 to the end (0:28) — Ctrl-C stops."
    ]
    assert "Traceback" not in proc.stderr
    [recorded] = got
    rest = stored[int(start * SAMPLE_RATE) :]
    lag, alike = _find(recorded, rest)
    assert alike > ALIKE, f"the take from 0:20 on is not what played ({alike:.3f})"
    assert _rms(recorded[:lag]) < QUIET  # nothing before 0:20 played
    assert _rms(recorded[lag + len(rest) :]) < QUIET  # nor anything after the end
    assert _find(recorded, before)[1] < 0.3  # the 3 s before the moment are nowhere


@pytest.mark.mic
def test_ctrl_c_stops_playing_at_once_and_says_where(
    sink: VirtualMic, tmp_path: Path, take: np.ndarray
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    session = _save(home, take)
    stored = _stored(home, session)
    with capturing(sink, tmp_path / "out.raw") as got, (home / "stderr").open("w+") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "coach", "play", str(session)],
            env=sink.env(COACH_HOME=str(home)),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        deadline = time.monotonic() + 60
        while "Playing" not in (home / "stderr").read_text():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(2.5)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    lines = _ours((home / "stderr").read_text())
    assert lines[0] == f"Playing session {session} to the end (0:28) — Ctrl-C stops."
    assert len(lines) == 2, lines
    stopped = lines[1]
    assert stopped.startswith("Stopped at 0:0") and stopped.endswith(" goes on from there.")
    second = int(stopped.removeprefix("Stopped at 0:0")[0])
    assert 1 <= second <= 3
    assert (
        stopped
        == f"Stopped at 0:0{second} — coach play {session} --at 0:0{second} goes on from there."
    )
    [recorded] = got
    lag, alike = _find(recorded, stored[:SAMPLE_RATE])
    assert alike > ALIKE  # it played from the start
    heard = recorded[lag:]
    # It played up to where it says it stopped, and stopped at once: nothing
    # a second and a half after that (the second shown is rounded down).
    assert _find(heard, stored[: second * SAMPLE_RATE])[1] > ALIKE
    assert _rms(heard[int((second + 1.5) * SAMPLE_RATE) :]) < QUIET


@pytest.mark.mic
def test_review_plays_from_a_comments_moment(
    sink: VirtualMic, tmp_path: Path, take: np.ndarray
) -> None:
    home = tmp_path / "home"
    session = _save(home, take)
    stored = _stored(home, session)
    for comment in (["--comment", "Smile more"], ["--comment", "Slower here", "--at", "0:22.5"]):
        assert _coach(sink, home, "review", str(session), *comment, "--by", "Lee").returncode == 0
    with capturing(sink, tmp_path / "out.raw") as got:
        proc = _coach(sink, home, "review", str(session), "--play-comment", "2")
    assert proc.returncode == 0, proc.stderr
    assert "Slower here" in proc.stdout  # the take as reviewed is shown first
    assert _ours(proc.stderr) == [
        f"Playing session {session} (comment 2: Slower here) from 0:22 to the end (0:28) "
        "— Ctrl-C stops."
    ]
    [recorded] = got
    rest = stored[int(22.5 * SAMPLE_RATE) :]
    lag, alike = _find(recorded, rest)
    assert alike > ALIKE
    assert _rms(recorded[:lag]) < QUIET
    assert _rms(recorded[lag + len(rest) :]) < QUIET


_DRIVER = """
import sys
from coach.cli import main, practice
from tests.scripts import script_report

takes = iter(sys.argv[1:3])
practice._record_take = lambda *a, **kw: script_report(source=next(takes))
sys.argv = ["coach", "rehearse", "acme-t1", "--no-save"]
main()
"""


def _pcm_wav(path: Path, samples: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(np.clip(np.rint(samples * 32768), -32768, 32767).astype(np.int16).tobytes())
    return path


@pytest.mark.mic
def test_p_in_rehearse_plays_the_take_asked_for(
    sink: VirtualMic, tmp_path: Path, take: np.ndarray
) -> None:
    """Keys typed after each take: p (take 1), Enter (take 2), p 1, p, q — through the sink.

    Only the recording is stood in for (each take is a WAV as ``coach
    record`` writes it); the key loop and the playing are the real ones.
    """
    first = _pcm_wav(tmp_path / "take-1.wav", take[2 * SAMPLE_RATE : 4 * SAMPLE_RATE])
    second = _pcm_wav(tmp_path / "take-2.wav", take[12 * SAMPLE_RATE : 14 * SAMPLE_RATE])
    with capturing(sink, tmp_path / "out.raw") as got:
        proc = subprocess.run(
            [sys.executable, "-c", _DRIVER, str(first), str(second)],
            env=sink.env(COACH_HOME=str(tmp_path / "home"), PYTHONPATH=str(ROOT)),
            input="p\n\np 1\np\nq\n",
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
            timeout=120,
        )
    assert proc.returncode == 0, proc.stderr
    # (each on the prompt's line: with stdin not a terminal, no Enter is echoed)
    assert re.findall(r"Playing take .*? — Ctrl-C stops\.", proc.stderr) == [
        "Playing take 1 to the end (0:02) — Ctrl-C stops.",
        "Playing take 1 to the end (0:02) — Ctrl-C stops.",
        "Playing take 2 to the end (0:02) — Ctrl-C stops.",
    ]
    [recorded] = got
    one = load(first).samples
    two = load(second).samples
    # take 1, take 1 again, then take 2: each found after the one before it
    at = 0
    for expected, other in ((one, two), (one, two), (two, one)):
        lag, alike = _find(recorded[at:], expected)
        assert alike > ALIKE
        assert _find(recorded[at : at + lag + len(expected)], other)[1] < 0.5
        at += lag + len(expected)
    assert _rms(recorded[at:]) < QUIET


@pytest.mark.mic
@pytest.mark.model
def test_p_after_a_recorded_take_plays_that_take(
    sink: VirtualMic, tmp_path: Path, take: np.ndarray
) -> None:
    """The whole flow: coach rehearse records a take through the microphone, scores it,
    and p plays back the take file it recorded."""
    sentence = _pcm_wav(tmp_path / "sentence.wav", take[: 10 * SAMPLE_RATE])
    home = tmp_path / "home"
    (home / "takes").mkdir(parents=True)
    with (home / "stderr").open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "coach", "rehearse", "acme-t1", "--max-seconds", "11"],
            env=sink.env(COACH_HOME=str(home)),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    assert proc.stdin is not None

    def wait_for(text: str, count: int = 1, timeout: float = 240.0) -> None:
        deadline = time.monotonic() + timeout
        while (home / "stderr").read_text().count(text) < count:
            assert proc.poll() is None, (home / "stderr").read_text()
            assert time.monotonic() < deadline, (home / "stderr").read_text()
            time.sleep(0.05)

    try:
        wait_for("Recording from")
        time.sleep(0.5)
        sink.play(sentence).wait(timeout=30)  # into the microphone; over before the replay
        prompt = "Enter: retake · p: play it back"
        wait_for(prompt)  # recorded and scored
        with capturing(sink, tmp_path / "out.raw") as got:
            proc.stdin.write(b"p\n")
            proc.stdin.flush()
            wait_for(prompt, count=2)  # played, and asked again
        proc.stdin.write(b"q\n")
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0, (home / "stderr").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
    [recorded_take] = sorted((home / "takes").glob("take-*.wav"))
    stderr = (home / "stderr").read_text()
    assert "Playing take 1 to the end (0:1" in stderr
    heard = load(recorded_take).samples
    lag, alike = _find(got[0], heard)
    assert alike > ALIKE
    assert _rms(got[0][:lag]) < QUIET


@pytest.mark.mic
def test_an_output_gone_mid_take_is_one_error_not_a_hang(tmp_path: Path, take: np.ndarray) -> None:
    reason = missing()
    if reason:
        unavailable(reason)
    home = tmp_path / "home"
    session = _save(home, take)
    mic = _up(tmp_path / "vm")  # its own server, to pull the plug on
    try:
        with (tmp_path / "stderr").open("w+") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "coach", "play", str(session)],
                env=mic.env(COACH_HOME=str(home)),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
            deadline = time.monotonic() + 60
            while "Playing" not in (tmp_path / "stderr").read_text():
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.02)
            time.sleep(1.0)
    finally:
        _down(mic)
    assert proc.wait(timeout=20) == 2  # long before the 28 s take would have ended
    stderr = (tmp_path / "stderr").read_text()
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, stderr
    assert errors[0].startswith("Error: the output device stopped taking audio at ")
    assert errors[0].endswith(" s (unplugged, or taken by another program?)")
    assert "Traceback" not in stderr


@pytest.mark.mic
def test_no_output_device_through_portaudio(tmp_path: Path, take: np.ndarray) -> None:
    env = no_devices(tmp_path)
    session = _save(tmp_path, take[: 2 * SAMPLE_RATE])
    proc = subprocess.run(
        [sys.executable, "-m", "coach", "play", str(session), "--at", "0:01"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr == (
        "Error: no output device found — connect speakers or headphones "
        "(or check that the system sees them)\n"
    )
