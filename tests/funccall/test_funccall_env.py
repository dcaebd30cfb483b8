"""LoCo-FuncCall-v0 as an environment: contract, determinism, the oracle's ceiling and the noop's floor."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from gymnasium.utils.env_checker import check_env

from locogym import make_agent, run_episode
from locogym.core import tokens
from locogym.core.errors import ConfigError
from locogym.scenarios.funccall.templates import TEMPLATES
from tests.funccall.funccall_support import make

ROOT = Path(__file__).resolve().parents[2]


def test_check_env_passes_and_the_sandbox_argument_is_ignored() -> None:
    env = make(sandbox="fake")
    check_env(env)
    obs, info = env.reset(seed=1)
    assert info["sandbox"] is None and "submit" in [t["name"] for t in info["tools"]]
    assert len(info["tools"]) == 41  # 40 APIs and submit
    env.close()


@pytest.mark.slow
@pytest.mark.parametrize("agent", ["oracle", "noop"])
def test_oracle_scores_one_and_noop_zero_on_every_seed(agent: str) -> None:
    env = make()
    seen = set()
    for seed in range(48):
        traj = run_episode(env, make_agent(agent), seed=seed, options={"length": "4k"})
        assert traj.score is not None and traj.task is not None
        seen.add(traj.task.meta["template"])
        expected = 1.0 if agent == "oracle" else 0.0
        assert traj.score.success == expected, (seed, traj.task.meta["template"], traj.score)
        if agent == "oracle":
            assert traj.score.metrics["fc.step_credit"] == 1.0 and traj.score.metrics["fc.wrong_calls"] == 0
            assert all(not s.annotations.get("wrong") for s in traj.steps)
        else:
            assert traj.score.outcome == "no_answer"
    assert seen == set(TEMPLATES)


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_at_a_long_length_is_solved_by_its_oracle(template: str) -> None:
    env = make()
    traj = run_episode(env, make_agent("oracle"), seed=5, options={"length": "32k", "task": template})
    assert traj.score is not None and traj.score.success == 1.0
    assert traj.task is not None and traj.task.meta["world"]["size"] > 1
    assert 2 <= len(traj.task.oracle_plan) - 1 <= 12


def test_auto_response_size_moves_the_episode_towards_the_target_length() -> None:
    env = make()
    lengths = {}
    for length in ("4k", "32k"):
        env.reset(seed=3, options={"length": length, "task": "flight_then_taxi"})
        assert env.task is not None
        lengths[length] = env.task.length_tokens
    assert lengths["32k"] > 3 * lengths["4k"]
    assert abs(lengths["32k"] - 32768) < 0.35 * 32768


def test_explicit_response_size_scales_every_response() -> None:
    env = make()
    sizes = []
    for size in (1, 8):
        traj = run_episode(env, make_agent("oracle"), seed=9, options={"response_size": size, "task": "hotel_cheapest"})
        assert traj.score is not None and traj.score.success == 1.0
        sizes.append(sum(tokens.count(s.result.output) for s in traj.steps))
    assert sizes[1] > 2 * sizes[0]


def test_same_seed_gives_the_same_task_and_transcript_in_another_process() -> None:
    env = make()
    traj = run_episode(env, make_agent("oracle"), seed=21, options={"length": "8k"})
    assert traj.task is not None
    outputs = [s.result.output for s in traj.steps]
    probe = (
        "import sys, json, hashlib, gymnasium as gym, locogym\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from locogym import make_agent, run_episode\n"
        "env = gym.make('LoCo-FuncCall-v0')\n"
        "t = run_episode(env, make_agent('oracle'), seed=21, options={'length': '8k'})\n"
        "print(json.dumps({'hash': t.task.content_hash, 'out': hashlib.sha256("
        "'\\n'.join(s.result.output for s in t.steps).encode()).hexdigest()}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "987", "PATH": "/usr/bin:/bin"})
    remote = json.loads(out.stdout.strip().splitlines()[-1])
    import hashlib

    assert remote == {"hash": traj.task.content_hash,
                      "out": hashlib.sha256("\n".join(outputs).encode()).hexdigest()}


def test_the_infeasible_share_is_the_same_whatever_the_prompt_shows() -> None:
    """One coin, tossed before the template draws anything the prompt shows: the share is the same for every
    template (with or without a budget cap or a time slot), difficulty and length, within binomial noise."""
    from locogym.core.tokens import parse_length
    from locogym.core.types import ScenarioConfig
    from locogym.scenarios.funccall.generator import INFEASIBLE_SHARE, first_draws
    from locogym.scenarios.funccall.templates import TEMPLATES

    assert all(has for _fn, has in TEMPLATES.values())
    flags: dict[tuple[str, str], list[bool]] = {}
    for template in sorted(TEMPLATES):
        for seed in range(800):  # difficulty and length cycle with the seed, so each feature is pooled over the rest
            difficulty, length = ("easy", "medium", "hard")[seed % 3], ("4k", "32k", "128k", "8k")[seed % 4]
            config = ScenarioConfig(family="funccall", seed=seed, task=template, difficulty=difficulty,
                                    length=parse_length(length))
            infeasible = first_draws(config)[2]
            for feature in (("template", template), ("difficulty", difficulty), ("length", length)):
                flags.setdefault(feature, []).append(infeasible)
    for feature, seen in flags.items():
        share, sd = sum(seen) / len(seen), (INFEASIBLE_SHARE * (1 - INFEASIBLE_SHARE) / len(seen)) ** 0.5
        assert abs(share - INFEASIBLE_SHARE) <= 3.5 * sd, (feature, share, len(seen))
    assert INFEASIBLE_SHARE <= 0.05


def test_bad_arguments_and_options_name_the_fix() -> None:
    with pytest.raises(ConfigError, match="complexfuncbench"):
        make(data="somewhere.jsonl")
    with pytest.raises(ConfigError, match="response_size"):
        make(response_size="huge")
    with pytest.raises(ConfigError, match="does not exist"):
        make(data="complexfuncbench:no/such/file.jsonl")
    env = make()
    with pytest.raises(ConfigError, match="template"):
        env.reset(seed=0, options={"task": "no_such_template"})
    with pytest.raises(ConfigError, match="Allowed"):
        env.reset(seed=0, options={"colour": "red"})


def test_the_heuristic_baseline_runs_cleanly_and_stays_below_the_oracle() -> None:
    env = make()
    scores = []
    for seed in range(18):
        traj = run_episode(env, make_agent("heuristic"), seed=seed, options={"length": "4k"})
        assert traj.score is not None
        assert not [s for s in traj.steps if s.result.error is not None and s.result.error.value == "internal"]
        assert traj.termination == "submitted"
        scores.append(traj.score.success)
    assert 0.0 < sum(scores) / len(scores) < 0.9
