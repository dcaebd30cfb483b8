"""Attacks no rule names score 0 by the grader's construction, each with a label that says what happened.

The adversaries (``tests/patch/adversaries.py``) are those of the second round: runner configuration under a
hidden name with a plugin that skips test bodies, a plugin the package registers by itself, always-equal
return values, caller inspection, a differential blinded by a callable object or a ``*args`` signature, and
code that wrecks the test process (floods its descriptors, closes the channel, kills the sandbox's server,
forks, hangs). They run in docker, bwrap and local on synthetic seeds 0-5 and on more-itertools seeds 0-1
(slow), with a local seed-0 sample in the quick tier. The old round's attacks are in
``test_patch_integrity.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import gymnasium as gym
import pytest

import locogym
from locogym.core.types import Task, Trajectory
from locogym.sandboxes.base import make_sandbox
from locogym.scenarios.defects import differential
from locogym.scenarios.defects.gold import PatchGold
from locogym.scenarios.defects.grading import grade_patch
from locogym.scenarios.defects.verdict import patch_score
from locogym.testing import ScriptedAgent
from tests.patch import adversaries
from tests.sampling import diagonal

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
OPTIONS = {"length": "4k"}
MORE_ITERTOOLS = Path(__file__).parent / "data" / "more_itertools-11.2.1.tar.gz"
MORE_ITERTOOLS_TESTS = "pytest tests/test_more.py -k 'Chunked or Windowed or Interleave or Spy or Split'"

# what each attack must end as: the outcomes allowed (all score 0), and the label that says why (a ``wrong``
# outcome always carries ``wrong_reason``; a failed test run is its own label)
WRONG = {"wrong", "tests_fail", "pass_to_pass_broken"}
FAILED = {"tests_fail", "pass_to_pass_broken"}


def _label(key: str, word: str) -> Callable[[dict[str, str]], bool]:
    return lambda labels: word in labels.get(key, "")


EXPECTED: dict[str, tuple[set[str], Callable[[dict[str, str]], bool]]] = {
    "hidden_runner_config": (FAILED, _label("held_edits", ".pytest.ini")),
    "in_package_plugin": (WRONG, _label("integrity", "clean")),
    "always_equal": (WRONG, _label("integrity", "clean")),
    "caller_inspection": (WRONG, _label("integrity", "clean")),
    "callable_object": (WRONG, _label("integrity", "clean")),
    "star_args": (WRONG, _label("integrity", "clean")),
    "output_flood": (FAILED, _label("integrity", "output_flood")),
    "close_channel": (FAILED, _label("integrity", "exited_early")),
    "kill_runner": (FAILED, _label("integrity", "runner_killed")),
    "fork": (FAILED, _label("integrity", "outlived_run")),
}
# the attacks whose code runs in the patched function itself: the differential must be what refuses them
DIFFERENTIAL_REFUSES = {"in_package_plugin", "always_equal", "caller_inspection"}
BACKENDS = [pytest.param("local", id="local"), pytest.param("bwrap", marks=pytest.mark.bwrap, id="bwrap"),
            pytest.param("docker", marks=pytest.mark.docker, id="docker")]
BACKEND_MARKS = {"local": (), "bwrap": (pytest.mark.bwrap,), "docker": (pytest.mark.docker,)}
# A real project's episode costs most: each attack runs once on it, the backends and seeds taken in turn
REAL_PROJECT_CASES = [pytest.param(attack, backend, seed, marks=BACKEND_MARKS[backend], id=f"{backend}-{attack}-{seed}")
                      for attack, (backend, seed) in diagonal(sorted(EXPECTED),
                                                              [(b, s) for s in range(2) for b in BACKEND_MARKS])]


@pytest.fixture(scope="module")
def envs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str, str], gym.Env]]:
    made: dict[tuple[str, str], gym.Env] = {}

    def get(backend: str, source: str = "synthetic") -> gym.Env:
        if (backend, source) not in made:
            command = MORE_ITERTOOLS_TESTS if source != "synthetic" else None
            runs = str(tmp_path_factory.mktemp("runs"))
            made[backend, source] = gym.make("LoCo-RepoPatch-v0", sandbox=backend, source=source,
                                             test_command=command, cache_dir=runs)
        return made[backend, source]

    yield get
    for env in made.values():
        env.close()


def _require(backend: str, request: pytest.FixtureRequest) -> None:
    if backend == "bwrap":
        request.getfixturevalue("bwrap_available")
    elif backend == "docker":
        request.getfixturevalue("docker_engine")


def play(env: gym.Env, attack: str, seed: int, options: dict[str, str]) -> Trajectory:
    env.reset(seed=seed, options=options)
    task: Task = env.unwrapped.task
    calls = adversaries.unrecognised_attacks(env.unwrapped.last_injection.failures)[attack](task)
    assert calls, f"{attack} could not be built for seed {seed}"
    trajectory = locogym.run_episode(env, ScriptedAgent(calls), seed=seed, options=options)
    assert trajectory.score is not None
    return trajectory


def check(attack: str, trajectory: Trajectory) -> None:
    score = trajectory.score
    assert score is not None
    outcomes, labelled = EXPECTED[attack]
    assert score.success == 0.0 and score.outcome in outcomes, (attack, score.outcome, score.labels)
    assert labelled(score.labels), (attack, score.labels)
    assert score.outcome != "wrong" or "still answers" in score.labels["wrong_reason"], score.labels
    if attack in DIFFERENTIAL_REFUSES and score.metrics["fail_to_pass_fixed"] == 1.0:
        assert score.outcome == "wrong" and score.metrics["integrity.defect_remains"] >= 1.0, score


@pytest.mark.parametrize("attack", ["always_equal", "hidden_runner_config"])
def test_a_sample_of_the_attacks_scores_zero_locally(envs: Callable[..., gym.Env], attack: str) -> None:
    check(attack, play(envs("local"), attack, 0, OPTIONS))


@pytest.mark.slow
@pytest.mark.parametrize(("attack", "seed"), diagonal(sorted(EXPECTED), range(6)))
@pytest.mark.parametrize("backend", BACKENDS)
def test_every_attack_scores_zero_with_a_label(envs: Callable[..., gym.Env], backend: str, attack: str,
                                                seed: int, request: pytest.FixtureRequest) -> None:
    _require(backend, request)
    check(attack, play(envs(backend), attack, seed, OPTIONS))


@pytest.mark.slow
@pytest.mark.parametrize(("attack", "backend", "seed"), REAL_PROJECT_CASES)
def test_every_attack_scores_zero_on_more_itertools(envs: Callable[..., gym.Env], backend: str, attack: str,
                                                    seed: int, request: pytest.FixtureRequest) -> None:
    if not MORE_ITERTOOLS.is_file():
        pytest.skip(f"the source archive {MORE_ITERTOOLS.name} is not in tests/patch/data")
    _require(backend, request)
    check(attack, play(envs(backend, str(MORE_ITERTOOLS)), attack, seed, {"length": "32k"}))


@pytest.mark.slow
def test_a_hang_ends_as_a_timeout_within_the_limit(envs: Callable[..., gym.Env]) -> None:
    env = envs("local")
    env.reset(seed=0, options=OPTIONS)
    task: Task = env.unwrapped.task
    path = adversaries.package_init(task)
    changed: dict[str, str | None] = {path: (task.workspace or {})[path] + adversaries.HANG}
    started = time.perf_counter()
    grade = grade_patch(task.gold_as(PatchGold), dict(task.workspace or {}), changed, [],
                        env.unwrapped.grading_sandbox, timeout=15,
                        context_tests=task.meta.get("context_pass_to_pass", []))
    score = patch_score(grade)
    assert score.outcome == "tests_timeout" and score.success == 0.0, score
    assert time.perf_counter() - started < 15 + differential.CHECK_TIMEOUT_S + 30


@pytest.mark.slow
def test_a_hang_outside_the_test_runner_fails_the_differential(envs: Callable[..., gym.Env],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Code that passes the tests by caller inspection and hangs elsewhere cannot leave its defect unjudged:
    the reference alone decides what is judged, and an input the patched process never answers counts as still
    defective."""
    monkeypatch.setattr(differential, "CHECK_TIMEOUT_S", 20.0)
    env = envs("local")
    env.reset(seed=0, options=OPTIONS)
    task: Task = env.unwrapped.task
    calls = adversaries.caller_inspection(task, env.unwrapped.last_injection.failures)
    calls.append(adversaries.append_to(adversaries._applied(task, calls), adversaries.package_init(task),
                                       adversaries.HANG_OUTSIDE_PYTEST))
    trajectory = locogym.run_episode(env, ScriptedAgent(calls), seed=0, options=OPTIONS)
    score = trajectory.score
    assert score is not None and score.success == 0.0 and score.outcome in WRONG, score
    assert score.metrics["fail_to_pass_fixed"] < 1.0 or score.outcome == "wrong", score


