"""LoCo-Repo-v0: the Gymnasium contract, the oracle/noop property over many seeds, lengths, context modes and
multi-session probes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import orjson
import pytest
from gymnasium.utils.env_checker import check_env

import locogym
from locogym.agents import make_agent
from locogym.core import tokens
from locogym.core.errors import ConfigError
from locogym.core.types import ToolCall

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ("definition", "call_chain", "setting", "callers")


def _saw_all_evidence(trajectory: locogym.Trajectory) -> bool:
    """The oracle's plan reads every span the task lists as evidence (so its stop is timely, never premature)."""
    seen = {e for step in trajectory.steps for e in step.evidence_seen}
    return {e.id for e in trajectory.task.evidence} <= seen


@pytest.fixture(scope="module")
def env() -> gym.Env:
    environment = gym.make("LoCo-Repo-v0", sandbox="fake")
    yield environment
    environment.close()


@pytest.mark.slow
def test_check_env_with_the_fake_sandbox() -> None:
    environment = gym.make("LoCo-Repo-v0", sandbox="fake")
    try:
        check_env(environment.unwrapped)
    finally:
        environment.close()


@pytest.mark.slow
@pytest.mark.parametrize("question", QUESTIONS)
def test_oracle_scores_one_and_noop_zero_over_fifty_seeds(env: gym.Env, question: str) -> None:
    """Fifty seeds where the kind can be asked; an 8k project rarely lacks one (a call chain of three sole
    callees, say), and then the env says so by a ConfigError rather than asking something else."""
    played = 0
    for seed in range(55):
        options = {"length": "8k", "task": "qa", "question": question}
        try:
            oracle = locogym.run_episode(env, make_agent("oracle"), seed=seed, options=options)
        except ConfigError as exc:
            assert f"question={question!r}" in str(exc), exc
            continue
        played += 1
        assert oracle.score.success == 1.0, (question, seed, oracle.score)
        assert oracle.score.outcome == "correct" and _saw_all_evidence(oracle), (question, seed)
        noop = locogym.run_episode(env, make_agent("noop"), seed=seed, options=options)
        assert (noop.score.success, noop.score.outcome) == (0.0, "no_answer")
        if played == 50:
            break
    assert played == 50, (question, played)


@pytest.mark.slow
def test_multisession_oracle_one_noop_zero_over_fifty_seeds(env: gym.Env) -> None:
    for seed in range(50):
        options = {"length": "8k", "task": "multisession"}
        oracle = locogym.run_episode(env, make_agent("oracle"), seed=seed, options=options)
        assert oracle.score.success == 1.0, (seed, oracle.score)
        assert oracle.termination == "submitted" and _saw_all_evidence(oracle), seed
        assert 3 <= len(oracle.task.sessions) <= 6
        assert any(p.changed_since_last for p in oracle.task.probes)
        noop = locogym.run_episode(env, make_agent("noop"), seed=seed, options=options)
        assert noop.score.success == 0.0


@pytest.mark.slow
@pytest.mark.parametrize(("length", "seeds"), [("16k", 6), ("32k", 4), ("128k", 1)])
def test_oracle_and_noop_at_longer_lengths_and_every_difficulty(env: gym.Env, length: str, seeds: int) -> None:
    target = tokens.parse_length(length)
    for seed in range(seeds):
        for task, difficulty in (("qa", "easy"), ("qa", "hard"), ("multisession", "medium")):
            options = {"length": length, "task": task, "difficulty": difficulty}
            oracle = locogym.run_episode(env, make_agent("oracle"), seed=seed, options=options)
            assert oracle.score.success == 1.0 and _saw_all_evidence(oracle), (length, seed, task, difficulty)
            assert abs(oracle.task.length_tokens - target) <= 0.05 * target
            measured = sum(tokens.count(t) for t in oracle.task.workspace.values())
            assert measured == oracle.task.length_tokens
            assert locogym.run_episode(env, make_agent("noop"), seed=seed, options=options).score.success == 0.0


