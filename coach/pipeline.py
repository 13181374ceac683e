"""The pipeline, stage by stage: audio -> transcript -> acoustics/numbers -> rubric -> report.

Each stage is a plain function over plain data; this module only wires them
together and times them (the timings feed ``bench/``).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import (
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
)
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from coach.context import Context
from coach.errors import CoachError
from coach.report import Identity, Report
from coach.rubric.checks import Take
from coach.rubric.config import Rubric
from coach.rubric.engine import band, feedback, judge, score
from coach.rubric.rules.delivery import fillers_found, heard_only
from coach.speech.audio import Audio
from coach.speech.hearing import hear
from coach.speech.metrics import measure_take
from coach.speech.transcribe import DecodeOptions, Transcriber, Transcript

if TYPE_CHECKING:
    from coach.speech.acoustics import Acoustics
    from coach.speech.phoneline import PhoneHearing


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    began = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - began


def judge_take(
    take: Take,
    rubric: Rubric,
    *,
    source: str,
    model: str | None,
    timings: dict[str, float],
    phone: PhoneHearing | None = None,
) -> Report:
    """Run the rubric on a take and assemble the report.

    ``phone`` is the take as a phone's transcript shows it (``--phone-line``):
    compared with what the coach heard, beside the checks, never scored.
    """
    from coach.rubric.phoneline import read_on_phone

    with _timed(timings, "rubric"):
        # Measured first, then judged: the metrics never read a rule.
        metrics = measure_take(
            take.transcript,
            take.acoustics,
            take.numbers,
            filler_count=len(fillers_found(take, rubric.config("fillers"))),
            target_wpm=take.context.target_wpm,
            filled_pauses=heard_only(take, rubric.config("fillers")),
        )
        checks = tuple(judge(take, rubric))
        fixes, strengths = feedback(checks, rubric)
        return Report(
            source=source,
            touch=take.context.touch,
            model=model,
            transcript=take.transcript,
            metrics=metrics,
            checks=checks,
            score=(points := score(checks, rubric)),
            fixes=tuple(fixes),
            strengths=tuple(strengths),
            timings=timings,
            band=band(points, rubric.bands),
            identity=_identity(take.context),
            phone_line=None
            if phone is None
            else read_on_phone(
                phone.transcript,
                take,
                codec=phone.codec,
                min_ratio=rubric.config("identity").num("min_ratio"),
            ),
        )


def _identity(context: Context) -> Identity | None:
    """Who the take is checked as, when anybody is named."""
    rep = context.rep
    if not (rep.name or rep.phone):
        return None
    return Identity(rep.name, rep.company, rep.phone, context.rep_from)


_POOL: list[Executor] = []
#: how long to wait for the acoustics once transcription is done: seconds, plus per audio second
ACOUSTICS_WAIT_S = (30.0, 0.1)


def _acoustics_pool() -> Executor:
    """Where the acoustics run while Whisper transcribes: one worker for the process.

    A forked worker process where the platform has fork: librosa's first use
    in a process is ~1.5-2 s of import work (scipy.signal, numba's cached
    kernels) that, in a thread, fights the transcription for the GIL; in its
    own process it mostly runs while the model loads, and later takes of a
    batch find it loaded (docs/decisions.md has the measurement).
    """
    if not _POOL:
        import multiprocessing

        if "fork" in multiprocessing.get_all_start_methods() and not _FORK_HUNG:
            fork = multiprocessing.get_context("fork")
            _POOL.append(
                ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=fork,
                    initializer=_die_with_parent,
                    initargs=(os.getpid(),),
                )
            )
        else:
            _POOL.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="coach-acoustics"))
    return _POOL[0]


_FORK_HUNG = False
#: how often the acoustics worker checks that the coach that forked it is still there, seconds
PARENT_POLL_S = 0.25


def _die_with_parent(parent: int) -> None:
    """In the worker: exit as soon as the coach process that made it is gone.

    A ``kill -9`` of ``coach score`` leaves no clean-up behind; without this
    the worker (~265 MB, the store open) would wait on its pipe for good.  A
    thread watches the parent's pid rather than a parent-death signal: that
    signal fires when the *thread* that forked exits, and a batch forks from
    a worker thread that ends before the process does.
    """
    if os.getppid() != parent:
        os._exit(0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os._exit(0)

    threading.Thread(target=watch, name="coach-parent-watch", daemon=True).start()


def _drop_pool() -> None:
    """Stop using the acoustics worker; after a hung fork, use a thread from now on."""
    global _FORK_HUNG
    if _POOL and isinstance(_POOL[0], ProcessPoolExecutor):
        _FORK_HUNG = True
    stop_workers()


def stop_workers() -> None:
    """Kill the acoustics worker now, for a process that leaves without clean-up."""
    if not _POOL:
        return
    pool = _POOL.pop()
    if isinstance(pool, ProcessPoolExecutor):
        # No public way to stop a stuck worker before Python 3.14's terminate_workers().
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def score_audio(
    audio: Audio,
    *,
    transcriber: Transcriber | Callable[[], Transcriber],
    context: Context,
    rubric: Rubric,
    options: DecodeOptions | None = None,
    timings: dict[str, float] | None = None,
    phone_line: bool = False,
) -> Report:
    """Transcribe, measure and judge one decoded take.

    The acoustic measurements run in a worker (see :func:`_acoustics_pool`)
    while the model loads and transcribes, so their cost hides behind the
    transcription.  ``transcriber`` may be a loaded model or a
    function that loads it (called after the measurements have started).
    With ``phone_line`` the take is also heard as a prospect's phone would
    transcribe it (:func:`coach.speech.phoneline.hear_phone_line`: one more
    decode by the same model, timed as ``phone_line``).
    """
    from coach.speech.acoustics import measure

    timings = {} if timings is None else timings

    options = options or DecodeOptions()
    if options.hotwords is None:
        options = replace(options, hotwords=context.hotwords())
    if options.callback is None:
        options = replace(options, callback=context.callback_digits())
    began = time.perf_counter()
    acoustics_job = _acoustics_pool().submit(measure, audio.samples, sr=16_000)
    acoustics_job.add_done_callback(
        lambda _: timings.__setitem__("acoustics", time.perf_counter() - began)
    )
    with _timed(timings, "load"):
        model = transcriber if isinstance(transcriber, Transcriber) else transcriber()
    with _timed(timings, "transcribe"):
        transcript = hear(model, audio.samples, options=options)
    phone = None
    if phone_line:
        from coach.speech.phoneline import hear_phone_line

        with _timed(timings, "phone_line"):
            phone = hear_phone_line(model, audio.samples, beam_size=options.beam_size)
    base_s, per_s = ACOUSTICS_WAIT_S
    try:
        acoustics = acoustics_job.result(timeout=base_s + per_s * audio.duration_s)
    except (BrokenExecutor, TimeoutError):
        # The worker died (out of memory, killed) or hangs (a fork can inherit a
        # lock another thread held): measure here instead, never wait for good.
        _drop_pool()
        with _timed(timings, "acoustics"):
            acoustics = measure(audio.samples, sr=16_000)
    return score_transcribed(
        audio,
        transcript,
        acoustics=acoustics,
        model=model.name,
        context=context,
        rubric=rubric,
        timings=timings,
        phone=phone,
    )


def score_transcribed(
    audio: Audio,
    transcript: Transcript,
    *,
    model: str,
    context: Context,
    rubric: Rubric,
    acoustics: Acoustics | None = None,
    timings: dict[str, float] | None = None,
    phone: PhoneHearing | None = None,
) -> Report:
    """Judge a take whose transcript is already made (e.g. piece by piece while recording).

    ``acoustics`` is measured here when not given; ``phone`` is the take as a
    phone's transcript shows it (``--phone-line``), when asked for.
    """
    from coach.speech.acoustics import measure
    from coach.speech.numbers import find_phone_numbers

    timings = {} if timings is None else timings
    if acoustics is None:
        with _timed(timings, "acoustics"):
            acoustics = measure(audio.samples, sr=16_000)
    with _timed(timings, "numbers"):
        numbers = tuple(find_phone_numbers(transcript.words))
    take = Take(transcript, acoustics, numbers, context)
    return judge_take(take, rubric, source=audio.source, model=model, timings=timings, phone=phone)


def score_file(
    path: str | Path,
    *,
    transcriber: Transcriber | Callable[[], Transcriber],
    context: Context,
    rubric: Rubric,
    max_minutes: float,
    options: DecodeOptions | None = None,
    phone_line: bool = False,
) -> Report:
    """Decode ``path`` and score it (see :func:`score_audio`).

    When ``transcriber`` is a loader it is called only once the audio has
    decoded, so a bad file is reported before the model costs a second.
    """
    from coach.speech.audio import load

    timings: dict[str, float] = {}
    with _timed(timings, "decode"):
        audio = load(path, max_minutes=max_minutes)
    return score_audio(
        audio,
        transcriber=transcriber,
        context=context,
        rubric=rubric,
        options=options,
        timings=timings,
        phone_line=phone_line,
    )


def batch_jobs(takes: int, *, cores: int | None = None) -> int:
    """How many takes of a batch to transcribe at once: 2 on two cores or more, else 1.

    One transcription at a time left two cores half idle (part of
    faster-whisper's work is single-threaded: features, word alignment, the
    Python around the decoder), so two takes at a time, with half the
    threads each, fill the gaps (docs/decisions.md has the measurement).
    """
    cores = cores or os.cpu_count() or 1
    return 2 if takes > 1 and cores >= 2 else 1


def score_files(
    paths: Sequence[str | Path],
    *,
    transcriber: Transcriber | Callable[[], Transcriber],
    context: Context,
    rubric: Rubric,
    max_minutes: float,
    options: DecodeOptions | None = None,
    jobs: int = 1,
    phone_line: bool = False,
) -> Iterator[tuple[Path, Report | CoachError]]:
    """Score several takes, ``jobs`` at a time; yield each result in the order given.

    A take that cannot be scored yields its :class:`~coach.errors.CoachError`
    instead of a report, so one bad file does not stop the batch.  With
    ``jobs`` above 1 the transcriber must have been made with ``workers=jobs``
    (otherwise the takes wait for each other inside the model); a loader is
    called once, by whichever take needs the model first.
    """
    lock = threading.Lock()
    loaded: list[Transcriber] = []

    def model() -> Transcriber:
        if isinstance(transcriber, Transcriber):
            return transcriber
        with lock:
            if not loaded:
                loaded.append(transcriber())
            return loaded[0]

    def one(path: str | Path) -> Report | CoachError:
        try:
            return score_file(
                path,
                transcriber=model,
                context=context,
                rubric=rubric,
                max_minutes=max_minutes,
                options=options,
                phone_line=phone_line,
            )
        except CoachError as exc:
            return exc

    if jobs <= 1:
        for path in paths:
            yield Path(path), one(path)
        return
    _acoustics_pool()  # made once, here, not by two takes at the same moment
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="coach-take")
    try:
        futures: list[Future[Report | CoachError]] = [pool.submit(one, p) for p in paths]
        for path, future in zip(paths, futures, strict=True):
            yield Path(path), future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def check_script(text: str, *, source: str, context: Context, rubric: Rubric) -> Report:
    """Judge a written script with the same rules, timed at the rep's pace."""
    from coach.speech.numbers import find_phone_numbers

    timings: dict[str, float] = {}
    transcript = Transcript.from_text(text, wpm=context.target_wpm)
    numbers = tuple(find_phone_numbers(transcript.words))
    take = Take(transcript, None, numbers, context)
    return judge_take(take, rubric, source=source, model=None, timings=timings)
