"""Conformance on LoCo-Repo-v0: questions (cascades, stops, efficiency) and multi-session probes (consistency,
stopping per session), each against a scripted agent whose right values are known."""

from __future__ import annotations

from typing import Any

import orjson

from locogym.core.types import Evidence, ToolCall
from tests.scoring.conformance.driver import Episode, behaviour

ENV = "LoCo-Repo-v0"
SEED = 0


def qa(question: str = "definition", **kwargs: Any) -> Episode:
    return Episode(ENV, seed=SEED, options={"question": question}, sandbox="local", **kwargs)


def multisession(seed: int = SEED) -> Episode:
    return Episode(ENV, seed=seed, options={"task": "multisession"}, sandbox="local")


def read(evidence: Evidence) -> ToolCall:
    """A read that shows exactly one evidence span."""
    start, end = int(evidence.locator["start"]), int(evidence.locator["end"])
    return ToolCall(name="read_file", arguments={"path": evidence.locator["path"], "offset": start,
                                                 "limit": end - start + 1})


def decoy(ep: Episode) -> str:
    """A Python file that holds none of the task's evidence and is not the answer."""
    used = {e.locator["path"] for e in ep.task.evidence} | {str(ep.task.gold["answer"])}
    return next(p for p in sorted(ep.task.workspace or {}) if p.endswith(".py") and p not in used
                and not p.endswith("__init__.py"))


def test_answering_with_the_file_a_wrong_read_showed_is_a_chain_of_two() -> None:
    with qa() as ep:
        wrong = decoy(ep)
        ep.call("read_file", path=wrong, offset=1, limit=20)
        ep.call("submit", answer=wrong)
        assert ep.score.success == 0.0
        assert behaviour(ep.score, "cascade") == {
            "cascade.errors": 2.0, "cascade.error_free": 0.0, "cascade.first_error": 0.0, "cascade.cascading": 1.0,
            "cascade.rate": 0.5, "cascade.longest_chain": 2.0, "cascade.recovered": 0.0, "cascade.recovery_rate": 0.0}
        assert ep.labels["cascade"] == "cascading"


def test_a_wrong_read_before_the_right_ones_is_not_an_error() -> None:
    with qa() as ep:
        ep.call("read_file", path=decoy(ep), offset=1, limit=20)
        ep.replay(ep.plan())
        assert ep.score.success == 1.0 and ep.metrics["cascade.errors"] == 0.0 and ep.labels["cascade"] == "none"


def test_oracle_is_timely_and_fully_efficient() -> None:
    with qa() as ep:
        ep.replay(ep.plan())
        assert ep.labels["stop"] == "timely" and ep.metrics["stop.sound"] == 1.0
        assert ep.metrics["efficiency.step_ratio"] == 1.0 and ep.metrics["efficiency.score"] == 1.0
        assert ep.labels["efficiency"] == "solved" and ep.labels["cascade"] == "none"


def test_the_right_answer_without_reading_is_a_lucky_guess() -> None:
    with qa() as ep:
        ep.call("submit", answer=ep.task.gold["answer"])
        assert ep.score.success == 1.0
        assert ep.labels["stop.cross"] == "lucky_guess" and ep.labels["efficiency"] == "guess"
        assert ep.metrics["efficiency.score"] == 0.0 and "efficiency.step_ratio" not in ep.metrics


def test_listing_folders_after_the_evidence_is_over_search() -> None:
    with qa() as ep:
        plan = ep.plan()
        ep.replay(plan[:-1])
        for _ in range(3):
            ep.call("list_dir", path=".")
        ep.act(plan[-1])
        assert ep.labels["stop"] == "over-search" and ep.metrics["stop.overrun"] == 3.0
        assert ep.metrics["efficiency.redundant"] == 2.0  # the second and third listing repeat the first
        assert ep.metrics["efficiency.step_ratio"] == len(plan) / (len(plan) + 3)


def test_a_repeated_read_is_redundant_and_a_missing_file_invalid() -> None:
    with qa() as ep:
        plan = ep.plan()
        ep.act(plan[0])
        ep.act(plan[0])
        ep.call("read_file", path="no/such/file.py")
        ep.replay(plan[1:])
        assert ep.score.success == 1.0
        assert ep.metrics["efficiency.redundant"] == 1.0 and ep.metrics["efficiency.invalid"] == 1.0
        assert ep.metrics["efficiency.invalid.not_found"] == 1.0
        assert ep.metrics["cascade.errors"] == 1.0 and ep.labels["cascade"] == "isolated"
        assert ep.metrics["efficiency.step_ratio"] == len(plan) / (len(plan) + 2)


def test_qa_has_no_probes() -> None:
    with qa() as ep:
        ep.replay(ep.plan())
        assert behaviour(ep.score, "consistency") == {}


# ---------------------------------------------------------------------- multi-session probes
def _truths(ep: Episode, session: int) -> dict[str, Any]:
    return {p.id: p.answer for p in ep.task.probes or [] if p.session == session}


