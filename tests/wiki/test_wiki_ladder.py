"""The same WikiHop task at every length: one core (question, gold, gold articles, depth) per seed, a context that
grows around it; the gold recomputed on the full context, and a context that moves it rejected."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import gymnasium as gym
import pytest

import locogym
from locogym.agents import make_agent
from locogym.core.errors import TaskRefused
from locogym.core.tokens import parse_length
from locogym.core.types import ScenarioConfig, Task, dumps
from locogym.envs import env_class
from locogym.harness.runner import run_episode
from locogym.scenarios.wiki import tasks
from locogym.scenarios.wiki.chains import ATTRIBUTE_NAMES
from locogym.scenarios.wiki.corpus import Article, Corpus
from locogym.scenarios.wiki.gold import Core, draw_core, evidence_of, gold_of, gold_problem
from locogym.scenarios.wiki.growth import BASE_SIZE, grown_world, world_size
from locogym.scenarios.wiki.sources import Source, base_source, source_for
from locogym.scenarios.wiki.synthetic import Entity, World
from locogym.testing import check_family

ENV_ID = "LoCo-WikiHop-v0"
LADDER = ("8k", "32k", "128k")
MODES = ("static", "agentic", "rounds")


def _config(seed: int, length: str | int, difficulty: str = "medium", **params: Any) -> ScenarioConfig:
    return ScenarioConfig(family="wiki", seed=seed, length=parse_length(length), difficulty=difficulty,
                          params=tasks.validate(params))


def _core(task: Task) -> tuple[str, str, bytes]:
    return task.core_hash, task.question, dumps(task.gold)


def _climb(seeds: range, ladder: tuple[str, ...], **params: Any) -> list[str]:
    """Generate every seed at every rung; assert one core per seed and a context that grows with the rung.

    Returns the refusals (seed, rung and reason)."""
    refused: list[str] = []
    # the searchable world (or part of a dataset) grows, and so does the haystack unless it is a baseline
    grows = params.get("mode") == "agentic" or params.get("context", "retrieved") == "retrieved"
    for seed in seeds:
        made: list[Task] = []
        for length in ladder:
            try:
                made.append(tasks.generate(_config(seed, length, **params)))
            except TaskRefused as exc:
                refused.append(f"seed {seed} at {length}: {exc}")
        assert len({_core(t) for t in made}) <= 1, f"seed {seed}: the core changed with the length"
        if grows:
            sizes = [t.length_tokens for t in made]
            assert sizes == sorted(set(sizes)), f"seed {seed}: the context did not grow ({sizes})"
        if made and made[0].meta["mode"] != "agentic" and made[0].meta["settings"]["context"] == "retrieved":
            groups = {"".join(f"## {t}\n" for t in m.meta["gold_group"]) for m in made}
            assert len(groups) == 1
            for task in made:  # the gold group, byte for byte, inside each haystack
                corpus = source_for(task.meta["settings"], task.meta["length"]).corpus
                group = "".join(corpus.articles[corpus.resolve(t)[0]].block() for t in task.meta["gold_group"])
                assert group in task.prompt
    return refused


# ---------------------------------------------------------------------------------------------- the ladder
def test_the_env_declares_a_ladder_that_starts_where_the_core_fits() -> None:
    ladder = env_class(ENV_ID).ladder
    assert ladder[0] == "4k" and set(LADDER) <= set(ladder)
    sizes = [world_size(parse_length(rung)) for rung in ladder]
    assert sizes[0] == BASE_SIZE and sizes == sorted(set(sizes))  # a larger world at every rung


@pytest.mark.parametrize("mode", MODES)
def test_one_core_at_every_rung_on_a_few_seeds(mode: str) -> None:
    assert _climb(range(4), ("4k", *LADDER), mode=mode) == []


def test_one_core_at_every_rung_with_other_settings() -> None:
    assert _climb(range(3), LADDER, qtype="comparison", hops=4, variant="nonliteral", order="shuffled") == []
    assert _climb(range(3), LADDER, mode="rounds", context="gold_only", difficulty="hard") == []


@pytest.mark.parametrize("mode", ["static", "agentic"])
def test_one_core_at_every_rung_for_seeds_0_to_49(mode: str) -> None:
    refused = _climb(range(50), LADDER, mode=mode)
    assert len(refused) <= 2, refused  # at most 5% of the seeds, each with its reason


def test_hotpotqa_asks_one_question_at_8k_and_32k_for_seeds_0_to_49(hotpotqa_sample: Path) -> None:
    corpus = f"hotpotqa:{hotpotqa_sample / 'hotpotqa_train.json'}"
    for mode in ("static", "agentic"):
        refused = _climb(range(50), ("8k", "32k"), mode=mode, corpus=corpus)
        assert len(refused) <= 2, refused


def test_agentic_search_on_a_dataset_stays_inside_the_articles_of_its_length(hotpotqa_sample: Path) -> None:
    corpus = f"hotpotqa:{hotpotqa_sample / 'hotpotqa_train.json'}"
    env = gym.make(ENV_ID, mode="agentic", corpus=corpus, sandbox="fake")
    try:
        sizes = []
        for length in ("8k", "32k"):
            env.reset(seed=3, options={"length": length})
            task, world = env.unwrapped.task, env.unwrapped.ctx.world  # type: ignore[attr-defined]
            searchable = {world.source.corpus.articles[i].title for i in task.meta["searchable"]}
            assert set(task.gold["titles"]) <= searchable and len(searchable) < len(world.source.corpus)
            sizes.append(len(searchable))
            obs, _, _, _, info = env.step({"name": "search", "arguments": {"query": task.question, "k": 50}})
            results = re.findall(r"^\d+\. (.+?) — ", obs, flags=re.MULTILINE)
            assert len(results) == 50 and set(results) <= searchable
            hidden = next(a for a in world.source.corpus.articles if a.title not in searchable)
            _, _, _, _, info = env.step({"name": "open", "arguments": {"title": hidden.title}})
            assert info["error"] == "not_found"
            gold = world.source.corpus.get(task.gold["titles"][0])
            obs, _, _, _, info = env.step({"name": "open", "arguments": {"title": gold.title}})
            links = obs.split("\n\nLinks: ")[1].split(";") if "(none)" not in obs else []
            assert all(link.strip() in searchable for link in links)
        assert sizes[0] < sizes[1]  # a longer length searches more of the dataset
        oracle = run_episode(env, make_agent("oracle"), seed=3, options={"length": "8k"})
        assert oracle.score is not None and oracle.score.success == 1.0
        assert oracle.score.metrics["efficiency.token_ratio"] == 1.0  # the oracle's cost counts what it reads
    finally:
        env.close()


def test_baselines_and_wordings_of_a_seed_share_the_question_and_the_depth() -> None:
    for seed in range(4):
        made = [tasks.generate(_config(seed, "8k", **params)) for params in (
            {}, {"mode": "rounds"}, {"order": "shuffled"}, {"context": "gold_only"}, {"retriever": "ppr-bm25"})]
        assert len({(t.gold["answer"], tuple(t.gold["titles"]), t.question) for t in made}) == 1
        assert len({t.meta["depth_asked"] for t in made}) == 1


def test_a_length_too_short_for_the_core_is_refused_not_swapped() -> None:
    with pytest.raises(TaskRefused, match=r"length=300 tokens cannot hold this task's core \(the question and its"):
        tasks.generate(_config(0, 300))
    assert tasks.generate(_config(0, 300, mode="agentic")).question == tasks.generate(_config(0, "8k")).question


def test_a_question_whose_gold_cannot_fit_the_first_rung_is_not_drawn_for_a_haystack(tmp_path: Path) -> None:
    long_text = " ".join(f"Sentence {i} tells more about Alpha0 and its long history." for i in range(900))
    records = [{"_id": "long", "question": "Where was Alpha0 born?", "answer": "Beta", "type": "bridge",
                "level": "x", "supporting_facts": [["Alpha0", 0], ["Beta", 0]],
                "context": [["Alpha0", [long_text, " Alpha0 was born in Beta."]], ["Beta", ["Beta is a town."]]]},
               {"_id": "short", "question": "Where was Gamma born?", "answer": "Delta", "type": "bridge",
                "level": "x", "supporting_facts": [["Gamma", 0], ["Delta", 0]],
                "context": [["Gamma", ["Gamma was born in Delta."]], ["Delta", ["Delta is a town."]]]}]
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(records))
    asked = {tasks.generate(_config(seed, "8k", corpus=f"hotpotqa:{path}")).question for seed in range(12)}
    assert asked == {"Where was Gamma born?"}  # the long one (about 11k tokens of gold) never fits 4k
    agentic = {tasks.generate(_config(seed, "8k", mode="agentic", corpus=f"hotpotqa:{path}")).question
               for seed in range(12)}
    assert "Where was Alpha0 born?" in agentic  # read through tools, in pages: no rung to fit
    path.write_text(json.dumps(records[:1]))
    with pytest.raises(TaskRefused, match=r"seed 0: none of 200 questions .* fit 4,096 tokens"):
        tasks.generate(_config(0, "8k", corpus=f"hotpotqa:{path}"))


def test_info_carries_the_core_hash_and_the_depth() -> None:
    assert locogym  # registers the ids
    env = gym.make(ENV_ID, sandbox="fake")
    try:
        hashes = set()
        for length in LADDER:
            _, info = env.reset(seed=2, options={"length": length, "depth": "end"})
            task = env.unwrapped.task  # type: ignore[attr-defined]
            hashes.add(info["core_hash"])
            assert info["core_hash"] == task.core_hash and task.depth == 1.0 and "depth" not in info
            assert task.meta["haystack"]["depth"] > 0.97
        assert len(hashes) == 1
    finally:
        env.close()


# ---------------------------------------------------------------------------------------------- depth
@pytest.mark.parametrize("depth", ["start", "middle", "end", 0.3])
def test_depth_places_the_gold_group_at_every_rung(depth: str | float) -> None:
    asked = {"start": 0.0, "middle": 0.5, "end": 1.0}.get(str(depth), depth)
    for mode in ("static", "rounds"):
        made = [tasks.generate(_config(1, length, mode=mode).model_copy(update={"depth": asked}))
                for length in LADDER]
        assert len({t.core_hash for t in made}) == 1
        for task in made:
            assert task.depth == asked  # the depth placed at, the same at every rung (check_family compares it)
            realised = task.meta["haystack"]["depth"]
            assert abs(realised - float(asked)) < 0.03, (task.meta["length"], realised)
            positions = task.meta["haystack"]["gold_positions"]
            assert sorted(positions.values()) == [positions[t] for t in task.meta["gold_group"]]
    agentic = tasks.generate(_config(1, "32k", mode="agentic").model_copy(update={"depth": asked}))
    assert agentic.depth is None  # the agent's own queries order the corpus: nothing to place
    baseline = tasks.generate(_config(1, "32k", context="gold_only").model_copy(update={"depth": asked}))
    assert baseline.depth is None  # no distractors to place the evidence among


def test_the_family_check_finds_one_core_along_the_ladder() -> None:
    for mode in ("static", "agentic"):
        report = check_family(ENV_ID, env_kwargs={"mode": mode}, raise_on_failure=False)
        assert report.failed == {}, report.failed


def test_a_depth_left_unset_is_drawn_once_per_core() -> None:
    drawn = {tasks.generate(_config(seed, length)).meta["depth_asked"] for seed in range(8) for length in LADDER}
    assert len(drawn) > 1 and all(0.0 <= d <= 1.0 for d in drawn)
    for seed in range(8):
        assert len({tasks.generate(_config(seed, length)).meta["depth_asked"] for length in LADDER}) == 1


# ---------------------------------------------------------------------------------------------- oracle and noop
@pytest.mark.parametrize("length", LADDER)
@pytest.mark.parametrize("mode", MODES)
def test_oracle_scores_one_and_noop_zero_at_every_rung(mode: str, length: str) -> None:
    env = gym.make(ENV_ID, mode=mode, sandbox="fake")
    try:
        for seed in range(2):
            oracle = run_episode(env, make_agent("oracle"), seed=seed, options={"length": length})
            assert oracle.score is not None and oracle.score.success == 1.0, (seed, oracle.score)
            noop = run_episode(env, make_agent("noop"), seed=seed, options={"length": length})
            assert noop.score is not None and noop.score.success == 0.0
    finally:
        env.close()


@pytest.mark.parametrize("length", ["8k", "32k", pytest.param("128k", marks=pytest.mark.slow)])
def test_the_heuristic_agent_answers_at_every_rung(length: str) -> None:
    for mode in ("static", "agentic"):
        env = gym.make(ENV_ID, mode=mode, sandbox="fake")
        try:
            runs = [run_episode(env, make_agent("heuristic"), seed=seed, options={"length": length})
                    for seed in range(8)]
            wins = [run.score.success for run in runs if run.score is not None]
            assert 0 < sum(wins) < len(wins), (mode, wins)
        finally:
            env.close()


# ---------------------------------------------------------------------------------------------- growth
def test_a_grown_world_keeps_the_base_and_every_name_unique() -> None:
    base, grown = grown_world(0, BASE_SIZE), grown_world(0, world_size(parse_length("128k")))
    assert grown.corpus.articles[:BASE_SIZE] == base.corpus.articles  # every base article, unchanged
    for old, new in zip(base.entities, grown.entities, strict=False):
        assert dataclasses.astuple(old) == dataclasses.astuple(new)
    labels = [label.lower() for ent in grown.entities for label in (ent.name, *ent.aliases)]
    assert len(labels) == len(set(labels))  # no name or alias means two entities
    middle = grown_world(0, world_size(parse_length("32k")))
    assert grown.corpus.articles[:len(middle.corpus)] == middle.corpus.articles  # each rung's world nests the last
    near_misses = [sum(e.twin_of is not None and e.twin_of < BASE_SIZE for e in w.entities) for w in (base, grown)]
    assert near_misses[1] > near_misses[0]  # longer contexts hold more near misses of the core's entities


def test_the_gold_recomputed_on_the_longest_context_is_the_cores() -> None:
    for seed in range(12):
        config = _config(seed, "128k", qtype=("bridge", "comparison")[seed % 2])
        params = tasks.validate(dict(config.params))
        core = draw_core(config, params)
        longest = source_for(params, config.length)
        assert len(longest.corpus) > 8 * len(base_source(params).corpus)
        assert gold_of(core.item, core.question, longest) == core.gold
        assert evidence_of(core.item, core.gold.titles, longest.corpus) == core.evidence
        task = tasks.generate(config)
        assert task.gold == core.gold.model_dump(mode="json") and task.meta["rejected_fills"] == []
        assert gold_problem(core, longest, set(task.meta["haystack"]["gold_positions"])) is None


# ---------------------------------------------------------------------------------------------- rejected fills
def _world(world: World, entities: list[Entity], articles: list[Article]) -> World:
    return World(seed=world.seed, entities=entities,
                 corpus=Corpus(key=world.corpus.key + ":spoiled", articles=articles))


def _impostor(world: World, core: Core) -> World:
    """A second entity the question's start name means (its alias)."""
    name = core.item.chain.sides[0].start if core.item.chain else ""
    ent = Entity(len(world.entities), "person", "Zzyzx Impostor", (name,), kind="poet")
    art = Article(title=ent.name, text=f"Zzyzx Impostor (also known as {name}) is a poet.", aliases=(name,))
    return _world(world, [*world.entities, ent], [*world.corpus.articles, art])


