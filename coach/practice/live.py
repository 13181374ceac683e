"""While the rep speaks: the take cut at pauses, each piece transcribed in the background.

Feedback within two seconds of stopping needs the work done before the stop.
A :class:`LiveTranscriber` loads and warms the model as soon as ``coach
record`` starts; the recorder hands it the take at 16 kHz block by block; a
:class:`PieceCutter` cuts the stream at pauses (at least
``min_pause_s`` of silence, at least ``min_piece_s`` after the last cut, cut
in the middle of the silence so no word is split), and every finished piece
is transcribed at once.  Pieces tile the take exactly, so their words,
shifted by each piece's start, join into one transcript with no word twice.
At the stop only the last piece is left: :func:`score_take` waits for it
while it measures the whole take, then judges it.

The live view is :mod:`coach.views.live`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from coach.speech.audio import SAMPLE_RATE
from coach.speech.levels import HOP, hop_levels_db, noise_gate_db
from coach.speech.numbers import rehear_numbers
from coach.speech.transcribe import Transcript, Word, recover_tail, shift

if TYPE_CHECKING:
    from coach.context import Context
    from coach.practice.record import RecordedTake
    from coach.report import Report
    from coach.rubric.config import Rubric
    from coach.speech.transcribe import DecodeOptions, Transcriber


@dataclass(frozen=True)
class CutOptions:
    """Where a live take is cut into pieces to transcribe while the rep goes on.

    Attributes
    ----------
    min_piece_s : float, seconds
        No cut before this much audio since the last one: every piece costs
        a whole Whisper window of encoder time, however short it is.
    min_pause_s : float, seconds
        A cut needs a silence this long and falls in its middle.
    silence_db : float, dBFS
        A 10 ms hop quieter than this is silent (see :func:`noise_gate_db`).
    noise_margin_db : float, dB
        How far above the noise floor the gate may rise in a noisy room.
    min_voiced_s : float, seconds
        A piece with less sound than this (a click, a breath, the Enter key)
        is not transcribed: on near-silence Whisper invents words, and its
        temperature fallbacks cost seconds.
    """

    min_piece_s: float = 8.0
    min_pause_s: float = 0.4
    silence_db: float = -45.0
    noise_margin_db: float = 10.0
    min_voiced_s: float = 0.25


@dataclass(frozen=True)
class Piece:
    """A stretch of the take at 16 kHz; ``start`` in samples from the take's start."""

    start: int
    samples: np.ndarray
    voiced: bool

    @property
    def start_s(self) -> float:
        return self.start / SAMPLE_RATE


