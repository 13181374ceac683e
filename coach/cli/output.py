"""Where the CLI writes: reports to stdout, progress and errors to stderr.

The only consoles in the coach; the views build what they show.
"""

from __future__ import annotations

from rich.console import Console

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
