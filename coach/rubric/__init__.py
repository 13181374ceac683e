"""The rubric: the field's rules for voicemails that get called back.

Rules are small functions (one concern each, grouped by what they judge in
``rules_*.py``); thresholds, phrase lists and weights live in
``default.toml`` and can be overridden by a team's own file.
"""

from coach.rubric.core import Check, Evidence, Rubric, Take, judge, load_rubric

__all__ = ["Check", "Evidence", "Rubric", "Take", "judge", "load_rubric"]
