"""Paired length statistics: curves, drops, degradation and effective length over tasks that share a core."""

from __future__ import annotations

import numpy as np
import pytest

from locogym.core.types import EpisodeResult, EpisodeScore
from locogym.scoring.aggregate import length_curves
from locogym.scoring.paired import PairedCurve, Unpaired, paired_curve, paired_curves

K8, K32, K128 = 8192, 32768, 131072


def _row(core: str, length: int, success: float, *, agent: str = "a", env: str = "E", trial: int = 0,
         status: str = "done") -> EpisodeResult:
    return EpisodeResult(key=f"{agent}{env}{core}{length}{trial}", agent=agent, env=env, seed=0, length=length,
                         trial=trial, status=status,  # type: ignore[arg-type]
                         score=EpisodeScore(success=success, outcome="x") if status == "done" else None,
                         core_hash=core)


def _curve(rows: list[EpisodeResult], **kwargs: object) -> PairedCurve:
    curve = paired_curve(rows, **kwargs)  # type: ignore[arg-type]
    assert isinstance(curve, PairedCurve), curve
    return curve


def test_paired_means_drops_and_degradation_by_hand() -> None:
    scores = {"t1": (1.0, 1.0, 0.0), "t2": (1.0, 0.0, 0.0), "t3": (0.0, 0.0, 0.0), "t4": (1.0, 1.0, 1.0)}
    rows = [_row(core, length, s) for core, row in scores.items()
            for length, s in zip((K8, K32, K128), row, strict=True)]
    curve = _curve(rows, seed=1)
    assert curve.lengths == [K8, K32, K128]
    assert [round(m.mean, 4) for m in curve.means] == [0.75, 0.5, 0.25]
    assert [round(d.mean, 4) for d in curve.drops] == [0.0, 0.25, 0.5]
    assert curve.degradation.drop.mean == pytest.approx(0.5)
    assert (curve.degradation.worse, curve.degradation.better) == (2, 0)
    assert curve.degradation.p_value == pytest.approx(0.5)  # two tasks fell, none rose: exact sign test
    assert curve.tasks == 4 and curve.incomplete == 0
    # 0.85 x 0.75 = 0.6375: 8k holds, 32k (0.5) is the first below
    assert curve.effective.effective == K8 and curve.effective.first_below == K32
    for iv in curve.means:
        assert iv.low <= iv.mean <= iv.high and iv.n == 4


def test_trials_are_averaged_within_a_task_before_pairing() -> None:
    rows = [_row("t1", K8, 1.0, trial=0), _row("t1", K8, 0.0, trial=1), _row("t1", K32, 0.0),
            _row("t2", K8, 1.0), _row("t2", K32, 1.0)]
    curve = _curve(rows)
    assert curve.tasks == 2  # not three: the second trial is not a new task
    assert curve.per_task["E|t1"] == [0.5, 0.0]
    assert curve.means[0].mean == pytest.approx(0.75)


def test_tasks_missing_a_length_are_left_out_and_counted() -> None:
    rows = [_row("t1", K8, 1.0), _row("t1", K32, 0.0), _row("t2", K8, 1.0), _row("t3", K32, 1.0)]
    curve = _curve(rows)
    assert curve.tasks == 1 and curve.incomplete == 2
    assert [m.mean for m in curve.means] == [1.0, 0.0]


def test_an_unpaired_run_says_why_instead_of_giving_a_curve() -> None:
    disjoint = [_row("t1", K8, 1.0), _row("t2", K32, 0.0)]
    found = paired_curve(disjoint)
    assert isinstance(found, Unpaired) and "no task was scored at every length" in found.reason
    legacy = [_row("", K8, 1.0), _row("", K32, 0.0)]
    found = paired_curve(legacy)
    assert isinstance(found, Unpaired) and "core hash" in found.reason
    single = paired_curve([_row("t1", K8, 1.0)])
    assert isinstance(single, Unpaired) and "one length" in single.reason


def test_errored_episodes_never_enter_a_pair() -> None:
    rows = [_row("t1", K8, 1.0), _row("t1", K32, 0.0, status="errored"), _row("t2", K8, 1.0), _row("t2", K32, 1.0)]
    curve = _curve(rows)
    assert curve.tasks == 1 and curve.incomplete == 1


def test_pairing_removes_task_difficulty_that_unpaired_means_mix_in() -> None:
    """Easy tasks seen only at 8k and hard ones only at 128k make an unpaired curve fall although no task lost
    anything with length; the paired curve over the tasks seen at both shows no drop."""
    rows = [_row(f"easy{i}", K8, 1.0) for i in range(10)] + [_row(f"hard{i}", K128, 0.0) for i in range(10)]
    rows += [_row(f"both{i}", length, 0.5) for i in range(10) for length in (K8, K128)]
    unpaired = length_curves(rows, by=("env",), n_boot=0)[("E",)]
    assert unpaired[0].score.mean - unpaired[-1].score.mean > 0.4
    curve = _curve(rows)
    assert curve.degradation.drop.mean == 0.0 and curve.tasks == 10 and curve.incomplete == 20


def test_intervals_resample_tasks_and_are_deterministic() -> None:
    rng = np.random.default_rng(7)
    rows = [_row(f"t{i}", length, float(rng.random() < (0.8 if length == K8 else 0.4)))
            for i in range(40) for length in (K8, K32)]
    a, b = _curve(rows, seed=3), _curve(rows, seed=3)
    assert a == b
    drop = a.degradation.drop
    assert drop.low < drop.mean < drop.high and drop.n == 40
    assert a.degradation.p_value < 0.05
    low, high = a.effective.low, a.effective.high
    assert low is not None and high is not None and low <= (a.effective.effective or 0) <= high


def test_groups_pair_on_their_own_lengths() -> None:
    rows = [_row("t1", K8, 1.0, agent="x"), _row("t1", K32, 1.0, agent="x"),
            _row("t1", K8, 1.0, agent="y"), _row("t1", K32, 0.0, agent="y")]
    curves = paired_curves(rows, by=("agent",))
    x, y = curves[("x",)], curves[("y",)]
    assert isinstance(x, PairedCurve) and isinstance(y, PairedCurve)
    assert x.degradation.drop.mean == 0.0 and y.degradation.drop.mean == 1.0
    assert x.effective.effective == K32 and y.effective.first_below == K32
