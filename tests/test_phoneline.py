"""--phone-line: the take through a telephone channel, and what a prospect reading it sees.

The channel is tested on generated signals with known answers (white noise,
tones); the finding on hand-built transcripts; the whole path with the real
model on fixture takes (``model`` marker).
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.context import Context, Rep
from coach.pipeline import judge_take, score_audio, score_transcribed
from coach.report import report_from_json, to_json
from coach.rubric.checks import Take
from coach.rubric.config import load_rubric
from coach.rubric.phoneline import FINDING_START, read_on_phone
from coach.speech.audio import load
from coach.speech.codec import AMR_FRAME, AMR_RATE, amr_nb_round_trip
from coach.speech.numbers import find_phone_numbers
from coach.speech.phoneline import CODEC, PhoneHearing, hear_phone_line, telephone
from coach.speech.transcribe import DecodeOptions, Transcript
from coach.team.schema import ReportDoc
from coach.views.terminal import compact_view, report_view

SR = 16_000
RUBRIC = load_rubric()
MIN_RATIO = RUBRIC.config("identity").num("min_ratio")
CHRIS = Context(touch=1, rep=Rep(name="Chris Walker", company="Northwind", phone="4155550134"))
SAID = "Hi Dana, this is Chris Walker with Northwind. Call me at 415-555-0134. Thanks."


# -- the channel -----------------------------------------------------------------


def _band_db(y: np.ndarray, z: np.ndarray, low: float, high: float) -> float:
    """How much ``z`` has in ``low``–``high`` Hz against ``y``, dB."""
    freqs = np.fft.rfftfreq(y.size, 1 / SR)
    inside = (freqs >= low) & (freqs < high)
    power_y = np.sum(np.abs(np.fft.rfft(y))[inside] ** 2)
    power_z = np.sum(np.abs(np.fft.rfft(z))[inside] ** 2)
    return float(10 * np.log10(power_z / power_y))


def test_the_phone_line_keeps_the_telephone_band_and_removes_the_rest() -> None:
    y = (0.1 * np.random.default_rng(15).standard_normal(2 * SR)).astype(np.float32)
    z = telephone(y)
    assert z.shape == y.shape and z.dtype == np.float32
    assert _band_db(y, z, 3600, 8000) < -30  # above the band: gone (8 kHz, band-pass)
    assert _band_db(y, z, 4000, 8000) < -40  # above 8 kHz's Nyquist: nothing but noise
    assert _band_db(y, z, 0, 200) < -10  # below 300 Hz: cut
    assert _band_db(y, z, 500, 3000) > -4  # the band itself passes, coded


def test_a_tone_in_the_band_passes_and_one_above_it_does_not() -> None:
    t = np.arange(SR) / SR
    kept = telephone((0.3 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32))
    cut = telephone((0.3 * np.sin(2 * np.pi * 5000 * t)).astype(np.float32))
    assert np.sqrt(np.mean(kept[SR // 4 :] ** 2)) > 0.15  # 0.21 RMS in: most of it passes
    assert np.max(np.abs(cut[SR // 4 :])) < 0.01


@pytest.mark.parametrize("n", [AMR_RATE, AMR_RATE + 37, AMR_FRAME - 1, 1])
def test_the_amr_round_trip_keeps_the_length_and_codes_the_signal(n: int) -> None:
    t = np.arange(n) / AMR_RATE
    y = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    z = amr_nb_round_trip(y)
    assert z.shape == (n,) and z.dtype == np.float32
    if n >= AMR_RATE:
        # Coded, not copied: close to the tone (after the codec's ~5 ms look-ahead), not equal.
        lag = 38
        body = slice(AMR_RATE // 4, n - lag)
        assert not np.array_equal(z, y)
        shifted = z[lag:][: n - lag]
        corr = np.corrcoef(shifted[body], y[: n - lag][body])[0, 1]
        assert corr > 0.9


def test_the_raw_codec_output_is_within_a_frame_of_the_input() -> None:
    """What the decoder gives before the trim: the input padded to whole 20 ms frames,
    plus at most the encoder's flush frame."""
    import av

    y = np.zeros(AMR_RATE + 37, dtype=np.int16)
    encoder = av.codec.Codec("libopencore_amrnb", "w").create("audio")
    encoder.sample_rate, encoder.layout, encoder.format = AMR_RATE, "mono", "s16"
    decoder = av.codec.Codec("amrnb", "r").create("audio")
    decoder.sample_rate, decoder.layout = AMR_RATE, "mono"
    padded = np.concatenate([y, np.zeros(-y.size % AMR_FRAME, dtype=np.int16)])
    out = 0
    for i in range(0, padded.size, AMR_FRAME):
        frame = av.AudioFrame.from_ndarray(
            padded[i : i + AMR_FRAME].reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate, frame.pts = AMR_RATE, i
        out += sum(f.samples for p in encoder.encode(frame) for f in decoder.decode(p))
    out += sum(f.samples for p in encoder.encode(None) for f in decoder.decode(p))
    assert abs(out - y.size) <= 2 * AMR_FRAME
    assert amr_nb_round_trip(y.astype(np.float32) / 32768).size == y.size


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: telephone(np.zeros((2, 100), dtype=np.float32)), "y must be mono"),
        (lambda: telephone(np.zeros(100, dtype=np.float32), sr=8000), "sr must be above 8000"),
        (lambda: amr_nb_round_trip(np.zeros((100, 1))), "y must be mono"),
        (lambda: amr_nb_round_trip(np.zeros(100), bit_rate=64_000), "4750–12200"),
    ],
)
def test_bad_input_to_the_channel_is_named(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_an_empty_take_stays_empty() -> None:
    assert telephone(np.zeros(0, dtype=np.float32)).size == 0


# -- the finding, on hand-built transcripts ---------------------------------------


def _take(text: str, context: Context = CHRIS) -> Take:
    transcript = Transcript.from_text(text, wpm=150)
    return Take(transcript, None, tuple(find_phone_numbers(transcript.words)), context)


def _read(said: str, shown: str, context: Context = CHRIS) -> Any:
    take = _take(said, context)
    return read_on_phone(
        Transcript.from_text(shown, wpm=150), take, codec=CODEC, min_ratio=MIN_RATIO
    )


def test_a_phone_transcript_with_everything_kept_has_no_finding() -> None:
    phone = _read(SAID, "Hi Dana. This is Chris Walker with Northwind. Call me at 415-555-0134.")
    assert (phone.number_survives, phone.name_survives) == (True, True)
    assert phone.numbers == ("4155550134",)
    assert phone.findings == ()


def test_a_garbled_number_on_the_phone_is_what_the_prospect_would_see() -> None:
    phone = _read(SAID, "Hi Dana, this is Chris Walker with Northwind. Call me at 415-555-0143.")
    assert phone.number_survives is False
    assert phone.name_survives is True
    (finding,) = phone.findings
    assert finding.startswith(FINDING_START + "shows 415-555-0143")
    assert "a prospect reading it would get the wrong number" in finding
    assert "in groups: 415 … 555 … 0134" in finding
    assert "you gave" not in finding.lower()  # what the phone shows, not the rep's fault


def test_a_number_the_phone_writes_as_words_it_cannot_read_is_quoted() -> None:
    phone = _read(SAID, "Hi Dana, this is Chris Walker with Northwind. Call me at for one fives.")
    assert phone.number_survives is False and phone.numbers == ()
    (finding,) = phone.findings
    assert "shows “" in finding and "fives" in finding and "where you say 415-555-0134" in finding


def test_a_lost_name_is_found_and_quoted() -> None:
    phone = _read(SAID, "Hi Dana, this is Crystal Rocker with Northwind. Call me at 415-555-0134.")
    assert (phone.number_survives, phone.name_survives) == (True, False)
    (finding,) = phone.findings
    assert "Crystal Rocker" in finding and "would not see that Chris Walker called" in finding


def test_only_what_the_take_said_can_fail_to_survive() -> None:
    # The take never says the name, nor the rep's own number: nothing to lose on the way.
    phone = _read("Hi Dana, call me at 212-555-0188.", "Hi Dana, call me at 212-555-0199.")
    assert (phone.number_survives, phone.name_survives) == (None, None)
    assert phone.findings == ()
    # No number known: the one the take gives is the one to keep.
    nobody = Context(touch=1)
    kept = _read("Call me at 212-555-0188.", "Call me at 212-555-0188.", nobody)
    lost = _read("Call me at 212-555-0188.", "Call me at 212-555-0199.", nobody)
    assert (kept.number_survives, lost.number_survives) == (True, False)


def test_the_phone_line_never_changes_the_score(fixtures_dir: Path) -> None:
    audio = load(fixtures_dir / "t1_good_slt.flac")
    transcript = Transcript.from_text(SAID, wpm=150)
    garbled = PhoneHearing(Transcript.from_text(SAID.replace("0134", "0143"), wpm=150))
    plain = score_transcribed(audio, transcript, model="base", context=CHRIS, rubric=RUBRIC)
    phoned = score_transcribed(
        audio, transcript, model="base", context=CHRIS, rubric=RUBRIC, phone=garbled
    )
    assert plain.phone_line is None
    assert phoned.phone_line is not None and phoned.phone_line.number_survives is False
    assert (phoned.score, phoned.checks, phoned.fixes) == (plain.score, plain.checks, plain.fixes)


# -- the report, the store's schema, the views ------------------------------------


def _report_with_phone(shown: str) -> Any:
    take = _take(SAID)
    phone = PhoneHearing(Transcript.from_text(shown, wpm=150))
    return judge_take(take, RUBRIC, source="take.wav", model="base", timings={}, phone=phone)


def test_the_phone_line_round_trips_through_the_json_and_the_store_schema() -> None:
    report = _report_with_phone("Hi Dana, this is Chris Walker. Call me at 415-555-0143.")
    data = json.loads(json.dumps(to_json(report)))
    assert data["phone_line"] == {
        "transcript": "Hi Dana, this is Chris Walker. Call me at 415-555-0143.",
        "numbers": ["4155550143"],
        "number_survives": False,
        "name_survives": True,
        "codec": "AMR-NB 12.2 kbit/s",
        "findings": list(report.phone_line.findings),
    }
    assert to_json(report_from_json(data)) == data
    msgspec.convert(data, ReportDoc)  # the store and bundles accept it
    # A report saved before --phone-line has none, and still reads.
    old = {k: v for k, v in data.items() if k != "phone_line"}
    msgspec.convert(old, ReportDoc)
    assert report_from_json(old).phone_line is None
    with pytest.raises(msgspec.ValidationError, match="phone_line"):
        msgspec.convert({**data, "phone_line": {**data["phone_line"], "extra": 1}}, ReportDoc)


def _rendered(renderable: Any) -> str:
    from rich.console import Console

    console = Console(width=80, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_the_compact_view_says_what_the_prospect_would_see() -> None:
    garbled = _rendered(
        compact_view(_report_with_phone("Hi Dana, this is Chris Walker. Call me at 415-555-0143."))
    )
    assert "On the prospect's phone, the transcript shows 415-555-0143" in " ".join(garbled.split())
    kept = _rendered(
        compact_view(_report_with_phone("Hi Dana, this is Chris Walker. Call me at 415-555-0134."))
    )
    assert "On the prospect's phone: your number and name come through" in kept
    details = _rendered(
        report_view(_report_with_phone("Hi Dana, this is Chris Walker. Call me at 415-555-0134."))
    )
    assert "On the prospect's phone (AMR-NB 12.2 kbit/s)" in details
    assert "your number survives · your name survives" in details
    without = _rendered(compact_view(replace(_report_with_phone(SAID), phone_line=None)))
    assert "prospect's phone" not in without


@pytest.mark.parametrize("command", ["score", "record", "rehearse"])
def test_phone_line_is_an_option_of_the_take_commands(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--phone-line" in result.stdout


# -- the real model ----------------------------------------------------------------


@pytest.mark.model
def test_coach_score_phone_line_shows_the_number_through_the_phone(fixtures_dir: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "score",
            str(fixtures_dir / "t1_good_slt.flac"),
            "--card",
            "acme-t1",
            "--phone-line",
            "--json",
            "--no-save",
        ],
    )
    assert result.exit_code == 0, result.stderr
    phone = json.loads(result.stdout)["phone_line"]
    assert phone["codec"] == "AMR-NB 12.2 kbit/s"
    assert "4155550134" in phone["numbers"]
    assert phone["number_survives"] is True and phone["name_survives"] is True
    assert "Chris Walker" in phone["transcript"]
    assert phone["findings"] == []


class _Listening:
    """The real model, noting the options each decode was given."""

    def __init__(self, model: Any) -> None:
        self.model, self.name, self.options = model, model.name, []

    def transcribe(self, audio: np.ndarray, *, options: DecodeOptions | None = None) -> Any:
        self.options.append(options)
        return self.model.transcribe(audio, options=options)


@pytest.mark.model
def test_a_recorded_take_gets_the_phone_line_a_file_gets(
    transcriber: Any, fixtures_dir: Path
) -> None:
    from coach.practice.live import LiveTranscriber, score_take
    from coach.practice.record import RecordedTake

    path = fixtures_dir / "t1_trick_kal.flac"
    audio = load(path)
    context = replace(CHRIS, rep=replace(CHRIS.rep, company="Northwind Logistics"))
    listening = _Listening(transcriber)
    heard = hear_phone_line(listening, audio.samples, beam_size=5)  # type: ignore[arg-type]
    # A voicemail service knows nobody: never primed with names or weighed against a number.
    assert listening.options and all(
        o.hotwords is None and o.callback is None for o in listening.options
    )
    from_file = score_audio(
        audio, transcriber=transcriber, context=context, rubric=RUBRIC, phone_line=True
    )
    assert from_file.phone_line is not None
    assert from_file.phone_line.transcript == heard.transcript.text
    assert "4155550134" in from_file.phone_line.numbers
    assert from_file.timings["phone_line"] > 0

    options = DecodeOptions(hotwords=context.hotwords(), callback=context.callback_digits())
    live = LiveTranscriber(lambda: transcriber, options=options, warm=False)
    take = RecordedTake(path, audio.samples, SR, 1, audio.duration_s, 0)
    try:
        for i in range(0, audio.samples.size, 1600):
            live.feed(audio.samples[i : i + 1600])
        recorded = score_take(
            take,
            live,
            context=context,
            rubric=RUBRIC,
            stopped_at=time.perf_counter(),
            phone_line=True,
        )
    finally:
        live.close()
    assert recorded.phone_line == from_file.phone_line


def test_the_html_report_shows_the_phone_line_escaped() -> None:
    from coach.views.html import phone_line_html

    report = _report_with_phone("Hi <b>Dana</b>, Chris Walker here. Call me at 415-555-0143.")
    html = phone_line_html(report)
    assert "<h4>On the prospect's phone (AMR-NB 12.2 kbit/s)</h4>" in html
    assert "&lt;b&gt;Dana&lt;/b&gt;" in html and "<b>Dana" not in html
    assert "<li>A phone&#x27;s transcript of this take shows 415-555-0143" in html
    assert phone_line_html(replace(report, phone_line=None)) == ""
