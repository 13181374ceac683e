"""Where the CLI writes: reports to stdout, progress and errors to stderr.

The only consoles in the coach; the views build what they show.  Text from
users, cards, profiles, bundles and stores reaches these consoles, so they
never read it as rich markup (``markup=False``: "[/]" in a comment prints as
typed; styles come from :class:`~rich.text.Text` spans) and never pass on a
control character they did not make themselves (escape sequences in a rep's
name would clear the screen, retitle the window or write the clipboard).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich.console import Console
from rich.segment import Segment

#: C0 (but newline), DEL and C1: never from text; rich's own styles are not in a segment's text
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def strip_control(text: str) -> str:
    """``text`` without control characters (newlines kept)."""
    return _CONTROL.sub("", text)


_C1 = re.compile(r"[\x7f-\x9f]")


def write_json(payload: object) -> None:
    """Print JSON on stdout; C1 controls and DEL escaped too (json leaves them raw)."""
    import json
    import sys

    text = json.dumps(payload, indent=2, ensure_ascii=False)
    sys.stdout.write(_C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


class SafeConsole(Console):
    """A console whose text never carries a control character it was given.

    The segments' text is cleaned just before it is written; rich's own
    control segments (cursor moves of a progress bar) and the style codes it
    wraps text in are its own and pass.
    """

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        cleaned = (
            segment if segment.control else Segment(strip_control(segment.text), segment.style)
            for segment in buffer
        )
        return super()._render_buffer(cleaned)


out = SafeConsole(highlight=False, markup=False, emoji=False)
err = SafeConsole(stderr=True, highlight=False, markup=False, emoji=False)
