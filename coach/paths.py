"""Where the coach keeps the user's things: ``$COACH_HOME`` or the platform's folders.

``COACH_HOME`` moves everything (profile, own cards, takes) into one folder, so
tests and a second identity stay apart from the real one.
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "voicemail-coach"


def _home() -> Path | None:
    home = os.environ.get("COACH_HOME")
    return Path(home).expanduser() if home else None


def data_dir() -> Path:
    """Where takes, the store and the user's own cards live: ``$COACH_HOME`` or the data folder."""
    home = _home()
    if home is not None:
        return home
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    """Where the rep profile lives: ``$COACH_HOME`` or the user config folder."""
    home = _home()
    if home is not None:
        return home
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP, appauthor=False))