def test_wrong_answers_score_zero_and_are_annotated(env: gym.Env) -> None:
    env.reset(seed=3, options={"length": "8k", "question": "callers"})
    base = env.unwrapped
    gold = base.task.gold["answer"]
    _, reward, terminated, _, info = env.step({"name": "submit", "arguments": {"answer": gold[:-1] or ["x.y"]}})
    assert terminated and reward == 0.0 and info["score"]["outcome"] == "wrong"
    assert base.trajectory.steps[-1].annotations["wrong"] is True
    env.reset(seed=3, options={"length": "8k", "question": "callers"})
    _, reward, *_ = env.step({"name": "submit", "arguments": {"answer": ", ".join(reversed(gold))}})
    assert reward == 1.0  # a comma-separated string of the same set is the same answer


@pytest.mark.slow
def test_same_task_across_processes(env: gym.Env) -> None:
    options = {"length": "16k", "task": "multisession"}
    _, info = env.reset(seed=21, options=options)
    code = ("import gymnasium as gym, locogym; env = gym.make('LoCo-Repo-v0', sandbox='fake'); "
            f"print(env.reset(seed=21, options={options!r})[1]['content_hash'])")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                           env={"PYTHONHASHSEED": "7", "PATH": "/usr/bin:/bin"})
    assert other.stdout.strip().splitlines()[-1] == info["content_hash"]


def test_context_modes_show_the_same_task_differently(env: gym.Env) -> None:
    seen = {}
    for mode in ("full", "map", "tree"):
        environment = gym.make("LoCo-Repo-v0", sandbox="fake", context=mode)
        obs, info = environment.reset(seed=5, options={"length": "16k"})
        seen[mode] = (obs, info["content_hash"], environment.unwrapped.task)
        environment.close()
    assert len({h for _, h, _ in seen.values()}) == 1
    task = seen["full"][2]
    full_obs, map_obs, tree_obs = (seen[m][0] for m in ("full", "map", "tree"))
    assert all(f"===== {p} =====" in full_obs for p in task.workspace)
    assert tokens.count(full_obs) >= task.length_tokens
    assert "Repo map" in map_obs and tokens.count(map_obs) <= 1024 + tokens.count(task.prompt) + 10
    assert all(p in tree_obs for p in task.workspace) and tokens.count(tree_obs) < task.length_tokens / 2
    # the needed files sit at recorded depths of the full context
    order = task.meta["file_order"]
    assert sorted(order) == sorted(task.workspace)
    for path, depth in task.meta["evidence_depth"].items():
        before = sum(tokens.count(task.workspace[p]) for p in order[: order.index(path)])
        assert abs(before / task.length_tokens - depth) < 0.06
    # a reset option overrides the constructor's mode without changing the task
    obs, info = env.reset(seed=5, options={"length": "16k", "context": "map", "map_budget": 512})
    assert info["content_hash"] == seen["full"][1] and tokens.count(obs) <= 512 + tokens.count(task.prompt) + 10


def test_multisession_applies_commits_and_reports_new_sessions(env: gym.Env) -> None:
    obs, info = env.reset(seed=2, options={"length": "8k", "task": "multisession", "sessions": 3})
    task = env.unwrapped.task
    assert info["num_sessions"] == 3 and "session 1 of 3" in obs
    first = {p.id: p for p in task.probes if p.session == 0}
    env.step({"name": "notes_write", "arguments": {"content": "remember me"}})
    obs, _, terminated, _, info = env.step({"name": "submit", "arguments": {
        "answer": orjson.dumps({pid: p.answer for pid, p in first.items()}).decode()}})
    assert not terminated and info["new_session"] and info["session"] == 1
    assert "commit(s) were merged" in obs
    box = env.unwrapped.ctx.sandbox
    for path, text in task.meta["session_patches"]["1"].items():
        assert box.read_file(path).decode() == text
    obs, *_ = env.step({"name": "notes_read", "arguments": {}})
    assert obs == "remember me"
    env.step({"name": "submit", "arguments": {}})
    _, reward, terminated, _, info = env.step({"name": "submit", "arguments": {}})
    assert terminated and 0 < reward < 1 and info["score"]["outcome"] == "partial"
    assert info["score"]["metrics"]["probes_correct"] == len(first)


