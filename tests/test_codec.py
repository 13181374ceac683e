"""Audio out for sharing: the store's FLAC as small Ogg Opus (``coach/speech/codec.py``).

Decoded back with PyAV, the Opus is as long as its source, mono, and within
the size the report promises; what is not audio is one clear error.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from coach.errors import AudioError
from coach.speech.codec import OPUS_BIT_RATE, OPUS_RATE, opus_from_file
from tests.conftest import FIXTURES


def _decoded(data: bytes) -> tuple[str, int, int, float]:
    """(codec, channels, rate, seconds) of an Ogg stream, counted sample by sample."""
    import av

    with av.open(io.BytesIO(data)) as container:
        assert container.format.name == "ogg"
        stream = container.streams.audio[0]
        frames = list(container.decode(audio=0))
        codec, channels = stream.codec_context.name, stream.codec_context.channels
    rate = frames[0].sample_rate
    return codec, channels, rate, sum(f.samples for f in frames) / rate


@pytest.mark.parametrize(
    "name",
    [
        "t1_good_slt.flac",  # the store's own format: 16 kHz mono
        "t1_good_stereo44k.flac",  # mixed down and resampled
        "t1_phone_8k.flac",
        "t1_good_slt.m4a",  # anything FFmpeg reads
    ],
)
def test_opus_is_as_long_as_its_source_and_mono(name: str) -> None:
    source = FIXTURES / name
    opus = opus_from_file(source)
    codec, channels, _, seconds = _decoded(opus)
    assert (codec, channels) == ("opus", 1)
    import av

    with av.open(str(source)) as container:
        stream = container.streams.audio[0]
        expected = sum(f.samples for f in container.decode(stream)) / stream.rate
    assert seconds == pytest.approx(expected, abs=0.03)
    assert len(opus) * 8 / seconds <= OPUS_BIT_RATE * 1.1


def test_even_noise_stays_within_the_budget(tmp_path: Path) -> None:
    """White noise is the hardest input for VBR: 30 s of it still fit 120 kB as base64."""
    noise = np.random.default_rng(0).normal(0, 0.3, 30 * OPUS_RATE).clip(-1, 1)
    path = tmp_path / "noise.flac"
    sf.write(path, noise.astype(np.float32), OPUS_RATE, subtype="PCM_16")
    opus = opus_from_file(path)
    assert _decoded(opus)[3] == pytest.approx(30.0, abs=0.03)
    assert len(opus) * 4 / 3 <= 120_000
    assert len(opus_from_file(path, bit_rate=12_000)) < len(opus)  # the rate is the encoder's


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda d: d / "gone.flac", FileNotFoundError, "gone.flac"),
        (lambda d: _write(d / "notes.flac", b"not audio at all" * 100), AudioError, "notes.flac"),
        (lambda d: _write(d / "empty.flac", b""), AudioError, "empty.flac"),
    ],
)
def test_what_is_not_audio_is_one_clear_error(
    make: object, error: type[Exception], message: str, tmp_path: Path
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(error, match=message):
        opus_from_file(path)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("bit_rate", [0, 5_999, 510_001])
def test_bit_rate_outside_opus_range(bit_rate: int) -> None:
    with pytest.raises(ValueError, match=f"got {bit_rate}"):
        opus_from_file(FIXTURES / "t1_good_slt.flac", bit_rate=bit_rate)
