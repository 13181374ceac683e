"""WAV and FLAC read through soundfile give the samples PyAV's decoder gives, to the bit.

Both paths end in the same FFmpeg resampler, fed the numbers FFmpeg's own
decoder would give it, so a file scores the same whichever library opened it
(and a recorded take the same as its file: see test_record.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from coach.speech import audio
from coach.speech.audio import SAMPLE_RATE, load, write_flac

CASES = [
    # (file name, rate, channels, libsndfile subtype)
    ("mono16_44k.wav", 44_100, 1, "PCM_16"),
    ("stereo16_48k.wav", 48_000, 2, "PCM_16"),
    ("mono24_22k.wav", 22_050, 1, "PCM_24"),
    ("float_16k.wav", 16_000, 1, "FLOAT"),
    ("phone_8k.wav", 8_000, 1, "PCM_16"),
    ("stereo24_44k.flac", 44_100, 2, "PCM_24"),
]


def _speechlike(seconds: float, rate: int) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    y = sum(0.2 / k * np.sin(2 * np.pi * 140 * k * t) for k in range(1, 6))
    return (y * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)


@pytest.mark.parametrize(("name", "rate", "channels", "subtype"), CASES, ids=[c[0] for c in CASES])
def test_soundfile_and_pyav_read_the_same_samples(
    tmp_path: Path, name: str, rate: int, channels: int, subtype: str
) -> None:
    y = _speechlike(1.5, rate)
    path = tmp_path / name
    sf.write(path, np.stack([y, 0.8 * y], axis=1) if channels == 2 else y, rate, subtype=subtype)
    info = audio._soundfile_info(path)
    assert info is not None
    native = audio._read_native(path, info, limit_s=60, path=str(path))
    _, decoded_rate, decoded_channels, decoded = audio._decode_any(path, limit_s=60, path=str(path))
    assert (decoded_rate, decoded_channels) == (rate, channels)
    assert native.dtype == decoded.dtype == np.float32
    assert np.array_equal(native, decoded)


def test_the_fixture_flac_reads_the_same_both_ways(fixtures_dir: Path) -> None:
    path = fixtures_dir / "t1_good_stereo44k.flac"
    info = audio._soundfile_info(path)
    native = audio._read_native(path, info, limit_s=60, path=str(path))
    assert np.array_equal(native, audio._decode_any(path, limit_s=60, path=str(path))[3])


@pytest.mark.parametrize("name", ["t1_good_slt.ogg", "t1_good_slt.mp3", "t1_good_slt.m4a"])
def test_other_formats_go_to_pyav(fixtures_dir: Path, name: str) -> None:
    assert audio._soundfile_info(fixtures_dir / name) is None
    assert load(fixtures_dir / name).duration_s > 20


def test_a_store_copy_is_lossless_16_bit_flac(tmp_path: Path, fixtures_dir: Path) -> None:
    samples = load(fixtures_dir / "t1_good_slt.flac").samples
    write_flac(samples, tmp_path / "copy.flac")
    info = sf.info(tmp_path / "copy.flac")
    assert (info.format, info.subtype, info.samplerate, info.channels) == (
        "FLAC",
        "PCM_16",
        SAMPLE_RATE,
        1,
    )
    pcm, _ = sf.read(tmp_path / "copy.flac", dtype="int16")
    assert np.array_equal(pcm, (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16))
