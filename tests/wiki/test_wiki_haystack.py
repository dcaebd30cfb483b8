"""Static haystacks: target length met exactly as counted, gold positions true, the gold group at the asked depth."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from locogym.core import tokens
from locogym.core.types import ScenarioConfig
from locogym.scenarios.wiki import haystack as hs
from locogym.scenarios.wiki.loaders import load_corpus
from locogym.scenarios.wiki.synthetic import world_for
from locogym.scenarios.wiki.tasks import generate, validate


def _config(length: int, seed: int = 0, **params: object) -> ScenarioConfig:
    return ScenarioConfig(family="wiki", seed=seed, length=length, params=validate(dict(params)))


@pytest.mark.parametrize("length", [8192, 32768])
def test_haystack_fills_the_target_and_counts_are_exact(length: int) -> None:
    task = generate(_config(length))
    exact = tokens.count(task.prompt)
    assert task.length_tokens == exact
    assert 0.9 * length <= exact <= length


def test_gold_positions_point_at_the_gold_blocks() -> None:
    task = generate(_config(16384, seed=3))
    ids = tokens.encode(task.prompt)
    positions = task.meta["haystack"]["gold_positions"]
    assert set(positions) == set(task.gold["titles"])
    for title, pos in positions.items():
        decoded = tokens.encoding().decode(ids[pos:pos + 40])
        assert decoded.startswith(f"## {title}\n"), (title, decoded[:60])
    for ev in task.evidence:
        assert ev.locator["token_position"] == positions[ev.locator["title"]]
        assert ev.locator["retriever_rank"] >= 1


def _stack(order: str, context: str = "retrieved", seed: int = 0, depth: float = 0.5) -> tuple[hs.Haystack, list[int]]:
    corpus = world_for(0, 512).corpus
    gold = [7, 3]
    ranking = np.array([i for i in range(len(corpus)) if i not in gold] + gold)  # the retriever missed both
    stack = hs.build(corpus, ranking, gold, 4000, "HEADER\n\n", "Question: q?\n", order, context,
                     random.Random(seed), depth)
    return stack, gold


@pytest.mark.parametrize("order", ["rank", "shuffled"])
@pytest.mark.parametrize("depth", [0.0, 0.25, 0.5, 1.0])
def test_the_gold_group_sits_at_the_depth_asked(order: str, depth: float) -> None:
    corpus = world_for(0, 512).corpus
    stack, gold = _stack(order, depth=depth)
    names = [corpus.articles[g].title for g in gold]
    at = stack.titles.index(names[0])
    assert stack.titles[at:at + 2] == names  # one group, in the order given, even when the retriever missed it
    counts = corpus.token_counts([corpus.index_of(t) for t in stack.titles if t not in names])
    before = int(counts[:at].sum())
    assert stack.depth == round(before / int(counts.sum()), 4)  # the share of distractor tokens before the group
    assert abs(stack.depth - depth) <= counts.max() / counts.sum() / 2 + 1e-4  # as close as whole articles allow
    assert stack.gold_ranks == {names[0]: len(corpus) - 1, names[1]: len(corpus)}
    assert stack.tokens <= 4000 and stack.tokens == tokens.count(stack.text)
    assert stack.gold_positions[names[0]] == tokens.count("HEADER\n\n" + "".join(
        corpus.articles[corpus.index_of(t)].block() for t in stack.titles[:at]))


def test_rank_order_keeps_retriever_order_and_shuffle_reorders() -> None:
    ranked, gold = _stack("rank")
    shuffled, _ = _stack("shuffled")
    corpus = world_for(0, 512).corpus
    names = {corpus.articles[g].title for g in gold}
    distractors = [t for t in ranked.titles if t not in names]
    assert distractors == [corpus.articles[i].title for i in range(len(corpus)) if i not in gold][:len(distractors)]
    assert sorted(shuffled.titles) == sorted(ranked.titles) and shuffled.titles != ranked.titles


def test_baseline_contexts() -> None:
    none, _ = _stack("rank", "none")
    assert none.titles == [] and none.text == "HEADER\n\nQuestion: q?\n" and none.depth is None
    only, gold = _stack("rank", "gold_only")
    corpus = world_for(0, 512).corpus
    assert only.titles == [corpus.articles[g].title for g in gold] and only.depth is None


@pytest.mark.slow
def test_a_million_token_haystack_is_assembled() -> None:
    task = generate(_config(1 << 20, seed=1))
    assert 0.9 * (1 << 20) <= task.length_tokens <= 1 << 20
    assert task.meta["haystack"]["shortfall"] == 0


def test_a_corpus_smaller_than_the_target_is_used_whole(hotpotqa_sample: Path, tmp_path: Path) -> None:
    small = tmp_path / "hotpot_small.json"
    small.write_text(json.dumps(json.loads((hotpotqa_sample / "hotpotqa_train.json").read_text())[:3]))
    params = validate({"corpus": f"hotpotqa:{small}"})
    task = generate(ScenarioConfig(family="wiki", seed=0, length=1 << 20, params=params))
    corpus = load_corpus(f"hotpotqa:{small}")
    stack = task.meta["haystack"]
    assert stack["documents"] == len(corpus) and stack["shortfall"] == (1 << 20) - task.length_tokens > 0
    assert task.length_tokens == tokens.count(task.prompt)