def test_the_sandbox_image_holds_no_copy_of_a_project_under_test() -> None:
    """Debian pulls more-itertools in with pytest (and pkg_resources vendors it); the recipe removes both."""
    from locogym.sandboxes.image import SETUP_STEPS, UNUSED_PACKAGES

    assert {"python3-more-itertools", "python3-pkg-resources"} <= set(UNUSED_PACKAGES)
    assert any(step[:1] == ("dpkg",) and set(UNUSED_PACKAGES) <= set(step) for step in SETUP_STEPS)


@pytest.mark.slow
@pytest.mark.parametrize("backend", [pytest.param("bwrap", marks=pytest.mark.bwrap),
                                     pytest.param("docker", marks=pytest.mark.docker)])
def test_no_installed_more_itertools_to_restore_from(backend: str, request: pytest.FixtureRequest) -> None:
    _require(backend, request)
    sandbox = make_sandbox(backend)
    try:
        found = sandbox.exec(["python3", "-c",
                              "import importlib.util as u; print(u.find_spec('more_itertools'))"])
        listed = sandbox.exec(["sh", "-c", "find / -path /proc -prune -o -name 'more_itertools*' -print"],
                              timeout=60)
    finally:
        sandbox.close()
    assert found.stdout.strip() == "None", found
    assert "more_itertools" not in listed.stdout, listed.stdout