def _second_path(world: World, core: Core) -> World:
    """The last entity of the chain now leads to another answer (a relation re-pointed)."""
    entities = list(world.entities)
    last = entities[world.named(core.gold.titles[-1])[0]]
    chain = core.item.chain
    assert chain is not None and chain.ask not in ATTRIBUTE_NAMES
    other = next(e for e in entities if e.etype == entities[last.rel[chain.ask]].etype and e.eid != last.rel[chain.ask])
    entities[last.eid] = dataclasses.replace(last, rel={**last.rel, chain.ask: other.eid})
    return _world(world, entities, list(world.corpus.articles))


def _rewritten(world: World, core: Core) -> World:
    """A gold article whose text changed (one more mention)."""
    title = core.gold.titles[0]
    articles = [dataclasses.replace(a, text=a.text + " It is mentioned once more.") if a.title == title else a
                for a in world.corpus.articles]
    return _world(world, list(world.entities), articles)


def _bridge_core(seed: int = 0) -> tuple[ScenarioConfig, Core]:
    """A bridge question asking for a relation target (so that a relation can be re-pointed)."""
    for s in range(seed, seed + 50):
        config = _config(s, "32k", qtype="bridge")
        core = draw_core(config, tasks.validate(dict(config.params)))
        if core.item.chain is not None and core.item.chain.ask not in ATTRIBUTE_NAMES:
            return config, core
    raise AssertionError("no relation-asking bridge question in 50 seeds")


