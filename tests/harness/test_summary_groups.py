"""The summary's groupings on hand-made run data: the success per third of the context counts each episode in its
own third only, refused tasks come off an agent's plan one for one, only the local sandbox counts as unisolated,
and calibration reads only the episodes that were scored."""

from __future__ import annotations

from pathlib import Path

from locogym.core.types import EpisodeResult, EpisodeScore
from locogym.harness.report.data import RunData
from locogym.harness.report.summary import summarise

ENV = "LoCo-WikiHop-v0"


def _done(agent: str, seed: int, success: float, *, depth: float | None = None,
          isolated: bool | None = None) -> EpisodeResult:
    return EpisodeResult(key=f"{agent}-{seed}", agent=agent, env=ENV, seed=seed, length=8192,
                         score=EpisodeScore(success=success, outcome="correct" if success else "wrong"),
                         termination="submitted", depth=depth, sandbox_isolated=isolated)


def _refused(agent: str, seed: int) -> EpisodeResult:
    return EpisodeResult(key=f"{agent}-{seed}", agent=agent, env=ENV, seed=seed, length=8192, status="refused",
                         error="the length cannot hold the task's core")


def _plan(agents: list[str], seeds: int) -> tuple[dict[str, object], set[str]]:
    return ({"config": {"agents": [{"spec": a} for a in agents]}},
            {f"{a}-{s}" for a in agents for s in range(seeds)})


def test_each_third_of_the_context_averages_only_the_episodes_whose_evidence_sat_there(tmp_path: Path) -> None:
    results = [_done("a", 0, 1.0, depth=0.1), _done("a", 1, 0.0, depth=0.5), _done("a", 2, 0.0, depth=0.55),
               _done("a", 3, 1.0, depth=0.9), _done("b", 0, 1.0)]
    depths = summarise(RunData(path=tmp_path, results=results)).depths
    assert set(depths) == {"a"}  # an agent whose episodes recorded no depth has no row
    assert {name: (iv.mean, iv.n) for name, iv in depths["a"].items()} == \
        {"start": (1.0, 1), "middle": (0.0, 2), "end": (1.0, 1)}


def test_refused_tasks_come_off_each_agents_plan_one_for_one(tmp_path: Path) -> None:
    plan, keys = _plan(["a", "b"], 4)
    results = [_done("a", 0, 1.0), _done("a", 1, 1.0), _refused("a", 2), _refused("a", 3),
               _done("b", 0, 1.0), _done("b", 1, 1.0), _done("b", 2, 0.0), _refused("b", 3)]
    rows = {row.agent: row for row in summarise(RunData(path=tmp_path, results=results, plan=plan,
                                                        planned_keys=keys)).rows}
    assert (rows["a"].planned, rows["a"].episodes, rows["a"].incomplete) == (2, 2, False)
    assert (rows["b"].planned, rows["b"].episodes, rows["b"].incomplete) == (3, 3, False)


def test_only_episodes_run_without_isolation_count_as_unisolated(tmp_path: Path) -> None:
    results = [_done("a", 0, 1.0, isolated=False), _done("a", 1, 1.0, isolated=True), _done("a", 2, 1.0),
               _done("a", 3, 1.0), _done("a", 4, 1.0), _done("b", 0, 0.0, isolated=False)]
    assert summarise(RunData(path=tmp_path, results=results)).unisolated == 2


def test_an_empty_third_is_an_empty_interval_not_a_score(tmp_path: Path) -> None:
    depths = summarise(RunData(path=tmp_path, results=[_done("a", 0, 1.0, depth=0.1)])).depths["a"]
    assert (depths["middle"].mean, depths["middle"].n) == (0.0, 0)
    assert (depths["end"].mean, depths["end"].n) == (0.0, 0)
