"""A pull request's description states its intended changes in words that vary by seed, never losing a fact."""

from __future__ import annotations

import random
import re

from locogym.agents.heuristic.review import _INTENT
from locogym.scenarios.defects.phrasing import PHRASINGS, Spot, Statement, describe

BOUND = Statement(spots=(Spot("late_fee", "shop/fees.py", "value > 30", "value > 34"),), role="bound", old="30",
                  new="34")
TERM = Statement(spots=(Spot("rate", "shop/rates.py", "value * 6 + 2", "value * 4 + 2"),), role="term", old="6",
                 new="4")
RULE = Statement(spots=(*TERM.spots, Spot("tip", "shop/tips.py", "partial * 6", "partial * 4")), role="term",
                 old="6", new="4")


def test_every_phrasing_names_each_function_its_file_and_both_numbers() -> None:
    for statement in (BOUND, TERM, RULE):
        lines = {phrase(statement) for phrase in PHRASINGS}
        assert len(lines) == len(PHRASINGS)
        for line in lines:
            for spot in statement.spots:
                assert f"`{spot.function}`" in line and f"`{spot.path}`" in line, line
                line = line.replace(spot.path, "")
            numbers = re.findall(r"\d+", line)
            assert statement.old in numbers and statement.new in numbers, line


def test_the_same_seed_gives_the_same_words_and_seeds_vary_them() -> None:
    texts = [describe([BOUND, TERM], random.Random(seed)) for seed in range(40)]
    assert texts[3] == describe([BOUND, TERM], random.Random(3))
    assert len(set(texts)) >= 20
    items = {line for text in texts for line in text.splitlines() if "late_fee" in line}
    assert len({re.sub(r"^(?:[-*]|\d+\.) ", "", line) for line in items}) == len(PHRASINGS)


def test_the_heuristic_understands_one_phrasing_only() -> None:
    """What the baseline parses is fixed and documented; the other phrasings pass it by."""
    understood = [phrase for phrase in PHRASINGS if _INTENT.search(f"- {phrase(BOUND)}")]
    assert len(understood) == 1
    assert _INTENT.findall(f"3. {understood[0](TERM)}") == [("rate", "shop/rates.py", "6", "4")]
    assert not _INTENT.findall(f"- {understood[0](RULE)}")  # a rule stated for two functions is not understood
