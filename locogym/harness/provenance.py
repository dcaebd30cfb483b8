"""Who and what made an episode: the facts every record carries so that a score can be judged on its own.

A leaderboard row means little without knowing whether the agent was handed the hidden task (a privileged
reference such as the oracle), whether its commands ran isolated, which release generated the task and which
task it was. The trajectory header records them as the episode starts; :func:`result_fields` copies them into
the episode's ``episodes.jsonl`` row.
"""

from __future__ import annotations

from typing import Any

from locogym.core.types import EpisodeResult, Trajectory, stable_hash

UNISOLATED_BACKENDS = frozenset({"local"})


def is_isolated(backend: str | None) -> bool | None:
    """False for a backend whose commands run on the host (``local``); None for an episode without a sandbox."""
    if backend is None:
        return None
    return backend not in UNISOLATED_BACKENDS


def default_episode_key(trajectory: Trajectory) -> str:
    """The key of an episode run outside a tournament: env id, scenario, agent name and settings (the design's
    episode key; tournaments add the budget)."""
    return stable_hash({"env": trajectory.env_id, "scenario": trajectory.scenario.model_dump(mode="json"),
                        "agent": trajectory.agent, "settings": trajectory.agent_settings}, 24)


def task_kind(trajectory: Trajectory) -> str:
    """The family's task kind (qa, multisession, ...), or the family itself when it has a single kind."""
    return trajectory.scenario.task or trajectory.scenario.family


def result_fields(trajectory: Trajectory) -> dict[str, Any]:
    """The provenance fields of an :class:`~locogym.core.types.EpisodeResult`, taken from the trajectory."""
    return {"agent_privileged": trajectory.agent_privileged, "sandbox": trajectory.sandbox,
            "sandbox_isolated": is_isolated(trajectory.sandbox), "task_kind": task_kind(trajectory),
            "locogym_version": trajectory.locogym_version,
            "content_hash": trajectory.task.content_hash if trajectory.task else "",
            "core_hash": trajectory.task.core_hash if trajectory.task else "",
            "depth": trajectory.task.depth if trajectory.task else None,
            "context_truncated": sum(1 for e in trajectory.events if e.get("kind") == "context_truncated"),
            "salt_hash": trajectory.salt_hash, "seal": trajectory.seal}


def recorded_sandboxes(results: list[EpisodeResult]) -> list[str]:
    """The backends the run's finished episodes actually ran in (families without a sandbox add none)."""
    return sorted({r.sandbox for r in results if r.status == "done" and r.sandbox is not None})


def recorded_salts(results: list[EpisodeResult]) -> list[str | None]:
    """The salt fingerprints of the run's finished episodes (None: no salt), so that runs are not mixed."""
    return sorted({r.salt_hash for r in results if r.status == "done"}, key=lambda h: h or "")
