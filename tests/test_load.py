"""The team server under load, bounded: reps pushing through cut connections while leads read.

``bench/load.py`` runs it at full size (50 leads for 60 s) and reports page
times; here a short run on a real PostgreSQL store must lose, duplicate or
misfile nothing, on the server or on the reps' laptops (#17).
"""

from __future__ import annotations

import pytest

from bench.load import run

pytestmark = pytest.mark.server


def test_reps_pushing_through_cut_connections_while_leads_read_lose_nothing(
    pg_url: str,
) -> None:
    result = run(reps=8, takes=2, leads=4, seconds=8.0, cut=0.3, location=pg_url)

    assert result.dropped > 0  # the proxy did cut connections: the retry path ran
    assert sum(r.twice for r in result.reps) > 0  # and some takes were pushed twice
    assert [r.problems for r in result.reps if r.unsent] == []
    assert len(result.on_server) == 16
    assert result.lost() == [] and result.duplicated() == []
    assert result.without_audio() == [] and result.misfiled() == []
    assert not result.errors, result.errors
    assert result.times  # the leads did read pages
    assert sum(result.posted.values()) > 0 and result.reviews_astray() == 0
