"""Properties of the behaviour metrics on arbitrary trajectories: bounded, consistent with each other, stable."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from locogym.core.types import EpisodeScore, ErrorKind, Probe
from locogym.scoring import rescore, score_episode
from tests.scoring.scoring_builders import make_task, make_traj, parse_error, step, submit

EVIDENCE = ["e1", "e2", "e3"]
RATES = ["cascade.rate", "cascade.recovery_rate", "stop.evidence_recall", "efficiency.redundant_rate",
         "efficiency.evidence_token_share", "consistency.truth_rate", "consistency.answered_rate",
         "consistency.self_agreement", "consistency.contradiction_rate", "consistency.stale_rate"]
WORDS = st.sampled_from(["FL-100", "FL-200", "src/a.py", "Eiffel Tower", "129.50", "plain words", ""])


@st.composite
def tool_step(draw, session: int):
    if draw(st.integers(0, 9)) == 0:
        return parse_error().model_copy(update={"session": session})
    return step(draw(st.sampled_from(["read", "search", "open"])), {"q": draw(WORDS)},
                " ".join(draw(st.lists(WORDS, max_size=4))) or "empty",
                error=draw(st.sampled_from([None, None, None, ErrorKind.not_found, ErrorKind.api_error])),
                evidence=tuple(draw(st.lists(st.sampled_from(EVIDENCE), max_size=2, unique=True))),
                session=session, wrong=draw(st.sampled_from([None, None, True, False])),
                subgoal=draw(st.sampled_from([None, "g1", "g2"])), obs_tokens=draw(st.integers(0, 500)))


@st.composite
def episode(draw):
    sessions = draw(st.integers(1, 3))
    probes = [Probe(id=f"p{i}", session=i, question="?", key="k", answer=draw(WORDS),
                    changed_since_last=draw(st.booleans()))
              for i in range(sessions)] if sessions > 1 else None
    task = make_task(EVIDENCE, plan=draw(st.sampled_from([["read", "submit"], ["submit"], ["read"]])),
                     sessions=[["read", "submit"]] * sessions if sessions > 1 else None, probes=probes,
                     meta={"stop_slack": draw(st.integers(0, 3))})
    steps = []
    finished = draw(st.booleans())
    for s in range(sessions):
        steps += [draw(tool_step(s)) for _ in range(draw(st.integers(0, 5)))]
        if s < sessions - 1 or finished:
            answer = draw(st.sampled_from([None, "x", {f"p{s}": "FL-100"}, {}]))
            steps.append(submit(answer, session=s))
    if not steps:
        steps = [draw(tool_step(0))]
    traj = make_traj(task, steps, "submitted" if finished else "max_steps")
    success = draw(st.sampled_from([0.0, 0.5, 1.0]))
    return traj, EpisodeScore(success=success, outcome="x", metrics={"family_metric": 3.0})


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(episode())
def test_metrics_are_bounded_consistent_and_stable(case) -> None:
    traj, outcome = case
    score = score_episode(traj, outcome)
    m = score.metrics
    assert all(math.isfinite(v) for v in m.values())
    for name in RATES:
        if name in m:
            assert 0.0 <= m[name] <= 1.0, (name, m[name])
    assert m["family_metric"] == 3.0 and score.success == outcome.success
    flags = [m["stop.premature"], m["stop.timely"], m["stop.from_context"], m["stop.unsupported"],
             m["stop.over_search"], m["stop.never"]]
    assert sorted(flags) == [0.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    assert m["stop.sound"] == m["stop.timely"] + m["stop.from_context"]
    assert (score.labels["stop"] == "never") == (traj.termination != "submitted")
    assert m["cascade.cascading"] <= m["cascade.errors"] and m["cascade.recovered"] <= m["cascade.errors"]
    assert m["cascade.longest_chain"] <= m["cascade.errors"]
    assert (m["cascade.errors"] == 0) == (score.labels["cascade"] == "none")
    assert m["efficiency.redundant"] + m["efficiency.invalid"] <= 2 * m["efficiency.steps"]
    assert m["efficiency.invalid"] == sum(v for k, v in m.items() if k.startswith("efficiency.invalid."))
    if outcome.success < 1.0:
        assert "efficiency.step_ratio" not in m and m["efficiency.score"] == 0.0 and m["stop.lucky_guess"] == 0.0
    traj.score = score
    assert rescore(traj) == score


PIECES = st.sampled_from(["FL-2041", "129.50", "0042", "3.10", "Eiffel  Tower", "The Tower of London", "src/a.py",
                          "parse_config", "ParseConfig", '"Le Monde"', "'x y'", "2024-05-03", "ID-7", "word", "\n",
                          "100.0", "10", "mod.py", "ÉCOLE Normale", "straße_1"])


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=12), st.lists(st.sampled_from(["fl-2041", "129.5", "42", "eiffel tower", "7",
                                                                "nothing", "100", "école normale"]), max_size=4))
def test_searching_for_candidates_finds_exactly_what_extraction_finds(pieces, extra) -> None:
    from locogym.scoring import values

    text = " ".join(pieces)
    extracted = values.extract(text)
    candidates = set(extra) | set(list(sorted(extracted))[::2])
    assert values.introduced_among(candidates, {}, text) == extracted & candidates
