"""The telephone line: a take as the prospect's voicemail service receives it, and its words.

Many prospects read a voicemail before (or instead of) hearing it: their
phone shows a machine transcript of it.  ``--phone-line`` passes the take
through a telephone channel — 8 kHz, the 300–3400 Hz telephone band, the
AMR-NB speech codec of mobile networks at 12.2 kbit/s
(:func:`coach.speech.codec.amr_nb_round_trip`) — and transcribes it again
as a visual-voicemail service would: the same loaded model, but knowing
nothing of the rep (no names primed, no callback number to weigh heard
numbers against), so the transcript does not flatter the rep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from coach.speech.audio import SAMPLE_RATE, Resampler
from coach.speech.codec import AMR_BIT_RATE, AMR_RATE, amr_nb_round_trip
from coach.speech.levels import heard
from coach.speech.transcribe import DecodeOptions, Transcript, recover_tail

if TYPE_CHECKING:
    from coach.speech.transcribe import Transcriber

#: Hz: the telephone band (ITU-T G.712's 300–3400 Hz passband)
PHONE_BAND = (300.0, 3400.0)
#: what the channel is, as reports name it
CODEC = f"AMR-NB {AMR_BIT_RATE / 1000:g} kbit/s"


@dataclass(frozen=True)
class PhoneHearing:
    """The take as a visual-voicemail service transcribed it.

    Attributes
    ----------
    transcript : Transcript
        Its words, times in seconds from the take's start.
    codec : str
        The channel it went through (:data:`CODEC`).
    """

    transcript: Transcript
    codec: str = CODEC


def _resampled(y: np.ndarray, rate: int, to: int) -> np.ndarray:
    resampler = Resampler(rate, to=to)
    return np.concatenate([resampler(y), resampler.flush()])


def telephone(y: np.ndarray, *, sr: int = SAMPLE_RATE) -> np.ndarray:
    """``y`` as a mobile call carries it: 8 kHz, 300–3400 Hz, AMR-NB 12.2 kbit/s.

    Resampled to 8 kHz with the coach's resampler (FFmpeg's, as every take
    is), band-passed to :data:`PHONE_BAND` (4th-order Butterworth, zero
    phase), coded and decoded with AMR-NB, and resampled back.

    Parameters
    ----------
    y : np.ndarray [shape=(n,), dtype=float32]
        The take, mono at ``sr``.
    sr : int
        Its sample rate, Hz (:data:`~coach.speech.audio.SAMPLE_RATE`, or
        above 8000).

    Returns
    -------
    np.ndarray [shape=(n,), dtype=float32]
        The take at ``sr`` again, as long as ``y``, with nothing left above
        3.4 kHz or below 300 Hz but the codec's noise.
    """
    if y.ndim != 1:
        raise ValueError(f"y must be mono, shape (n,), got shape {y.shape}")
    if sr <= AMR_RATE:
        raise ValueError(f"sr must be above {AMR_RATE} Hz (the phone line's rate), got {sr}")
    if y.size == 0:
        return np.zeros(0, dtype=np.float32)
    import scipy.signal

    narrow = _resampled(np.asarray(y, dtype=np.float32), sr, AMR_RATE)
    sos = scipy.signal.butter(4, PHONE_BAND, btype="bandpass", fs=AMR_RATE, output="sos")
    band = scipy.signal.sosfiltfilt(sos, narrow.astype(np.float64)).astype(np.float32)
    back = _resampled(amr_nb_round_trip(band), AMR_RATE, sr)
    out = np.zeros(y.size, dtype=np.float32)
    out[: min(y.size, back.size)] = back[: y.size]
    return out


def hear_phone_line(model: Transcriber, y: np.ndarray, *, beam_size: int) -> PhoneHearing:
    """What a visual-voicemail service would write for the 16 kHz take ``y``.

    One decode of :func:`telephone`'s copy (up to shortly after its last
    speech, as :func:`coach.speech.hearing.hear` gives Whisper), with no
    hotwords and no callback number: the service knows nobody.  Words over
    silence are dropped and a tail Whisper left off is decoded again
    (:func:`~coach.speech.transcribe.recover_tail`) — Whisper's own slips,
    not the phone line's — but the number is not heard a second time or
    weighed against the rep's: a service does neither.
    """
    phoned = telephone(y)
    span = heard(phoned)
    z = phoned[: span.cut]
    plain = DecodeOptions(beam_size=beam_size, hotwords=None, callback=None)
    transcript = model.transcribe(z, options=plain)
    transcript = recover_tail(
        transcript, z, speech_end_s=span.speech_end_s, model=model, options=plain
    )
    return PhoneHearing(transcript)
