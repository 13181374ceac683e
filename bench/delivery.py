"""Delivery on real voices: a take against its telephone copy, syllables against the known count.

Every take of ``audio_fixtures/real_speech/`` (real people: LibriVox, CMU
Sphinx test speakers, FSDD digits; see its SOURCES.md) is measured clean and
through a telephone channel (300–3400 Hz, GSM round trip): pitch spread,
speaking time and syllables a second should not move by more than 15 %
(issue 15), and the syllables counted should match the manifest's (CMU
dictionary vowels; known digit syllables).  The time is :func:`measure`
alone on each file, in this process, after a warm-up (librosa's imports are
paid once, outside the figure).

    python -m bench --only delivery --out /tmp/delivery.md
"""

from __future__ import annotations

import time
import tomllib

from bench.lib import FIXTURES, Section, Table, median

REAL = FIXTURES / "real_speech"
#: the most a measurement may move between a take and its telephone copy (issue 15)
LIMIT = 0.15


def _change(clean: float | None, phone: float | None) -> float | None:
    if clean is None or phone is None or clean == 0:
        return None
    return (phone - clean) / clean


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1%}"


def section() -> Section:
    from coach.speech.acoustics import measure
    from coach.speech.audio import load

    takes = tomllib.loads((REAL / "manifest.toml").read_text(encoding="utf-8"))["take"]
    measure(load(REAL / takes[0]["file"]).samples, sr=16_000)  # warm-up: imports, numba
    found = {}
    seconds: list[float] = []
    for take in takes:
        samples = load(REAL / take["file"]).samples
        began = time.perf_counter()
        found[take["file"]] = measure(samples, sr=16_000)
        seconds.append((time.perf_counter() - began) / (samples.size / 16_000))

    s = Section(
        "Delivery on real voices (issue 15)",
        __doc__.split("\n\n")[1].replace("\n", " "),
    )
    phone = Table(
        "A take against its telephone copy",
        (
            "take",
            "speaker",
            "pitch st clean → phone",
            "change",
            "speech s clean → phone",
            "change",
            "syll/s clean → phone",
            "change",
        ),
    )
    worst: dict[str, float] = {"pitch": 0.0, "speech": 0.0, "syllables": 0.0}
    missing = 0
    for take in (t for t in takes if t["quality"] == "clean"):
        c = found[take["file"]]
        p = found[take["file"].replace(".flac", "_phone.flac")]
        changes = {
            "pitch": _change(c.pitch_variation_st, p.pitch_variation_st),
            "speech": _change(c.speech_s, p.speech_s),
            "syllables": _change(c.syllables_per_s, p.syllables_per_s),
        }
        for key, value in changes.items():
            if value is None:
                missing += 1
            else:
                worst[key] = max(worst[key], abs(value))

        def st(x: float | None) -> str:
            return "none" if x is None else f"{x:.2f}"

        phone.add(
            take["take"],
            take["speaker"],
            f"{st(c.pitch_variation_st)} → {st(p.pitch_variation_st)}",
            _pct(changes["pitch"]),
            f"{c.speech_s:.2f} → {p.speech_s:.2f}",
            _pct(changes["speech"]),
            f"{st(c.syllables_per_s)} → {st(p.syllables_per_s)}",
            _pct(changes["syllables"]),
        )
    s.tables.append(phone)

    syllables = Table(
        "Syllables counted against the known count",
        ("file", "known", "counted", "error"),
    )
    errors = []
    for take in takes:
        counted = found[take["file"]].syllables
        error = (counted - take["syllables"]) / take["syllables"]
        errors.append(error)
        syllables.add(take["file"], str(take["syllables"]), str(counted), f"{error:+.0%}")
    mean_abs = sum(abs(e) for e in errors) / len(errors)
    bias = sum(errors) / len(errors)
    syllables.notes.append(
        f"Mean absolute error {mean_abs:.0%}, bias {bias:+.0%}, over {len(errors)} files; "
        f"`measure` took a median {median(seconds) * 1000:.0f} ms per second of audio."
    )
    s.tables.append(syllables)

    verdict = "ok" if max(worst["pitch"], worst["speech"]) <= LIMIT and not missing else "**over**"
    s.summary.append(
        (
            "delivery, clean vs phone copy (real voices)",
            f"pitch spread ≤ {worst['pitch']:.1%}, speaking time ≤ {worst['speech']:.1%}, "
            f"syllables/s ≤ {worst['syllables']:.1%}; {missing} not measured",
            f"≤ 15 % — {verdict}",
        )
    )
    s.summary.append(
        ("syllables counted vs known", f"mean |error| {mean_abs:.0%}, bias {bias:+.0%}", "—")
    )
    return s
