"""Tool efficiency on hand-written trajectories."""

from __future__ import annotations

from locogym.core.types import ErrorKind, Evidence
from locogym.scoring import efficiency
from tests.scoring.scoring_builders import make_task, make_traj, parse_error, step, submit


def _measure(task, steps, success=1.0):
    return efficiency.measure(task, make_traj(task, steps).steps, success)


def test_oracle_steps_count_the_submit_the_oracle_adds() -> None:
    assert efficiency.oracle_steps(make_task(plan=["read", "submit"])) == 2
    assert efficiency.oracle_steps(make_task(plan=["read"])) == 2
    assert efficiency.oracle_steps(make_task(plan=[])) == 1
    assert efficiency.oracle_steps(make_task(sessions=[["a", "submit"], ["b"]])) == 4  # 2 + (1 + 1)


def test_step_ratio_credits_only_solved_episodes() -> None:
    task = make_task(["e1"], plan=["read", "submit"])
    four = [step(), step(), step(evidence=("e1",)), submit("a")]
    assert _measure(task, four).metrics["efficiency.step_ratio"] == 0.5  # 2 oracle steps / 4
    unsolved = _measure(task, four, success=0.0)
    assert "efficiency.step_ratio" not in unsolved.metrics and unsolved.metrics["efficiency.score"] == 0.0
    assert unsolved.labels["efficiency"] == "unsolved"
    assert _measure(task, [step(evidence=("e1",)), submit("a")]).metrics["efficiency.step_ratio"] == 1.0
    noop = _measure(task, [submit()], success=0.0)
    assert "efficiency.step_ratio" not in noop.metrics and noop.metrics["efficiency.score"] == 0.0


def test_token_ratio_needs_the_oracle_tokens() -> None:
    steps = [step(obs_tokens=150), step(obs_tokens=250), submit("a", obs_tokens=3)]
    m = _measure(make_task(), steps)
    assert m.metrics["efficiency.obs_tokens"] == 403
    assert "efficiency.token_ratio" not in m.metrics
    # tool calls returned 400 tokens (the submit reply is left out); the oracle's read 100
    m = _measure(make_task(meta={"oracle_obs_tokens": 100}), steps)
    assert m.metrics["efficiency.token_ratio"] == 0.25 and m.metrics["efficiency.oracle_obs_tokens"] == 100
    assert "efficiency.token_ratio" not in _measure(make_task(meta={"oracle_obs_tokens": 100}), steps,
                                                    success=0.0).metrics


def test_static_tasks_read_nothing_and_have_no_evidence_metrics() -> None:
    task = make_task(["e1"], plan=["submit"], meta={"oracle_obs_tokens": 0})
    m = _measure(task, [submit("a")])
    assert m.metrics["efficiency.token_ratio"] == 1.0 and m.metrics["efficiency.step_ratio"] == 1.0
    assert "efficiency.evidence_token_share" not in m.metrics
    assert _measure(task, [step(obs_tokens=40), submit("a")]).metrics["efficiency.token_ratio"] == 0.0


def test_redundant_calls() -> None:
    steps = [
        step("read", {"path": "a"}, "AAA"),  # 0 new
        step("read", {"path": "a"}, "AAA"),  # 1 same call and arguments
        step("read", {"path": "b"}, "AAA"),  # 2 an output the session already got
        step("read", {"path": "c"}, "c0-10", data={"span": {"source": "c", "start": 0, "end": 10}}),  # 3 new
        step("read", {"path": "c", "s": 2}, "c2-8",
             data={"span": {"source": "c", "start": 2, "end": 8}}),  # 4 inside 0-10
        step("read", {"path": "c", "s": 5}, "c5-12",
             data={"span": {"source": "c", "start": 5, "end": 12}}),  # 5 reads 10-12 new
        step("read", {"path": "c", "s": 6}, "c6-12",
             data={"span": [{"source": "c", "start": 6, "end": 12}]}),  # 6 covered by 0-10 + 5-12
        step("read", {"path": "a"}, "AAA", session=1),  # 7 a new session forgot everything: not redundant
        submit("x", session=1),
    ]
    assert efficiency.redundant_steps(make_traj(make_task(), steps).steps) == [1, 2, 4, 6]
    m = _measure(make_task(), steps)
    assert m.metrics["efficiency.redundant"] == 4
    assert m.metrics["efficiency.redundant_rate"] == 4 / 9


def test_repeated_failing_calls_are_redundant_too() -> None:
    bad = step("get", {"id": "z"}, "missing", error=ErrorKind.not_found)
    assert efficiency.redundant_steps(make_traj(make_task(), [bad, bad, submit()]).steps) == [1]


def test_invalid_calls_by_kind() -> None:
    steps = [parse_error(), step(error=ErrorKind.not_found, output="x"), step(error=ErrorKind.not_found, output="y"),
             step(error=ErrorKind.timeout, output="z"), submit("a")]
    m = _measure(make_task(), steps)
    assert m.metrics["efficiency.invalid"] == 4
    assert m.metrics["efficiency.invalid.parse"] == 1
    assert m.metrics["efficiency.invalid.not_found"] == 2
    assert m.metrics["efficiency.invalid.timeout"] == 1
    assert m.metrics["efficiency.invalid.api_error"] == 0


def test_evidence_tokens_per_token_read() -> None:
    task = make_task([Evidence(id="e1", kind="span"), Evidence(id="e2", kind="span"),
                      Evidence(id="e3", kind="span", locator={"tokens": 7})])
    steps = [
        step(evidence=("e1", "e2"), obs_tokens=100),  # e1 and e2 share the observation: 50 + 50
        step(evidence=("e1",), obs_tokens=100),  # e1 again in the same session: not counted again
        step(evidence=("e3",), obs_tokens=97),  # e3 declares 7 tokens
        submit("a", obs_tokens=3),
    ]
    m = _measure(task, steps)
    assert m.metrics["efficiency.evidence_tokens"] == 107
    assert m.metrics["efficiency.evidence_token_share"] == 107 / 300
    assert m.metrics["efficiency.tokens_per_evidence_token"] == 300 / 107
    noop = _measure(task, [submit(obs_tokens=3)], success=0.0)
    assert noop.metrics["efficiency.evidence_token_share"] == 0.0
    assert "efficiency.tokens_per_evidence_token" not in noop.metrics
