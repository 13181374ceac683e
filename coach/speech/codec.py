"""Audio through speech codecs: Ogg Opus for sharing, AMR-NB for the telephone line.

The store keeps each take as 16 kHz FLAC, lossless for the analysis, about
0.5 MB for 30 s — too much to embed in a report a lead mails (nineteen takes
made 9.3 MB).  Speech at :data:`OPUS_BIT_RATE` in Opus (the codec of voice
calls) sounds the same to a listener at about a seventh of the size.

A voicemail reaches the prospect through a mobile network's speech codec,
AMR-NB at 8 kHz (:func:`amr_nb_round_trip`, for ``--phone-line``).  Like
:mod:`coach.speech.audio`, this module keeps PyAV to itself.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from coach.errors import AudioError

#: the MIME type of what :func:`opus_from_file` returns (RFC 7845), as a data: URI gives it
OPUS_MIME = "audio/ogg;codecs=opus"
#: bits per second; a 30 s take is ≤ ~78 kB even as CBR or white noise (≤ ~104 kB in base64)
OPUS_BIT_RATE = 20_000
#: Hz; the store's rate: Opus codes wideband speech, all a voicemail carries
OPUS_RATE = 16_000


def opus_from_file(path: str | Path, *, bit_rate: int = OPUS_BIT_RATE) -> bytes:
    """Transcode an audio file (the store's FLAC, or any FFmpeg reads) to mono Ogg Opus.

    Parameters
    ----------
    path : str or Path
        The audio file; any rate and channel count (mixed down to mono, at
        :data:`OPUS_RATE`).
    bit_rate : int
        Target bits per second, 6000–510000 (Opus's range); speech varies
        around it (VBR).

    Returns
    -------
    bytes
        An Ogg Opus stream (:data:`OPUS_MIME`) as long as the input.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    AudioError
        ``path`` holds no audio stream or no samples, or cannot be decoded.
    """
    if not 6_000 <= bit_rate <= 510_000:
        raise ValueError(f"bit_rate must be 6000–510000 bits/s (Opus), got {bit_rate}")
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(p)

    import av

    buffer = io.BytesIO()
    try:
        with av.open(str(p)) as source:
            if not source.streams.audio:
                raise AudioError(f"{p} holds no audio stream")
            with av.open(buffer, "w", format="ogg") as ogg:
                stream = ogg.add_stream(
                    "libopus", rate=OPUS_RATE, layout="mono", options={"application": "voip"}
                )
                stream.bit_rate = bit_rate
                samples = 0
                for frame in source.decode(audio=0):
                    samples += frame.samples
                    # The encoder resamples and numbers the frames itself.
                    frame.pts = None
                    ogg.mux(stream.encode(frame))
                ogg.mux(stream.encode(None))
    except av.error.FFmpegError as exc:
        raise AudioError(f"{p} cannot be transcoded to Opus ({exc})") from exc
    if samples == 0:
        # FFmpeg opens an empty or foreign file named .flac as FLAC, and finds nothing in it.
        raise AudioError(f"{p} holds no audio samples (empty, or not an audio file)")
    return buffer.getvalue()


#: Hz; AMR-NB codes narrow-band speech only
AMR_RATE = 8_000
#: bits per second; AMR-NB's highest mode (12.2 kbit/s, the GSM EFR codec), what a mobile
#: network uses on a good signal
AMR_BIT_RATE = 12_200
#: samples per AMR-NB frame (20 ms at 8 kHz)
AMR_FRAME = 160


def amr_nb_round_trip(y: np.ndarray, *, bit_rate: int = AMR_BIT_RATE) -> np.ndarray:
    """Encode 8 kHz speech with AMR-NB and decode it again, as a mobile call carries it.

    FFmpeg's ``libopencore_amrnb`` encoder and its native ``amrnb`` decoder,
    frame by frame, in memory (no container).

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono samples at :data:`AMR_RATE`, in [-1, 1] (clipped to it; AMR-NB
        takes 16-bit samples).
    bit_rate : int
        One of AMR-NB's modes, 4750–12200 bits/s; the encoder takes the
        nearest mode.

    Returns
    -------
    np.ndarray [shape=(n,), dtype=float32]
        The decoded speech, as long as ``y``: the last frame's padding is cut
        off.  The codec's look-ahead delays it by under 5 ms (38 samples),
        below Whisper's 20 ms time step, so it is left in.
    """
    if y.ndim != 1:
        raise ValueError(f"y must be mono, shape (n,), got shape {y.shape}")
    if not 4_750 <= bit_rate <= 12_200:
        raise ValueError(f"bit_rate must be 4750–12200 bits/s (AMR-NB), got {bit_rate}")
    if y.size == 0:
        return np.zeros(0, dtype=np.float32)

    import av

    encoder = av.codec.Codec("libopencore_amrnb", "w").create("audio")
    encoder.sample_rate = AMR_RATE
    encoder.layout = "mono"
    encoder.format = "s16"
    encoder.bit_rate = bit_rate
    decoder = av.codec.Codec("amrnb", "r").create("audio")
    decoder.sample_rate = AMR_RATE
    decoder.layout = "mono"
    pcm = (np.clip(np.nan_to_num(y), -1.0, 1.0) * 32767.0).astype(np.int16)
    pcm = np.concatenate([pcm, np.zeros(-pcm.size % AMR_FRAME, dtype=np.int16)])
    decoded: list[np.ndarray] = []

    def carried(packets: list[Any]) -> None:
        for packet in packets:
            decoded.extend(f.to_ndarray().reshape(-1) for f in decoder.decode(packet))

    try:
        for i in range(0, pcm.size, AMR_FRAME):
            frame = av.AudioFrame.from_ndarray(
                pcm[i : i + AMR_FRAME].reshape(1, -1), format="s16", layout="mono"
            )
            frame.sample_rate = AMR_RATE
            frame.pts = i
            carried(encoder.encode(frame))
        carried(encoder.encode(None))
    except av.error.FFmpegError as exc:
        raise AudioError(f"the AMR-NB codec failed ({exc})") from exc
    out = np.concatenate(decoded) if decoded else np.zeros(0, dtype=np.float32)
    if out.size < y.size:
        out = np.concatenate([out, np.zeros(y.size - out.size, dtype=out.dtype)])
    return np.ascontiguousarray(out[: y.size], dtype=np.float32)


#: an Ogg page's capture pattern, and what the first packet of an Opus stream starts with
OGG_MAGIC = b"OggS"
OPUS_HEAD = b"OpusHead"


def opus_seconds(data: bytes, *, max_seconds: float) -> float:
    """Check that ``data`` is an Ogg Opus stream by decoding all of it; its length in seconds.

    For audio that came from another machine (the team server receiving a
    take): the Ogg magic and the ``OpusHead`` packet first, then every packet
    decoded through PyAV, so a truncated or foreign stream is refused.

    Raises
    ------
    AudioError
        Not Ogg Opus, cannot be decoded, holds no samples, or is longer than
        ``max_seconds``.
    """
    if data[:4] != OGG_MAGIC or data[28:36] != OPUS_HEAD:
        raise AudioError("the audio is not an Ogg Opus stream (no OggS page with OpusHead)")

    import av

    samples = 0
    rate = OPUS_RATE
    try:
        with av.open(io.BytesIO(data), mode="r", format="ogg") as source:
            streams = source.streams.audio
            if not streams or streams[0].codec_context.name != "opus":
                raise AudioError("the audio is not an Ogg Opus stream")
            rate = streams[0].codec_context.sample_rate or OPUS_RATE
            for frame in source.decode(audio=0):
                samples += frame.samples
                if samples / rate > max_seconds:
                    raise AudioError(f"the audio is longer than {max_seconds:g} s")
    except av.error.FFmpegError as exc:
        raise AudioError(f"the Ogg Opus audio cannot be decoded ({exc})") from exc
    if samples == 0:
        raise AudioError("the Ogg Opus audio holds no samples")
    return samples / rate
