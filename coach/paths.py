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


#: the biggest settings file read (a rubric, a card, a profile), bytes; real ones are a few kB
MAX_SETTINGS_BYTES = 1 << 20


class NotSettingsFile(ValueError):
    """A settings file that is not a regular file, or is too big to be one."""


def read_settings(path: Path, *, cap: int = MAX_SETTINGS_BYTES) -> str:
    """A small TOML settings file's text: a regular file of at most ``cap`` bytes, UTF-8.

    Opened without blocking, so a FIFO is refused instead of waiting for a
    writer forever; ``/dev/zero`` is refused as not a regular file, before a
    byte is read.

    Raises
    ------
    FileNotFoundError, IsADirectoryError, OSError
        As :func:`open` does.
    NotSettingsFile
        Not a regular file, or bigger than ``cap``.
    UnicodeDecodeError
        Not UTF-8 text.
    """
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        if not stat.S_ISREG(mode):
            raise NotSettingsFile("is not a regular file (a pipe, a device?) — give a .toml file")
        data = fh.read(cap + 1)
    if len(data) > cap:
        raise NotSettingsFile(f"is over {cap // 1024} kB — a settings file is a few kB")
    return data.decode("utf-8")
