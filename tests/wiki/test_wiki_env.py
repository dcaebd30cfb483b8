"""LoCo-WikiHop-v0 end to end: the Gymnasium contract in every mode, oracle 1.0 / noop 0, scoring signals."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

import locogym
from locogym.agents import make_agent
from locogym.core.errors import ConfigError
from locogym.core.types import ToolCall
from locogym.harness.runner import run_episode
from locogym.scenarios.wiki.retrievers import dense_available

ENV_ID = "LoCo-WikiHop-v0"
ROOT = Path(__file__).resolve().parents[2]
MODES = ["static", "agentic", "rounds"]
SEEDS = range(6)
_DENSE = dense_available()


def _make(**kwargs: Any) -> gym.Env[Any, Any]:
    assert locogym  # registers the ids
    return gym.make(ENV_ID, sandbox="fake", **kwargs)


@pytest.mark.parametrize("mode", MODES)
def test_check_env_in_every_mode(mode: str) -> None:
    env = _make(mode=mode)
    try:
        check_env(env.unwrapped)
    finally:
        env.close()


@pytest.mark.parametrize("options", [{}, {"variant": "nonliteral"}, {"qtype": "comparison", "hops": 4},
                                     {"round_policy": "fixed", "rounds": 3}, {"order": "shuffled"}])
@pytest.mark.parametrize("mode", MODES)
def test_oracle_scores_one_and_noop_zero_on_every_seed(mode: str, options: dict[str, Any]) -> None:
    env = _make(mode=mode)
    for seed in SEEDS:
        oracle = run_episode(env, make_agent("oracle"), seed=seed, options={"length": "4k", **options})
        assert oracle.score is not None and oracle.score.success == 1.0, (seed, oracle.score)
        assert oracle.score.outcome == "correct"
        noop = run_episode(env, make_agent("noop"), seed=seed, options={"length": "4k", **options})
        assert noop.score is not None and noop.score.success == 0.0 and noop.score.outcome == "no_answer"
    env.close()


@pytest.mark.parametrize("retriever", ["bm25", "ppr-bm25"])
def test_oracle_and_noop_with_other_retrievers(retriever: str) -> None:
    for mode in MODES:
        env = _make(mode=mode, retriever=retriever)
        for seed in range(3):
            assert run_episode(env, make_agent("oracle"), seed=seed).score.success == 1.0
            assert run_episode(env, make_agent("noop"), seed=seed).score.success == 0.0
        env.close()


@pytest.fixture(scope="module")
def small_hotpot(hotpotqa_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Six real questions (embedding the whole sample takes too long here), with a private embedding cache."""
    folder = tmp_path_factory.mktemp("wiki-dense")
    small = folder / "hotpot_small.json"
    small.write_text(json.dumps(json.loads((hotpotqa_sample / "hotpotqa_train.json").read_text())[:6]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOCOGYM_CACHE_DIR", str(folder / "cache"))
        yield small


@pytest.mark.slow
@pytest.mark.skipif(_DENSE is not None, reason=f"dense retriever unavailable: {_DENSE}")
@pytest.mark.parametrize("retriever", ["dense", "hybrid", "ppr-hybrid"])
def test_dense_retrievers_in_the_env(retriever: str, small_hotpot: Path) -> None:
    env = _make(mode="static", retriever=retriever, corpus=f"hotpotqa:{small_hotpot}")
    for seed in range(2):
        assert run_episode(env, make_agent("oracle"), seed=seed).score.success == 1.0
        assert run_episode(env, make_agent("noop"), seed=seed).score.success == 0.0
    env.close()


def test_hotpotqa_corpus_in_every_mode(hotpotqa_sample: Path) -> None:
    corpus = f"hotpotqa:{hotpotqa_sample / 'hotpotqa_train.json'}"
    for mode in MODES:
        env = _make(mode=mode, corpus=corpus)
        for seed in range(4):
            traj = run_episode(env, make_agent("oracle"), seed=seed, options={"length": "16k"})
            assert traj.score.success == 1.0
            assert run_episode(env, make_agent("noop"), seed=seed).score.success == 0.0
        env.close()
    env = _make(corpus=corpus)
    with pytest.raises(ConfigError, match="non-literal"):
        env.reset(seed=0, options={"variant": "nonliteral"})


_PROBE = """
import sys, json, hashlib, gymnasium as gym, locogym
env = gym.make("LoCo-WikiHop-v0", mode={mode!r}, sandbox="fake")
obs, info = env.reset(seed=5, options={{"length": "8k", "order": "shuffled"}})
print(json.dumps({{"hash": info["content_hash"], "obs": hashlib.sha256(obs.encode()).hexdigest()}}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_same_task_across_processes(mode: str) -> None:
    import hashlib

    env = _make(mode=mode)
    obs, info = env.reset(seed=5, options={"length": "8k", "order": "shuffled"})
    out = subprocess.run([sys.executable, "-c", _PROBE.format(mode=mode)], capture_output=True, text=True,
                         check=True, cwd=ROOT, env={"PYTHONHASHSEED": "987", "PATH": "/usr/bin:/bin"})
    remote = json.loads(out.stdout.strip().splitlines()[-1])
    assert remote == {"hash": info["content_hash"], "obs": hashlib.sha256(obs.encode()).hexdigest()}
    env.close()


def _step(env: gym.Env[Any, Any], name: str, **arguments: Any) -> tuple[str, dict[str, Any]]:
    obs, _, _, _, info = env.step(ToolCall(name=name, arguments=arguments))
    return obs, info


def test_agentic_steps_record_gold_ranks_evidence_and_drift() -> None:
    env = _make(mode="agentic")
    env.reset(seed=2)
    base = env.unwrapped
    task = base.task
    question = task.gold["question"]
    first = task.gold["titles"][0]
    obs, _ = _step(env, "search", query=question, k=5)
    step = base.trajectory.steps[-1]
    assert set(step.annotations["gold_ranks"]) == set(task.gold["titles"])
    assert step.annotations["query_drift"] == 0.0 and step.evidence_seen == []
    _step(env, "search", query="completely different words", k=3)
    assert base.trajectory.steps[-1].annotations["query_drift"] == 1.0
    obs, _ = _step(env, "open", title=first)
    assert obs.startswith(f"# {first}") and base.trajectory.steps[-1].evidence_seen == [f"article:{first}"]
    assert base.trajectory.steps[-1].annotations["subgoal"] == "hop0"
    obs, info = _step(env, "open", title="No Such Article Anywhere")
    assert info["error"] == "not_found" and "Close titles" in obs
    obs, info = _step(env, "follow", title=first, link="No Such Link")
    assert info["error"] == "not_found" and "Its links" in obs
    _, _, terminated, _, info = env.step({"name": "submit", "arguments": {"answer": "wrong guess"}})
    assert terminated and info["score"]["outcome"] == "wrong"
    metrics = info["score"]["metrics"]
    assert metrics["gold_rank_round_0"] >= 1 and metrics["query_drift_round_1"] == 1.0
    assert metrics["query_drift_max"] == 1.0 and base.trajectory.steps[-1].annotations["wrong"] is True
    env.close()


def test_reshow_question_appends_the_question_to_results() -> None:
    env = _make(mode="agentic", reshow_question=True)
    env.reset(seed=1)
    question = env.unwrapped.task.gold["question"]
    obs, _ = _step(env, "search", query="anything", k=2)
    assert obs.endswith(f"Question: {question}")
    env.close()


def test_format_failure_is_its_own_outcome_and_aliases_count() -> None:
    env = _make()
    env.reset(seed=0)
    _, _, _, _, info = env.step({"name": "submit", "arguments": {"answer": {"a": 1}}})
    assert info["score"]["outcome"] == "format_error" and info["score"]["success"] == 0.0
    for seed in range(40):
        obs, info = env.reset(seed=seed)
        task = env.unwrapped.task
        if len(task.gold["answers"]) > 1:
            _, reward, _, _, info = env.step({"name": "submit",
                                              "arguments": {"answer": task.gold["answers"][1].upper()}})
            assert reward == 1.0 and info["score"]["metrics"]["f1"] == 1.0
            break
    else:
        pytest.fail("no task with an alias in 40 seeds")
    env.close()


def test_rounds_protocol_fixed_rounds_and_query_drift() -> None:
    env = _make(mode="rounds", round_policy="fixed", rounds=3)
    obs, _ = env.reset(seed=4)
    task = env.unwrapped.task
    assert "Round 1 of 3" in obs
    obs, info = _step(env, "submit", answer=task.gold["answer"])
    assert "fixed rounds" in obs and not env.unwrapped._done  # too early: refine first
    obs, _ = _step(env, "refine", summary="notes", question="totally unrelated query words")
    assert "Round 2 of 3" in obs and "Your notes so far: notes" in obs and "Original question" in obs
    obs, _ = _step(env, "refine", summary="", question=task.gold["question"])
    assert "last round" in obs
    obs, info = _step(env, "refine", summary="", question="again")
    assert info["error"] == "invalid_arguments"
    _, reward, terminated, _, info = env.step({"name": "submit", "arguments": {"answer": task.gold["answer"]}})
    metrics = info["score"]["metrics"]
    assert terminated and reward == 1.0 and metrics["rounds"] == 3.0
    assert metrics["query_drift_round_1"] == 1.0 and metrics["query_drift_round_2"] == 0.0
    assert metrics["gold_seen_fraction"] == 1.0
    env.close()


def test_baselines_no_context_and_gold_only() -> None:
    env = _make()
    obs_none, info = env.reset(seed=3, options={"context": "none"})
    task = env.unwrapped.task
    assert all(f"## {t}" not in obs_none for t in task.gold["titles"]) and info["length_tokens"] < 200
    obs_gold, _ = env.reset(seed=3, options={"context": "gold_only"})
    assert [line[3:] for line in obs_gold.splitlines() if line.startswith("## ")] == task.gold["titles"]
    _, info_shuffled = env.reset(seed=3, options={"order": "shuffled"})
    assert env.unwrapped.task.gold == task.gold  # every baseline asks the same question
    env.close()


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="mode"):
        _make(mode="interactive")
    with pytest.raises(ConfigError, match="retriever"):
        _make(retriever="tfidf")
    with pytest.raises(ConfigError, match="corpus"):
        _make(corpus="trivia:x")
    with pytest.raises(ConfigError, match="questions= only applies"):
        _make(questions="hotpotqa:x.json")
    env = _make()
    with pytest.raises(ConfigError, match="hops"):
        env.reset(seed=0, options={"hops": 7})
    env.close()


def test_heuristic_agent_answers_some_questions_in_every_mode() -> None:
    for mode in MODES:
        env = _make(mode=mode)
        scores = [run_episode(env, make_agent("heuristic"), seed=s, options={"length": "4k"}).score.success
                  for s in range(12)]
        assert 0 < sum(scores) < len(scores), (mode, scores)
        env.close()


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_random_actions_never_raise(mode: str) -> None:
    env = _make(mode=mode, max_steps=40)
    env.action_space.seed(0)
    env.reset(seed=0)
    errors = 0
    for _ in range(300):
        _, _, terminated, truncated, info = env.step(env.action_space.sample())
        errors += info.get("error") is not None
        if terminated or truncated:
            assert info["score"]["outcome"] in {"correct", "wrong", "no_answer", "format_error"}
            env.reset(seed=1)
    assert errors > 0  # the fuzzer sends malformed calls; they come back as observations, not exceptions
    env.close()


def test_long_articles_open_in_pages(tmp_path: Path) -> None:
    long_text = " ".join(f"Sentence {i} tells more about Alpha0 and its long history." for i in range(900))
    record = {"_id": "long", "question": "Where was Alpha0 born?", "answer": "Beta", "type": "bridge", "level": "x",
              "supporting_facts": [["Alpha0", 0], ["Beta", 0]],
              "context": [["Alpha0", [long_text, " Alpha0 was born in Beta."]], ["Beta", ["Beta is a town."]]]}
    path = tmp_path / "long.json"
    path.write_text(json.dumps([record]))
    env = _make(mode="agentic", corpus=f"hotpotqa:{path}")
    env.reset(seed=0)
    first, info = _step(env, "open", title="Alpha0")
    assert info["error"] is None and "page 1 of" in first and "call again with page=2" in first
    pages = int(first.split("page 1 of ")[1].split(":")[0])
    last, _ = _step(env, "open", title="Alpha0", page=pages)
    assert "was born in Beta" in last and "call again" not in last
    _, info = _step(env, "open", title="Alpha0", page=pages + 1)
    assert info["error"] == "invalid_arguments"
    env.close()


@pytest.mark.parametrize("mode", MODES)
def test_oracle_and_noop_over_many_seeds_and_shapes(mode: str) -> None:
    env = _make(mode=mode)
    for seed in range(40):
        options = {"length": "2k", "hops": 2 + seed % 3, "qtype": ("bridge", "comparison")[seed % 2],
                   "variant": ("literal", "nonliteral")[seed // 2 % 2], "order": ("rank", "shuffled")[seed // 4 % 2],
                   "reshow_question": seed % 5 == 0, "round_policy": ("fixed", "variable")[seed // 3 % 2]}
        score = run_episode(env, make_agent("oracle"), seed=seed, options=options).score
        assert score.success == 1.0, options
        # the oracle's recorded cost is exactly what its plan reads
        assert score.metrics["efficiency.token_ratio"] == 1.0 and score.metrics["efficiency.step_ratio"] == 1.0
        assert run_episode(env, make_agent("noop"), seed=seed, options=options).score.success == 0.0
    env.close()


def test_wording_variant_keeps_the_question_and_the_oracle_follows_links() -> None:
    env = _make(mode="agentic")
    followed = 0
    for seed in range(10):
        env.reset(seed=seed)
        literal = env.unwrapped.task
        env.reset(seed=seed, options={"variant": "nonliteral"})
        nonliteral = env.unwrapped.task
        assert nonliteral.gold["titles"] == literal.gold["titles"]
        assert nonliteral.gold["answers"] == literal.gold["answers"]
        assert nonliteral.gold["question"] != literal.gold["question"]
        followed += sum(call.name == "follow" for call in literal.oracle_plan)
    assert followed > 0  # gold paths are link paths: the oracle walks them with follow
    env.close()


def test_a_task_kind_is_refused_not_ignored() -> None:
    env = _make()
    try:
        with pytest.raises(ConfigError, match="single task kind.*qtype="):
            env.reset(seed=0, options={"task": "multisession"})
    finally:
        env.close()


def test_the_task_does_not_depend_on_the_folder_of_the_corpus_file(hotpotqa_sample: Path, tmp_path: Path) -> None:
    """The same data file in two folders: the same question and the same haystack, byte for byte (the task
    records where its corpus is, for the agentic tools to read it; nothing else may differ)."""
    data = json.loads((hotpotqa_sample / "hotpotqa_train.json").read_text())[:8]
    tasks = []
    for where in ("a", "b"):
        path = tmp_path / where / "hotpot.json"
        path.parent.mkdir()
        path.write_text(json.dumps(data))
        env = _make(mode="static", corpus=f"hotpotqa:{path}")
        env.reset(seed=1, options={"length": "4k"})
        task = env.unwrapped.task.model_dump(exclude={"content_hash"})
        assert task["meta"]["settings"].pop("corpus") == f"hotpotqa:{path}"
        tasks.append(task)
        env.close()
    assert tasks[0] == tasks[1]
