"""How a take sounded: silences and pauses, pitch spread, level, clipping.

Every measurement is a pure function over a mono float array ``y`` at ``sr``
Hz; :func:`measure` runs them all and returns one frozen :class:`Acoustics`.

Silence
    The take is cut into ``hop_length``-sample blocks (10 ms at 16 kHz).  A
    block is silent when its RMS is below ``silence_db`` dBFS, an *absolute*
    level: the noise floor of a microphone and room does not depend on how
    loudly the rep speaks, so a threshold relative to the peak would make a
    quiet take's breaths and hiss into speech and a loud take's soft word
    endings into pauses.  Only when the recording's own floor is higher (a
    fan, a hissy laptop microphone) is the threshold raised, to
    ``noise_margin_db`` above that floor — otherwise a noisy take would have
    no silence at all.  Levels are taken above ``hum_cut_hz`` (80 Hz), so mains
    hum and rumble are not speech, while an "s" above the telephone band still
    is.  Blocks tile the take, so boundaries are exact to one hop (plus the
    filter's ringing at an abrupt edge, about a hop) and leading silence +
    speech + pauses + trailing silence = duration.

Pitch
    ``librosa.yin`` plus our own voicing decision (a block loud enough in the
    telephone band, 300–3400 Hz, f0 off the search bounds, periodicity at
    the found period), rather than the far
    slower ``librosa.pyin`` (docs/decisions.md has the comparison); a second
    pass around the speaker's median keeps a phone line's harmonic slips out.  librosa's
    first call in a process is expensive, so it is imported only where pitch
    is tracked, and not at all for a take with no speech.

Level
    dBFS by RMS: a full-scale square wave is 0 dBFS, a full-scale sine
    -3.01 dBFS.  Digital silence reports :data:`FLOOR_DBFS` rather than
    ``-inf`` so reports serialise to JSON.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from coach.speech.fillers import VoicedRun, voiced_runs

#: samples at or above this magnitude count as clipped
CLIP_LEVEL = 0.999
#: the level reported for digital silence, dBFS (finite, so JSON can carry it)
FLOOR_DBFS = -120.0
#: (P84 - P16) of a standard normal: (P84 - P16) / this = SD for normal data
_P16_P84_PER_SD = 1.988915766419506
#: the noise-raised silence threshold stays this far below the loudest blocks, dB
_HEADROOM_DB = 12.0
#: pitch frames per librosa.yin call (~10 s at 16 kHz): bounds memory on long takes
_FRAMES_PER_CHUNK = 1000


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


@dataclass(frozen=True)
class Pause:
    """A silence between two stretches of speech, seconds from the start of the take."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        """Length of the pause, seconds."""
        return self.end - self.start


@dataclass(frozen=True)
class Acoustics:
    """What :func:`measure` found in one take.

    Attributes
    ----------
    duration_s : float
        The whole take, seconds.
    speech_s : float
        Seconds of speech: the duration minus leading and trailing silence
        and minus the :attr:`pauses` (gaps shorter than a pause count as speech).
    leading_silence_s : float
        Seconds before the first speech; the whole duration if there is none.
    trailing_silence_s : float
        Seconds after the last speech; 0.0 if there is no speech.
    pauses : tuple of Pause
        Silences between speech of at least ``min_pause_s``, in order.
    pitch_variation_st : float or None
        Spread of the voiced pitch, semitones, on the scale of a standard
        deviation (see :func:`pitch_variation_st`); ``None`` when there is less
        than ``min_voiced_s`` of voiced speech.
    pitch_median_hz : float or None
        Median voiced pitch, Hz; ``None`` as above.
    loudness_dbfs : float
        RMS level of the speech (see :func:`loudness_dbfs`), dBFS;
        :data:`FLOOR_DBFS` if there is no speech.
    peak_dbfs : float
        Largest sample magnitude, dBFS (above 0 for float audio beyond full scale).
    clipped_fraction : float
        Fraction of samples with magnitude at or above :data:`CLIP_LEVEL`.
    syllables : int
        Syllable nuclei counted in the voiced speech (see :func:`count_syllables`).
    voiced_runs : tuple of VoicedRun
        The pitch track's runs of voiced frames, each marked steady (a held
        vowel or nasal of 0.2–1 s, as a filled pause is) or not; read with the
        words by :func:`coach.speech.fillers.filled_pauses`.
    """

    duration_s: float
    speech_s: float
    leading_silence_s: float
    trailing_silence_s: float
    pauses: tuple[Pause, ...]
    pitch_variation_st: float | None
    pitch_median_hz: float | None
    loudness_dbfs: float
    peak_dbfs: float
    clipped_fraction: float
    syllables: int = 0
    voiced_runs: tuple[VoicedRun, ...] = ()

    @property
    def syllables_per_s(self) -> float | None:
        """Syllable nuclei a second of speaking time; ``None`` without speech."""
        return self.syllables / self.speech_s if self.speech_s > 0 else None

    @property
    def longest_pause_s(self) -> float:
        """The longest pause, seconds; 0.0 if there is none."""
        return max((p.duration for p in self.pauses), default=0.0)


@dataclass(frozen=True)
class AcousticOptions:
    """Thresholds and analysis settings for :func:`measure` and friends.

    Attributes
    ----------
    silence_db : float < 0
        Blocks quieter than this RMS level, dBFS, are silence.  Absolute, not
        relative to the peak: see the module notes.  -45 dBFS sits 15–25 dB
        below speech recorded at a sensible gain (-20 to -30 dBFS RMS) and
        above the usual floor of a headset or laptop microphone in a quiet
        room (-60 to -50 dBFS).
    noise_margin_db : float >= 0 or None
        When the recording's noise floor (5th percentile of block levels) plus
        this margin is above ``silence_db``, that is the threshold instead,
        though never closer than 12 dB to the loudest 1 % of blocks.  10 dB
        clears the block-to-block ripple of fan rumble; ``None`` keeps the
        threshold strictly absolute.
    min_pause_s : float >= 0
        Shorter silences are the gaps between words and syllables (stop
        closures, breaths) and count as speech, not pauses.
    min_speech_s : float >= 0
        Shorter isolated sounds (clicks, taps, pops) are not speech.  Applied
        after short gaps are merged, so a click close to a word stays part of it.
    frame_length : int > 0
        Pitch analysis window, samples.  Must hold two periods of ``fmin_hz``:
        1024 samples is 64 ms at 16 kHz, four periods at 65 Hz.
    hop_length : int > 0
        Samples between level blocks and between pitch frames: 160 is 10 ms at
        16 kHz, the resolution of every boundary and pause.
    fmin_hz, fmax_hz : float
        Pitch search range, Hz: 65–400 covers low male to high female speech.
    voicing_threshold : float in [0, 1]
        A frame is voiced when the normalised autocorrelation at its yin
        period reaches this.  0.5 keeps octave slips and breathy frames out
        (on espeak speech, under 0.5 % of frames beyond ±9 st remain) while
        keeping most of the voiced frames of a take with -35 dBFS of noise.
    min_voiced_s : float >= 0
        Less voiced speech than this and no pitch is reported: the spread of
        a word or two says nothing about a delivery.
    hum_cut_hz : float > 0 or None
        The silence gate (speech, pauses, speaking time) hears only what is
        above this, through a 4th-order Butterworth high-pass.  Mains hum and
        rumble sit below it, and in a clean recording of a quiet room they can
        reach -45 dBFS and fill the pauses between sentences (a LibriVox take
        gained 9 % of "speech" that way).  There is no upper edge: gating in
        the telephone band instead dropped the fricatives above 3.4 kHz and
        cut 3–16 % of the speaking time of clean takes, which sped up their
        pace.  ``None`` gates the whole band.
    speech_band_hz : (low, high) in Hz, or None
        Where pitch frames and syllable nuclei are looked for: a frame is a
        pitch candidate only when its block is above the silence threshold in
        this band, the telephone band where a voice's harmonics lie in a clean
        take and in its phone copy alike.  The decaying ends of vowels that
        only a clean take carries below 300 Hz are thereby left out of the
        pitch spread in both.  ``None`` judges them over the whole band.  The
        upper edge is lowered below Nyquist for low sample rates.
    pitch_range_st : (below, above) semitones, or None
        Pitch is tracked twice: once over ``fmin_hz``–``fmax_hz``, then from
        ``below`` semitones under the first pass's median to ``above`` over
        it, where a speaker's intonation lies.  On a telephone line
        (300–3400 Hz) a man's fundamental is cut and yin slips to 3/2, 2 or 3
        times his pitch (+7, +12, +19 st) in many frames: his spread went from
        1–3 to 8–10 semitones.  The median survives those slips; a range
        reaching an octave down and a fifth up leaves them no room (measured
        on real voices, clean against telephone copies: bench ``delivery``).
        Intonation more than a fifth above the median is then not tracked,
        which can understate a very lively voice.  ``None``: one pass.
    pitch_smooth_frames : int >= 1
        Width of the median filter run over each stretch of voiced frames
        (5 frames = 50 ms): frame-to-frame jitter of the tracker, which a
        codec's noise adds to, is not intonation.  1 leaves the track as is.
    """

    silence_db: float = -45.0
    noise_margin_db: float | None = 10.0
    min_pause_s: float = 0.3
    min_speech_s: float = 0.05
    frame_length: int = 1024
    hop_length: int = 160
    fmin_hz: float = 65.0
    fmax_hz: float = 400.0
    voicing_threshold: float = 0.5
    min_voiced_s: float = 1.0
    pitch_range_st: tuple[float, float] | None = (12.0, 7.0)
    pitch_smooth_frames: int = 5
    hum_cut_hz: float | None = 80.0
    speech_band_hz: tuple[float, float] | None = (300.0, 3400.0)

    def __post_init__(self) -> None:
        _require(
            math.isfinite(self.silence_db) and self.silence_db < 0,
            f"silence_db must be a finite level below 0 dBFS, got {self.silence_db!r}",
        )
        _require(
            self.noise_margin_db is None
            or (math.isfinite(self.noise_margin_db) and self.noise_margin_db >= 0),
            f"noise_margin_db must be None or a finite number >= 0, got {self.noise_margin_db!r}",
        )
        for name in ("min_pause_s", "min_speech_s", "min_voiced_s"):
            value = getattr(self, name)
            _require(
                math.isfinite(value) and value >= 0,
                f"{name} must be a finite number of seconds >= 0, got {value!r}",
            )
        for name in ("frame_length", "hop_length"):
            value = getattr(self, name)
            _require(
                isinstance(value, int) and not isinstance(value, bool) and value > 0,
                f"{name} must be a positive whole number of samples, got {value!r}",
            )
        _require(
            math.isfinite(self.fmin_hz) and self.fmin_hz > 0,
            f"fmin_hz must be a positive number of Hz, got {self.fmin_hz!r}",
        )
        _require(
            math.isfinite(self.fmax_hz) and self.fmax_hz > self.fmin_hz,
            f"fmax_hz must be above fmin_hz={self.fmin_hz!r}, got {self.fmax_hz!r}",
        )
        cut = self.hum_cut_hz
        _require(
            cut is None or (math.isfinite(cut) and cut > 0),
            f"hum_cut_hz must be None or a positive number of Hz, got {cut!r}",
        )
        band = self.speech_band_hz
        _require(
            band is None
            or (len(band) == 2 and all(math.isfinite(f) for f in band) and 0.0 < band[0] < band[1]),
            f"speech_band_hz must be None or (low, high) with 0 < low < high Hz, got {band!r}",
        )
        span = self.pitch_range_st
        _require(
            span is None or (len(span) == 2 and all(math.isfinite(v) and v > 0 for v in span)),
            f"pitch_range_st must be None or (below, above) semitones > 0, got {span!r}",
        )
        width = self.pitch_smooth_frames
        _require(
            isinstance(width, int) and not isinstance(width, bool) and width >= 1,
            f"pitch_smooth_frames must be a whole number of frames >= 1, got {width!r}",
        )
        _require(
            0.0 <= self.voicing_threshold <= 1.0,
            f"voicing_threshold must be within [0, 1], got {self.voicing_threshold!r}",
        )


DEFAULT_OPTIONS = AcousticOptions()


def measure(y: np.ndarray, *, sr: float, options: AcousticOptions = DEFAULT_OPTIONS) -> Acoustics:
    """Measure one take: silences, pauses, pitch spread, level and clipping.

    Parameters
    ----------
    y : np.ndarray [shape=(n,), floating]
        Mono audio, full scale ±1.  All zeros is fine (a take with no speech).
    sr : number > 0
        Sample rate of ``y``, Hz.
    options : AcousticOptions
        Thresholds and analysis settings.

    Returns
    -------
    Acoustics

    Raises
    ------
    ValueError
        ``y`` is not 1-D, empty, not floating point or not finite; ``sr`` is
        not positive; ``options`` do not suit ``sr`` (``fmax_hz`` above
        Nyquist, ``frame_length`` shorter than two periods of ``fmin_hz``).
    """
    _check_signal(y, sr)
    _check_pitch_options(options, sr)
    n = y.size
    duration = n / sr
    active, spans = _level(y, sr=sr, options=options)

    if spans.shape[0]:
        leading = spans[0, 0] / sr
        trailing = (n - spans[-1, 1]) / sr
    else:
        leading, trailing = duration, 0.0
    pauses = tuple(
        Pause(float(end / sr), float(start / sr))
        for end, start in zip(spans[:-1, 1], spans[1:, 0], strict=True)
    )

    frames, f0 = _pitch(y, sr=sr, options=options, active=active, spans=spans)
    syllables = _syllables(y, sr=sr, options=options, voiced_frames=frames) if f0.size else 0
    voiced_s = f0.size * options.hop_length / sr
    if f0.size and voiced_s >= options.min_voiced_s:
        variation = pitch_variation_st(f0)
        median_hz: float | None = float(np.median(f0))
    else:
        variation, median_hz = None, None

    magnitude = np.abs(y)
    return Acoustics(
        duration_s=float(duration),
        speech_s=float(np.sum(spans[:, 1] - spans[:, 0]) / sr),
        leading_silence_s=float(leading),
        trailing_silence_s=float(trailing),
        pauses=pauses,
        pitch_variation_st=variation,
        pitch_median_hz=median_hz,
        loudness_dbfs=_rms_dbfs(y, spans),
        peak_dbfs=_dbfs(float(np.max(magnitude))),
        clipped_fraction=float(np.count_nonzero(magnitude >= CLIP_LEVEL) / n),
        syllables=syllables,
        voiced_runs=voiced_runs(y, sr=sr, frames=frames, f0=f0, hop_length=options.hop_length),
    )


def speech_intervals(
    y: np.ndarray, *, sr: float, options: AcousticOptions = DEFAULT_OPTIONS
) -> np.ndarray:
    """The stretches of speech: non-silent spans, short gaps bridged, clicks dropped.

    Parameters
    ----------
    y : np.ndarray [shape=(n,), floating]
        Mono audio, full scale ±1.
    sr : number > 0
        Sample rate of ``y``, Hz.
    options : AcousticOptions
        ``silence_db``, ``noise_margin_db``, ``min_pause_s``, ``min_speech_s``
        and ``hop_length`` are used.

    Returns
    -------
    intervals : np.ndarray [shape=(k, 2), float64]
        ``[start, end]`` of each stretch, seconds, in order.  Gaps between
        them are at least ``min_pause_s``; every stretch is at least
        ``min_speech_s``.  Shape ``(0, 2)`` when there is no speech.
    """
    _check_signal(y, sr)
    return _level(y, sr=sr, options=options)[1] / sr


def pitch_track(
    y: np.ndarray, *, sr: float, options: AcousticOptions = DEFAULT_OPTIONS
) -> np.ndarray:
    """Fundamental frequency of each voiced frame, unvoiced frames dropped.

    Parameters
    ----------
    y : np.ndarray [shape=(n,), floating]
        Mono audio, full scale ±1.
    sr : number > 0
        Sample rate of ``y``, Hz.
    options : AcousticOptions
        The pitch range, frame and hop, the voicing threshold and everything
        :func:`speech_intervals` uses.

    Returns
    -------
    f0 : np.ndarray [shape=(m,), float64]
        Hz, one value per voiced frame (frames are ``hop_length`` apart), in
        time order.  Empty when nothing is voiced.

    Notes
    -----
    ``librosa.yin`` finds a period in every frame, so voicing is decided
    here: a frame counts when its centre lies in a block of a speech interval
    that is loud enough in ``speech_band_hz``, its f0 is more than half a semitone inside
    ``fmin_hz``–``fmax_hz`` (yin falls back to the search bounds when it
    finds no period) and the frame correlates with itself one period later
    by at least ``voicing_threshold``.
    """
    _check_signal(y, sr)
    _check_pitch_options(options, sr)
    active, spans = _level(y, sr=sr, options=options)
    f0: np.ndarray = _pitch(y, sr=sr, options=options, active=active, spans=spans)[1]
    return f0


def count_syllables(y: np.ndarray, *, sr: float, options: AcousticOptions = DEFAULT_OPTIONS) -> int:
    """Syllable nuclei in the voiced speech of ``y``, after de Jong & Wempe (2009).

    A nucleus is a peak of the speech band's intensity (25 ms RMS, dB) that
    is within 25 dB of the take's loudest (99th percentile), voiced (a pitch
    frame within 20 ms), at least 80 ms from the last, and separated from it
    by a dip of 2 dB or more (else the louder of the two counts).  On real
    voices it comes within about 15 % of the dictionary's syllable count
    (bench ``delivery``), undercounting fast fluent speech on a phone line.

    Parameters
    ----------
    y : np.ndarray [shape=(n,), floating]
        Mono audio, full scale ±1.
    sr : number > 0
        Sample rate of ``y``, Hz.
    options : AcousticOptions
        Everything :func:`pitch_track` uses (voicing), and ``hop_length``.

    Returns
    -------
    int
        Syllables; 0 without voiced speech.
    """
    _check_signal(y, sr)
    _check_pitch_options(options, sr)
    active, spans = _level(y, sr=sr, options=options)
    frames, f0 = _pitch(y, sr=sr, options=options, active=active, spans=spans)
    return _syllables(y, sr=sr, options=options, voiced_frames=frames) if f0.size else 0


def pitch_variation_st(f0: np.ndarray) -> float | None:
    """Spread of a pitch track in semitones, robust to octave slips.

    Pitch is taken in semitones from the median, and the spread is the
    16th–84th percentile range divided by 1.989: the standard deviation for
    normally distributed pitch, the scale of the rubric's monotone threshold
    (``min_pitch_st``, 2 st), and the standard deviation too of intonation
    that alternates between two levels (where the 10th–90th range gives
    0.78 of it and the MAD 1.48 times it).  Unlike the standard deviation
    it ignores up to 16 % stray values at either end, such as a tracker's
    octave errors (±12 st): on a telephone copy of a real voice, the
    10th–90th range still caught the slips the tracker's range let through.

    Parameters
    ----------
    f0 : np.ndarray [shape=(m,)]
        Pitch of voiced frames, Hz (positive, finite).

    Returns
    -------
    float or None
        Semitones; ``None`` if ``f0`` is empty.

    Examples
    --------
    A glide across 6 semitones spreads evenly, so P16–P84 spans 4.08 st:

    >>> f0 = 200 * 2 ** (np.linspace(0, 6, 1001) / 12)
    >>> round(pitch_variation_st(f0), 2)
    2.05
    """
    f0 = np.asarray(f0)
    if f0.ndim != 1:
        raise ValueError(f"f0 must be 1-D, got shape {f0.shape}")
    if f0.size == 0:
        return None
    bad = np.flatnonzero(~(np.isfinite(f0) & (f0 > 0)))
    if bad.size:
        raise ValueError(
            f"f0 must be positive and finite, got {float(f0[bad[0]])} at index {bad[0]}"
        )
    semitones = 12.0 * np.log2(f0 / np.median(f0))
    p16, p84 = np.percentile(semitones, [16.0, 84.0])
    return float((p84 - p16) / _P16_P84_PER_SD)


def loudness_dbfs(y: np.ndarray, intervals: np.ndarray, *, sr: float) -> float:
    """RMS level over ``intervals`` of ``y``, dBFS, so silence does not dilute it.

    With the intervals of :func:`speech_intervals`, gaps shorter than a pause
    are included, as in the active speech level of ITU-T P.56 (which bridges
    200 ms): the level of talk spurts, not of every syllable alone.

    Parameters
    ----------
    y : np.ndarray [shape=(n,), floating]
        Mono audio, full scale ±1.
    intervals : np.ndarray [shape=(k, 2)]
        ``[start, end]`` spans, seconds, within the take.
    sr : number > 0
        Sample rate of ``y``, Hz.

    Returns
    -------
    float
        dBFS (full-scale sine: -3.01); :data:`FLOOR_DBFS` when the intervals
        are empty or hold only digital silence.
    """
    _check_signal(y, sr)
    intervals = np.asarray(intervals, dtype=np.float64)
    if intervals.ndim != 2 or intervals.shape[1] != 2:
        raise ValueError(f"intervals must have shape (k, 2), got {intervals.shape}")
    duration = y.size / sr
    for start, end in intervals:
        if not (0.0 <= start <= end <= duration):
            raise ValueError(
                f"interval [{start:g}, {end:g}] is not within the take (0 to {duration:g} s)"
            )
    spans = np.rint(intervals * sr).astype(np.int64)
    return _rms_dbfs(y, spans)


# -- internals: inputs are already checked; spans are sample indices, shape (k, 2)


def _check_signal(y: np.ndarray, sr: float) -> None:
    if not isinstance(y, np.ndarray):
        raise TypeError(f"y must be a numpy array, got {type(y).__name__}")
    if y.ndim != 1:
        raise ValueError(f"y must be mono audio of shape (n,), got shape {y.shape}")
    if y.size == 0:
        raise ValueError(f"y is empty: shape {y.shape}, no samples to measure")
    if not np.issubdtype(y.dtype, np.floating):
        raise ValueError(f"y must be floating-point audio, got dtype {y.dtype}")
    finite = np.isfinite(y)
    if not finite.all():
        at = int(np.argmin(finite))
        raise ValueError(f"y must be finite, got {float(y[at])} at sample {at}")
    if isinstance(sr, bool) or not (isinstance(sr, numbers.Real) and math.isfinite(sr) and sr > 0):
        raise ValueError(f"sr must be a positive sample rate in Hz, got {sr!r}")


def _check_pitch_options(options: AcousticOptions, sr: float) -> None:
    if options.fmax_hz > sr / 2:
        raise ValueError(
            f"fmax_hz={options.fmax_hz!r} is above the Nyquist frequency {sr / 2:g} Hz of sr={sr:g}"
        )
    # Two periods of fmin per frame: yin compares a frame with itself one period on.
    need = 2 * sr / options.fmin_hz
    if options.frame_length <= need:
        raise ValueError(
            f"frame_length={options.frame_length!r} is too short for fmin_hz={options.fmin_hz!r}"
            f" at sr={sr:g}: use more than {need:.0f} samples or a higher fmin_hz"
        )


def _dbfs(rms: float) -> float:
    if rms <= 0.0:
        return FLOOR_DBFS
    return max(FLOOR_DBFS, 20.0 * math.log10(rms))


def _rms_dbfs(y: np.ndarray, spans: np.ndarray) -> float:
    count = int(np.sum(spans[:, 1] - spans[:, 0]))
    if count == 0:
        return FLOOR_DBFS
    energy = 0.0
    for start, end in spans:
        segment = y[start:end].astype(np.float64)
        energy += float(np.dot(segment, segment))
    return _dbfs(math.sqrt(energy / count))


def _block_power(y: np.ndarray, hop: int) -> np.ndarray:
    """Mean square of each ``hop``-sample block; the last block may be shorter."""
    starts = np.arange(0, y.size, hop)
    sums = np.add.reduceat(np.square(y, dtype=np.float64), starts)
    return sums / np.diff(np.append(starts, y.size))


def _speech_band(y: np.ndarray, *, sr: float, band: tuple[float, float] | None) -> np.ndarray:
    """``y`` band-passed to ``band`` (zero phase, so boundaries stay where they are)."""
    if band is None or not np.any(y):
        return y
    low, high = band[0], min(band[1], 0.45 * sr)
    if low >= high:
        return y
    import scipy.signal

    # 4th-order Butterworth: -24 dB an octave out, so 50 Hz hum is ~50 dB down.
    sos = scipy.signal.butter(4, [low, high], btype="bandpass", fs=sr, output="sos")
    filtered: np.ndarray = scipy.signal.sosfiltfilt(sos, y.astype(np.float64))
    return filtered


def _without_hum(y: np.ndarray, *, sr: float, cut: float | None) -> np.ndarray:
    """``y`` high-passed at ``cut`` Hz (zero phase), everything above it kept."""
    if cut is None or not np.any(y) or cut >= 0.45 * sr:
        return y
    import scipy.signal

    # 4th-order, run forwards and back: 50 Hz hum is ~30 dB down, 100 Hz passes.
    sos = scipy.signal.butter(4, cut, btype="highpass", fs=sr, output="sos")
    filtered: np.ndarray = scipy.signal.sosfiltfilt(sos, y.astype(np.float64))
    return filtered


def _active(y: np.ndarray, options: AcousticOptions) -> np.ndarray:
    """Which ``hop_length`` blocks of ``y`` are above the silence threshold."""
    power = _block_power(y, options.hop_length)
    return power > _silence_power(power, options)


def _silence_power(power: np.ndarray, options: AcousticOptions) -> float:
    threshold = float(10.0 ** (options.silence_db / 10.0))
    if options.noise_margin_db is None:
        return threshold
    # The 5th percentile is room noise as long as a twentieth of the take is
    # silence; in unbroken speech it is the quietest closures, near the floor anyway.
    floor = float(np.percentile(power, 5.0)) * float(10.0 ** (options.noise_margin_db / 10.0))
    # A take with no silence at all (or a test tone) has its own level as the
    # "floor": never let the threshold come within _HEADROOM_DB of the loudest 1 %.
    ceiling = float(np.percentile(power, 99.0)) * float(10.0 ** (-_HEADROOM_DB / 10.0))
    return max(threshold, min(floor, ceiling))


def _runs(mask: np.ndarray) -> np.ndarray:
    """``[first, last + 1)`` index pairs of the True runs in ``mask``, shape (k, 2)."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return np.stack((np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)), axis=1)