@pytest.mark.parametrize(("spoil", "reason"), [(_impostor, r"names 2 entities"), (_second_path, r"the gold moved"),
                                               (_rewritten, r"read differently")])
def test_the_recomputed_gold_catches_a_context_that_moves_it(spoil: Any, reason: str) -> None:
    config, core = _bridge_core()
    params = tasks.validate(dict(config.params))
    world = source_for(params, config.length).world
    assert world is not None and gold_problem(core, Source(world.corpus, world), None) is None
    spoiled = spoil(world, core)
    problem = gold_problem(core, Source(spoiled.corpus, spoiled), None)
    assert problem is not None and re.search(reason, problem), problem


def test_a_gold_moving_fill_is_rejected_and_the_next_one_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    config, core = _bridge_core()
    clean = tasks.generate(config)
    real = tasks.source_for

    def first_spoiled(params: dict[str, Any], length: int, variant: int = 0, base: Source | None = None) -> Source:
        source = real(params, length, variant, base)
        if variant or source.world is None:
            return source
        bad = _impostor(source.world, core)
        return Source(bad.corpus, bad)

    monkeypatch.setattr(tasks, "source_for", first_spoiled)
    task = tasks.generate(config)
    assert task.meta["world_variant"] == 1 and len(task.meta["rejected_fills"]) == 1
    assert "names 2 entities" in task.meta["rejected_fills"][0]
    assert _core(task) == _core(clean) and task.prompt != clean.prompt  # the same core in another context


def test_a_seed_whose_every_fill_moves_the_gold_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    config, core = _bridge_core()
    real = tasks.source_for

    def spoiled(params: dict[str, Any], length: int, variant: int = 0, base: Source | None = None) -> Source:
        source = real(params, length, variant, base)
        assert source.world is not None
        bad = _second_path(source.world, core)
        return Source(bad.corpus, bad)

    monkeypatch.setattr(tasks, "source_for", spoiled)
    with pytest.raises(TaskRefused, match=rf"seed {config.seed}: every one of {tasks.MAX_FILL_ATTEMPTS} contexts"):
        tasks.generate(config)
