"""Speech: what was said and how it sounded.

Audio in (16 kHz mono float32), the Whisper model, the transcript with word
times, the acoustic measurements, the callback numbers in the words, and the
report's metrics.  Nothing here judges: the rubric reads what this measures.
"""