def _level(y: np.ndarray, *, sr: float, options: AcousticOptions) -> tuple[np.ndarray, np.ndarray]:
    """Pitch-candidate blocks, shape (ceil(n / hop),), and the speech spans in samples.

    Spans come from the gate above ``hum_cut_hz``; the candidate blocks are
    those loud enough in ``speech_band_hz`` (see :class:`AcousticOptions`).
    """
    hop = options.hop_length
    audible = _active(_without_hum(y, sr=sr, cut=options.hum_cut_hz), options)
    active = _active(_speech_band(y, sr=sr, band=options.speech_band_hz), options)
    spans = np.minimum(_runs(audible) * hop, y.size)
    if spans.shape[0] == 0:
        return active, spans
    bridged = spans[1:, 0] - spans[:-1, 1] < options.min_pause_s * sr
    keep_start = np.concatenate(([True], ~bridged))
    keep_end = np.concatenate((~bridged, [True]))
    merged = np.stack((spans[keep_start, 0], spans[keep_end, 1]), axis=1)
    return active, merged[merged[:, 1] - merged[:, 0] >= options.min_speech_s * sr]


def _pitch(
    y: np.ndarray, *, sr: float, options: AcousticOptions, active: np.ndarray, spans: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Frame indices and f0 (Hz) of the voiced frames, in time order."""
    hop, length = options.hop_length, options.frame_length
    # Frames are centred as in librosa (centre of frame i = sample i * hop =
    # first sample of block i); frame i is a candidate when block i is
    # non-silent and inside a speech span (not a dropped click).
    n_frames = 1 + y.size // hop if length % 2 == 0 else 1 + (y.size - 1) // hop
    gate = np.zeros(n_frames, dtype=bool)
    for start, end in spans:
        gate[start // hop : -(-end // hop)] = True
    common = min(n_frames, active.size)
    gate[:common] &= active[:common]
    gate[common:] = False
    if not gate.any():
        # No speech, no pitch, and no need to pay for importing librosa.
        return np.zeros(0, dtype=np.int64), np.zeros(0)

    padded = np.pad(y.astype(np.float32), (length // 2, length // 2))
    fmin, fmax = options.fmin_hz, options.fmax_hz
    frames, f0 = _voiced_frames(padded, gate, sr=sr, options=options, fmin=fmin, fmax=fmax)
    span = options.pitch_range_st
    if f0.size and span is not None:
        # Second pass around this speaker's median (see pitch_range_st): the
        # slips of a band-limited voice land above the range and yin finds
        # the true period within it.
        centre = float(np.median(f0))
        fmin = max(fmin, centre * 2.0 ** (-span[0] / 12.0))
        fmax = min(fmax, centre * 2.0 ** (span[1] / 12.0))
        frames, f0 = _voiced_frames(padded, gate, sr=sr, options=options, fmin=fmin, fmax=fmax)
    return frames, _smooth(frames, f0, options.pitch_smooth_frames)


#: de Jong & Wempe's syllable nuclei: RMS window s, peaks within this many dB of the
#: loudest, dip between nuclei dB, closest nuclei s, voicing this close s
_NUCLEUS_WINDOW_S, _NUCLEUS_RANGE_DB, _NUCLEUS_DIP_DB = 0.025, 25.0, 2.0
_NUCLEUS_GAP_S, _NUCLEUS_VOICED_S = 0.08, 0.02


def _syllables(
    y: np.ndarray, *, sr: float, options: AcousticOptions, voiced_frames: np.ndarray
) -> int:
    import librosa

    hop = options.hop_length
    band = _speech_band(y, sr=sr, band=options.speech_band_hz).astype(np.float32)
    rms = librosa.feature.rms(
        y=band, frame_length=max(2, round(_NUCLEUS_WINDOW_S * sr)), hop_length=hop, center=True
    )[0]
    db = 20.0 * np.log10(np.maximum(rms, 1e-10))
    near = max(1, round(_NUCLEUS_VOICED_S * sr / hop))
    voiced = np.zeros(db.size + near + 1, dtype=bool)
    for shift in range(-near, near + 1):
        at = voiced_frames + shift
        voiced[at[(at >= 0) & (at < voiced.size)]] = True
    gap = max(1, round(_NUCLEUS_GAP_S * sr / hop))
    peaks = librosa.util.peak_pick(
        db, pre_max=gap // 2, post_max=gap // 2, pre_avg=1, post_avg=1, delta=0.0, wait=gap
    )
    floor = float(np.percentile(db, 99.0)) - _NUCLEUS_RANGE_DB
    kept: list[int] = []
    for p in peaks:
        if db[p] < floor or not voiced[p]:
            continue
        if kept and min(db[p], db[kept[-1]]) - db[kept[-1] : p + 1].min() < _NUCLEUS_DIP_DB:
            if db[p] > db[kept[-1]]:
                kept[-1] = int(p)
            continue
        kept.append(int(p))
    return len(kept)


def _voiced_frames(
    padded: np.ndarray,
    gate: np.ndarray,
    *,
    sr: float,
    options: AcousticOptions,
    fmin: float,
    fmax: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and f0 (Hz) of the voiced frames among ``gate``, yin searching ``fmin``–``fmax``."""
    import librosa

    hop, length = options.hop_length, options.frame_length
    half_st = float(2.0 ** (0.5 / 12.0))
    found_frames: list[np.ndarray] = []
    found_f0: list[np.ndarray] = []
    # yin holds ~20 kB per frame, so a long take goes through in chunks.
    for first in range(0, gate.size, _FRAMES_PER_CHUNK):
        last = min(first + _FRAMES_PER_CHUNK, gate.size)
        if not gate[first:last].any():
            continue
        chunk = padded[first * hop : (last - 1) * hop + length]
        f0 = np.asarray(
            librosa.yin(
                chunk,
                fmin=fmin,
                fmax=fmax,
                sr=sr,
                frame_length=length,
                hop_length=hop,
                center=False,
            ),
            dtype=np.float64,
        )
        # yin falls back to the bounds of its search when it finds no period.
        inside = (f0 > fmin * half_st) & (f0 < fmax / half_st)
        frames = np.flatnonzero(gate[first:last] & inside)
        if frames.size:
            periodic = _periodicity(chunk, f0[frames], frames, sr=sr, options=options, fmin=fmin)
            keep = frames[periodic >= options.voicing_threshold]
            found_frames.append(keep + first)
            found_f0.append(f0[keep])
    if not found_f0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(found_frames), np.concatenate(found_f0)


def _smooth(frames: np.ndarray, f0: np.ndarray, width: int) -> np.ndarray:
    """``f0`` median-filtered over ``width`` frames within each run of consecutive frames."""
    if width <= 1 or f0.size == 0:
        return f0
    import scipy.ndimage

    out = f0.copy()
    breaks = np.flatnonzero(np.diff(frames) != 1) + 1
    for run in np.split(np.arange(f0.size), breaks):
        if run.size >= width:
            out[run] = scipy.ndimage.median_filter(f0[run], size=width, mode="nearest")
    return out


def _periodicity(
    chunk: np.ndarray,
    f0: np.ndarray,
    frames: np.ndarray,
    *,
    sr: float,
    options: AcousticOptions,
    fmin: float,
) -> np.ndarray:
    """Normalised autocorrelation of each frame of ``chunk`` at its own period, in [-1, 1]."""
    length = options.frame_length
    longest = math.ceil(sr / fmin)
    # One window length for every lag, so each frame is a single dot product.
    width = length - longest
    windows = np.lib.stride_tricks.sliding_window_view(chunk, length)[:: options.hop_length]
    chosen = windows[frames].astype(np.float64)
    period = np.clip(np.rint(sr / f0).astype(np.int64), 1, longest)
    head = chosen[:, :width]
    ahead = np.take_along_axis(chosen, np.arange(width)[None, :] + period[:, None], axis=1)
    num = np.einsum("ij,ij->i", head, ahead)
    den = np.sqrt(np.einsum("ij,ij->i", head, head) * np.einsum("ij,ij->i", ahead, ahead))
    out = np.zeros(frames.size)
    np.divide(num, den, out=out, where=den > 0)
    return out
