"""Speech to text with faster-whisper: words with start/end times, offline.

Only this module talks to faster-whisper.  The lazy segment generator is
consumed here; callers get a frozen :class:`Transcript`.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

SAMPLE_RATE = 16_000
#: Whisper's temperature: 0 only, no fallback to random sampling.  CTranslate2
#: seeds its sampler once per thread (``set_random_seed`` does not reseed a
#: thread that has sampled), so with the fallback the same audio was heard
#: differently on a second decode in one process — live and file could differ.
#: Measured on the real-voice dev takes (base, beam 5): 48/48 decoded twice alike
#: (45/48 with the fallback); exact numbers 16 vs 17 of 48 (docs/decisions.md).
TEMPERATURE = 0.0


@dataclass(frozen=True)
class Word:
    """One recognised word.

    ``text`` is the word as Whisper printed it, without surrounding spaces
    (it may carry punctuation: ``"415-555-0134,"``).  Times are in seconds from
    the start of the take.
    """

    text: str
    start: float
    end: float
    probability: float = 1.0
    #: character span in a written script (``coach check``); ``None`` for speech
    chars: tuple[int, int] | None = None


@dataclass(frozen=True)
class Transcript:
    """What was said: the full text and its words, in order."""

    text: str
    words: tuple[Word, ...]
    language: str = "en"
    #: the numbers (digits) a second model heard when it was asked because the
    #: rep's was not heard (:func:`coach.speech.verify.second_opinion`); ``None``
    #: when it was not asked.  Two hearings that disagree are the coach's doubt.
    second: tuple[str, ...] | None = None

    @classmethod
    def from_text(cls, text: str, *, wpm: float = 150.0) -> Transcript:
        """Build a transcript from a written script, timing words at ``wpm``.

        Used by ``coach check`` so the same rules can judge a script before it
        is recorded: every word gets an even share of time at the rep's pace.
        """
        if wpm <= 0:
            raise ValueError(f"wpm must be positive, got {wpm!r}")
        seconds_per_word = 60.0 / wpm
        words = tuple(
            Word(
                m.group(),
                round(i * seconds_per_word, 3),
                round((i + 1) * seconds_per_word, 3),
                chars=(m.start(), m.end()),
            )
            for i, m in enumerate(re.finditer(r"\S+", text))
        )
        return cls(text=text.strip(), words=words)


@dataclass(frozen=True)
class DecodeOptions:
    """How Whisper decodes.  Defaults are faster-whisper's own except where noted.

    Attributes
    ----------
    beam_size : int
        Beam width; 5 is faster-whisper's default, kept for real phone
        recordings (``--beam-size 1`` for speed; docs/decisions.md says why).
    language : str or None
        Spoken language; ``"en"`` skips the language-detection pass.  ``None``
        detects it.
    hotwords : str or None
        Names and companies to bias recognition towards (never digits).
    """

    beam_size: int = 5
    language: str | None = "en"
    hotwords: str | None = None
    #: the rep's own number (digits): a heard number a digit or two from it is
    #: weighed against it after decoding (:mod:`coach.speech.verify`) — never primed
    callback: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``WhisperModel.transcribe``."""
        return {
            "beam_size": self.beam_size,
            "language": self.language,
            "hotwords": self.hotwords,
            "word_timestamps": True,
            "temperature": TEMPERATURE,
            **self.extra,
        }


def shift(transcript: Transcript, seconds: float) -> Transcript:
    """``transcript`` with every word moved ``seconds`` later."""
    words = tuple(
        replace(w, start=round(w.start + seconds, 3), end=round(w.end + seconds, 3))
        for w in transcript.words
    )
    return replace(transcript, words=words)


def merge(parts: Sequence[Transcript]) -> Transcript:
    """One transcript from consecutive pieces' transcripts (already shifted)."""
    return Transcript(
        text=" ".join(p.text for p in parts if p.text).strip(),
        words=tuple(w for p in parts for w in p.words),
        language=parts[0].language if parts else "en",
    )


#: speech this long after the last transcribed word means Whisper stopped early, seconds
TAIL_GAP_S = 2.0
#: a word starting this long after the speech ends is over silence, seconds
TAIL_SLACK_S = 0.3
#: a word this unlikely that runs on past the speech is invented (a repeated number, p 0.02)
INVENTED_P = 0.1
#: a word this unlikely is invented wherever it is (base's repeated sentence: p 0.000-0.003)
NEAR_ZERO_P = 0.01
#: a word shorter than this was stamped on one instant, seconds
ZERO_LENGTH_S = 0.02
#: a word of no length is invented unless at least this likely
ZERO_LENGTH_P = 0.5


