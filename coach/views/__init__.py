"""What the CLI shows: rich renderables for the terminal and the HTML team report.

Views build things to show; only :mod:`coach.cli` prints them.
"""
