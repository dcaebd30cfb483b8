"""The report summary's rules on hand-made runs: which metric a behaviour's headline shows, which way each headline
is better, how spend, curves, per-env scores and metric tables split a run, where agents without episodes rank,
when the lengths of two environments pair, and what an empty group or an isolated run shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from locogym.core.types import EpisodeResult, EpisodeScore, ModelUsage
from locogym.harness.report.data import RunData
from locogym.harness.report.summary import (
    AgentRow,
    Summary,
    curve_points,
    fmt_degradation,
    higher_is_better,
    interval,
    rank_labels,
    summarise,
    uninformative,
    unisolated_note,
)
from locogym.scoring.aggregate import Interval
from locogym.scoring.paired import Degradation, PairedCurve, Unpaired

WIKI, HOP = "LoCo-WikiHop-v0", "LoCo-FuncCall-v0"


def _ep(agent: str, seed: int, success: float, *, env: str = WIKI, length: int = 8192,
        metrics: dict[str, float] | None = None, steps: int = 0, usage: ModelUsage | None = None,
        status: str = "done") -> EpisodeResult:
    score = EpisodeScore(success=success, outcome="correct" if success else "wrong", metrics=metrics or {}) \
        if status == "done" else None
    return EpisodeResult(key=f"{agent}-{env}-{seed}-{length}", agent=agent, env=env, seed=seed, length=length,
                         score=score, status=status, termination="submitted", core_hash=f"{env}-{seed}",
                         steps=steps, usage=usage or ModelUsage())  # type: ignore[arg-type]


def _summary(tmp_path: Path, results: list[EpisodeResult], **run: object) -> Summary:
    return summarise(RunData(path=tmp_path, results=results, **run))  # type: ignore[arg-type]


def _headlines(tmp_path: Path, metrics: dict[str, float]) -> dict[str, str | None]:
    return _summary(tmp_path, [_ep("a", 0, 1.0, metrics=metrics)]).headline_keys


def test_each_headline_shows_its_preferred_metric_over_the_rest_of_its_namespace(tmp_path: Path) -> None:
    every = {"cascade.a": 0.0, "cascade.error_free": 1.0, "cascade.errors": 2.0, "stop.a": 0.0, "stop.sound": 1.0,
             "stop.timely": 0.5, "efficiency.a": 0.0, "efficiency.score": 0.25, "efficiency.step_ratio": 0.5,
             "consistency.a": 0.0, "consistency.truth_rate": 0.75}
    assert _headlines(tmp_path, every) == {"cascade": "cascade.error_free", "stop": "stop.sound",
                                           "efficiency": "efficiency.score", "consistency": "consistency.truth_rate"}


def test_a_headline_falls_back_to_its_second_choice_before_the_namespace(tmp_path: Path) -> None:
    older = {"cascade.a": 0.0, "cascade.errors": 2.0, "stop.a": 0.0, "stop.timely": 0.5, "efficiency.a": 0.0,
             "efficiency.step_ratio": 0.5}
    assert _headlines(tmp_path, older) == {"cascade": "cascade.errors", "stop": "stop.timely",
                                           "efficiency": "efficiency.step_ratio", "consistency": None}


def test_without_a_preferred_metric_the_namespace_first_by_name_is_shown(tmp_path: Path) -> None:
    keys = _headlines(tmp_path, {"cascade.zeta": 0.0, "cascade.beta": 1.0, "stopping.x": 1.0})
    assert keys == {"cascade": "cascade.beta", "stop": None, "efficiency": None, "consistency": None}


def test_a_row_shows_its_own_mean_of_each_headline_or_none(tmp_path: Path) -> None:
    results = [_ep("a", 0, 1.0, metrics={"cascade.errors": 1.0}), _ep("a", 1, 1.0, metrics={"cascade.errors": 3.0}),
               _ep("b", 0, 1.0, metrics={"stop.sound": 1.0})]
    rows = {row.agent: row for row in _summary(tmp_path, results).rows}
    assert rows["a"].behaviours == {"cascade": 2.0, "stop": None, "efficiency": None, "consistency": None}
    assert rows["b"].behaviours == {"cascade": None, "stop": 1.0, "efficiency": None, "consistency": None}


@pytest.mark.parametrize(("key", "better"), [
    ("cascade.error_free", True), ("cascade.errors", False), ("cascade.rate", False), ("stop.sound", True),
    ("stop.timely", True), ("efficiency.score", True), ("efficiency.step_ratio", True),
    ("consistency.truth_rate", True), ("cascade.unknown", None)])
def test_failure_counts_are_better_low_and_shares_of_good_behaviour_high(key: str, better: bool | None) -> None:
    assert higher_is_better(key) is better


def test_a_chart_is_dropped_from_nine_tenths_of_the_range_not_below() -> None:
    assert uninformative({"a": [(8192, Interval(0.5, 0.0, 0.9, 4))]})
    assert uninformative({"a": [(8192, Interval(0.5, 0.05, 1.0, 4))]})
    assert not uninformative({"a": [(8192, Interval(0.5, 0.1, 0.95, 4))]})
    assert not uninformative({"a": [(8192, Interval(0.5, 0.25, 0.75, 4))]})


def test_an_agent_row_is_not_a_reference_unless_it_says_so() -> None:
    row = AgentRow(agent="a", score=Interval(0.5, 0.25, 0.75, 4), solved=0.5, episodes=4, errored=0, steps=1.0,
                   input_tokens=0, output_tokens=0, cost_usd=0.0, wall_time_s=0.0)
    assert not row.reference and rank_labels([row]) == ["1"]


def test_a_summary_that_counts_no_unisolated_episode_warns_of_none(tmp_path: Path) -> None:
    bare = Summary(agents=[], envs=[], lengths=[], rows=[], curves={}, overall_curves={}, headline_keys={},
                   metrics={}, metric_counts={}, ecl_by_env={}, errored=[], missing=0)
    assert unisolated_note(bare) is None
    assert unisolated_note(_summary(tmp_path, [_ep("a", 0, 1.0)])) is None
    warned = _summary(tmp_path, [_ep("a", 0, 1.0).model_copy(update={"sandbox_isolated": False})])
    assert (unisolated_note(warned) or "").startswith("1 episode(s) ran in the local sandbox")


def test_spend_counts_every_row_that_ran_when_the_run_kept_no_attempts(tmp_path: Path) -> None:
    paid = _ep("a", 0, 1.0, usage=ModelUsage(input=100, output=10, cost_usd=0.5))
    failed = _ep("a", 1, 0.0, status="errored", usage=ModelUsage(input=50, output=5, cost_usd=0.25))
    row = _summary(tmp_path, [paid, failed]).rows[0]
    assert (row.input_tokens, row.output_tokens, row.cost_usd, row.errored, row.episodes) == (150, 15, 0.75, 1, 1)
    retried = failed.model_copy(update={"usage": ModelUsage(input=7, output=1, cost_usd=0.125)})
    row = _summary(tmp_path, [paid, failed], attempts=[retried, paid, failed]).rows[0]
    assert (row.input_tokens, row.output_tokens, row.cost_usd) == (157, 16, 0.875)


def test_curves_and_per_env_scores_hold_only_their_own_envs_episodes(tmp_path: Path) -> None:
    results = [_ep("a", s, 1.0, length=n) for s in (0, 1) for n in (8192, 16384)]
    results += [_ep("a", s, 0.0, env=HOP, length=n) for s in (0, 1) for n in (8192, 16384)]
    results += [_ep("b", 0, 1.0, length=n) for n in (8192, 16384)]
    summary = _summary(tmp_path, results)
    means = {env: [iv.mean for _, iv in curve_points(summary.curves[env]["a"])] for env in (WIKI, HOP)}
    assert means == {WIKI: [1.0, 1.0], HOP: [0.0, 0.0]}
    assert set(summary.curves[HOP]) == {"a"}
    rows = {row.agent: row for row in summary.rows}
    assert {env: (iv.mean, iv.n) for env, iv in rows["a"].per_env.items()} == {WIKI: (1.0, 4), HOP: (0.0, 4)}
    assert {env: iv.mean for env, iv in rows["b"].per_env.items()} == {WIKI: 1.0}


def test_the_metric_tables_hold_each_recorded_metric_but_not_the_success(tmp_path: Path) -> None:
    results = [_ep("a", 0, 1.0, metrics={"cascade.errors": 1.0}), _ep("a", 1, 0.0, metrics={"cascade.errors": 2.0}),
               _ep("a", 2, 1.0)]
    summary = _summary(tmp_path, results)
    assert summary.metrics == {"a": {"cascade.errors": 1.5}} and summary.metric_counts == {"a": {"cascade.errors": 2}}


def test_an_agent_without_episodes_ranks_after_one_that_scored_nothing(tmp_path: Path) -> None:
    plan = {"config": {"agents": [{"spec": "a"}, {"spec": "b"}]}}
    summary = _summary(tmp_path, [_ep("b", 0, 0.0, steps=2), _ep("b", 1, 0.0, steps=5)], plan=plan)
    assert summary.agents == ["b", "a"]
    rows = {row.agent: row for row in summary.rows}
    assert (rows["b"].steps, rows["a"].steps, rows["a"].episodes) == (3.5, 0.0, 0)


def test_a_run_with_no_finished_episode_has_no_confidence_assessment(tmp_path: Path) -> None:
    assert _summary(tmp_path, [_ep("a", 0, 0.0, status="errored")]).confidence is None
    assert _summary(tmp_path, [_ep("a", 0, 1.0), _ep("a", 1, 0.0)]).confidence is not None


def test_an_agents_pooled_curve_needs_two_lengths_every_env_shares(tmp_path: Path) -> None:
    one = [_ep("a", 0, 1.0, length=n) for n in (8192, 16384)] + [_ep("a", 0, 1.0, env=HOP, length=n)
                                                                for n in (8192, 32768)]
    pooled = _summary(tmp_path, one).overall_curves["a"]
    assert isinstance(pooled, Unpaired) and pooled.lengths == [8192]
    assert pooled.reason == f"the environments share fewer than two lengths ({WIKI}: 8k, 16k; {HOP}: 8k, 32k)"
    two = [_ep("a", 0, 1.0, length=n) for n in (8192, 16384, 32768)] + [_ep("a", 0, 0.0, env=HOP, length=n)
                                                                       for n in (8192, 16384)]
    pooled = _summary(tmp_path, two).overall_curves["a"]
    assert isinstance(pooled, PairedCurve) and [(n, iv.mean) for n, iv in curve_points(pooled)] == \
        [(8192, 0.5), (16384, 0.5)]


def test_a_group_without_a_paired_curve_has_no_points() -> None:
    assert curve_points(None) == [] and curve_points(Unpaired("one length", [8192])) == []


def test_an_empty_group_is_an_interval_of_nothing() -> None:
    assert interval([]) == Interval(0.0, 0.0, 0.0, 0)
    assert interval([1.0, 1.0]) == Interval(1.0, 1.0, 1.0, 2)


def test_a_row_takes_its_effective_length_and_degradation_from_its_paired_curve(tmp_path: Path) -> None:
    falling = [_ep("a", s, 1.0 if n == 8192 else 0.0, length=n) for s in (0, 1) for n in (8192, 16384)]
    row = _summary(tmp_path, falling).rows[0]
    assert row.degradation is not None and row.degradation.drop.mean == 1.0
    assert row.ecl is not None and row.ecl.effective == 8192
    unpaired = _summary(tmp_path, [_ep("a", 0, 1.0)]).rows[0]
    assert unpaired.ecl is None and unpaired.degradation is None


def test_the_sandbox_shown_is_the_one_the_rows_record_else_the_plans(tmp_path: Path) -> None:
    def ran_in(sandbox: str | None) -> EpisodeResult:
        return _ep("a", 0, 1.0).model_copy(update={"sandbox": sandbox})

    assert _summary(tmp_path, [ran_in(None)], plan={"sandbox": "docker"}).sandbox == "docker"
    assert _summary(tmp_path, [ran_in("bwrap")], plan={"sandbox": "docker"}).sandbox == "bwrap"
    assert _summary(tmp_path, [ran_in(None)]).sandbox is None


def test_each_env_has_the_effective_length_of_its_own_paired_curve(tmp_path: Path) -> None:
    falling = [_ep("a", s, 1.0 if n == 8192 else 0.0, length=n) for s in (0, 1) for n in (8192, 16384)]
    steady = [_ep("a", s, 1.0, env=HOP, length=n) for s in (0, 1) for n in (8192, 16384)]
    found = _summary(tmp_path, [*falling, *steady, _ep("b", 0, 1.0)]).ecl_by_env
    assert {key: ecl.effective if ecl else None for key, ecl in found.items()} == {
        ("a", WIKI): 8192, ("a", HOP): 16384, ("b", WIKI): None}


def test_a_degradation_is_written_as_a_signed_drop_and_none_as_a_dash() -> None:
    drop = Degradation(shortest=8192, longest=32768, drop=Interval(0.25, 0.05, 0.45, 8), worse=3, better=1,
                       p_value=0.6)
    assert fmt_degradation(drop) == "+0.25 [+0.05, +0.45]" and fmt_degradation(None) == "–"
