#!/usr/bin/env bash
# Run the test suite, installing what it needs first (the README's test command).
#
#   bash scripts/test.sh            # everything (what .ci/run calls)
#   bash scripts/test.sh --fast     # the fast loop: no Whisper, microphone or browser (~75 s on 2 cores)
#   bash scripts/test.sh -k numbers # pytest arguments pass through
#
# Creates .venv (if missing) with the package and its dev tools.  Safe to run
# again: installs are skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use: PulseAudio for the virtual microphone,
# PortAudio for sounddevice, Chromium for the HTML report's browser test
# (Playwright drives /usr/bin/chromium; it never downloads a browser),
# PostgreSQL for the store tests on a throwaway cluster (tests/pgcluster.py
# runs initdb and pg_ctl; no service is started).
# Installed when missing and we may (root + apt).
need_apt=()
command -v initdb >/dev/null 2>&1 || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_apt+=(postgresql)
command -v pulseaudio >/dev/null 2>&1 || need_apt+=(pulseaudio)
command -v pactl >/dev/null 2>&1 || need_apt+=(pulseaudio-utils)
ldconfig -p 2>/dev/null | grep libportaudio.so.2 >/dev/null || need_apt+=(libportaudio2)  # no -q: SIGPIPE under pipefail
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${need_apt[*]} (Debian packages the tests need)…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "Note: install ${need_apt[*]} for the microphone, browser and PostgreSQL tests (they skip without them)." >&2
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# Re-install when pyproject.toml changed since the last install.
stamp=.venv/.coach-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  touch "$stamp"
fi

if [ "${1:-}" = "--fast" ]; then
  shift
  # The slow tests carry markers (pyproject.toml): the real Whisper model,
  # the real-time virtual microphone, Chromium, the team server for real.  Everything else runs, on
  # every core (pytest-xdist; the full run stays in one process, where the
  # real-time microphone tests do not compete with each other), with a
  # quarter of the property tests' examples (the full run keeps 200).
  export COACH_HYPOTHESIS_EXAMPLES=${COACH_HYPOTHESIS_EXAMPLES:-50}
  exec .venv/bin/python -m pytest -n auto -m "not model and not mic and not browser and not server" "$@"
fi
exec .venv/bin/python -m pytest "$@"
