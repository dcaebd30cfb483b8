"""The oracle's ceiling over many seeds, on the families whose episodes are cheap enough to sweep.

The floor/ceiling test plays three seeds per family; a task generator can still produce, now and then, a task
whose evidence the oracle plan never reads or whose plan is not the one its grader accepts. Twenty-five seeds per
family catch those without making the suite slow.
"""

from __future__ import annotations

import warnings
from typing import Any

import gymnasium as gym
import pytest

import locogym  # noqa: F401 - registers the environments
from locogym.agents.baselines import OracleAgent
from locogym.harness.runner import run_episode

SWEEP_SEEDS = range(25)
SWEEPS = [
    ("LoCo-Repo-v0", {"sandbox": "local"}, {}),
    ("LoCo-Repo-v0", {"sandbox": "local"}, {"task": "multisession"}),
    ("LoCo-WikiHop-v0", {"mode": "agentic"}, {}),
    ("LoCo-FuncCall-v0", {}, {}),
]


@pytest.mark.slow
@pytest.mark.parametrize(("env_id", "make_kwargs", "options"), SWEEPS, ids=[f"{e}{o or ''}" for e, _k, o in SWEEPS])
def test_oracle_reaches_the_ceiling_on_every_seed(env_id: str, make_kwargs: dict[str, Any],
                                                   options: dict[str, Any]) -> None:
    below = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the local sandbox warns that it does not isolate
        env = gym.make(env_id, **make_kwargs)
        try:
            for seed in SWEEP_SEEDS:
                score = run_episode(env, OracleAgent(), seed=seed, options=options).score
                assert score is not None
                m = score.metrics
                if (score.success != 1.0 or score.labels["stop"] != "timely" or m["efficiency.step_ratio"] != 1.0
                        or m["cascade.errors"] != 0):
                    below.append({"seed": seed, "success": score.success, "stop": score.labels["stop"],
                                  "t_star": m.get("stop.t_star"), "step_ratio": m["efficiency.step_ratio"],
                                  "errors": m["cascade.errors"]})
        finally:
            env.close()
    assert not below, f"the oracle misses the ceiling on {len(below)} seed(s): {below}"
