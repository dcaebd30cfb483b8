"""LoCo-Repo-v0 keeps a task's core at every length: the same question, gold and evidence at 8k, 32k and 128k on
synthetic projects, and at 8k and 32k on real Python, Go and TypeScript projects of 40k tokens or more; only the
context around the core grows. A fill that would move the gold is rejected; a length too short is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gymnasium as gym
import pytest

import locogym
from locogym.agents import make_agent
from locogym.core import tokens
from locogym.core.errors import TaskRefused
from locogym.core.types import ScenarioConfig, Task, dumps
from locogym.envs import env_class
from locogym.scenarios.repo import loading, questions, workset
from locogym.scenarios.repo.common import FIRST_RUNG, ProbesGold, QAGold, submit_value
from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.multisession import generate_multisession
from locogym.scenarios.repo.qa import generate_qa
from locogym.scenarios.repo.sources import SourceTree

DATA = Path(__file__).resolve().parent / "data"
LADDER = ("8k", "32k", "128k")
REAL = {"python": "package:gitdb", "go": str(DATA / "go_pflag"), "typescript": str(DATA / "ts_mobx_src")}
REFUSED_SHARE = 0.05
GENERATORS = {"qa": generate_qa, "multisession": generate_multisession}


def _make(seed: int, length: str, task: str = "qa", source: str = "synthetic", **params: Any) -> Task:
    config = ScenarioConfig(family="repo", seed=seed, length=tokens.parse_length(length), task=task,
                            params={"source": source, "context": "tree", **params})
    return GENERATORS[task](config)


def _core(task: Task) -> tuple[str, str, bytes, float | None]:
    return task.core_hash, task.question, dumps(task.gold), task.depth


def _climb(seeds: range, lengths: tuple[str, ...], task: str, source: str) -> dict[int, str]:
    """Every seed's core must be the same at every length; returns the seeds refused, with their reasons."""
    refused: dict[int, str] = {}
    for seed in seeds:
        made: list[Task] = []
        for length in lengths:
            try:
                made.append(_make(seed, length, task, source))
            except TaskRefused as exc:
                refused[seed] = f"{length}: {exc}"
                break
        if seed in refused:
            continue
        first = made[0]
        for other, length in zip(made[1:], lengths[1:], strict=True):
            assert _core(other) == _core(first), (source, task, seed, length)
            assert other.evidence == first.evidence and other.oracle_plan == first.oracle_plan
            assert other.content_hash != first.content_hash or other.workspace != first.workspace
            assert abs(other.length_tokens - tokens.parse_length(length)) <= 0.05 * tokens.parse_length(length)
    return refused


def _within_share(refused: dict[int, str], seeds: range) -> None:
    assert all(reason for reason in refused.values())
    assert len(refused) <= REFUSED_SHARE * len(seeds), refused


def test_the_env_declares_its_ladder() -> None:
    ladder = env_class("LoCo-Repo-v0").ladder
    assert {"8k", "32k", "128k"} <= set(ladder) and tokens.parse_length(ladder[0]) == FIRST_RUNG


@pytest.mark.parametrize("task", ["qa", "multisession"])
def test_same_core_at_every_rung_on_synthetic_projects(task: str) -> None:
    assert _climb(range(3), LADDER, task, "synthetic") == {}


@pytest.mark.parametrize("language", sorted(REAL))
def test_same_question_at_8k_and_32k_on_a_real_project(language: str) -> None:
    source = REAL[language]
    tree = loading.real_source({"source": source})
    assert tree.language == language and sum(workset.file_tokens(tree.files).values()) >= 40_000
    assert _climb(range(3), ("8k", "32k"), "qa", source) == {}


def test_same_probes_at_8k_and_32k_on_a_real_python_project() -> None:
    assert _climb(range(2), ("8k", "32k"), "multisession", REAL["python"]) == {}


@pytest.mark.slow
@pytest.mark.parametrize("task", ["qa", "multisession"])
def test_fifty_seeds_keep_their_core_on_the_synthetic_ladder(task: str) -> None:
    seeds = range(50) if task == "qa" else range(20)  # a multisession core costs twice a question's to check
    _within_share(_climb(seeds, LADDER, task, "synthetic"), seeds)


@pytest.mark.slow
@pytest.mark.parametrize(("language", "task"), [("python", "qa"), ("go", "qa"), ("typescript", "qa"),
                                                ("python", "multisession")])
def test_fifty_seeds_keep_their_core_at_8k_and_32k_on_real_projects(language: str, task: str) -> None:
    seeds = range(50)
    _within_share(_climb(seeds, ("8k", "32k"), task, REAL[language]), seeds)


