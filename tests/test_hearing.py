"""What Whisper is given of a take: up to shortly after its last speech, the same live or not.

:class:`coach.speech.levels.SpeechEnd` judges each 10 ms hop against a gate set
from earlier hops only, so the stretch found for the first seconds of a take
does not move when more quiet follows, whatever the block sizes: that is what
makes a take heard while it is recorded the same as its file heard later.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from coach.speech.audio import SAMPLE_RATE
from coach.speech.levels import TAIL_PAD_S, Heard, SpeechEnd, heard

PAD = round(TAIL_PAD_S * SAMPLE_RATE)


def tone(seconds: float, *, db: float = -12.0) -> np.ndarray:
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (10 ** (db / 20) * np.sqrt(2) * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * SAMPLE_RATE), dtype=np.float32)


def noise(seconds: float, *, db: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    return (10 ** (db / 20) * rng.standard_normal(round(seconds * SAMPLE_RATE))).astype(np.float32)


def test_the_take_is_heard_up_to_shortly_after_its_last_speech() -> None:
    y = np.concatenate([silence(0.5), tone(3.0), silence(0.4), tone(2.0), silence(3.0)])
    span = heard(y)
    assert span.speech_end == round(5.9 * SAMPLE_RATE)
    assert span.cut == span.speech_end + PAD
    assert span.speech_end_s == pytest.approx(5.9)


@pytest.mark.parametrize("block", [7, 160, 1103, 4410, 48_000])
def test_any_block_size_gives_the_same_stretch(block: int) -> None:
    y = np.concatenate([noise(8.0, db=-50.0) + np.concatenate([tone(6.0), silence(2.0)])])
    ends = SpeechEnd()
    for i in range(0, y.size, block):
        ends.feed(y[i : i + block])
    assert ends.heard == heard(y)


def test_more_quiet_after_the_stretch_does_not_move_it() -> None:
    y = np.concatenate([noise(20.0, db=-48.0) + np.concatenate([tone(15.0), silence(5.0)])])
    first = heard(y[: round(16.0 * SAMPLE_RATE)])
    assert first == heard(y)  # what a live take heard at 16 s is what its file gives
    assert first.cut < round(16.0 * SAMPLE_RATE)


def test_settled_once_the_pad_of_quiet_has_passed() -> None:
    ends = SpeechEnd()
    ends.feed(tone(2.0))
    assert not ends.settled  # still speaking
    ends.feed(silence(TAIL_PAD_S / 2))
    assert not ends.settled
    ends.feed(silence(TAIL_PAD_S))
    assert ends.settled and ends.heard.cut == round(2.0 * SAMPLE_RATE) + PAD


def test_a_click_is_not_speech_and_silence_is_heard_whole() -> None:
    y = np.concatenate([tone(2.0), silence(2.0), tone(0.05, db=-6.0), silence(1.0)])
    assert heard(y).speech_end == round(2.0 * SAMPLE_RATE)  # the key press after is no speech
    quiet = silence(3.0)
    assert heard(quiet) == Heard(cut=quiet.size, speech_end=0)
    assert heard(np.zeros(0, dtype=np.float32)) == Heard(cut=0, speech_end=0)


def test_a_noisy_room_still_ends_its_speech() -> None:
    # A fan at -40 dBFS is above the -45 dBFS gate; the gate rises with the floor.
    y = noise(12.0, db=-40.0) + np.concatenate([tone(8.0, db=-10.0), silence(4.0)])
    assert abs(heard(y).speech_end - 8.0 * SAMPLE_RATE) <= 160


@pytest.mark.model
def test_the_same_samples_are_heard_alike_every_time(transcriber: Any, fixtures_dir: Path) -> None:
    """A real take the sampling fallback heard three ways in one process (#11)."""
    from coach.speech.audio import load
    from coach.speech.hearing import hear
    from coach.speech.transcribe import DecodeOptions

    y = load(fixtures_dir / "real" / "dev_nicolas_4_phone.flac").samples
    first = hear(transcriber, y, options=DecodeOptions())
    assert all(hear(transcriber, y, options=DecodeOptions()) == first for _ in range(2))


def test_words_written_for_no_sound_are_dropped() -> None:
    from coach.speech.transcribe import Transcript, Word, drop_invented

    said = [Word("Call", 21.2, 21.9, 0.54), Word("me", 21.9, 22.2, 0.9)]
    invented = [
        Word("Call", 29.0, 29.1, 0.0),  # near-zero probability
        Word("me", 29.1, 29.1, 0.022),  # no length, unlikely
    ]
    kept_short = Word("at", 22.3, 22.3, 0.9)  # squeezed onto an instant, but sure
    words = (*said, kept_short, *invented)
    out = drop_invented(Transcript(" ".join(w.text for w in words), words), 30.0)
    assert out.words == (*said, kept_short)
    assert out.text == "Call me at"


@pytest.mark.model
def test_a_take_over_30_s_keeps_no_invented_words(transcriber: Any, fixtures_dir: Path) -> None:
    """base writes "Call me back at" again at 29.0-29.7 s, p 0.000-0.025 (#15)."""
    from coach.speech.audio import load
    from coach.speech.hearing import hear
    from coach.speech.numbers import find_phone_numbers
    from coach.speech.transcribe import DecodeOptions

    y = load(fixtures_dir / "real" / "long_jackson_clean.flac").samples
    assert y.size / SAMPLE_RATE > 30
    words = hear(transcriber, y, options=DecodeOptions()).words
    assert len(find_phone_numbers(words)) == 2
    assert all(w.end - w.start >= 0.02 or w.probability >= 0.5 for w in words)
    assert all(w.probability >= 0.01 for w in words)
    assert sum(w.text.lower().startswith("call") for w in words) == 1
