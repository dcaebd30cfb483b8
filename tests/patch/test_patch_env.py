"""LoCo-RepoPatch-v0 and LoCo-RepoReview-v0 end to end on the local sandbox: oracle 1.0, noop 0, strict grading."""

from __future__ import annotations

import tarfile
from pathlib import Path

import gymnasium as gym
import pytest

import locogym
from locogym.agents.base import Agent
from locogym.core.errors import ConfigError, SandboxUnavailable
from locogym.core.types import ToolCall
from locogym.scenarios.defects.testrun import run_tests
from locogym.testing import ScriptedAgent as Scripted
from tests.patch.projects import CALC

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
SIX = Path(__file__).parent / "data" / "six-1.16.0.tar.gz"



@pytest.fixture(scope="module")
def calc_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("calc")
    for path, text in CALC.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


@pytest.fixture()
def cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.getbasetemp() / "runcache")


def _play(env, agent: Agent, seed: int, **options):
    traj = locogym.run_episode(env, agent, seed=seed, options=options)
    assert traj.score is not None
    return traj


@pytest.mark.slow
@pytest.mark.parametrize("env_id", ["LoCo-RepoPatch-v0", "LoCo-RepoReview-v0"])
def test_oracle_scores_one_and_noop_zero_on_synthetic_projects(env_id: str, cache: str) -> None:
    env = gym.make(env_id, sandbox="local", cache_dir=cache)
    try:
        for seed, difficulty in [(0, "medium"), (1, "hard")]:
            options = {"length": "4k", "difficulty": difficulty}
            oracle = _play(env, locogym.make_agent("oracle"), seed, **options)
            assert oracle.score.success == 1.0, oracle.score
            noop = _play(env, locogym.make_agent("noop"), seed, **options)
            assert noop.score.success == 0.0
            if difficulty == "hard":  # two injected defects; a review's change may add a faulty intent
                injected = [d for d in oracle.task.gold["defects"] if d["kind"] != "faulty_intent"]
                assert len(injected) == 2
    finally:
        env.close()


@pytest.mark.slow
def test_patch_task_content(calc_repo: Path, cache: str) -> None:
    env = gym.make("LoCo-RepoPatch-v0", sandbox="local", source=str(calc_repo), cache_dir=cache)
    try:
        obs, info = env.reset(seed=4)
        task = env.unwrapped.task
        gold = task.gold
        defect = gold["defects"][0]
        assert "run_tests" in [t["name"] for t in info["tools"]]
        assert defect["path"] not in obs and f"line {defect['line']}" not in obs  # a symptom, not a location
        for nodeid in gold["fail_to_pass"]:  # withheld from the workspace
            assert nodeid.split("::")[-1].split("[")[0] not in task.workspace[nodeid.split("::")[0]]
        visible = env.unwrapped.ctx.sandbox.read_file("tests/test_core.py").decode()
        assert visible == task.workspace["tests/test_core.py"]
        # the agent's run_tests sees the visible suite passing (the failing tests are withheld)
        obs, *_ = env.step({"name": "run_tests", "arguments": {}})
        assert "failed" not in obs and "passed" in obs
        # the same seed gives the same task, byte for byte; another seed another
        _, again = env.reset(seed=4)
        assert again["content_hash"] == info["content_hash"]
    finally:
        env.close()


def _fix_calls(task) -> list[ToolCall]:
    return [c for c in task.oracle_plan if c.name == "edit_file"]


@pytest.mark.slow
def test_breaking_a_pass_to_pass_test_is_not_a_success(calc_repo: Path, cache: str) -> None:
    env = gym.make("LoCo-RepoPatch-v0", sandbox="local", source=str(calc_repo), cache_dir=cache)
    try:
        env.reset(seed=4)
        task = env.unwrapped.task
        broken_function = "first_words" if task.gold["defects"][0]["function"] != "first_words" else "total"
        old = "return words[:count]" if broken_function == "first_words" else "return result"
        new = "return words" if broken_function == "first_words" else "return result + 1"
        calls = [*_fix_calls(task), ToolCall(name="edit_file", arguments={"path": "calc/core.py", "old": old,
                                                                             "new": new})]
        traj = _play(env, Scripted(calls), 4)
        assert traj.score.success == 0.0 and traj.score.outcome == "pass_to_pass_broken"
        assert traj.score.metrics["fail_to_pass_fixed"] == 1.0 and traj.score.metrics["pass_to_pass_broken"] >= 1
        assert "calc/core.py" in traj.final_state["changed"] and "--- a/calc/core.py" in traj.final_state["diff"]
    finally:
        env.close()