def _respelled(ep: Episode, kind: str, value: Any) -> Any:
    """The same answer in another spelling the grader accepts."""
    files = ep.task.workspace or {}
    if kind == "path":
        return f"./{value}:1"
    if kind == "qualname":
        parts = str(value).split(".")
        for cut in range(len(parts) - 1, 0, -1):
            path = "/".join(parts[:cut]) + ".py"
            if path in files:
                return f"{path}::{'.'.join(parts[cut:])}"
        return value
    if kind == "qualnames":
        return ", ".join(value)
    text = str(value)
    return int(text) if text.lstrip("-").isdigit() else f"'{text}'"  # 500 for "500", quoted text for text


def _play_sessions(ep: Episode, answers_for: Any) -> None:
    """Each session: notes and reads as the oracle does, then submit what ``answers_for(session)`` gives."""
    for session in range(len(ep.task.sessions or [])):
        plan = ep.plan(session)
        ep.replay(plan[:-1])
        ep.call("submit", answer=answers_for(session))


def test_right_answers_as_json_text_in_other_spellings_are_true_and_consistent() -> None:
    with multisession() as ep:
        kinds = ep.task.meta["probe_kinds"]
        keys = {p.id: p.key for p in ep.task.probes or []}

        def answers(session: int) -> str:
            truths = _truths(ep, session)
            if session % 2 == 0:
                return orjson.dumps(truths).decode()
            return orjson.dumps({pid: _respelled(ep, kinds[keys[pid]], v) for pid, v in truths.items()}).decode()

        _play_sessions(ep, answers)
        assert ep.score.success == 1.0
        m = ep.metrics
        assert m["consistency.answered_rate"] == 1.0 and m["consistency.truth_rate"] == 1.0
        assert m["consistency.self_agreement"] == 1.0 and m["consistency.contradiction_rate"] == 0.0
        assert m["consistency.stale_rate"] == 0.0


def test_answering_every_session_with_the_first_truths_is_wholly_stale() -> None:
    with multisession() as ep:
        first = {p.key: p.answer for p in ep.task.probes or [] if p.session == 0}
        _play_sessions(ep, lambda s: {p.id: first[p.key] for p in ep.task.probes or [] if p.session == s})
        probes = ep.task.probes or []
        outdated = [p for p in probes if any(q.key == p.key and q.session < p.session and q.answer != p.answer
                                             for q in probes)]
        assert len(outdated) >= 2  # the task moves some answers more than one session back
        m = ep.metrics
        assert m["consistency.after_change"] == len(outdated) and m["consistency.stale_rate"] == 1.0
        assert m["consistency.truth_rate"] == (len(probes) - len(outdated)) / len(probes)


def test_one_contradicted_fact_is_counted_against_its_unchanged_pairs() -> None:
    with multisession(seed=1) as ep:  # a task with a file-path probe whose truth never changes (seed 0 has none)
        probes = ep.task.probes or []
        kinds = ep.task.meta["probe_kinds"]
        key = next(k for k, kind in kinds.items() if kind == "path"
                   and not any(p.changed_since_last for p in probes if p.key == k))

        def answers(session: int) -> dict[str, Any]:
            truths = _truths(ep, session)
            if session == 1:
                truths[f"s1-{key}"] = "somewhere/else.py"
            return truths

        _play_sessions(ep, answers)
        m = ep.metrics
        unchanged = sum(1 for p in probes if p.session > 0 and not p.changed_since_last)
        assert m["consistency.pairs"] == unchanged
        assert m["consistency.contradiction_rate"] == 2 / unchanged  # (s0, s1) and (s1, s2) disagree
        assert m["consistency.self_agreement"] == (unchanged - 2) / unchanged
        assert m["consistency.truth_rate"] == (len(probes) - 1) / len(probes)


def test_answering_blind_then_reading_everything_last_is_premature_per_session() -> None:
    with multisession() as ep:
        sessions = len(ep.task.sessions or [])
        for session in range(sessions - 1):
            ep.call("submit", answer=_truths(ep, session))
        ep.replay([read(e) for e in ep.task.evidence])
        ep.call("submit", answer=_truths(ep, sessions - 1))
        m = ep.metrics
        assert ep.labels["stop"] == "premature"
        assert m["stop.sessions_judged"] == sessions
        assert m["stop.session_premature_rate"] == (sessions - 1) / sessions
        assert m["stop.session_sound_rate"] == 1 / sessions and m["stop.session_over_search_rate"] == 0.0


def test_multisession_oracle_is_timely_in_every_session_and_truthful() -> None:
    with multisession() as ep:
        _play_sessions(ep, lambda s: ep.plan(s)[-1].arguments["answer"])
        m = ep.metrics
        assert ep.labels["stop"] == "timely" and m["stop.session_sound_rate"] == 1.0
        assert m["consistency.truth_rate"] == 1.0 and m["consistency.contradiction_rate"] == 0.0
        assert m["consistency.stale_rate"] == 0.0
