"""Playing a take back: from a moment to its end, through the default output device.

The one way the coach plays audio — ``coach play``, the ``p`` key of ``coach
rehearse`` and ``coach review --play`` all use it.  :func:`load_clip` reads
the take (a saved session's FLAC, a take ``coach record`` wrote) with
soundfile; :class:`Player` plays it with sounddevice the way sounddevice's
``play_file.py`` example does: the PortAudio callback only copies the next
block out of the samples in memory, and ends the stream with
``CallbackStop``, which lets PortAudio play what it holds before the stream
goes quiet (``finished_callback``).

Stopping early (Ctrl-C) aborts the stream: what PortAudio still holds is
dropped, so the sound stops at once.  A device that stops taking audio (its
server gone) is noticed from the callbacks that stop coming, and the stream
is closed with :func:`coach.practice.record.close_stream`, which cannot hang.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from coach.errors import CoachError
from coach.practice.record import (
    FALLBACK_RATES,
    FIRST_BLOCK_S,
    STALL_S,
    close_stream,
    load_sounddevice,
    portaudio_reason,
)
from coach.speech.audio import Resampler, read_span

_NO_OUTPUT = (
    "no output device found — connect speakers or headphones (or check that the system sees them)"
)


#: how much audio the device is handed ahead, seconds: enough that a busy machine
#: (two cores scoring a take) does not starve it; Ctrl-C drops it, so stopping stays prompt
LATENCY_S = 0.2


class PlaybackError(CoachError):
    """Nothing to play, no output device, or the device failed."""


class PastTheEnd(PlaybackError):
    """A start at or past the end of the take; ``duration_s`` says how long the take is."""

    def __init__(self, start_s: float, duration_s: float) -> None:
        self.start_s = start_s
        self.duration_s = duration_s
        super().__init__(
            f"{start_s:g} s is past the end of the take ({duration_s:.2f} s long) — start earlier"
        )


@dataclass(frozen=True)
class Clip:
    """What is played: the take from ``start_s`` to its end.

    Attributes
    ----------
    path : Path
        The take file.
    samples : np.ndarray [shape=(n,), dtype=float32]
        Mono, at ``rate``, from ``start_s`` on.
    rate : int
        The file's sample rate, Hz.
    start_s, duration_s : float
        Where playing starts and how long the whole take is, seconds.
    """

    path: Path
    samples: np.ndarray
    rate: int
    start_s: float
    duration_s: float


def load_clip(path: Path, *, start_s: float = 0.0, clamp: bool = False) -> Clip:
    """Read the take at ``path`` from ``start_s`` seconds to its end.

    With ``clamp``, a start at or past the end plays the take's last second
    instead (a lead's comment may be pinned just past the end).

    Raises
    ------
    AudioError
        The file is missing or not a WAV/FLAC.
    PastTheEnd
        ``start_s`` is at or past the end of the take (without ``clamp``).
    """
    span = read_span(path, start_s=start_s)
    if span.samples.size == 0 and clamp and span.duration_s > 0:
        start_s = max(0.0, span.duration_s - 1.0)
        span = read_span(path, start_s=start_s)
    if span.samples.size == 0:
        raise PastTheEnd(start_s, span.duration_s)
    return Clip(
        path=Path(path),
        samples=span.samples,
        rate=span.rate,
        start_s=start_s,
        duration_s=span.duration_s,
    )


def choose_output(
    rate: int, *, default_rate: int, accepts: Callable[[int, int], bool]
) -> tuple[int, int] | None:
    """The (sample rate, channels) to play a take at: its own rate, mono, if the device takes it.

    ``accepts(rate, channels)`` says whether the device takes a setting.
    Otherwise the device's default rate, then :data:`FALLBACK_RATES` (the
    take is resampled), and two channels when mono is refused.  ``None``
    when nothing fits.
    """
    for candidate in dict.fromkeys((rate, default_rate, *FALLBACK_RATES)):
        for channels in (1, 2):
            if candidate > 0 and accepts(candidate, channels):
                return candidate, channels
    return None


def _resampled(samples: np.ndarray, rate: int, to: int) -> np.ndarray:
    if rate == to:
        return samples
    resample = Resampler(rate, to=to)
    return np.concatenate([resample(samples), resample.flush()])


class Player:
    """Plays a :class:`Clip` on the default output device; a context manager.

    Entering opens the device and starts playing; leaving — however it
    happens — stops it (:meth:`stop`).  Poll :attr:`done`, :attr:`problem`
    and :attr:`position_s`, or call :meth:`wait`.

    Where playing has got to is what is heard, not what was handed over:
    each block's ``outputBufferDacTime`` says when it reaches the speakers.
    PortAudio says a stream is finished when the last block is handed over,
    a quarter of a second before it is heard through PulseAudio, so
    :meth:`wait` waits for that too (else the next take played would start
    over the end of this one).
    """

    def __init__(self, clip: Clip) -> None:
        self.clip = clip
        self.rate = clip.rate
        self._frames: np.ndarray = np.zeros((0, 1), dtype=np.float32)
        self._next = 0
        self._heard = (0.0, 0.0)  # (monotonic s, clip s): that moment is heard then
        self._end_heard_at = 0.0  # monotonic s when the last sample is heard
        self._last_block = 0.0
        self._started = 0.0
        self._finished = threading.Event()
        self._stream: Any = None
        self._sd: Any = None
        #: where playing was stopped before the end (:meth:`stop`), seconds into the take
        self.stopped_at: float | None = None

    def __enter__(self) -> Player:
        sd = self._sd = load_sounddevice()
        try:
            device = sd.query_devices(kind="output")
        except (sd.PortAudioError, ValueError):
            raise PlaybackError(_NO_OUTPUT) from None
        name = str(device["name"])

        def accepts(rate: int, channels: int) -> bool:
            try:
                sd.check_output_settings(channels=channels, samplerate=rate, dtype="float32")
            except (sd.PortAudioError, ValueError):
                return False
            return True

        settings = choose_output(
            self.clip.rate, default_rate=int(device["default_samplerate"]), accepts=accepts
        )
        if settings is None:
            raise PlaybackError(
                f"the output device {name!r} takes none of the sample rates "
                f"{self.clip.rate}, {', '.join(map(str, FALLBACK_RATES))} Hz — pick another "
                "default output in your system's sound settings"
            )
        self.rate, channels = settings
        mono = _resampled(self.clip.samples, self.clip.rate, self.rate)
        self._frames = np.repeat(mono[:, None], channels, axis=1)
        try:
            self._stream = sd.OutputStream(
                samplerate=self.rate,
                channels=channels,
                dtype="float32",
                latency=LATENCY_S,
                callback=self._callback,
                finished_callback=self._finished.set,
            )
            self._started = time.monotonic()
            self._stream.start()
        except sd.PortAudioError as exc:
            if self._stream is not None:
                close_stream(self._stream, abort=True)
            raise PlaybackError(
                f"cannot play on {name!r} ({portaudio_reason(exc)}) — is another program "
                "holding it? Close that, or pick another default output"
            ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _callback(self, outdata: np.ndarray, frames: int, when: Any, _status: Any) -> None:
        now = time.monotonic()
        self._last_block = now
        heard_at = now + _delay(when)
        chunk = self._frames[self._next : self._next + frames]
        outdata[: len(chunk)] = chunk
        self._heard = (heard_at, self._next / self.rate)
        self._next += len(chunk)
        if len(chunk) < frames:
            outdata[len(chunk) :] = 0
            self._end_heard_at = heard_at + len(chunk) / self.rate
            raise self._sd.CallbackStop

    @property
    def done(self) -> bool:
        """Played to the end, and the end has been heard."""
        return (
            self._finished.is_set()
            and self.stopped_at is None
            and self._next >= len(self._frames)
            and time.monotonic() >= self._end_heard_at
        )

    @property
    def position_s(self) -> float:
        """Where in the take playing has got to, as heard, seconds."""
        if self.stopped_at is not None:
            return self.stopped_at
        heard_at, clip_s = self._heard
        played = 0.0
        if heard_at > 0.0:
            played = min(clip_s + max(0.0, time.monotonic() - heard_at), self._next / self.rate)
        return min(self.clip.duration_s, self.clip.start_s + played)

    @property
    def problem(self) -> str | None:
        """Why playing cannot go on, in one line; ``None`` while all is well."""
        if self._stream is None or self._next >= len(self._frames):
            return None
        now = time.monotonic()
        waited = now - self._started if self._last_block == 0.0 else now - self._last_block
        gone = self._finished.is_set()  # PortAudio ended the stream before the end
        if gone or waited > (FIRST_BLOCK_S if self._last_block == 0.0 else STALL_S):
            return (
                f"the output device stopped taking audio at {self.position_s:.1f} s "
                "(unplugged, or taken by another program?)"
            )
        return None

    def wait(self, *, tick: Callable[[Player], None] = lambda p: None) -> None:
        """Block until the clip has been heard to the end, calling ``tick`` 20 times a second.

        Raises
        ------
        PlaybackError
            The device stopped taking audio.
        KeyboardInterrupt
            Ctrl-C: the caller stops (leaving the ``with`` block does).
        """
        while not self.done:
            self._finished.wait(0.05)
            tick(self)
            if self.problem is not None:
                raise PlaybackError(self.problem)

    def stop(self) -> None:
        """Stop at once (what the device still holds is dropped) and close; again: nothing.

        Stopped before the end, :attr:`stopped_at` says where.
        """
        if self._stream is None:
            return
        early = not self._finished.is_set()
        if early:
            self.stopped_at = self.position_s
        stream, self._stream = self._stream, None
        close_stream(stream, abort=early)


#: a device claiming more delay than this is not believed, seconds
MAX_DELAY_S = 2.0


def _delay(when: Any) -> float:
    """How long until a block handed over now is heard, from PortAudio's times; 0 if unknown.

    A host API that does not know says ``outputBufferDacTime`` 0.
    """
    try:
        delay = float(when.outputBufferDacTime - when.currentTime)
    except (AttributeError, TypeError):
        return 0.0
    return delay if 0.0 <= delay <= MAX_DELAY_S else 0.0