@pytest.mark.slow
def test_partial_credit_held_test_edits_and_deleted_tests(cache: str) -> None:
    env = gym.make("LoCo-RepoPatch-v0", sandbox="local", cache_dir=cache, defects=2)
    try:
        env.reset(seed=1, options={"length": "4k"})
        task = env.unwrapped.task
        assert len(task.gold["defects"]) == 2
        added_test = ToolCall(name="write_file", arguments={"path": "tests/test_added.py",
                                                            "content": "def test_added():\n    assert True\n"})
        # one of the two fixes alone makes some (not all) fail-to-pass tests pass: tests calling both defective
        # functions need both fixes, so try each
        scores = [_play(env, Scripted([fix, added_test]), 1, length="4k").score for fix in _fix_calls(task)]
        partial = [s for s in scores if s.outcome == "partial"]
        assert partial and all(0.0 < s.success < 1.0 for s in partial), scores
        assert "tests/test_added.py (test_file)" in partial[0].labels["held_edits"]  # recorded, not applied
        # a file that still holds graded tests (one whose only tests were withheld deletes nothing, and a file the
        # defects' failing tests live in may have the graded cases of a parametrized test withheld with them)
        files = {t.split("::")[0] for t in task.gold["pass_to_pass"]} - {t.split("::")[0] for t in task.gold[
            "fail_to_pass"]}
        test_file = sorted(files)[0]
        deleting_tests = ToolCall(name="write_file", arguments={"path": test_file, "content": ""})
        only_tests = _play(env, Scripted([deleting_tests]), 1, length="4k")
        assert only_tests.score.success == 0.0 and only_tests.score.outcome == "no_change"  # never applied
        assert f"{test_file} (test_file)" in only_tests.score.labels["held_edits"]
    finally:
        env.close()


@pytest.mark.slow
def test_review_workspace_withholds_the_failing_tests(calc_repo: Path, cache: str) -> None:
    env = gym.make("LoCo-RepoReview-v0", sandbox="local", source=str(calc_repo), cache_dir=cache)
    try:
        obs, _ = env.reset(seed=2)
        task = env.unwrapped.task
        assert "```diff\ndiff --git a/calc/core.py b/calc/core.py" in obs
        failing = task.gold["fail_to_pass"]
        assert failing
        for nodeid in failing:
            assert nodeid.split("::")[-1].split("[")[0] not in task.workspace["tests/test_core.py"]
        run = run_tests(env.unwrapped.ctx.sandbox, [])
        # the visible suite passes; the tests of the functions the change touches are withheld too, as decoys
        assert run.exit_code == 0 and 0 < len(run.passed) <= 8 - len(failing)
    finally:
        env.close()


@pytest.mark.slow
def test_real_project_from_a_source_archive(cache: str) -> None:
    for env_id in ("LoCo-RepoPatch-v0", "LoCo-RepoReview-v0"):
        env = gym.make(env_id, sandbox="local", source=str(SIX), cache_dir=cache)
        try:
            oracle = _play(env, locogym.make_agent("oracle"), 1)
            assert oracle.score.success == 1.0, oracle.score
            assert oracle.task.gold["repository"] == "six-1.16.0"
            assert all(d["path"] == "six.py" for d in oracle.task.gold["defects"])
            assert _play(env, locogym.make_agent("noop"), 1).score.success == 0.0
        finally:
            env.close()
    with tarfile.open(SIX) as archive:
        assert "six-1.16.0/test_six.py" in archive.getnames()


def test_arguments_are_checked() -> None:
    with pytest.raises(ConfigError, match="does not run pytest"):
        gym.make("LoCo-RepoPatch-v0", sandbox="local", test_command="make test")
    with pytest.raises(ConfigError, match="defects"):
        gym.make("LoCo-RepoPatch-v0", sandbox="local", defects=0)
    with pytest.raises(ConfigError, match="window"):
        gym.make("LoCo-RepoReview-v0", sandbox="local", window=-1)
    env = gym.make("LoCo-RepoPatch-v0", sandbox="fake")
    with pytest.raises(SandboxUnavailable, match="fake sandbox"):
        env.reset(seed=0)
    env.close()


def test_include_and_exclude_limit_where_defects_go(calc_repo: Path, cache: str, tmp_path: Path) -> None:
    from locogym.core.errors import DataError
    from locogym.scenarios.defects.project import read_settings

    env = gym.make("LoCo-RepoPatch-v0", sandbox="local", source=str(calc_repo), cache_dir=cache,
                   exclude=["calc/**"])
    try:
        with pytest.raises(DataError, match="no function"):
            env.reset(seed=0)
    finally:
        env.close()
    (tmp_path / "locogym.toml").write_text('test_command = "pytest tests"\ninclude = ["src/**"]\n'
                                           'exclude = ["src/gen/**"]\n[budget]\nmax_steps = 9\n')
    settings = read_settings(tmp_path)
    assert settings.test_args == ["tests"] and settings.budget.max_steps == 9
    assert settings.allows("src/pkg/a.py") and not settings.allows("src/gen/b.py") and not settings.allows("x.py")


@pytest.mark.slow
def test_the_task_does_not_depend_on_where_the_project_or_the_cache_lives(tmp_path: Path) -> None:
    """Same code, same seed: the same task byte for byte, whatever folder holds the project, its run cache or
    which image runs it (a task that changes with a temporary folder's name cannot be reproduced)."""
    hashes = []
    for where in ("a", "b"):
        root = tmp_path / where / "calc"
        for path, text in CALC.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
        env = gym.make("LoCo-RepoPatch-v0", sandbox="local", source=str(root),
                       cache_dir=str(tmp_path / f"cache-{where}"), image=f"example/image-{where}")
        env.reset(seed=3)
        recorded = env.unwrapped.trajectory.scenario.params
        assert "cache_dir" not in recorded and "image" not in recorded
        hashes.append(env.unwrapped.task.content_hash)
        env.close()
    assert hashes[0] == hashes[1]
