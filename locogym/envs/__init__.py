"""The registered environments. IDs never change within an env version; tool sets are fixed per ID."""

from __future__ import annotations

import gymnasium as gym

from locogym.envs.base import Budget, EpisodeListener, LocoEnv

# id -> (entry point, family, one-line summary)
ENVIRONMENTS: dict[str, tuple[str, str, str]] = {
    "LoCo-Repo-v0": ("locogym.envs.repo:RepoEnv", "repo",
                     "Questions and multi-session work on long codebases, answers checked by a code index."),
    "LoCo-RepoPatch-v0": ("locogym.envs.repo_patch:RepoPatchEnv", "repo_patch",
                          "Fix an injected, test-validated defect in a long codebase; graded by running tests."),
    "LoCo-RepoReview-v0": ("locogym.envs.repo_review:RepoReviewEnv", "repo_review",
                           "Find defects hidden in a long diff among benign refactors; graded by matching findings."),
    "LoCo-WikiHop-v0": ("locogym.envs.wiki:WikiHopEnv", "wiki",
                        "Multi-hop questions over a linked encyclopedia; static haystacks or agentic search."),
    "LoCo-FuncCall-v0": ("locogym.envs.funccall:FuncCallEnv", "funccall",
                         "Multi-step constrained function calling in a stateful travel-booking world."),
}
ENV_IDS = tuple(ENVIRONMENTS)


def register_all() -> None:
    """Register every id. Gymnasium's passive checker is off: the test suite runs the full ``check_env`` on each
    env, and the passive wrapper breaks after a first ``reset`` that raises (a bad option), turning the next
    episode's ``step`` into a TypeError instead of the ConfigError the user must see."""
    for env_id, (entry_point, _family, _summary) in ENVIRONMENTS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=entry_point, nondeterministic=False, disable_env_checker=True)


register_all()

__all__ = ["ENVIRONMENTS", "ENV_IDS", "Budget", "EpisodeListener", "LocoEnv", "register_all"]