def test_bad_options_fail_with_the_fix(env: gym.Env) -> None:
    with pytest.raises(ConfigError, match="task"):
        env.reset(seed=0, options={"task": "bogus"})
    with pytest.raises(ConfigError, match="question"):
        env.reset(seed=0, options={"question": "bogus"})
    with pytest.raises(ConfigError, match="context"):
        env.reset(seed=0, options={"context": "everything"})
    with pytest.raises(ConfigError, match="sessions"):
        env.reset(seed=0, options={"task": "multisession", "sessions": 9, "length": "8k"})
    with pytest.raises(ConfigError, match="length"):
        env.reset(seed=0, options={"length": 100})
    with pytest.raises(ConfigError, match="context"):
        gym.make("LoCo-Repo-v0", sandbox="fake", context="nope")
    with pytest.raises(ConfigError, match="colour"):
        gym.make("LoCo-Repo-v0", sandbox="fake", colour="blue")


def test_agent_input_never_raises(env: gym.Env) -> None:
    env.reset(seed=1, options={"length": "8k"})
    for action in ("not json", {"name": "read_file", "arguments": {"path": "../../etc/passwd"}},
                   {"name": "read_file", "arguments": {"path": "missing.py"}},
                   {"name": "grep", "arguments": {"pattern": "("}},
                   {"name": "edit_file", "arguments": {"path": "README.md", "old": "zzz-not-there", "new": "x"}},
                   {"name": "find_symbol", "arguments": {"name": "no_such_symbol_anywhere"}},
                   {"name": "run", "arguments": {"cmd": "ls"}},
                   ToolCall(name="repo_map", arguments={"budget": 10})):
        obs, _, terminated, truncated, info = env.step(action)
        assert isinstance(obs, str) and not terminated and not truncated
    errors = [s.result.error.value for s in env.unwrapped.trajectory.steps if s.result.error]
    assert errors == ["parse", "permission", "not_found", "invalid_arguments", "invalid_arguments", "not_found",
                      "invalid_arguments"]


@pytest.mark.slow
def test_heuristic_answers_literal_questions(env: gym.Env) -> None:
    scores = []
    for seed in range(4):
        for question in QUESTIONS:
            options = {"length": "8k", "question": question, "variant": "literal"}
            scores.append(locogym.run_episode(env, make_agent("heuristic"), seed=seed, options=options).score.success)
    assert sum(scores) / len(scores) >= 0.75
    trajectory = locogym.run_episode(env, make_agent("heuristic"), seed=0, options={"length": "8k",
                                                                                   "variant": "nonliteral"})
    assert trajectory.termination == "submitted"


@pytest.mark.slow
def test_session_commits_keep_the_project_suite_passing(env: gym.Env, tmp_path: Path) -> None:
    env.reset(seed=11, options={"length": "8k", "task": "multisession", "sessions": 6})
    task = env.unwrapped.task
    files = dict(task.workspace)
    for session in sorted(task.meta["session_patches"], key=int):
        files.update(task.meta["session_patches"][session])
    assert files != task.workspace
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:]


@pytest.mark.slow
def test_one_million_tokens_in_full_context() -> None:
    environment = gym.make("LoCo-Repo-v0", sandbox="fake", context="full")
    try:
        oracle = locogym.run_episode(environment, make_agent("oracle"), seed=0, options={"length": "1m"})
        target = tokens.parse_length("1m")
        assert oracle.score.success == 1.0
        assert abs(oracle.task.length_tokens - target) <= 0.05 * target
        assert oracle.steps[0].context_tokens >= oracle.task.length_tokens
    finally:
        environment.close()
