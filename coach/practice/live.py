"""While the rep speaks: the take heard in the background each time the rep falls quiet.

Feedback within two seconds of stopping needs the work done before the stop,
and the report must be the one ``coach score`` gives for the saved file.  A
:class:`LiveTranscriber` loads and warms the model as soon as ``coach
record`` starts; the recorder hands it the take at 16 kHz block by block.
Whenever :data:`~coach.speech.levels.TAIL_PAD_S` of quiet follows the rep's
speech, the take so far is heard — by :func:`coach.speech.hearing.hear`, the
function ``coach score`` uses — in the background.  When the rep stops
without saying more, the stretch Whisper is given of the whole take is that
one (the same samples; see :class:`~coach.speech.levels.SpeechEnd`), so its
words are ready, and they are the file's words by construction.  Otherwise
(the rep stopped mid-sentence) the take is heard after the stop.

The live view is :mod:`coach.views.live`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from coach.speech.audio import SAMPLE_RATE
from coach.speech.hearing import hear
from coach.speech.levels import Heard, SpeechEnd, heard
from coach.speech.transcribe import Transcript

if TYPE_CHECKING:
    from coach.context import Context
    from coach.practice.record import RecordedTake
    from coach.report import Report
    from coach.rubric.config import Rubric
    from coach.speech.phoneline import PhoneHearing
    from coach.speech.transcribe import DecodeOptions, Transcriber


def _warm_acoustics() -> None:
    # librosa's first call in a process costs ~1.4 s (scipy, numba's cache):
    # pay it now, on a voiced-looking signal so the pitch tracker really runs.
    from coach.speech.acoustics import measure

    t = np.arange(SAMPLE_RATE * 3 // 2) / SAMPLE_RATE
    harmonics = np.arange(1, 6)[:, None]
    y = np.sum(0.1 / harmonics * np.sin(2 * np.pi * 150 * harmonics * t), axis=0)
    measure(y.astype(np.float32), sr=SAMPLE_RATE)


class LiveTranscriber:
    """Loads and warms the model in the background, then hears the take whenever the rep pauses.

    One worker thread, so hearings run in order, after the model is ready,
    and never compete with each other for the cores; a hearing asked for
    before the one before it has started is skipped (the newer covers it).

    Parameters
    ----------
    load : callable
        Returns the loaded :class:`~coach.speech.transcribe.Transcriber`; called at
        once, in the background.
    options : DecodeOptions
        The settings ``coach score`` uses for the same card (hotwords included).
    warm : bool
        After loading, decode a second of silence and run the acoustics once,
        so the first hearing and the final analysis run at speed.
    """

    def __init__(
        self,
        load: Callable[[], Transcriber],
        *,
        options: DecodeOptions,
        warm: bool = True,
    ) -> None:
        self.options = options
        #: seconds: load, warm, transcribe (all hearings); counts: hearings, used
        self.timings: dict[str, float] = {}
        self._ends = SpeechEnd()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="coach-live")
        self._model = self._pool.submit(self._load, load, warm)
        self._lock = threading.Lock()
        self._audio = np.zeros(SAMPLE_RATE * 32, dtype=np.float32)
        self._size = 0
        self._asked: Heard | None = None  # the newest stretch asked for
        self._hearings: dict[Heard, Future[Transcript | None]] = {}

    def feed(self, y: np.ndarray) -> None:
        """The next block of the take, 16 kHz float32 (called from the recorder's writer)."""
        end = self._size + y.size
        if end > self._audio.size:
            grown = np.zeros(max(self._audio.size * 2, end), dtype=np.float32)
            grown[: self._size] = self._audio[: self._size]
            self._audio = grown
        self._audio[self._size : end] = y
        self._size = end
        self._ends.feed(y)
        if self._ends.settled and self._ends.heard != self._asked:
            span = self._ends.heard
            with self._lock:
                self._asked = span
                self._hearings[span] = self._pool.submit(
                    self._hear, self._audio[: span.cut].copy(), span
                )

    def transcript(self, samples: np.ndarray) -> Transcript:
        """The words of the whole take (``samples``, 16 kHz), as ``coach score`` hears them.

        The hearing made while the rep was quiet at the end when it covers the
        same stretch of the same samples; otherwise heard now, on the worker,
        after the hearing it is busy with (hearings still queued are skipped).
        Raises the model's loading error, if it had one.
        """
        span = heard(samples)
        self._model.result()
        with self._lock:
            # From now on only this stretch matters: hearings still queued skip.
            self._asked = span
            early = self._hearings.get(span)
            if early is None or not np.array_equal(self._audio[: span.cut], samples[: span.cut]):
                # Heard after the stop, on the same worker: after the hearing
                # running now, never beside it (two decodes would share the cores).
                early = self._pool.submit(self._hear, samples[: span.cut].copy(), span)
            else:
                self.timings["used_early"] = 1.0
        found = early.result()
        if found is None:  # cannot happen (it is the stretch asked for); never guess
            found = hear(self._model.result(), samples, options=self.options, span=span)
        return found

    def phone_line(self, samples: np.ndarray) -> PhoneHearing:
        """The whole take (16 kHz) as a prospect's phone would transcribe it (``--phone-line``).

        Heard on the worker, after any hearing still running, by the model
        already loaded; timed as ``phone_line``.
        """
        from coach.speech.phoneline import hear_phone_line

        def hear_it() -> PhoneHearing:
            began = time.perf_counter()
            found = hear_phone_line(self._model.result(), samples, beam_size=self.options.beam_size)
            self.timings["phone_line"] = time.perf_counter() - began
            return found

        return self._pool.submit(hear_it).result()

    def wait(self) -> None:
        """Wait until every hearing asked for so far is done (the benchmark's "at the stop")."""
        with self._lock:
            jobs = list(self._hearings.values())
        for job in jobs:
            job.result()

    @property
    def name(self) -> str:
        """The model's name (waits for it to load)."""
        return self._model.result().name

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _load(self, load: Callable[[], Transcriber], warm: bool) -> Transcriber:
        began = time.perf_counter()
        model = load()
        self.timings["load"] = time.perf_counter() - began
        if warm:
            began = time.perf_counter()
            # A few tokens warm the encoder and the beam search.
            short = replace(self.options, extra={**self.options.extra, "max_new_tokens": 4})
            model.transcribe(np.zeros(SAMPLE_RATE, dtype=np.float32), options=short)
            _warm_acoustics()
            self.timings["warm"] = time.perf_counter() - began
        return model

    def _hear(self, y: np.ndarray, span: Heard) -> Transcript | None:
        """Hear the take so far, unless the rep has spoken since it was asked for."""
        with self._lock:
            if span != self._asked:
                return None  # a newer stretch is queued: it covers this one
        model = self._model.result()
        began = time.perf_counter()
        words = hear(model, y, options=self.options, span=span)
        self._spent(began)
        return words

    def _spent(self, began: float) -> None:
        self.timings["transcribe"] = self.timings.get("transcribe", 0.0) + (
            time.perf_counter() - began
        )
        self.timings["hearings"] = self.timings.get("hearings", 0.0) + 1


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
    phone_line: bool = False,
) -> Report:
    """Finish the transcript (usually heard already, while the rep was quiet) and judge the take.

    ``stopped_at`` is the :func:`time.perf_counter` reading when the rep
    stopped; ``report.timings["after_stop"]`` is the time from then to the
    report being ready, seconds.  With ``phone_line`` the take is also heard
    as a prospect's phone would transcribe it (one more decode, after the stop).
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
        transcript = live.transcript(take.samples)
        timings["transcribe_after_stop"] = time.perf_counter() - began
        phone = live.phone_line(take.samples) if phone_line else None
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
            phone=phone,
        )
    timings.update({f"live_{k}": v for k, v in live.timings.items()})
    timings["after_stop"] = time.perf_counter() - stopped_at
    return report
