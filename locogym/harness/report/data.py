"""A run folder as the reports see it: its plan, the current result of every episode, and its trajectories."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from locogym.core.errors import DataError
from locogym.core.types import EpisodeResult, Trajectory
from locogym.harness.recorder import read_trajectory
from locogym.harness.rundir import RunDir
from locogym.harness.spend import SpendLedger


@dataclass
class RunData:
    """The results of a run folder (the last line of each key), in the order they were first written."""

    path: Path
    results: list[EpisodeResult]
    plan: dict[str, Any] | None = None
    planned_keys: set[str] = field(default_factory=set)
    attempts: list[EpisodeResult] = field(default_factory=list)  # every line, superseded attempts included
    ledger_usd: float | None = None  # what the run's spending ledger (spend.json) says was spent, when it has one

    @property
    def done(self) -> list[EpisodeResult]:
        """Episodes that ran to an end (errored ones are infrastructure failures, never scored)."""
        return [r for r in self.results if r.status == "done" and r.score is not None]

    @property
    def errored(self) -> list[EpisodeResult]:
        return [r for r in self.results if r.status == "errored"]

    @property
    def refused(self) -> list[EpisodeResult]:
        """Tasks the options could not make (a length too short for the core), with the reason."""
        return [r for r in self.results if r.status == "refused"]

    @property
    def planned_agents(self) -> list[str]:
        """The agents the sealed plan names (label or spec), in its order; empty without a plan."""
        agents = (self.plan or {}).get("config", {}).get("agents") or []
        return [str(a.get("label") or a.get("spec")) for a in agents if isinstance(a, dict)]

    @property
    def planned_per_agent(self) -> int | None:
        """How many episodes the plan gives each agent (every agent plays the same grid), or None without one."""
        agents = self.planned_agents
        return len(self.planned_keys) // len(agents) if agents and self.planned_keys else None

    @property
    def missing(self) -> int:
        """Planned episodes with no result yet (the run was interrupted or is still going)."""
        return len(self.planned_keys - {r.key for r in self.results})

    def trajectory(self, result: EpisodeResult) -> Trajectory | None:
        """The recorded trajectory of ``result`` (None when it was never written)."""
        if not result.trajectory_path:
            return None
        path = self.path / result.trajectory_path
        if not path.exists():
            return None
        return read_trajectory(path)


def load_run(path: str | Path) -> RunData:
    """Read a run folder written by ``locogym tournament``.

    Raises:
        DataError: the folder holds no ``episodes.jsonl``, or a line of it is damaged.
    """
    run_dir = RunDir(path)
    if not run_dir.episodes_path.exists():
        raise DataError("No episodes.jsonl here: not a tournament run folder (or nothing has finished yet).",
                        path=str(run_dir.path), fix="Pass the --out folder of `locogym tournament`.")
    attempts = run_dir.attempts()
    latest = {result.key: result for result in attempts}
    plan = run_dir.read_plan()
    ledger = SpendLedger(run_dir.path, None)
    return RunData(path=run_dir.path, results=list(latest.values()), plan=plan,
                   planned_keys=set(plan.get("keys", [])) if plan else set(), attempts=attempts,
                   ledger_usd=ledger.spent_usd() if ledger.path.exists() else None)
