#!/usr/bin/env bash
# Run the test suite, installing what it needs first (the README's test command).
#
#   bash scripts/test.sh            # everything
#   bash scripts/test.sh -k numbers # pytest arguments pass through
#
# Creates .venv (if missing) with the package and its dev tools.  Safe to run
# again: installs are skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

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

exec .venv/bin/python -m pytest "$@"
