"""Audio in: any file ffmpeg can read -> 16 kHz mono float32, decoded once.

This is the only module that opens audio files.  Every later stage takes the
array it returns.  WAV and FLAC, what libsndfile is made for, are read with
soundfile (so are the store's FLAC copies, written here); everything else —
OGG, MP3, M4A, WebM… — is decoded by PyAV (FFmpeg), which faster-whisper
already depends on.  Either way the samples go through the same FFmpeg
resampler to 16 kHz mono, so a file reads the same samples whichever library
opened it, and a take recorded live (:class:`Resampler`) the same samples as
its file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from coach.errors import AudioError

if TYPE_CHECKING:
    import av

SAMPLE_RATE = 16_000
DEFAULT_MAX_MINUTES = 15.0
#: quieter than this everywhere (peak, dBFS) and the take is treated as silent
SILENT_PEAK_DBFS = -60.0


@dataclass(frozen=True)
class Audio:
    """A decoded take.

    Attributes
    ----------
    samples : np.ndarray [shape=(n,), dtype=float32]
        Mono, at :data:`SAMPLE_RATE`.
    source : str
        The path it came from.
    source_rate : int
        The file's own sample rate, Hz (8000 for phone-line audio).
    source_channels : int
        Channels in the file before the down-mix.
    """

    samples: np.ndarray
    source: str
    source_rate: int
    source_channels: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / SAMPLE_RATE


#: the highest --max-minutes: a day of audio (inf or a huge value would overflow sample counts)
MAX_MINUTES_LIMIT = 24 * 60.0


def _fmt_minutes(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.1f} min"


def load(path: str | Path, *, max_minutes: float = DEFAULT_MAX_MINUTES) -> Audio:
    """Decode ``path`` to 16 kHz mono float32.

    Parameters
    ----------
    path : str or Path
        An audio (or video-with-audio) file in any format FFmpeg reads.
    max_minutes : float
        Longer takes are refused before decoding — a voicemail is seconds
        long, and an hour-long file is almost certainly the wrong file.

    Raises
    ------
    AudioError
        Missing, a folder, empty, not audio, truncated to nothing, silent,
        or longer than ``max_minutes``.
    """
    if not 0 < max_minutes <= MAX_MINUTES_LIMIT:  # NaN fails this too
        raise AudioError(
            f"--max-minutes must be over 0 and at most {MAX_MINUTES_LIMIT:g}, got {max_minutes}"
        )
    p = Path(path)
    if not p.exists():
        raise AudioError(f"{path}: no such file")
    if p.is_dir():
        raise AudioError(f"{path} is a folder — give an audio file (WAV, FLAC, MP3, M4A…)")
    if p.stat().st_size == 0:
        raise AudioError(f"{path} is empty (0 bytes)")

    import av

    limit_s = max_minutes * 60
    native = _soundfile_info(p)
    try:
        if native is not None:
            declared = native.frames / native.samplerate if native.samplerate else None
            if declared is not None and declared > limit_s:
                raise AudioError(
                    f"{path} is {_fmt_minutes(declared)} long; the limit is "
                    f"{max_minutes:g} min — pass --max-minutes to score longer audio"
                )
            rate, channels = native.samplerate, native.channels
            samples = _read_native(p, native, limit_s=limit_s, path=str(path))
        else:
            declared, rate, channels, samples = _decode_any(p, limit_s=limit_s, path=str(path))
    except AudioError:
        raise
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        if _is_text(p):
            import shlex

            raise AudioError(
                f"{path} is not a readable audio file: it is text — to judge a written "
                f"script, run coach check {shlex.quote(str(path))}"
            ) from exc
        raise AudioError(f"{path} is not a readable audio file ({_reason(exc)})") from exc

    if samples.size == 0:
        raise AudioError(f"{path} holds no audio samples (truncated or empty stream)")
    decoded_s = samples.size / SAMPLE_RATE
    if declared is not None and declared - decoded_s > max(0.5, 0.1 * declared):
        raise AudioError(
            f"{path} is truncated: its header says {declared:.1f} s but only "
            f"{decoded_s:.1f} s can be read — export or copy the file again"
        )
    peak = float(np.max(np.abs(samples)))
    if peak == 0.0 or 20 * np.log10(peak) < SILENT_PEAK_DBFS:
        raise AudioError(f"{path} is silent — nothing to score (check the microphone or the file)")
    return Audio(samples=samples, source=str(path), source_rate=int(rate), source_channels=channels)


def _decode_any(p: Path, *, limit_s: float, path: str) -> tuple[float | None, int, int, np.ndarray]:
    """Decode with PyAV (FFmpeg): the declared length, seconds; rate; channels; samples."""
    import av

    with av.open(str(p), mode="r", metadata_errors="ignore") as container:
        if not container.streams.audio:
            raise AudioError(f"{path} has no audio track")
        stream = container.streams.audio[0]
        declared = _declared_seconds(container, stream)
        if declared is not None and declared > limit_s:
            raise AudioError(
                f"{path} is {_fmt_minutes(declared)} long; the limit is "
                f"{limit_s / 60:g} min — pass --max-minutes to score longer audio"
            )
        rate = stream.codec_context.sample_rate or stream.rate or 0
        channels = stream.codec_context.channels or 0
        samples = _decode(container, stream, limit_s=limit_s, path=path)
    return declared, int(rate), channels, samples


#: containers libsndfile reads natively; anything else goes to PyAV
NATIVE_FORMATS = frozenset({"WAV", "WAVEX", "FLAC"})
#: FFmpeg's channel layouts of mono and stereo files (more channels go to PyAV)
_LAYOUTS = {1: "mono", 2: "stereo"}
#: libsndfile subtype -> (soundfile dtype, the FFmpeg sample format of the same numbers)
_NATIVE_SAMPLES = {
    "PCM_16": ("int16", "s16"),
    "FLOAT": ("float32", "flt"),
    "DOUBLE": ("float64", "dbl"),
}


def _soundfile_info(p: Path) -> Any:
    """soundfile's view of a mono or stereo WAV/FLAC, or ``None`` for anything else (PyAV's)."""
    import soundfile as sf

    try:
        info = sf.info(str(p))
    except (sf.SoundFileError, RuntimeError):
        return None
    return info if info.format in NATIVE_FORMATS and info.channels in _LAYOUTS else None


def _read_native(p: Path, info: Any, *, limit_s: float, path: str) -> np.ndarray:
    """Read a WAV/FLAC with soundfile and resample it with FFmpeg's resampler, as :func:`_decode`.

    The blocks are handed to the resampler in the sample format FFmpeg's own
    decoder would give it (16-bit as s16, 24/32-bit as s32, float as flt),
    so the 16 kHz samples are the ones the PyAV path gives for the same file.
    """
    import av
    import soundfile as sf

    dtype, sample_format = _NATIVE_SAMPLES.get(info.subtype, ("int32", "s32"))
    resampler = av.AudioResampler(format="fltp", layout="mono", rate=SAMPLE_RATE)
    layout = _LAYOUTS[info.channels]
    chunks: list[np.ndarray] = []
    total = 0
    limit = int(limit_s * SAMPLE_RATE)

    def resampled(frame: av.AudioFrame | None) -> None:
        nonlocal total
        for out in resampler.resample(frame):
            chunk = out.to_ndarray().reshape(-1)
            chunks.append(chunk)
            total += chunk.size

    try:
        with sf.SoundFile(str(p)) as f:
            for block in f.blocks(blocksize=4096, dtype=dtype, always_2d=True):
                frame = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(block).reshape(1, -1), format=sample_format, layout=layout
                )
                frame.sample_rate = info.samplerate
                resampled(frame)
                if total > limit:
                    raise AudioError(
                        f"{path} is longer than the limit of {limit_s / 60:g} min — "
                        "pass --max-minutes to score longer audio"
                    )
    except (sf.SoundFileError, RuntimeError) as exc:
        # A truncated file reads up to the damage; keep what was readable.
        if not chunks:
            raise AudioError(f"{path} is not a readable audio file ({exc})") from exc
    resampled(None)
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.ascontiguousarray(np.concatenate(chunks), dtype=np.float32)


def _is_text(p: Path, *, sniff: int = 4096) -> bool:
    """Whether the file starts as UTF-8 text (no NUL, only line breaks and tabs for controls).

    Only asked of a file that did not decode as audio, to say what it is instead.
    """
    import codecs

    try:
        with p.open("rb") as fh:
            head = fh.read(sniff)
        # Incremental: a character cut at the sniff's end is not an error.
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except (OSError, UnicodeDecodeError):
        return False
    return bool(text.strip()) and all(c.isprintable() or c in "\t\r\n\f" for c in text)


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    # PyAV prefixes "[Errno 1094995529] Invalid data found…: 'path'": keep the words.
    if text.startswith("[Errno"):
        text = text.split("]", 1)[-1].strip()
    return text.split(": '", 1)[0]


def _declared_seconds(container: object, stream: object) -> float | None:
    import av

    assert isinstance(container, av.container.InputContainer)
    assert isinstance(stream, av.audio.stream.AudioStream)
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def _decode(container: object, stream: object, *, limit_s: float, path: str) -> np.ndarray:
    import av

    assert isinstance(container, av.container.InputContainer)
    assert isinstance(stream, av.audio.stream.AudioStream)
    # Float planar output keeps clipping visible (no s16 round-trip) and
    # resampling + down-mixing happen in one FFmpeg pass.
    resampler = av.AudioResampler(format="fltp", layout="mono", rate=SAMPLE_RATE)
    chunks: list[np.ndarray] = []
    total = 0
    limit = int(limit_s * SAMPLE_RATE)
    try:
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunk = out.to_ndarray().reshape(-1)
                chunks.append(chunk)
                total += chunk.size
            if total > limit:
                raise AudioError(
                    f"{path} is longer than the limit of {limit_s / 60:g} min — "
                    "pass --max-minutes to score longer audio"
                )
    except av.error.InvalidDataError:
        # A truncated file decodes up to the damage; keep what was readable.
        if not chunks:
            raise
    for out in resampler.resample(None):
        chunks.append(out.to_ndarray().reshape(-1))
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.ascontiguousarray(np.concatenate(chunks), dtype=np.float32)


class Resampler:
    """Streaming conversion of mono float32 blocks to :data:`SAMPLE_RATE` (or ``to``).

    The same FFmpeg resampler :func:`load` uses, fed block by block (the
    microphone's blocks while a take is recorded), so a recorded take and the
    same take decoded from its file get the same 16 kHz samples.

    Parameters
    ----------
    rate : int > 0
        Sample rate of the blocks, Hz.
    to : int > 0
        Sample rate of what comes out, Hz (another than 16 kHz: playing a take
        on a device that refuses the file's rate).
    """

    def __init__(self, rate: int, *, to: int = SAMPLE_RATE) -> None:
        if rate <= 0 or to <= 0:
            raise ValueError(f"rates must be positive numbers of Hz, got {rate!r} and {to!r}")
        self.rate = rate
        self._resampler: av.AudioResampler | None = None
        if rate != to:
            import av

            self._resampler = av.AudioResampler(format="fltp", layout="mono", rate=to)

    def __call__(self, block: np.ndarray) -> np.ndarray:
        """Resample one block, shape (n,) float32; returns what is ready, shape (m,)."""
        if self._resampler is None:
            return np.asarray(block, dtype=np.float32)
        import av

        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(block, dtype=np.float32).reshape(1, -1),
            format="flt",
            layout="mono",
        )
        frame.sample_rate = self.rate
        return self._collect(frame)

    def flush(self) -> np.ndarray:
        """The samples still held in the resampler's filter, at the end of the stream."""
        if self._resampler is None:
            return np.zeros(0, dtype=np.float32)
        return self._collect(None)

    def _collect(self, frame: av.AudioFrame | None) -> np.ndarray:
        assert self._resampler is not None
        out = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)]
        if not out:
            return np.zeros(0, dtype=np.float32)
        return np.ascontiguousarray(np.concatenate(out), dtype=np.float32)


