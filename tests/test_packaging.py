"""A real, non-editable install: the wheel holds every module and the packaged cards.

``pip install .`` builds a wheel; pyproject.toml lists the packages by hand
(to map the top-level ``prompts/`` to ``coach/prompts``), so a package left off
that list, or cards left out, would only show after a release.  The wheel is
installed into a fresh virtual environment that borrows this one's
dependencies, and ``coach prompts`` runs from there, far from the clone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_wheel_install_lists_every_packaged_card(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("voicemail_coach-*.whl")
    members = set(zipfile.ZipFile(wheel).namelist())
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "coach").rglob("*.py")}
    assert sorted(modules - members) == [], "modules missing from the wheel"
    cards = sorted(p.name for p in (ROOT / "prompts").glob("*.toml"))
    assert (
        sorted(m.removeprefix("coach/prompts/") for m in members if m.startswith("coach/prompts/"))
        == cards
    )
    # the review pages' templates, script and stylesheet (coach serve)
    pages = {
        str(p.relative_to(ROOT))
        for folder in ("templates", "static")
        for p in (ROOT / "coach" / "views" / folder).iterdir()
    }
    assert pages and sorted(pages - members) == [], "review page files missing from the wheel"

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--quiet",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # The dependencies come from this environment, after the wheel's own files.
    (Path(site) / "borrowed-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {**os.environ, "COACH_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    env.pop("PYTHONPATH", None)
    where = subprocess.run(
        [str(python), "-c", "import coach; print(coach.__file__)"],
        env=env,
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert where.startswith(site), where
    listed = subprocess.run(
        [str(venv / "bin" / "coach"), "prompts"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert listed.returncode == 0, listed.stderr
    for card in cards:
        assert card.removesuffix(".toml") in listed.stdout
    # the installed package renders a page from its own templates
    rendered = subprocess.run(
        [
            str(python),
            "-c",
            "from coach.views.web import asset, templates; "
            "print(templates().get_template('login.html').render(user=None, csrf='t', "
            "name='', message='')); print(len(asset('coach.js')))",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert rendered.returncode == 0, rendered.stderr
    assert 'action="/login"' in rendered.stdout
