"""What a test needs from the machine: skipped off CI, a failure under CI.

A contributor without PulseAudio, PostgreSQL or Chromium still runs the rest;
CI installs them (scripts/test.sh), so there a missing one is a broken set-up,
never a quiet skip.
"""

from __future__ import annotations

import os

import pytest


def unavailable(what: str, reason: str) -> None:
    """Skip the test off CI; under CI (``CI`` set) fail it, naming ``what`` must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} must run under CI: {reason}")
    pytest.skip(reason)