def test_a_real_source_shows_more_of_its_tree_at_a_longer_length() -> None:
    """The working sets nest: the distractors come in one order per task, and a longer length goes further."""
    for seed in range(3):
        short, long = _make(seed, "8k", source=REAL["go"]), _make(seed, "32k", source=REAL["go"])
        assert set(short.workspace or {}) < set(long.workspace or {}), seed


# ---------------------------------------------------------------------------------------------- recomputed gold
def test_the_gold_recomputed_on_the_longest_context_is_the_cores() -> None:
    for seed in range(2):
        task = _make(seed, "128k")
        files = task.workspace or {}
        q = questions.build(CodeIndex.build(files), tuple(task.meta["question_key"]), task.meta["variant"], files)
        assert q is not None and q.text == task.question
        gold = task.gold_as(QAGold)
        assert (q.answer_kind, submit_value(q)) == (gold.answer_kind, gold.answer)
        assert sorted({f"{p}:{s}-{e}" for p, s, e in q.spans}) == sorted(e.id for e in task.evidence)
        assert gold == _make(seed, "8k").gold_as(QAGold)


def test_the_probes_recomputed_on_the_longest_context_are_the_cores() -> None:
    task = _make(1, "128k", "multisession")
    truths = task.gold_as(ProbesGold).probes
    assert truths == _make(1, "8k", "multisession").gold_as(ProbesGold).probes
    files = dict(task.workspace or {})
    for session in range(len(task.sessions or [])):
        files.update(task.meta["session_patches"].get(str(session), {}))
        index = CodeIndex.build(files)
        for probe in (p for p in task.probes or [] if p.session == session):
            spec = task.meta["probe_keys"][probe.key]
            q = questions.build(index, tuple(spec["key"]), spec["variant"], files)
            assert q is not None and q.text == probe.question and submit_value(q) == truths[probe.id]


def _module_level(task: Task, qual: str) -> bool:
    """Whether ``qual`` is a function of a module of the task's workspace (a new module can import it)."""
    return qual.rsplit(".", 1)[0].replace(".", "/") + ".py" in (task.workspace or {})


def _callers_seed() -> int:
    def fits(task: Task) -> bool:
        return _module_level(task, task.meta["question_key"][1])

    return next(s for s in range(20) if fits(_make(s, "8k", question="callers", variant="literal")))


def _with_a_new_caller(tree: SourceTree, qual: str) -> SourceTree:
    """The project with one more module that calls ``qual``: a fill that moves a callers question's gold."""
    module, name = qual.rsplit(".", 1)
    extra = f"from {module} import {name}\n\n\ndef relay_extra_caller(value: int) -> int:\n    return {name}(value)\n"
    files = {**tree.files, f"{tree.meta['package']}/relay_extra.py": extra}
    return SourceTree(name=tree.name, files=files, language=tree.language, origin=tree.origin, meta=tree.meta)


def _moving_fills(monkeypatch: pytest.MonkeyPatch, qual: str, moving: set[int]) -> None:
    grown = loading.grown_project

    def fake(seed: int, length: int, fill: int) -> SourceTree:
        tree = grown(seed, length, fill)
        return _with_a_new_caller(tree, qual) if fill in moving else tree

    monkeypatch.setattr(loading, "grown_project", fake)


def test_a_fill_that_moves_the_gold_is_rejected_and_the_next_one_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    seed = _callers_seed()
    core = _make(seed, "8k", question="callers", variant="literal")
    qual = core.meta["question_key"][1]
    _moving_fills(monkeypatch, qual, {0})
    task = _make(seed, "32k", question="callers", variant="literal")
    assert task.meta["fill"] == 1 and _core(task) == _core(core)
    assert not any(p.endswith("relay_extra.py") for p in task.workspace or {})


def test_a_length_whose_every_fill_moves_the_gold_is_refused_naming_the_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    seed = _callers_seed()
    qual = _make(seed, "8k", question="callers", variant="literal").meta["question_key"][1]
    _moving_fills(monkeypatch, qual, set(range(10)))
    with pytest.raises(TaskRefused, match=f"Seed {seed}: each of the 6 contexts"):
        _make(seed, "32k", question="callers", variant="literal")


def test_a_fill_that_moves_a_probe_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    def callers_probe(task: Task) -> str | None:
        specs = task.meta["probe_keys"].values()
        return next((s["key"][1] for s in specs if s["key"][0] == "callers" and _module_level(task, s["key"][1])),
                    None)

    seed, qual = next((s, q) for s in range(20) for q in [callers_probe(_make(s, "8k", "multisession"))] if q)
    core = _make(seed, "8k", "multisession")
    _moving_fills(monkeypatch, qual, {0, 1})
    task = _make(seed, "32k", "multisession")
    assert task.meta["fill"] == 2 and _core(task) == _core(core)


