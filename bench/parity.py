"""A live take against the same take scored from its file: numbers and checks, every fixture.

``coach record`` hears a take while it is recorded, each time the rep falls
quiet (:class:`coach.practice.live.LiveTranscriber`); ``coach score`` hears
the saved file; both through :func:`coach.speech.hearing.hear`.  Here every
fixture take with a callback number, followed by a second of quiet (the rep
reaching for the key), is fed to the live transcriber block by block, as the
microphone would (no device: the same samples, so the comparison is exact),
then judged, and compared field by field with
:func:`coach.pipeline.score_audio` on the same samples and card.  The time is
the hearing left once every hearing asked for before the stop is done: the
part of the after-stop latency that the transcription costs (``bench.record``
measures the whole of it through the microphone).

    python -m bench --only parity --out /tmp/parity.md
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from bench.lib import Section, Table, median
from bench.speed import default_beam


@dataclass(frozen=True)
class Pair:
    name: str
    file_numbers: list[str]
    live_numbers: list[str]
    differ: dict[str, tuple[str, str]]  # check: (file, live)
    checks: int
    hearings: int
    left_at_stop_s: float


def compare(names: list[str] | None = None, *, beam: int | None = None) -> list[Pair]:
    from coach.context import Context, Prospect, Rep
    from coach.pipeline import score_audio, score_transcribed
    from coach.practice.live import LiveTranscriber
    from coach.rubric.config import load_rubric
    from coach.speech import models
    from coach.speech.acoustics import measure
    from coach.speech.audio import SAMPLE_RATE, load
    from coach.speech.transcribe import DecodeOptions, Transcriber
    from tests.conftest import FIXTURES, fixture_manifest

    beam = beam or default_beam()
    model = Transcriber(str(models.resolve("base")), name="base")
    rubric = load_rubric()
    pairs: list[Pair] = []
    for name, entry in fixture_manifest().items():
        if not entry.get("callback_digits") or (names and name not in names):
            continue
        context = Context(
            touch=entry.get("touch"),
            rep=Rep(
                name=entry["rep_name"], company=entry["rep_company"], phone=entry["callback_digits"]
            ),
            prospect=Prospect(name=entry["prospect_name"], company=entry["prospect_company"]),
        )
        loaded = load(FIXTURES / entry["file"])
        quiet = np.zeros(SAMPLE_RATE, dtype=np.float32)
        audio = replace(loaded, samples=np.concatenate([loaded.samples, quiet]))
        options = DecodeOptions(beam_size=beam, hotwords=context.hotwords())
        whole = score_audio(
            audio, transcriber=model, context=context, rubric=rubric, options=options
        )
        live = LiveTranscriber(lambda: model, options=options, warm=False)
        try:
            for i in range(0, audio.samples.size, SAMPLE_RATE // 10):
                live.feed(audio.samples[i : i + SAMPLE_RATE // 10])
            live.wait()
            began = time.perf_counter()
            transcript = live.transcript(audio.samples)
            left = time.perf_counter() - began
        finally:
            live.close()
        heard = score_transcribed(
            audio,
            transcript,
            model="base",
            context=context,
            rubric=rubric,
            acoustics=measure(audio.samples, sr=SAMPLE_RATE),
        )
        file_status = {c.id: c.status for c in whole.checks}
        live_status = {c.id: c.status for c in heard.checks}
        pairs.append(
            Pair(
                name,
                [n.digits for n in whole.metrics.phone_numbers],
                [n.digits for n in heard.metrics.phone_numbers],
                {k: (v, live_status[k]) for k, v in file_status.items() if live_status[k] != v},
                len(file_status),
                int(live.timings.get("hearings", 0)),
                left,
            )
        )
    return pairs


def section(names: list[str] | None = None) -> Section:
    s = Section(
        "Parity: a live take against the same take scored from its file",
        __doc__.split("\n\n")[1] if __doc__ else "",
    )
    pairs = compare(names)
    table = Table(
        f"Every fixture take with a number, `base`, beam {default_beam()}",
        [
            "take",
            "numbers (file)",
            "numbers (live)",
            "checks that differ",
            "hearings",
            "decoding left at the stop",
        ],
    )
    for p in pairs:
        table.add(
            p.name,
            ", ".join(p.file_numbers) or "—",
            ", ".join(p.live_numbers) or "—" if p.live_numbers != p.file_numbers else "same",
            ", ".join(f"{k} {a}→{b}" for k, (a, b) in p.differ.items()) or "none",
            str(p.hearings),
            f"{p.left_at_stop_s:.2f} s",
        )
    same_numbers = sum(p.file_numbers == p.live_numbers for p in pairs)
    same_checks = sum(p.checks - len(p.differ) for p in pairs)
    checks = sum(p.checks for p in pairs)
    table.notes.append(
        f"Numbers identical (every digit, every instance) in {same_numbers} of {len(pairs)} "
        f"takes; check statuses identical in {same_checks} of {checks}. Median decoding left "
        f"at the stop: {median([p.left_at_stop_s for p in pairs]):.2f} s."
    )
    s.tables.append(table)
    s.summary.append(
        (
            "live take vs. its file: numbers identical / checks identical",
            f"{same_numbers}/{len(pairs)} takes; {same_checks}/{checks} checks",
            "all",
        )
    )
    return s


def main() -> int:
    for table in section().tables:
        table.show()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
