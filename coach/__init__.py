"""Voicemail Coach: practise B2B sales voicemails and get feedback, offline.

The package is laid out as the pipeline runs::

    audio  ->  transcribe  ->  acoustics / numbers  ->  rubric  ->  report  ->  cli

Importing :mod:`coach` is cheap; heavy libraries (faster-whisper, PyAV) are
imported inside the functions that need them.
"""

__version__ = "0.1.0"
