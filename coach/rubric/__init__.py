"""The rubric: the field's rules for voicemails that get called back.

:mod:`~coach.rubric.checks` is what a rule looks at and returns,
:mod:`~coach.rubric.matchers` finds names and phrases, :mod:`~coach.rubric.config`
loads ``default.toml`` (thresholds, phrase lists, weights) with a team's
overrides, :mod:`~coach.rubric.rules` holds the rules and their table, and
:mod:`~coach.rubric.engine` runs them and scores the take.
"""
