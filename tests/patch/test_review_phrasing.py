"""A pull request's description states its intended changes in words that vary by seed, never losing a fact."""

from __future__ import annotations

import random
import re

from locogym.agents.heuristic.review import _INTENT
from locogym.scenarios.defects.phrasing import PHRASINGS, Statement, describe

BOUND = Statement(function="late_fee", path="shop/fees.py", role="bound", segment="value > 30",
                  segment_new="value > 34", old="30", new="34")
TERM = Statement(function="rate", path="shop/rates.py", role="term", segment="value * 6 + 2",
                 segment_new="value * 4 + 2", old="6", new="4")


def test_every_phrasing_names_the_function_its_file_and_both_numbers() -> None:
    for statement in (BOUND, TERM):
        lines = {phrase(statement) for phrase in PHRASINGS}
        assert len(lines) == len(PHRASINGS)
        for line in lines:
            assert f"`{statement.function}`" in line and f"`{statement.path}`" in line, line
            numbers = re.findall(r"\d+", line.replace(statement.path, ""))
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
