"""Conformance on LoCo-RepoPatch-v0: the work is the answer (an empty submit is normal), so stops are judged by
the defect spans read; a blind fix is a guess; failed edits and their recovery. Runs on the local sandbox."""

from __future__ import annotations

import pytest

from tests.scoring.conformance.driver import Episode, behaviour

ENV = "LoCo-RepoPatch-v0"
SEED = 0  # the oracle reads the defect's lines, edits them, submits


def patch() -> Episode:
    return Episode(ENV, seed=SEED, sandbox="local")


@pytest.mark.slow
def test_oracle_is_timely_and_fully_efficient() -> None:
    with patch() as ep:
        assert [c.name for c in ep.plan()] == ["read_file", "edit_file", "submit"]
        ep.replay(ep.plan())
        m = ep.metrics
        assert ep.score.success == 1.0 and ep.labels["stop"] == "timely" and m["stop.sound"] == 1.0
        assert m["efficiency.step_ratio"] == 1.0 and m["efficiency.score"] >= 0.95
        assert m["cascade.errors"] == 0.0 and ep.labels["efficiency"] == "solved"


@pytest.mark.slow
def test_a_fix_made_without_reading_the_code_is_a_lucky_guess() -> None:
    with patch() as ep:
        ep.replay(ep.plan()[1:])
        assert ep.score.success == 1.0
        assert ep.labels["stop.cross"] == "lucky_guess" and ep.labels["efficiency"] == "guess"
        assert ep.metrics["efficiency.score"] == 0.0 and "efficiency.step_ratio" not in ep.metrics


def test_handing_in_no_change_is_premature_and_a_lone_error() -> None:
    with patch() as ep:
        ep.call("submit")
        assert ep.score.success == 0.0 and ep.labels["stop"] == "premature"
        assert ep.labels["efficiency"] == "unsolved" and ep.metrics["cascade.errors"] == 1.0


@pytest.mark.slow
def test_a_failed_edit_then_the_right_one_is_a_recovered_error() -> None:
    with patch() as ep:
        read, edit, submit = ep.plan()
        ep.act(read)
        ep.call("edit_file", path=edit.arguments["path"], old="text that is not there\n", new="x\n")
        ep.replay([edit, submit])
        m = ep.metrics
        assert ep.score.success == 1.0
        assert behaviour(ep.score, "cascade") == {
            "cascade.errors": 1.0, "cascade.error_free": 0.0, "cascade.first_error": 1.0, "cascade.cascading": 0.0,
            "cascade.rate": 0.0, "cascade.longest_chain": 1.0, "cascade.recovered": 1.0, "cascade.recovery_rate": 1.0}
        assert m["efficiency.invalid"] == 1.0 and m["efficiency.step_ratio"] == 0.75


@pytest.mark.slow
def test_browsing_after_the_fix_is_over_search() -> None:
    with patch() as ep:
        read, edit, submit = ep.plan()
        runs = ep.task.meta["stop_slack"]  # with the edit, one step more than the slack allows
        ep.replay([read, edit])
        for _ in range(runs):
            ep.call("run_tests")
        ep.act(submit)
        m = ep.metrics
        assert ep.score.success == 1.0
        assert ep.labels["stop"] == "over-search" and m["stop.overrun"] == runs + 1
        assert m["efficiency.step_ratio"] == 3 / (3 + runs)
        assert m["efficiency.redundant"] == runs - 1  # every test run after the first repeats it


@pytest.mark.slow
def test_no_probes_no_consistency() -> None:
    with patch() as ep:
        ep.replay(ep.plan())
        assert behaviour(ep.score, "consistency") == {}
