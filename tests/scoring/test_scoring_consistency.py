"""Long-horizon consistency on hand-written multi-session trajectories."""

from __future__ import annotations

from locogym.core.types import Probe
from locogym.scoring import consistency
from tests.scoring.scoring_builders import make_task, make_traj, submit

PROBES = [
    Probe(id="p1", session=0, question="Capital?", key="k", answer="Paris"),
    Probe(id="q1", session=0, question="How many?", key="m", answer=3),
    Probe(id="p2", session=1, question="Capital?", key="k", answer="Paris"),
    Probe(id="p3", session=2, question="Capital now?", key="k", answer="Lyon", changed_since_last=True),
    Probe(id="q2", session=2, question="How many?", key="m", answer=3),
]
TASK = make_task(sessions=[["submit"]] * 3, probes=PROBES)


def _measure(answers: list[dict | None]):
    steps = [submit(a, session=i) for i, a in enumerate(answers)]
    return consistency.measure(TASK, make_traj(TASK, steps).steps).metrics


def test_mixed_agent() -> None:
    m = _measure([{"p1": " paris ", "q1": "3"}, {"p2": "Rome"}, {"p3": "Rome", "q2": 3.0}])
    # true: p1 (paris), q1 ("3" = 3), q2 (3.0 = 3); wrong: p2 (Rome), p3 (Rome, truth Lyon) -> 3 / 5
    assert m["consistency.truth_rate"] == 0.6
    assert m["consistency.answered_rate"] == 1.0
    # unchanged pairs: (p1, p2) paris vs rome -> contradiction; (q1, q2) 3 vs 3 -> agreement
    assert m["consistency.pairs"] == 2
    assert m["consistency.self_agreement"] == 0.5
    assert m["consistency.contradiction_rate"] == 0.5
    # changed pair (p2, p3): the answer Rome is not the old truth (Paris): not stale
    assert m["consistency.changed_pairs"] == 1 and m["consistency.stale_rate"] == 0.0


def test_stale_agent_repeats_the_old_fact() -> None:
    m = _measure([{"p1": "Paris", "q1": 3}, {"p2": "Paris"}, {"p3": "Paris", "q2": 3}])
    assert m["consistency.truth_rate"] == 0.8  # all but p3
    assert m["consistency.stale_rate"] == 1.0
    assert m["consistency.contradiction_rate"] == 0.0 and m["consistency.self_agreement"] == 1.0


def test_perfect_and_noop() -> None:
    perfect = _measure([{"p1": "Paris", "q1": 3}, {"p2": "Paris"}, {"p3": "Lyon", "q2": 3}])
    assert perfect["consistency.truth_rate"] == 1.0 and perfect["consistency.self_agreement"] == 1.0
    assert perfect["consistency.contradiction_rate"] == 0.0 and perfect["consistency.stale_rate"] == 0.0
    noop = _measure([None, None, None])
    assert noop["consistency.truth_rate"] == 0.0 and noop["consistency.answered_rate"] == 0.0
    assert noop["consistency.self_agreement"] == 0.0


def test_an_answer_that_is_not_a_dict_answers_no_probe() -> None:
    m = _measure(["Paris", {"p2": "Paris"}, {}])
    assert m["consistency.answered_rate"] == 0.2 and m["consistency.truth_rate"] == 0.2


def test_no_probes_no_metrics() -> None:
    task = make_task()
    assert consistency.measure(task, make_traj(task, [submit("a")]).steps).metrics == {}


def test_normalisation() -> None:
    assert consistency.agree(["b.py", "a.py"], ("A.py", "b.py "))
    assert consistency.agree("The answer.", "the  answer")
    assert consistency.agree("42", 42.0)
    assert consistency.agree({"x": [1, 2]}, {"x": [2, 1]})
    assert not consistency.agree(["a.py"], ["a.py", "b.py"])
    assert not consistency.agree("Paris", "Lyon")
    assert not consistency.agree(None, "None")
