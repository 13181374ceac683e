"""Audio out, for sharing: a stored take as small Ogg Opus for the HTML team report.

The store keeps each take as 16 kHz FLAC, lossless for the analysis, about
0.5 MB for 30 s — too much to embed in a report a lead mails (nineteen takes
made 9.3 MB).  Speech at :data:`OPUS_BIT_RATE` in Opus (the codec of voice
calls) sounds the same to a listener at about a seventh of the size.  Like
:mod:`coach.speech.audio`, this module keeps PyAV to itself.
"""

from __future__ import annotations

import io
from pathlib import Path

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
