"""Floor and ceiling on every family: the noop agent gets the floor, the oracle the ceiling.

Every registered environment is played by both baselines on a few seeds, without Docker: families that need a
sandbox run on the ``local`` backend. Besides the absolute floor and ceiling, every headline metric must
separate the two baselines: a metric on which doing nothing and solving the task look alike measures nothing.
"""

from __future__ import annotations

import warnings
from typing import Any

import gymnasium as gym
import pytest

import locogym  # noqa: F401 - registers the environments
from locogym.agents.baselines import NoopAgent, OracleAgent
from locogym.core.types import EpisodeScore
from locogym.envs import env_class, env_ids
from locogym.harness.runner import run_episode
from locogym.scoring import is_behaviour_key
from tests.fixture_family import FIXTURE_ID, register

register()
SEEDS = (0, 1, 2)
# Every metric the scorer emits is in exactly one of these three groups; a new metric must be placed in one.
# SEPARATING: metric -> +1 when higher is better, -1 when lower is better; noop and oracle must not overlap.
SEPARATING = {
    "success": +1,
    "cascade.errors": -1, "cascade.error_free": +1, "cascade.longest_chain": -1, "cascade.recovery_rate": +1,
    "stop.evidence_recall": +1, "stop.premature": -1, "stop.sound": +1,
    "stop.session_sound_rate": +1, "stop.session_premature_rate": -1,
    "efficiency.score": +1, "efficiency.step_ratio": +1, "efficiency.token_ratio": +1, "efficiency.evidence_tokens": +1,
    "efficiency.evidence_token_share": +1,
    "consistency.truth_rate": +1, "consistency.answered_rate": +1, "consistency.self_agreement": +1,
}
# Counts and rates of a failure the agent has to act to commit: the noop never acts, so it lands on the
# oracle's 0. They rank agents that do act; they cannot separate these two baselines (see docs/scoring.md).
ACTING_FAILURES = {
    "cascade.cascading", "cascade.rate", "cascade.recovered", "stop.overrun", "stop.over_search", "stop.never",
    "stop.lucky_guess", "stop.unsupported", "stop.session_over_search_rate", "efficiency.redundant",
    "efficiency.redundant_rate", "efficiency.invalid",
    "consistency.contradiction_rate", "consistency.stale_rate",
}
# Positions, sizes and raw costs that describe an episode rather than grade it.
DESCRIPTIVE = {
    "cascade.first_error", "stop.t_star", "stop.step", "stop.evidence_total", "efficiency.steps",
    "efficiency.oracle_steps", "efficiency.obs_tokens", "efficiency.oracle_obs_tokens",
    "efficiency.tokens_per_evidence_token", "consistency.probes", "consistency.pairs", "consistency.changed_pairs",
    "consistency.after_change", "stop.sessions_judged",
    # the two parts of stop.sound: which one the oracle earns depends on whether the prompt shows the evidence
    "stop.timely", "stop.from_context",
}


def _value(score: EpisodeScore, name: str) -> float:
    return float(score.success) if name == "success" else score.metrics[name]