class PieceCutter:
    """Cuts a 16 kHz stream at pauses into pieces that together are exactly the stream.

    :meth:`feed` takes blocks of any size and returns the pieces finished by
    them; :meth:`finish` returns the rest.
    """

    def __init__(self, options: CutOptions | None = None) -> None:
        self.options = options or CutOptions()
        self._buf = np.zeros(SAMPLE_RATE * 16, dtype=np.float32)
        self._n = 0  # samples in the current piece
        self._start = 0  # where the current piece starts in the stream
        self._hops = 0  # whole hops of the current piece already judged
        self._run = 0  # silent hops ending at the last judged one
        self._loud = 0  # hops above the gate in the current piece
        self._levels: list[float] = []  # recent hop levels, for the noise floor
        self._levels_until = 0  # stream position the levels reach, samples
        self.threshold_db = self.options.silence_db

    def feed(self, y: np.ndarray) -> list[Piece]:
        if self._n + y.size > self._buf.size:
            grown = np.zeros(max(self._buf.size * 2, self._n + y.size), dtype=np.float32)
            grown[: self._n] = self._buf[: self._n]
            self._buf = grown
        self._buf[self._n : self._n + y.size] = y
        self._n += y.size
        pieces: list[Piece] = []
        while (piece := self._next_cut()) is not None:
            pieces.append(piece)
        return pieces

    def finish(self) -> Piece | None:
        """The rest of the stream as the last piece (``None`` if nothing is left)."""
        if self._n == 0:
            return None
        piece = Piece(self._start, self._buf[: self._n].copy(), self._is_voiced())
        self._start += self._n
        self._n = self._hops = self._run = self._loud = 0
        return piece

    def _is_voiced(self) -> bool:
        return self._loud * HOP >= self.options.min_voiced_s * SAMPLE_RATE

    def _next_cut(self) -> Piece | None:
        o = self.options
        first = self._hops
        levels = hop_levels_db(self._buf[first * HOP : self._n])
        # Hops after a cut are judged again as the next piece's start; the
        # noise floor sees each stretch of the stream once.
        begins = self._start + first * HOP
        seen = min(levels.size, max(0, -(-(self._levels_until - begins) // HOP)))
        self._levels.extend(levels[seen:].tolist())
        self._levels_until = max(self._levels_until, begins + levels.size * HOP)
        del self._levels[:-3000]  # the last ~30 s
        self.threshold_db = noise_gate_db(
            self._levels, silence_db=o.silence_db, margin_db=o.noise_margin_db
        )
        need = round(o.min_pause_s * SAMPLE_RATE / HOP)
        for level in levels:
            self._hops += 1
            if level < self.threshold_db:
                self._run += 1
            else:
                self._run = 0
                self._loud += 1
            # The middle of the last min_pause_s of silence, once far enough in.
            cut = self._hops * HOP - need * HOP // 2
            if self._run >= need and cut >= o.min_piece_s * SAMPLE_RATE:
                return self._cut(cut)
        return None

    def _cut(self, cut: int) -> Piece:
        # Hops past the cut were silent (the cut is inside the silence), so
        # every loud hop counted belongs to this piece.
        piece = Piece(self._start, self._buf[:cut].copy(), self._is_voiced())
        rest = self._n - cut
        self._buf[:rest] = self._buf[cut : self._n]
        self._start += cut
        self._n = rest
        self._hops = self._run = self._loud = 0
        return piece


def pieces_of(
    y: np.ndarray, *, block: int = 1600, options: CutOptions | None = None
) -> Iterator[Piece]:
    """Cut a whole 16 kHz array as a live take would be, fed ``block`` samples at a time."""
    cutter = PieceCutter(options)
    for i in range(0, y.size, block):
        yield from cutter.feed(y[i : i + block])
    last = cutter.finish()
    if last is not None:
        yield last


def _warm_acoustics() -> None:
    # librosa's first call in a process costs ~1.4 s (scipy, numba's cache):
    # pay it now, on a voiced-looking signal so the pitch tracker really runs.
    from coach.speech.acoustics import measure

    t = np.arange(SAMPLE_RATE * 3 // 2) / SAMPLE_RATE
    harmonics = np.arange(1, 6)[:, None]
    y = np.sum(0.1 / harmonics * np.sin(2 * np.pi * 150 * harmonics * t), axis=0)
    measure(y.astype(np.float32), sr=SAMPLE_RATE)


#: digits of a phone number said whole (a NANP number with its area code)
WHOLE_DIGITS = 10
#: fewest digits of a group of a phone number ("415"); fewer is a quantity ("to 5.")
GROUP_DIGITS = 3
#: an uncommitted stretch longer than this is committed up to its trailing number, seconds
MAX_HELD_S = 12.0


def commit_point(words: Sequence[Word], *, held_limit_s: float = MAX_HELD_S) -> int:
    """How many of a region's words are final; the rest are decoded again with what follows.

    A live region ends at a pause, and a pause can fall inside a sentence —
    between the groups of a phone number ("415 … 555 … 0134"), or before a
    name.  Decoded apart, each side loses the other's context: digits are
    dropped or doubled, names misheard.  So only whole sentences are final:
    the words up to the last sentence end that is not part of a phone number
    ("at 415." ends no sentence; "at 415-555-0134." and "from ten to five."
    do).  When no sentence has ended for ``held_limit_s`` (Whisper
    wrote no punctuation), everything but a trailing run of number words is
    final.
    """
    if words and _trailing_digits(words, len(words) - 1) >= WHOLE_DIGITS:
        return len(words)  # "… call me at 415-555-0134": said whole, unpunctuated or not
    for i in range(len(words) - 1, -1, -1):
        text = words[i].text
        if text.rstrip("\"')”’").endswith((".", "?", "!")) and not _part_of_a_number(words, i):
            return i + 1
    if not words or words[-1].end - words[0].start < held_limit_s:
        return 0
    from coach.speech.numbers import is_number_word

    n = len(words)
    while n and is_number_word(words[n - 1].text):
        n -= 1
    return n


def _part_of_a_number(words: Sequence[Word], i: int) -> bool:
    """Whether ``words[i]`` may end only part of a phone number: "… at 415." or "… 415-555.".

    The run of number words ending there holds at least :data:`GROUP_DIGITS`
    digits (a group of a phone number, not "ten hours to five.") and fewer
    than a whole number's :data:`WHOLE_DIGITS` ("… at 415-555-0134." is done).
    """
    return GROUP_DIGITS <= _trailing_digits(words, i) < WHOLE_DIGITS


def _trailing_digits(words: Sequence[Word], i: int) -> int:
    """Digits said by the run of number words that ends at ``words[i]`` (0 if it is none)."""
    from coach.speech.numbers import digits_in, is_number_word

    first = i + 1
    while first > 0 and is_number_word(words[first - 1].text):
        first -= 1
    return sum(digits_in(w.text) for w in words[first : i + 1])


def quietest_between(y: np.ndarray, a: int, b: int) -> int:
    """Start of the quietest 10 ms hop of ``y[a:b]`` (16 kHz): a place to cut; ``a`` if short."""
    a, b = max(0, a), min(y.size, b)
    if b - a < HOP:
        return max(0, min(a, y.size))
    return a + int(np.argmin(hop_levels_db(y[a:b]))) * HOP


class LiveTranscriber:
    """Loads and warms the model in the background, then transcribes the take as it grows.

    The take is cut at pauses (:class:`PieceCutter`); each cut starts one
    decode of the *region* not yet final — the pending words plus the new
    piece — with the same options ``coach score`` uses (hotwords included),
    the final text before it as context, and the same tail recovery.  Only
    whole sentences become final (:func:`commit_point`); an unfinished one,
    such as a phone number cut between its groups, is decoded again with the
    next piece, whole.  At the stop only the last region is left.

    One worker thread, so regions are decoded in order, after the model is
    ready, and never compete with each other for the cores.

    Parameters
    ----------
    load : callable
        Returns the loaded :class:`~coach.speech.transcribe.Transcriber`; called at
        once, in the background.
    options : DecodeOptions
        For every region: the settings ``coach score`` uses for the same card.
    cut : CutOptions, optional
        Where the take is cut.
    warm : bool
        After loading, transcribe a second of silence and run the acoustics
        once, so the first real region and the final analysis run at speed.
    """

    def __init__(
        self,
        load: Callable[[], Transcriber],
        *,
        options: DecodeOptions,
        cut: CutOptions | None = None,
        warm: bool = True,
    ) -> None:
        self.options = options
        #: seconds: load, warm, transcribe (all regions), pieces and decodes (counts)
        self.timings: dict[str, float] = {}
        self._cutter = PieceCutter(cut)
        self._finished = False
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="coach-live")
        self._model = self._pool.submit(self._load, load, warm)
        self._jobs: list[Future[None]] = []
        self._lock = threading.Lock()
        # Touched by the worker thread only: the take so far, the final words,
        # and where the audio not yet final starts (samples).
        self._audio = np.zeros(SAMPLE_RATE * 32, dtype=np.float32)
        self._size = 0
        self._final: list[Word] = []
        self._pending = 0

    def feed(self, y: np.ndarray) -> None:
        """The next block of the take, 16 kHz float32 (called from the recorder's writer)."""
        for piece in self._cutter.feed(y):
            self._add(piece, last=False)

    def transcript(self) -> Transcript:
        """Queue the last piece, wait for every region and join the words.

        Raises the model's loading error, if it had one.
        """
        if not self._finished:
            self._finished = True
            last = self._cutter.finish()
            if last is not None:
                self._add(last, last=True)
        self._model.result()
        self.wait()
        words = tuple(self._final)
        return Transcript(text=" ".join(w.text for w in words), words=words, language="en")

    def wait(self) -> None:
        """Wait until every region queued so far is decoded (the benchmark's "at the stop")."""
        with self._lock:
            jobs = list(self._jobs)
        for job in jobs:
            job.result()

    @property
    def name(self) -> str:
        """The model's name (waits for it to load)."""
        return self._model.result().name

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _add(self, piece: Piece, *, last: bool) -> None:
        with self._lock:
            self._jobs.append(self._pool.submit(self._step, piece, last))

    def _load(self, load: Callable[[], Transcriber], warm: bool) -> Transcriber:
        began = time.perf_counter()
        model = load()
        self.timings["load"] = time.perf_counter() - began
        if warm:
            began = time.perf_counter()
            # A few tokens warm the encoder and the beam search; decoding
            # silence to the end costs ~4 s of temperature fallbacks.
            short = replace(self.options, extra={**self.options.extra, "max_new_tokens": 4})
            model.transcribe(np.zeros(SAMPLE_RATE, dtype=np.float32), options=short)
            _warm_acoustics()
            self.timings["warm"] = time.perf_counter() - began
        return model

    def _keep(self, piece: Piece) -> None:
        end = piece.start + piece.samples.size
        if end > self._audio.size:
            grown = np.zeros(max(self._audio.size * 2, end), dtype=np.float32)
            grown[: self._size] = self._audio[: self._size]
            self._audio = grown
        self._audio[piece.start : end] = piece.samples
        self._size = end

    def _step(self, piece: Piece, last: bool) -> None:
        """Decode the region not yet final, up to the end of ``piece``; make its sentences final."""
        self._keep(piece)
        self.timings["pieces"] = self.timings.get("pieces", 0.0) + 1
        if not piece.voiced and self._pending == piece.start:
            self._pending = self._size  # nothing waits, and on near-silence Whisper invents
            return
        if not piece.voiced:
            last = True  # a long quiet stretch: what waited is finished
        model = self._model.result()
        began = time.perf_counter()
        # Decoded from where the final words end, not earlier: re-hearing final
        # sentences as context (5-10 s tried) made Whisper echo the hotwords
        # or stop early as often as it mended a digit.
        region = self._audio[self._pending : self._size]
        offset = self._pending / SAMPLE_RATE
        words = self._decode(model, region, offset)
        self.timings["transcribe"] = self.timings.get("transcribe", 0.0) + (
            time.perf_counter() - began
        )
        self.timings["decodes"] = self.timings.get("decodes", 0.0) + 1
        n = len(words) if last else commit_point(words)

        self._final.extend(words[:n])
        if n == len(words):
            self._pending = self._size
        elif n:
            # Cut again at the quietest moment between the last final word and the next.
            a = round(words[n - 1].end * SAMPLE_RATE) - HOP * 10
            b = round(words[n].start * SAMPLE_RATE) + HOP * 5
            self._pending = max(self._pending, quietest_between(self._audio[: self._size], a, b))

    def _decode(self, model: Transcriber, region: np.ndarray, offset_s: float) -> list[Word]:
        from coach.speech.acoustics import speech_intervals

        # No prompt of the final text: it made Whisper repeat earlier sentences.
        options = self.options
        text = model.transcribe(region, options=options)
        spans = speech_intervals(region, sr=SAMPLE_RATE)
        speech_end = float(spans[-1, 1]) if spans.shape[0] else 0.0
        text = recover_tail(text, region, speech_end_s=speech_end, model=model, options=options)
        text = rehear_numbers(text, region, model=model, options=options)
        return list(shift(text, offset_s).words)


def check_take(take: RecordedTake) -> None:
    """Refuse a take with nothing to score, saying where it is kept."""
    from coach.practice.record import RecordError
    from coach.speech.audio import SILENT_PEAK_DBFS

    if take.samples.size < SAMPLE_RATE // 2:
        raise RecordError(
            f"the take is only {take.seconds:.1f} s long — nothing to score (kept: {take.path})"
        )
    peak = float(np.max(np.abs(take.samples)))
    if peak == 0.0 or 20 * np.log10(peak) < SILENT_PEAK_DBFS:
        raise RecordError(
            f"the take is silent — check the microphone with coach devices (kept: {take.path})"
        )


def score_take(
    take: RecordedTake,
    live: LiveTranscriber,
    *,
    context: Context,
    rubric: Rubric,
    stopped_at: float,
) -> Report:
    """Finish the transcript (usually only the last piece is left) and judge the take.

    ``stopped_at`` is the :func:`time.perf_counter` reading when the rep
    stopped; ``report.timings["after_stop"]`` is the time from then to the
    report being ready, seconds.
    """
    from coach.pipeline import score_transcribed
    from coach.speech.acoustics import Acoustics, measure
    from coach.speech.audio import Audio

    check_take(take)
    timings: dict[str, float] = {}

    def measured() -> Acoustics:
        began = time.perf_counter()
        try:
            return measure(take.samples, sr=SAMPLE_RATE)
        finally:
            timings["acoustics"] = time.perf_counter() - began

    # The whole take's acoustics are measured while the last piece is transcribed.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="coach-acoustics") as pool:
        acoustics = pool.submit(measured)
        began = time.perf_counter()
        transcript = live.transcript()
        timings["transcribe_after_stop"] = time.perf_counter() - began
        audio = Audio(
            samples=take.samples,
            source=str(take.path),
            source_rate=take.rate,
            source_channels=take.channels,
        )
        report = score_transcribed(
            audio,
            transcript,
            acoustics=acoustics.result(),
            model=live.name,
            context=context,
            rubric=rubric,
            timings=timings,
        )
    timings.update({f"live_{k}": v for k, v in live.timings.items()})
    timings["after_stop"] = time.perf_counter() - stopped_at
    return report
