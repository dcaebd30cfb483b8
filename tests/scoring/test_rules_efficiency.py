"""Efficiency rules checked one at a time: what counts as a re-read, what a failed call leaves behind, and the
edges of the evidence figures. Every expected value is worked out in the comments."""

from __future__ import annotations

from typing import Any

import pytest

from locogym.core.types import ErrorKind, Evidence
from locogym.scoring import efficiency
from tests.scoring.scoring_builders import make_task, make_traj, step, submit


def _read(at: int, start: int, end: int, output: str, **kwargs: Any):
    """A read of source "c" whose result says it showed [start, end)."""
    return step("read", {"path": "c", "at": at}, output, data={"span": {"source": "c", "start": start, "end": end}},
                **kwargs)


def _redundant(steps: list) -> list[int]:
    return efficiency.redundant_steps(make_traj(make_task(), steps).steps)


def test_an_empty_span_reads_nothing_so_it_is_never_a_reread() -> None:
    assert _redundant([_read(5, 5, 5, "nothing here"), submit("x")]) == []


def test_a_gap_between_earlier_reads_leaves_a_span_unread() -> None:
    # [0, 5) and [8, 20) were read: [0, 10) still holds 5..8, which nobody read
    assert _redundant([_read(0, 0, 5, "first"), _read(8, 8, 20, "second"), _read(1, 0, 10, "third")]) == []


def test_a_span_read_exactly_once_before_is_a_reread() -> None:
    assert _redundant([_read(0, 0, 10, "first"), _read(1, 0, 10, "again")]) == [1]


def test_a_failed_call_shows_no_output_to_repeat() -> None:
    failed = step("get", {"id": "z"}, "No such item", error=ErrorKind.not_found)
    assert _redundant([failed, step("read", {"path": "a"}, "No such item")]) == []


def test_a_failed_read_reads_no_span() -> None:
    failed = _read(0, 0, 10, "Timed out", error=ErrorKind.timeout)
    assert _redundant([failed, _read(1, 0, 10, "c0-10")]) == []


def test_infrastructure_failures_are_not_invalid_calls_but_are_counted_by_kind() -> None:
    steps = [step(error=ErrorKind.internal, output="boom"), step(error=ErrorKind.sandbox_unavailable, output="down"),
             step(error=ErrorKind.not_found, output="missing"), submit("a")]
    task = make_task()
    metrics = efficiency.measure(task, make_traj(task, steps).steps, 1.0).metrics
    assert metrics["efficiency.invalid"] == 1.0  # only not_found is the agent's
    assert metrics["efficiency.invalid.internal"] == 1.0
    assert metrics["efficiency.invalid.sandbox_unavailable"] == 1.0


def _evidence_metrics(declared: int | None, obs_tokens: int, submit_tokens: int = 3) -> dict[str, float]:
    locator = {} if declared is None else {"tokens": declared}
    task = make_task([Evidence(id="e1", kind="span", locator=locator)])  # plan: read, submit (a search task)
    steps = [step(evidence=("e1",), obs_tokens=obs_tokens), submit("a", obs_tokens=submit_tokens)]
    return efficiency.measure(task, make_traj(task, steps).steps, 1.0).metrics


def test_evidence_declared_at_zero_tokens_counts_zero() -> None:
    metrics = _evidence_metrics(declared=0, obs_tokens=50)
    assert metrics["efficiency.evidence_tokens"] == 0.0  # not the 50 tokens of the observation
    assert "efficiency.tokens_per_evidence_token" not in metrics


def test_one_token_of_evidence_is_enough_for_the_inverse_share() -> None:
    metrics = _evidence_metrics(declared=1, obs_tokens=40)
    assert metrics["efficiency.evidence_tokens"] == 1.0
    assert metrics["efficiency.tokens_per_evidence_token"] == 43.0  # 40 + 3 read, 1 of them evidence


def test_nothing_read_means_no_evidence_share() -> None:
    metrics = _evidence_metrics(declared=None, obs_tokens=0, submit_tokens=0)
    assert metrics["efficiency.evidence_tokens"] == 0.0  # its share of an empty observation
    assert metrics["efficiency.evidence_token_share"] == 0.0


def test_the_score_is_the_geometric_mean_of_the_ratios_capped_at_one() -> None:
    task = make_task(plan=["read", "submit"], meta={"oracle_obs_tokens": 100})
    steps = [step(obs_tokens=100), step(obs_tokens=100), step(obs_tokens=200), submit("a")]
    metrics = efficiency.measure(task, make_traj(task, steps).steps, 1.0).metrics
    # 2 oracle steps / 4 steps = 0.5; 100 oracle tokens / 400 read = 0.25; sqrt(0.5 x 0.25)
    assert metrics["efficiency.score"] == pytest.approx(0.125 ** 0.5)
    shorter = make_task(plan=["read", "read", "read", "submit"])  # no oracle tokens: the step ratio alone
    metrics = efficiency.measure(shorter, make_traj(shorter, [step(), submit("a")]).steps, 1.0).metrics
    assert metrics["efficiency.step_ratio"] == 2.0 and metrics["efficiency.score"] == 1.0