def _play(env_id: str, make_kwargs: dict[str, Any], options: dict[str, Any]) -> dict[str, list[EpisodeScore]]:
    scores: dict[str, list[EpisodeScore]] = {"noop": [], "oracle": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the local sandbox warns that it does not isolate
        env = gym.make(env_id, **make_kwargs)
        try:
            for agent in (NoopAgent(), OracleAgent()):
                for seed in SEEDS:
                    traj = run_episode(env, agent, seed=seed, options=options)
                    assert traj.score is not None
                    scores[agent.name].append(traj.score)
        finally:
            env.close()
    return scores


def _check_floor_and_ceiling(scores: dict[str, list[EpisodeScore]]) -> None:
    for s in scores["noop"]:
        assert s.success == 0.0, f"noop scored {s.success} ({s.outcome})"
        assert s.labels["stop"] == "premature", s.labels
        assert "efficiency.step_ratio" not in s.metrics and s.metrics["efficiency.score"] == 0.0
    for s in scores["oracle"]:
        assert s.success == 1.0, f"oracle scored {s.success} ({s.outcome})"
        assert s.labels["stop"] in ("timely", "from-context"), (s.labels, s.metrics.get("stop.t_star"),
                                                                s.metrics["stop.step"])
        assert s.metrics["stop.sound"] == 1.0 and s.labels["efficiency"] == "solved"
        assert s.metrics["efficiency.score"] >= 0.95, s.metrics
        assert s.metrics["efficiency.step_ratio"] == 1.0, (s.metrics["efficiency.steps"],
                                                            s.metrics["efficiency.oracle_steps"])
        assert s.metrics["cascade.errors"] == 0 and s.labels["cascade"] == "none"
        if "efficiency.token_ratio" in s.metrics:
            assert abs(s.metrics["efficiency.token_ratio"] - 1.0) <= 0.05, (
                f"oracle token ratio {s.metrics['efficiency.token_ratio']:.3f}: Task.meta['oracle_obs_tokens'] "
                f"({s.metrics['efficiency.oracle_obs_tokens']:.0f}) must be the tokens the oracle plan's tool "
                "calls return (their results' `tokens`), submits left out")
    if "consistency.truth_rate" in scores["oracle"][0].metrics:
        for s in scores["oracle"]:
            assert s.metrics["consistency.truth_rate"] == 1.0
            assert s.metrics.get("consistency.contradiction_rate", 0.0) == 0.0
    emitted = {k for s in scores["noop"] + scores["oracle"] for k in s.metrics if is_behaviour_key(k)}
    unplaced = ({k for k in emitted if not k.startswith("efficiency.invalid.")}
                - set(SEPARATING) - ACTING_FAILURES - DESCRIPTIVE)
    assert not unplaced, f"place these metrics in SEPARATING, ACTING_FAILURES or DESCRIPTIVE: {sorted(unplaced)}"
    for name, direction in SEPARATING.items():
        if name != "success" and not all(name in s.metrics for s in scores["noop"] + scores["oracle"]):
            continue  # not emitted for this family (token_ratio without oracle tokens, consistency without probes)
        noop = [_value(s, name) for s in scores["noop"]]
        oracle = [_value(s, name) for s in scores["oracle"]]
        # the baselines are deterministic, so "noise" is the spread across seeds: the ranges must not overlap
        if direction > 0:
            assert min(oracle) > max(noop), f"{name}: oracle {oracle} does not beat noop {noop}"
        else:
            assert max(oracle) < min(noop), f"{name}: oracle {oracle} does not beat noop {noop}"


@pytest.mark.parametrize("sessions", [1, 3])
def test_fixture_family_floor_and_ceiling(sessions: int) -> None:
    _check_floor_and_ceiling(_play(FIXTURE_ID, {}, {"sessions": sessions}))


# Family settings that change what an episode is, each checked on its own: (gym.make kwargs, reset options).
VARIANTS: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {
    "LoCo-WikiHop-v0": [({"mode": "agentic"}, {}), ({"mode": "rounds"}, {})],
    "LoCo-Repo-v0": [({}, {"task": "multisession"})],
}
CASES = [(env_id, {}, {}) for env_id in env_ids() if env_id != FIXTURE_ID] + \
    [(e, k, o) for e, vs in VARIANTS.items() for k, o in vs]


@pytest.mark.slow
@pytest.mark.parametrize(("env_id", "make_kwargs", "options"), CASES,
                         ids=[f"{e}{k or ''}{o or ''}" for e, k, o in CASES])
def test_registered_family_floor_and_ceiling(env_id: str, make_kwargs: dict[str, Any], options: dict[str, Any]) -> None:
    uses_sandbox = env_class(env_id).uses_sandbox
    kwargs = {**make_kwargs, **({"sandbox": "local"} if uses_sandbox else {})}
    _check_floor_and_ceiling(_play(env_id, kwargs, options))