def recover_tail(
    transcript: Transcript,
    audio: np.ndarray,
    *,
    speech_end_s: float,
    model: Transcriber,
    options: DecodeOptions,
) -> Transcript:
    """Transcribe again any speech Whisper left off the end.

    Whisper occasionally ends a decode early, dropping the last sentence —
    often the one with the callback number — or jumps to the end of the
    window and stamps the rest of a sentence there, over silence.  Words
    it wrote for no speech are dropped (:func:`drop_invented`), and when
    speech goes on :data:`TAIL_GAP_S` past the last word left, only that
    uncovered tail of ``audio`` (16 kHz) is decoded again: with the
    hotwords first (they keep the names right), and without them when the
    hotwords' prompt stops the tail early too.  ``speech_end_s`` is where
    the speech ends, seconds from ``audio``'s start.
    """
    said = drop_invented(transcript, speech_end_s)
    heard_end = said.words[-1].end if said.words else 0.0
    if speech_end_s - heard_end < TAIL_GAP_S:
        return said
    start = max(0.0, heard_end - 0.1)
    rest = audio[int(start * SAMPLE_RATE) :]
    tail = Transcript("", ())
    for hotwords in dict.fromkeys((options.hotwords, None)):
        tail = drop_invented(
            shift(model.transcribe(rest, options=replace(options, hotwords=hotwords)), start),
            speech_end_s,
        )
        tail_end = tail.words[-1].end if tail.words else start
        if speech_end_s - tail_end < TAIL_GAP_S:
            break
    return merge([said, tail])


#: a word said this many times in a row, or a digit run this long, is the decoder looping
LOOP_REPEATS = 4
LOOP_DIGITS = 16
#: a digit run whose last LOOP_CYCLE_DIGITS digits cycle with a period of 1 or 2 is a loop too
LOOP_CYCLE_DIGITS = 10


def _looping_run(text: str) -> bool:
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) >= LOOP_DIGITS:
        return True
    tail = digits[-LOOP_CYCLE_DIGITS:]
    return len(tail) == LOOP_CYCLE_DIGITS and any(
        tail == (tail[:period] * LOOP_CYCLE_DIGITS)[:LOOP_CYCLE_DIGITS] for period in (1, 2)
    )


def loops(words: Sequence[Word]) -> list[tuple[int, int]]:
    """Where Whisper's decoding looped: (first, last) word indices, inclusive.

    At temperature 0 there is no fallback to break a loop, so on a hard
    voice ``base`` can repeat a word ("2009, 2009, 2009, 2009") or a digit
    pattern ("2-0-0-0-0-0-0-0-0-0-0-0-…", "4-1-2-1-2-1-2-1-2-1-2") until the
    window ends.  What it wrote there is the model's failure, not what the rep
    said: the verdicts say so as uncertainty (the callback number check).
    """
    found: list[tuple[int, int]] = []
    norm = [w.text.strip(" ,.;:!?").lower() for w in words]
    i = 0
    while i < len(words):
        j = i
        while j + 1 < len(words) and norm[j + 1] == norm[i] and norm[i]:
            j += 1
        if j - i + 1 >= LOOP_REPEATS or _looping_run(words[i].text):
            found.append((i, j))
        i = j + 1
    return found


def drop_invented(transcript: Transcript, end_s: float) -> Transcript:
    """``transcript`` without the words Whisper wrote for no speech.

    On a 30.3 s real take ``base`` wrote "Call me back at" a second time at
    29.0-29.7 s, the words stamped on single instants with probability
    0.000-0.025; kept, they made pace and word error wrong (issue 15).
    Dropped, before any metric or verdict sees them:

    * words starting over the silence after ``end_s`` (where the speech
      ends, seconds), and unlikely words (p < :data:`INVENTED_P`) that run on
      into it;
    * words of near-zero probability (< :data:`NEAR_ZERO_P`), anywhere;
    * words of no length (< :data:`ZERO_LENGTH_S`) that are not likely
      (p < :data:`ZERO_LENGTH_P`) — a real word squeezed onto one instant
      keeps a high probability.
    """

    def heard(w: Word) -> bool:
        if w.start >= end_s + TAIL_SLACK_S:
            return False
        if w.probability < INVENTED_P and w.end > end_s + TAIL_SLACK_S:
            return False  # a guess that runs on into the silence: a phrase repeated
        if w.probability < NEAR_ZERO_P:
            return False
        return w.end - w.start >= ZERO_LENGTH_S or w.probability >= ZERO_LENGTH_P

    said = tuple(w for w in transcript.words if heard(w))
    if len(said) == len(transcript.words):
        return transcript
    return replace(transcript, text=" ".join(w.text for w in said), words=said)


