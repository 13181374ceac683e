"""One error hierarchy for everything the command line reports as bad input.

The CLI catches :class:`CoachError` once and prints ``Error: <message>`` on
stderr with exit code 2.  Messages name the bad value and what to do instead.
"""


class CoachError(Exception):
    """Base class: a problem the user can fix (bad file, bad option, bad card)."""


class AudioError(CoachError):
    """The audio cannot be used: missing, not audio, truncated, silent, too long."""


class ModelError(CoachError):
    """The Whisper model cannot be found, assembled or loaded."""


class RubricError(CoachError):
    """A rubric file is malformed: unknown check id, wrong type, empty pattern."""


class CardError(CoachError):
    """A practice card is malformed or cannot be found."""


class ProfileError(CoachError):
    """The rep profile is malformed or a value given for it is invalid."""