@dataclass(frozen=True)
class Span:
    """A take file's samples from a moment to its end, at the file's own rate (for playing).

    Attributes
    ----------
    samples : np.ndarray [shape=(n,), dtype=float32]
        Mono (channels averaged), from ``start_s`` to the end.
    rate : int
        The file's sample rate, Hz.
    start_s, duration_s : float
        Where the span starts and how long the whole file is, seconds.
    """

    samples: np.ndarray
    rate: int
    start_s: float
    duration_s: float


def read_span(path: str | Path, *, start_s: float = 0.0) -> Span:
    """Read a WAV or FLAC from ``start_s`` seconds to its end, as it is: no resampling.

    What the coach writes (the store's FLAC copies, the takes ``coach record``
    writes) is always one of the two; soundfile reads it.  A ``start_s`` at or
    past the end gives an empty span whose ``duration_s`` says how long the
    file is.

    Raises
    ------
    AudioError
        Missing, a folder, or not a WAV/FLAC soundfile can read.
    """
    import soundfile as sf

    p = Path(path)
    if not p.is_file():
        raise AudioError(f"{path}: no such file")
    if not start_s >= 0:  # NaN fails this too
        raise AudioError(f"cannot start {path} at {start_s!r} s — give a moment from 0 on")
    try:
        with sf.SoundFile(str(p)) as f:
            rate, frames = int(f.samplerate), int(f.frames)
            first = min(frames, round(start_s * rate))
            f.seek(first)
            block = f.read(frames - first, dtype="float32", always_2d=True)
    except (sf.SoundFileError, RuntimeError) as exc:  # sf.LibsndfileError is a RuntimeError
        raise AudioError(f"{path} is not a WAV or FLAC file that can be played ({exc})") from exc
    samples = np.ascontiguousarray(block.mean(axis=1) if block.shape[1] > 1 else block[:, 0])
    return Span(samples=samples, rate=rate, start_s=start_s, duration_s=frames / rate)


def write_flac(samples: np.ndarray, path: str | Path) -> None:
    """Write 16 kHz mono float samples to ``path`` as 16-bit FLAC (lossless for the analysis).

    Raises
    ------
    OSError
        The file cannot be written.
    """
    import soundfile as sf

    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)
    try:
        sf.write(str(path), pcm, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
    except sf.SoundFileError as exc:
        raise OSError(f"cannot write {path}: {exc}") from exc
