"""The default mix of question kinds: what a seed draws, on which source, and at which length."""

from __future__ import annotations

import random

from locogym.core.types import ScenarioConfig
from locogym.scenarios.repo import questions
from locogym.scenarios.repo.qa import KIND_WEIGHTS, first_kind_chances, kind_order, seed_kinds
from locogym.scenarios.repo.sources import SourceTree

ONE_FILE = {"pkg/a.py": "def f():\n    return 1\n"}


def _tree(commit: str) -> SourceTree:
    return SourceTree(name="demo", files=ONE_FILE, commit=commit, origin="folder")


def _config(seed: int, length: int = 8192, **params: str) -> ScenarioConfig:
    return ScenarioConfig(family="repo", seed=seed, length=length, task="qa",
                          params={"source": "demo", "context": "tree", **params})


def test_the_first_askable_kind_is_drawn_by_its_weight_among_the_askable_ones() -> None:
    """Falling through the kinds a source cannot ask gives each askable kind its weight's share of the askable
    total: a rare kind keeps its chance on a source that asks few kinds."""
    askable = ["definition", "callers", "dispatch", "argument"]
    seeds = 3000
    firsts = [next(k for k in kind_order(random.Random(s)) if k in askable) for s in range(seeds)]
    for kind, chance in first_kind_chances(askable).items():
        assert abs(firsts.count(kind) / seeds - chance) < 0.03, (kind, firsts.count(kind), chance)


def test_the_kinds_a_text_search_answers_weigh_least() -> None:
    assert set(KIND_WEIGHTS) == set(questions.QUESTION_KINDS)
    easy = ("definition", "callers", "dispatch", "impact")
    assert max(KIND_WEIGHTS[k] for k in easy) < min(KIND_WEIGHTS[k] for k in questions.QUESTION_KINDS
                                                     if k not in easy)
    firsts = [kind_order(random.Random(s))[0] for s in range(400)]
    assert sum(k in easy for k in firsts) < 0.25 * len(firsts)


def test_a_seeds_order_is_the_same_at_every_length_and_differs_between_sources() -> None:
    tree = _tree("commit-a")
    orders = [seed_kinds(_config(s), tree) for s in range(20)]
    assert orders == [seed_kinds(_config(s, length=32768), tree) for s in range(20)]
    assert all(sorted(o) == sorted(questions.QUESTION_KINDS) for o in orders)
    other = [seed_kinds(_config(s), _tree("commit-b")) for s in range(20)]
    assert other != orders


def test_a_named_kind_is_the_only_one_tried() -> None:
    assert seed_kinds(_config(3, question="impact"), _tree("commit-a")) == ["impact"]
