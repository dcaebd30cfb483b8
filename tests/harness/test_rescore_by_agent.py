"""The re-score report's per-agent table on hand-made checks: means over the agent's own episodes (one episode
included), an unscored re-grade counting as 0, differing and unchecked episodes counted, and an agent marked as a
reference as soon as one of its episodes was privileged."""

from __future__ import annotations

from locogym.harness.rescore import EpisodeCheck, RescoreCheck


def _check(agent: str, n: int, recorded: float, regraded: float | None, *, privileged: bool = False,
           verdict: str = "same") -> EpisodeCheck:
    return EpisodeCheck(key=f"{agent}-{n}", agent=agent, env="LoCo-WikiHop-v0", privileged=privileged,
                        recorded=recorded, regraded=regraded, verdict=verdict)  # type: ignore[arg-type]


def test_per_agent_means_counts_and_reference_flags() -> None:
    check = RescoreCheck(episodes=[
        _check("solo", 0, 1.0, 1.0),
        _check("pair", 0, 1.0, 0.0, verdict="differs"), _check("pair", 1, 0.0, None, verdict="unchecked"),
        _check("oracle", 0, 1.0, 1.0), _check("oracle", 1, 1.0, 1.0, privileged=True),
        _check("oracle", 2, 1.0, 1.0),
    ])
    rows = check.by_agent()
    assert rows["solo"] == {"episodes": 1, "recorded": 1.0, "regraded": 1.0, "differing": 0, "reference": False}
    assert rows["pair"] == {"episodes": 2, "recorded": 0.5, "regraded": 0.0, "differing": 2, "reference": False}
    assert rows["oracle"]["reference"] is True and rows["oracle"]["differing"] == 0
    assert not check.ok and [e.key for e in check.failed] == ["pair-0", "pair-1"]
