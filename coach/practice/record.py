"""Recording a take from the microphone: devices, a kill-safe take file, a live 16 kHz feed.

With :mod:`coach.practice.playback`, the only module that talks to sounddevice
(PortAudio); both load it and close its streams with the functions here.  The shape follows
sounddevice's ``rec_unlimited.py``: the PortAudio callback only queues copies
of the blocks; a writer thread writes them to the take file, which is opened
before the stream starts, so the take is on disk from the first block.  The
writer also resamples each block to 16 kHz and hands it on (to
:class:`coach.practice.live.LiveTranscriber`, which transcribes while the rep speaks).

Kill-safe takes
    A take is a 16-bit mono WAV written with the standard library's
    :mod:`wave`, whose ``writeframes`` rewrites the header's two size fields
    after every block, after the samples themselves.  So at any instant the
    file on disk is a complete WAV whose header claims at most what it holds:
    after Ctrl-C, a crash or ``kill -9`` every reader plays it.  (libsndfile,
    behind soundfile, fixes a WAV header only on close — its ``flush()`` is an
    ``fsync`` — and a FLAC cut short tells libsndfile a bogus length.)
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
import wave
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from coach.errors import CoachError

#: sample rates tried when a device refuses its own default, Hz
FALLBACK_RATES = (48_000, 44_100, 32_000, 22_050, 16_000)
#: no audio for this long and the microphone is taken to be gone, seconds
STALL_S = 3.0
#: ... and this long before the very first block (PulseAudio takes ~1 s to start)
FIRST_BLOCK_S = 6.0
_NO_PORTAUDIO = (
    "PortAudio is not installed — apt install libportaudio2 (Debian/Ubuntu) "
    "or brew install portaudio"
)


class RecordError(CoachError):
    """No microphone, or it failed: busy, unplugged, no usable sample rate."""


#: how long stopping a stream may take before the device is taken for wedged, seconds
STOP_WAIT_S = 3.0
_WEDGED = False


def audio_wedged() -> bool:
    """True when a stream could not be stopped (its audio server vanished mid-take)."""
    return _WEDGED


def load_sounddevice() -> Any:
    """The sounddevice module; without the PortAudio library, a :class:`RecordError` saying
    what to install."""
    try:
        import sounddevice
    except OSError:  # sounddevice raises OSError when libportaudio cannot be loaded
        raise RecordError(_NO_PORTAUDIO) from None
    return sounddevice


def close_stream(stream: Any, *, abort: bool = False) -> None:
    """Stop (or ``abort``: drop what is queued) and close a stream, waiting at most
    :data:`STOP_WAIT_S`.

    When the audio server behind a device vanishes mid-stream, PortAudio's
    stop can block for good.  What was recorded or played is what matters, so
    the stream is stopped from a helper thread; if that does not return, it is
    left behind and :func:`audio_wedged` tells the CLI to exit without
    PortAudio's own clean-up (which would block the same way).
    """
    global _WEDGED
    stopped = threading.Event()

    def stop() -> None:
        with contextlib.suppress(Exception):  # a vanished device may fail to stop
            if abort:
                stream.abort()
            else:
                stream.stop()
            stream.close()
        stopped.set()

    threading.Thread(target=stop, name="coach-stop", daemon=True).start()
    if not stopped.wait(STOP_WAIT_S):
        _WEDGED = True


# -- devices ---------------------------------------------------------------


@dataclass(frozen=True)
class InputDevice:
    """A microphone PortAudio offers.  ``default_rate`` in Hz."""

    index: int
    name: str
    hostapi: str
    channels: int
    default_rate: int
    is_default: bool = False


def input_devices() -> list[InputDevice]:
    """The input devices PortAudio sees, in its order, the default marked."""
    sd = load_sounddevice()
    default = sd.default.device[0]
    apis = [api["name"] for api in sd.query_hostapis()]
    return [
        InputDevice(
            index=int(d["index"]),
            name=str(d["name"]),
            hostapi=apis[d["hostapi"]],
            channels=int(d["max_input_channels"]),
            default_rate=int(d["default_samplerate"]),
            is_default=int(d["index"]) == default,
        )
        for d in sd.query_devices()
        if d["max_input_channels"] > 0
    ]


def choose_device(spec: str | None, devices: Sequence[InputDevice]) -> InputDevice:
    """Pick the device ``--device`` names: an index, a name fragment, or the default.

    Raises
    ------
    RecordError
        No input device at all; no such index; no name or several names match.
    """
    if not devices:
        raise RecordError(
            "no input device found — connect a microphone (or check that the system sees one)"
        )
    if spec is None or not spec.strip():
        return next((d for d in devices if d.is_default), devices[0])
    spec = spec.strip()
    if spec.isdigit():
        found = [d for d in devices if d.index == int(spec)]
        if not found:
            raise RecordError(f"no input device {spec} — run coach devices")
        return found[0]
    exact = [d for d in devices if d.name.lower() == spec.lower()]
    matches = exact or [d for d in devices if spec.lower() in d.name.lower()]
    if not matches:
        raise RecordError(f"no input device matches {spec!r} — run coach devices")
    if len(matches) > 1:
        names = ", ".join(f"{d.index} {d.name!r}" for d in matches)
        raise RecordError(f"--device {spec!r} matches several devices ({names}) — give the index")
    return matches[0]


def find_device(spec: str | None) -> InputDevice:
    """:func:`choose_device` over the devices present now."""
    return choose_device(spec, input_devices())


def choose_settings(
    device: InputDevice, accepts: Callable[[int, int], bool]
) -> tuple[int, int] | None:
    """The (sample rate, channels) to record at: the device's default rate, mono if it can.

    ``accepts(rate, channels)`` says whether the device takes a setting.  A
    device that refuses its own default rate gets :data:`FALLBACK_RATES`
    (the take is resampled to 16 kHz either way).  ``None`` when nothing fits.
    """
    rates = dict.fromkeys((device.default_rate, *FALLBACK_RATES))
    for channels in (1, 2)[: max(1, min(2, device.channels))]:
        for rate in rates:
            if rate > 0 and accepts(rate, channels):
                return rate, channels
    return None


# -- the take file ---------------------------------------------------------


def _open_new(folder: Path, now: datetime) -> tuple[Path, BinaryIO]:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RecordError(
            f"cannot create {folder}: {exc.strerror} — set COACH_HOME to a writable folder"
        ) from None
    stem = now.strftime("take-%Y%m%d-%H%M%S")
    for n in range(1, 1000):
        path = folder / (f"{stem}.wav" if n == 1 else f"{stem}-{n}.wav")
        try:
            return path, path.open("xb")  # exclusive: two takes in one second never share a file
        except FileExistsError:
            continue
        except OSError as exc:
            raise RecordError(f"cannot write {path}: {exc.strerror}") from None
    raise RecordError(f"too many takes named {stem}* in {folder}")


class TakeFile:
    """A 16-bit mono WAV whose header is kept true after every block.

    :meth:`wave.Wave_write.writeframes` writes the samples, then patches the
    RIFF and data sizes ("make sure nframes is correct", as its documentation
    says); with the flush after it, once :meth:`write` returns the kernel
    holds a complete, playable WAV, and a killed process leaves one behind.
    """

    def __init__(self, folder: Path, *, rate: int, now: datetime | None = None) -> None:
        self.path, self._fh = _open_new(folder, now or datetime.now())
        self.rate = rate
        self.frames = 0
        self._wav = wave.open(self._fh, "wb")  # noqa: SIM115 -- open for the take's life
        self._wav.setnchannels(1)
        self._wav.setsampwidth(2)
        self._wav.setframerate(rate)
        self._wav.writeframes(b"")  # the header, claiming 0 frames, before any audio
        self._fh.flush()

    def write(self, pcm: np.ndarray) -> None:
        """Append ``pcm`` [shape=(n,), int16] and make the header say so, on disk."""
        self._wav.writeframes(np.ascontiguousarray(pcm, dtype=np.int16).tobytes())
        self._fh.flush()  # to the kernel: a killed process loses nothing written
        self.frames += pcm.size

    def close(self) -> None:
        try:
            self._wav.close()
        finally:
            self._fh.close()


def to_pcm16(y: np.ndarray) -> np.ndarray:
    """Float audio in ±1 [shape=(n,)] to int16, clipped; ``x / 32768`` gives it back."""
    return np.clip(np.rint(y * 32768.0), -32768, 32767).astype(np.int16)


# -- the recorder ----------------------------------------------------------


@dataclass(frozen=True)
class LiveStatus:
    """What the live view shows; the CLI samples it a dozen times a second.

    ``level_dbfs`` is the last block's RMS level; ``too_quiet`` means the
    speech of the last 2 s is under the rubric's ``quiet_dbfs``;
    ``clipping`` that a sample hit full scale in the last 1.5 s.
    """

    elapsed_s: float
    level_dbfs: float
    speaking: bool
    too_quiet: bool
    clipping: bool


@dataclass(frozen=True)
class RecordedTake:
    """A finished take: the file, and its samples at 16 kHz for the analysis.

    Attributes
    ----------
    samples : np.ndarray [shape=(n,), dtype=float32]
        The take at 16 kHz, exactly as the file decodes.
    rate, channels : int
        What the device recorded at (the file is mono at ``rate``).
    seconds : float
        Length of the take, seconds.
    overflows : int
        Blocks PortAudio reported as overflowed (audio the machine dropped).
    """

    path: Path
    samples: np.ndarray
    rate: int
    channels: int
    seconds: float
    overflows: int


class Recorder:
    """Streams the microphone into a take file and hands the take on at 16 kHz.

    Use as a context manager: entering opens the file, then starts the
    stream; leaving — however it happens — stops the stream, writes what is
    queued and closes the file (:meth:`stop`).

    Parameters
    ----------
    device : InputDevice
    folder : Path
        Where the take file is created (``take-YYYYmmdd-HHMMSS.wav``).
    on_audio : callable
        Called from the writer thread with each block at 16 kHz, float32.
    quiet_dbfs : float
        Speech under this level, dBFS, shows the "too quiet" hint.
    """

    def __init__(
        self,
        device: InputDevice,
        folder: Path,
        *,
        on_audio: Callable[[np.ndarray], None] = lambda y: None,
        quiet_dbfs: float = -35.0,
    ) -> None:
        self.device = device
        self.folder = folder
        self.quiet_dbfs = quiet_dbfs
        self.rate = device.default_rate
        self.channels = 1
        self.take: RecordedTake | None = None
        self._on_audio = on_audio
        self._queue: queue.SimpleQueue[np.ndarray | None] = queue.SimpleQueue()
        self._chunks: list[np.ndarray] = []
        self._frames_in = 0
        self._overflows = 0
        self._started = self._last_block = 0.0
        self._stopping = False
        self._finished = threading.Event()
        self._error: str | None = None
        # the meter: last block's level, recent block levels, speech, clipping
        self._level = -120.0
        self._levels: deque[float] = deque(maxlen=600)
        self._speech: deque[tuple[float, float]] = deque(maxlen=200)  # (when, power)
        self._clip_at = -10.0

    def __enter__(self) -> Recorder:
        from coach.speech.audio import Resampler

        sd = load_sounddevice()
        name = self.device.name

        def accepts(rate: int, channels: int) -> bool:
            try:
                sd.check_input_settings(
                    device=self.device.index, channels=channels, samplerate=rate, dtype="float32"
                )
            except (sd.PortAudioError, ValueError):
                return False
            return True

        settings = choose_settings(self.device, accepts)
        if settings is None:
            rates = ", ".join(map(str, dict.fromkeys((self.device.default_rate, *FALLBACK_RATES))))
            raise RecordError(
                f"the microphone {name!r} takes none of the sample rates {rates} Hz "
                "— pick another with --device (coach devices)"
            )
        self.rate, self.channels = settings
        self._resample = Resampler(self.rate)
        self.file = TakeFile(self.folder, rate=self.rate)  # before the stream: nothing is lost
        self.path = self.file.path
        try:
            self._stream = sd.InputStream(
                device=self.device.index,
                channels=self.channels,
                samplerate=self.rate,
                dtype="float32",
                latency="high",
                callback=self._callback,
                finished_callback=self._finished.set,
            )
            self._writer = threading.Thread(target=self._write_loop, name="coach-writer")
            self._writer.start()
            self._started = time.monotonic()
            self._stream.start()
        except sd.PortAudioError as exc:
            self._abandon()
            raise RecordError(
                f"cannot open the microphone {name!r} ({portaudio_reason(exc)}) — is another "
                "program using it? Close that, or pick another with --device (coach devices)"
            ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> RecordedTake:
        """Stop the stream, write what is queued, close the file; again: the same take.

        A take with no audio at all leaves no file behind.
        """
        if self.take is not None:
            return self.take
        self._stopping = True
        try:
            self._stop_stream()
        finally:
            self._queue.put(None)
            self._writer.join()
            self.file.close()
        samples = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.float32)
        self.take = RecordedTake(
            path=self.path,
            samples=samples,
            rate=self.rate,
            channels=self.channels,
            seconds=self.file.frames / self.rate,
            overflows=self._overflows,
        )
        if self.file.frames == 0:
            self.path.unlink(missing_ok=True)
        return self.take

    def _stop_stream(self) -> None:
        close_stream(self._stream)

    def _abandon(self) -> None:
        self._stopping = True
        if hasattr(self, "_stream"):
            with contextlib.suppress(Exception):
                self._stream.close()
        if hasattr(self, "_writer"):
            self._queue.put(None)
            self._writer.join()
        self.file.close()
        self.path.unlink(missing_ok=True)

    # -- the PortAudio thread and the writer thread

    def _callback(self, indata: np.ndarray, frames: int, _time: Any, status: Any) -> None:
        if status.input_overflow:
            self._overflows += 1
        self._queue.put(indata.copy())
        self._frames_in += frames
        self._last_block = time.monotonic()

    def _write_loop(self) -> None:
        while (block := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep draining; the file keeps what it has
            try:
                self._take_in(block)
            except Exception as exc:  # disk full, folder gone: keep what is written
                self._error = f"cannot write the take to {self.path}: {exc}"
        if self._error is None:
            tail = self._resample.flush()
            self._chunks.append(tail)
            self._on_audio(tail)

    def _take_in(self, block: np.ndarray) -> None:
        mono = block[:, 0] if block.shape[1] == 1 else block.mean(axis=1)
        pcm = to_pcm16(mono)
        self.file.write(pcm)
        # What the file holds, so the live analysis and a later `coach score`
        # of the file hear the same samples.
        y = self._resample(pcm.astype(np.float32) / 32768.0)
        self._chunks.append(y)
        self._meter(mono, y)
        self._on_audio(y)

    def _meter(self, mono: np.ndarray, y: np.ndarray) -> None:
        from coach.speech.levels import noise_gate_db

        now = time.monotonic()
        if mono.size and float(np.max(np.abs(mono))) >= 0.999:
            self._clip_at = now
        if y.size:
            power = float(np.mean(np.square(y, dtype=np.float64)))
            self._level = 10.0 * np.log10(max(power, 1e-12))
            self._levels.append(self._level)
            if self._level >= noise_gate_db(self._levels, silence_db=-45.0, margin_db=10.0):
                self._speech.append((now, power))

    # -- what the CLI polls

    @property
    def elapsed_s(self) -> float:
        """Audio received so far, seconds."""
        return self._frames_in / self.rate

    @property
    def problem(self) -> str | None:
        """Why the take cannot go on, in one line; ``None`` while all is well."""
        if self._error is not None:
            return self._error
        if self._stopping:
            return None
        now = time.monotonic()
        if self._last_block == 0.0:
            if self._finished.is_set() or now - self._started > FIRST_BLOCK_S:
                return (
                    f"the microphone {self.device.name!r} sent no audio — check it with "
                    "coach devices, or pick another with --device"
                )
            return None
        if self._finished.is_set() or now - self._last_block > STALL_S:
            return (
                f"the microphone {self.device.name!r} stopped sending audio after "
                f"{self.elapsed_s:.1f} s (unplugged, or taken by another program?)"
            )
        return None

    def status(self) -> LiveStatus:
        now = time.monotonic()
        speech = list(self._speech)
        recent = [p for t, p in speech if now - t < 2.0]
        quiet = len(recent) >= 10 and 10.0 * np.log10(float(np.mean(recent))) < self.quiet_dbfs
        return LiveStatus(
            elapsed_s=self.elapsed_s,
            level_dbfs=self._level,
            speaking=bool(speech) and now - speech[-1][0] < 0.3,
            too_quiet=bool(quiet),
            clipping=now - self._clip_at < 1.5,
        )


def portaudio_reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.rstrip(".")