# ---------------------------------------------------------------------------------------------- refusals, depth
def test_a_length_below_the_core_is_refused_not_swapped() -> None:
    with pytest.raises(TaskRefused, match="cannot hold this task's core"):
        _make(0, "4k")
    with pytest.raises(TaskRefused, match="cannot hold this task's core"):
        _make(0, "4k", "multisession")


def _block(task: Task) -> list[int]:
    order = task.meta["file_order"]
    return [order.index(p) for p in task.meta["evidence_files"]]


def test_depth_places_the_evidence_files_in_the_file_order() -> None:
    start = GENERATORS["qa"](ScenarioConfig(family="repo", seed=2, length=32_768, task="qa", depth=0.0,
                                            params={"source": "synthetic", "context": "tree"}))
    end = GENERATORS["qa"](ScenarioConfig(family="repo", seed=2, length=32_768, task="qa", depth=1.0,
                                          params={"source": "synthetic", "context": "tree"}))
    n = len(start.meta["evidence_files"])
    assert sorted(_block(start)) == list(range(n)) and start.depth == 0.0 == start.meta["realised_depth"]
    last = len(end.meta["file_order"])
    assert sorted(_block(end)) == list(range(last - n, last)) and end.depth == 1.0 == end.meta["realised_depth"]
    assert start.question == end.question and start.gold == end.gold and start.core_hash != end.core_hash


def _middle(seed: int, length: str) -> Task:
    return GENERATORS["qa"](ScenarioConfig(family="repo", seed=seed, length=tokens.parse_length(length), task="qa",
                                           depth=0.5, params={"source": "synthetic", "context": "tree"}))


@pytest.mark.parametrize("length", ["32k", "128k"])
def test_the_realised_depth_is_near_the_asked_one(length: str) -> None:
    task = _middle(3, length)
    order, sizes = task.meta["file_order"], workset.file_tokens(task.workspace or {})
    first = min(_block(task))
    rest = sum(sizes[p] for p in order if p not in task.meta["evidence_files"])
    before = sum(sizes[p] for p in order[:first])
    assert (task.depth == 0.5 and abs(before / rest - 0.5) < 0.05
            and task.meta["realised_depth"] == round(before / rest, 4))


def test_the_file_tree_lists_files_in_the_context_order() -> None:
    env = gym.make("LoCo-Repo-v0", sandbox="fake", context="tree")
    try:
        obs, info = env.reset(seed=4, options={"length": "16k", "depth": "end"})
        task = env.unwrapped.task  # type: ignore[attr-defined]
        listed = [line.split("  (")[0] for line in obs.splitlines()[1:] if "  (" in line]
        assert listed == task.meta["file_order"] and task.depth == 1.0 and "depth" not in info
    finally:
        env.close()


# ---------------------------------------------------------------------------------------------- episodes per rung
def _episodes(env: gym.Env, seeds: range, lengths: tuple[str, ...], task: str) -> Iterator[tuple[float, float]]:
    for length in lengths:
        for seed in seeds:
            options = {"length": length, "task": task}
            oracle = locogym.run_episode(env, make_agent("oracle"), seed=seed, options=options)
            noop = locogym.run_episode(env, make_agent("noop"), seed=seed, options=options)
            assert oracle.score is not None and noop.score is not None
            yield oracle.score.success, noop.score.success


@pytest.mark.parametrize("task", ["qa", "multisession"])
def test_oracle_one_and_noop_zero_at_8k_and_32k(task: str) -> None:
    env = gym.make("LoCo-Repo-v0", sandbox="fake")
    try:
        assert set(_episodes(env, range(2), ("8k", "32k"), task)) == {(1.0, 0.0)}
    finally:
        env.close()


@pytest.mark.slow
@pytest.mark.parametrize("task", ["qa", "multisession"])
def test_oracle_one_and_noop_zero_at_every_rung(task: str) -> None:
    env = gym.make("LoCo-Repo-v0", sandbox="fake")
    try:
        assert set(_episodes(env, range(3), LADDER, task)) == {(1.0, 0.0)}
    finally:
        env.close()


def test_the_heuristic_answers_the_same_literal_question_at_every_rung() -> None:
    env = gym.make("LoCo-Repo-v0", sandbox="fake")
    try:
        for seed in range(2):
            for length in ("8k", "32k"):
                options = {"length": length, "question": "definition", "variant": "literal"}
                played = locogym.run_episode(env, make_agent("heuristic"), seed=seed, options=options)
                assert played.score is not None and played.score.success == 1.0, (seed, length)
    finally:
        env.close()