def _joined(first: Word, rest: Word) -> Word:
    return Word(
        first.text + rest.text,
        first.start,
        rest.end,
        min(first.probability, rest.probability),
    )


class Transcriber:
    """A loaded Whisper model; load once per process and reuse for every take.

    Parameters
    ----------
    model_path : str
        A CTranslate2 model folder (see :func:`coach.speech.models.resolve`).
    name : str
        The name shown in reports (``"base"``, ``"tiny.en"`` or the folder).
    threads : int or None
        CPU threads for CTranslate2 per transcription; defaults to every core.
    workers : int
        Transcriptions that can run at once, each from its own Python thread
        (faster-whisper's ``num_workers``); see :func:`coach.pipeline.score_files`.
    """

    def __init__(
        self, model_path: str, *, name: str, threads: int | None = None, workers: int = 1
    ) -> None:
        from faster_whisper import WhisperModel

        from coach.errors import ModelError

        self.name = name
        self.load_seconds = 0.0
        began = time.perf_counter()
        try:
            self._model = WhisperModel(
                model_path,
                device="cpu",
                compute_type="int8",
                cpu_threads=threads or os.cpu_count() or 1,
                num_workers=workers,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(
                f"cannot load the Whisper model in {model_path}: {exc} — "
                "run `coach models` to check the installed models"
            ) from exc
        self.load_seconds = time.perf_counter() - began
        self._threads = threads
        self._second: Transcriber | None = None
        self._second_lock = threading.Lock()

    def second(self) -> Transcriber:
        """Another model, to ask when this one's hearing of the rep's number is in doubt.

        ``tiny.en`` (``base`` when this model is ``tiny.en``): a smaller model
        trained apart makes different mistakes — on real voices it heard whole
        the "five five five" that ``base`` heard as "five five"
        (:func:`coach.speech.verify.second_opinion`).  Loaded on first use,
        once, from any thread.
        """
        from coach.speech import models

        with self._second_lock:
            if self._second is None:
                name = models.second_opinion(self.name)
                self._second = Transcriber(
                    str(models.resolve(name)), name=name, threads=self._threads
                )
            return self._second

    def transcribe(self, audio: np.ndarray, *, options: DecodeOptions | None = None) -> Transcript:
        """Transcribe 16 kHz mono float32 audio into words with times.

        Parameters
        ----------
        audio : np.ndarray [shape=(n,), dtype=float32]
            The take at 16 kHz.
        options : DecodeOptions, optional
            Decoding settings; defaults to :class:`DecodeOptions`.
        """
        options = options or DecodeOptions()
        segments, info = self._model.transcribe(audio, **options.as_kwargs())
        words: list[Word] = []
        texts: list[str] = []
        for segment in segments:
            texts.append(segment.text.strip())
            for w in segment.words or ():
                token = w.word.strip()
                if not token:
                    continue
                word = Word(
                    token,
                    round(float(w.start), 3),
                    round(float(w.end), 3),
                    round(float(w.probability), 3),
                )
                if words and not w.word[:1].isspace():
                    # Whisper splits "415-555-0134" into " 415", "-555", "-0134" and
                    # "2,000" into " 2", ",000": a piece with no leading space belongs
                    # to the word before it.
                    words[-1] = _joined(words[-1], word)
                else:
                    words.append(word)
        return Transcript(text=" ".join(texts).strip(), words=tuple(words), language=info.language)

    def reader(self, audio: np.ndarray) -> Callable[[Sequence[str]], list[float]]:
        """A function telling how well each of some texts fits ``audio``, by the model's measure.

        The mean log-probability of a text's tokens when Whisper is made to
        read it (teacher forcing, no timestamps) — the quantity its beam search
        ranks hypotheses by.  ``audio`` (16 kHz, at most 30 s: one window) is
        encoded once, here; each text then costs one forced pass of the decoder.
        """
        import numpy as np
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.tokenizer import Tokenizer

        fw = self._model
        features = fw.feature_extractor(audio)[..., :-1]
        frames = features.shape[-1]
        encoded = fw.encode(pad_or_trim(features))
        tokenizer = Tokenizer(
            fw.hf_tokenizer, fw.model.is_multilingual, task="transcribe", language="en"
        )
        start = [*tokenizer.sot_sequence, tokenizer.no_timestamps]

        def fits(texts: Sequence[str]) -> list[float]:
            out = []
            for text in texts:
                tokens = tokenizer.encode(" " + text.strip())
                (result,) = fw.model.align(encoded, start, [tokens], frames)
                probs = np.maximum(np.asarray(result.text_token_probs, dtype=np.float64), 1e-12)
                out.append(float(np.log(probs).mean()))
            return out

        return fits
