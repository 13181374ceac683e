"""The benchmark suite of issue 7: ``python -m bench`` (see ``bench/run.py``)."""
