"""core.graphemes: cuts never break a user-perceived character."""

from __future__ import annotations

import pytest

from core.graphemes import grapheme_boundaries


def test_grapheme_boundaries_keep_clusters():
    family = "👨\u200d👩\u200d👧\u200d👦"
    text = "e\u0301" + family + "🇯🇵" + "1\ufe0f\u20e3" + "👍🏽"
    b = grapheme_boundaries(text)
    assert b == [0, 2, 2 + len(family), 4 + len(family), 7 + len(family), 9 + len(family)]


@pytest.mark.timeout(10)
def test_graphemes_of_long_text():
    family = "👨\u200d👩\u200d👧\u200d👦"
    text = ("ab" + family + "e\u0301") * 20000
    bounds = grapheme_boundaries(text)
    assert len(bounds) == 4 * 20000 + 1
