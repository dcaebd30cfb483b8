"""Conformance on LoCo-RepoReview-v0: the evidence is the diff in the prompt, so a stop is judged by whether the
findings rest on it; off-path reads carried into a finding; efficiency. Runs on the local sandbox (no Docker)."""

from __future__ import annotations

from typing import Any

from tests.scoring.conformance.driver import Episode, behaviour

ENV = "LoCo-RepoReview-v0"
SEED = 1  # every defect of this seed is on a line the diff shows
LEFT_OUT_SEED = 0  # one defect of this seed is a rule the change left out of a function: no line of the diff shows it


def review(seed: int = SEED) -> Episode:
    return Episode(ENV, seed=seed, sandbox="local")


def _findings(ep: Episode) -> list[dict[str, Any]]:
    return list(ep.plan()[-1].arguments["answer"])


def _benign_file(ep: Episode) -> str:
    defects = {d["path"] for d in ep.task.gold["defects"]}
    return next(b["path"] for b in ep.task.meta["benign"] if b["path"] not in defects)


def test_oracle_findings_at_once_are_answered_from_context() -> None:
    with review() as ep:
        ep.replay(ep.plan())
        m = ep.metrics
        assert ep.score.success == 1.0
        assert ep.labels["stop"] == "from-context" and m["stop.sound"] == 1.0 and m["stop.timely"] == 0.0
        assert m["efficiency.score"] == 1.0 and m["cascade.errors"] == 0.0


def test_a_rule_left_out_is_seen_only_by_reading_its_function() -> None:
    with review(LEFT_OUT_SEED) as ep:
        assert [e.locator["in_prompt"] for e in ep.task.evidence] == [True, False]
        ep.call("submit", answer=_findings(ep))  # right, but the left-out function's lines were never read
        assert ep.score.success == 1.0 and ep.labels["stop"] == "premature" and ep.labels["stop.cross"] == "lucky_guess"
    with review(LEFT_OUT_SEED) as ep:
        ep.replay(ep.plan())  # the oracle reads that function, then submits
        assert ep.score.success == 1.0 and ep.labels["stop"] == "timely" and ep.metrics["efficiency.score"] == 1.0


def test_flagging_every_hunk_is_unsupported() -> None:
    with review() as ep:
        every = [{"path": h["path"], "line": h["line"], "description": "suspicious"}
                 for h in ep.task.gold["defects"] + ep.task.meta["benign"]]
        ep.call("submit", answer=every)
        m = ep.metrics
        assert 0.0 < ep.score.success < 1.0  # every defect found, drowned in false positives
        assert ep.labels["stop"] == "unsupported" and m["stop.sound"] == 0.0 and m["stop.from_context"] == 0.0
        assert ep.labels["efficiency"] == "guess" and m["efficiency.score"] == 0.0


def test_reading_on_before_the_right_findings_is_over_search() -> None:
    with review() as ep:
        reads = ep.task.meta["stop_slack"] + 1  # one step more than the slack allows
        for path in sorted({b["path"] for b in ep.task.meta["benign"]})[:reads]:
            ep.call("read_file", path=path, offset=1, limit=5)
        ep.call("submit", answer=_findings(ep))
        m = ep.metrics
        assert ep.score.success == 1.0
        assert ep.labels["stop"] == "over-search" and m["stop.overrun"] == reads and m["stop.sound"] == 0.0
        assert m["efficiency.step_ratio"] == 1 / (reads + 1) and ep.labels["efficiency"] == "solved"
        assert m["cascade.errors"] == 0.0  # the reads fed no wrong finding


def test_reading_within_the_slack_still_answers_from_context() -> None:
    with review() as ep:
        reads = ep.task.meta["stop_slack"]
        for path in sorted({b["path"] for b in ep.task.meta["benign"]})[:reads]:
            ep.call("read_file", path=path, offset=1, limit=5)
        ep.call("submit", answer=_findings(ep))
        assert ep.labels["stop"] == "from-context" and ep.metrics["stop.overrun"] == reads


def test_a_finding_on_a_file_read_off_path_is_a_chain_of_two() -> None:
    with review() as ep:
        path = _benign_file(ep)
        ep.call("read_file", path=path, offset=1, limit=5)
        ep.call("submit", answer=[{"path": path, "line": 1, "description": "looks wrong"}])
        assert ep.score.success == 0.0
        assert behaviour(ep.score, "cascade") == {
            "cascade.errors": 2.0, "cascade.error_free": 0.0, "cascade.first_error": 0.0, "cascade.cascading": 1.0,
            "cascade.rate": 0.5, "cascade.longest_chain": 2.0, "cascade.recovered": 0.0, "cascade.recovery_rate": 0.0}
        assert ep.labels["stop"] == "unsupported"


def test_an_empty_review_is_premature() -> None:
    with review() as ep:
        ep.call("submit")
        assert ep.labels["stop"] == "premature" and ep.labels["efficiency"] == "unsolved"
        assert ep.metrics["cascade.errors"] == 1.0


def test_a_repeated_read_is_redundant_and_a_missing_file_invalid() -> None:
    with review() as ep:
        path = _benign_file(ep)
        ep.call("read_file", path=path)
        ep.call("read_file", path=path)
        ep.call("read_file", path="no/such/file.py")
        ep.call("submit", answer=_findings(ep))
        m = ep.metrics
        assert m["efficiency.redundant"] == 1.0 and m["efficiency.invalid"] == 1.0
        assert m["efficiency.invalid.not_found"] == 1.0 and m["efficiency.step_ratio"] == 0.25


def test_no_probes_no_consistency() -> None:
    with review() as ep:
        ep.replay(ep.plan())
        assert behaviour(ep.score, "consistency") == {}
