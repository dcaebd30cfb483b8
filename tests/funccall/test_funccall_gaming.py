"""Cheating agents on LoCo-FuncCall-v0: each scores what it deserves (at most noop, or at most the same agent's
honest structured answer).

Every template is played on two tasks each: number grids and labelled candidate dumps without a single call,
every-candidate answers and prose dumps after the oracle's own calls, a blind "unavailable" with and without an
unrelated search, and an honest answer in odd but valid spellings (which must keep full credit). The heuristic
baseline dumping every response it saw must never beat its own structured answer.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import orjson
import pytest

from locogym import make_agent, run_episode
from locogym.core.types import ToolCall, Trajectory
from locogym.envs.funccall import FuncCallEnv
from locogym.scenarios.funccall.templates import TEMPLATES
from locogym.testing.cheats import DumpingAgent
from tests.funccall.funccall_support import make, plan, play, seed_for

SEEDS = (0, 1)
UNAVAILABLE = ToolCall(name="submit", arguments={"answer": {"status": "unavailable"}})


def _episode(env: FuncCallEnv, template: str, seed: int, calls: list[Any]) -> Trajectory:
    env.reset(seed=seed, options={"length": "4k", "task": template})
    return play(env, calls)


def _noop(env: FuncCallEnv, template: str, seed: int) -> float:
    traj = run_episode(env, make_agent("noop"), seed=seed, options={"length": "4k", "task": template})
    assert traj.score is not None
    return traj.score.success


def _fields(env: FuncCallEnv) -> list[str]:
    assert env.task is not None
    return list(env.task.gold["answer_keys"])


def _number_grid() -> str:
    return "\n".join(" ".join(f"{row * 25 + col * 3.17:.2f}" for col in range(25)) for row in range(80))


def _seen_values(traj: Trajectory) -> list[Any]:
    """Every scalar value in every response the episode saw (what a dumping agent would paste)."""
    out: list[Any] = []
    stack: list[Any] = []
    for step in traj.steps:
        try:
            stack.append(orjson.loads(step.result.output))
        except orjson.JSONDecodeError:
            continue
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, (str, int, float)) and not isinstance(node, bool):
            out.append(node)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_zero_call_dumps_score_zero(template: str) -> None:
    env = make()
    for seed in SEEDS:
        floor = _noop(env, template, seed)
        env.reset(seed=seed, options={"length": "4k", "task": template})
        fields = _fields(env)
        grid = _number_grid()
        dumps = [
            grid,  # a bare grid of numbers
            "\n".join(f"{f}: {v}" for f in fields for v in grid.split()[:400]),  # every number under every label
            {f: grid.split() for f in fields},  # every number as a list per field
            {f: grid for f in fields},  # the whole grid as each field's text
            {"status": "unavailable", **{f: "unknown" for f in fields}},  # hedge both ways
        ]
        for dump in dumps:
            traj = _episode(env, template, seed, [ToolCall(name="submit", arguments={"answer": dump})])
            assert traj.score is not None
            assert traj.score.success == 0.0 <= floor, (template, seed, str(dump)[:80], traj.score.labels)


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_dumps_after_the_right_calls_score_no_more_than_the_structured_answer(template: str) -> None:
    env = make()
    for seed in SEEDS:
        env.reset(seed=seed, options={"length": "4k", "task": template})
        calls = plan(env)[:-1]
        honest = _episode(env, template, seed, plan(env)).score
        assert honest is not None and honest.success == 1.0
        probe = _episode(env, template, seed, calls)
        fields = _fields(env)
        seen = _seen_values(probe)
        transcript = "\n".join(s.result.output for s in probe.steps)
        answers: list[Any] = [
            transcript,  # the prose dump: every response pasted back
            "Here is everything I found:\n" + "\n".join(f"{f}: {v}" for f in fields for v in seen[:300]),
            {f: seen for f in fields},  # every candidate, as a list per field
            {f: " / ".join(map(str, seen[:200])) for f in fields},  # every candidate in one string
        ]
        for answer in answers:
            traj = _episode(env, template, seed, [*calls, ToolCall(name="submit", arguments={"answer": answer})])
            score = traj.score
            assert score is not None
            assert score.success <= honest.success, (template, seed, str(answer)[:80])
            assert score.metrics["fc.facts_score"] == 0.0, (template, seed, str(answer)[:80], score.labels)


def _respell(value: Any) -> Any:
    if isinstance(value, float):
        return f"EUR {value:,.2f}"
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        day = date.fromisoformat(value)
        return f"{day.strftime('%B')} {day.day}, {day.year}"
    if isinstance(value, str) and re.fullmatch(r"\d{2}:\d{2}", value):
        hour, minute = map(int, value.split(":"))
        return f"{hour % 12 or 12}:{minute:02d} {'am' if hour < 12 else 'pm'}"
    return str(value).lower() if isinstance(value, str) else value


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_an_honest_answer_in_odd_but_valid_spellings_keeps_full_credit(template: str) -> None:
    env = make()
    env.reset(seed=0, options={"length": "4k", "task": template})
    oracle = plan(env)
    answer = oracle[-1].arguments["answer"]
    labelled = "All done.\n" + "\n".join(f"- {k.replace('_', ' ').title()}: {_respell(v)}" for k, v in answer.items())
    traj = _episode(env, template, 0, [*oracle[:-1], ToolCall(name="submit", arguments={"answer": labelled})])
    assert traj.score is not None and traj.score.success == 1.0, (labelled, traj.score.labels)
    fenced = "```json\n" + orjson.dumps({k.upper(): v for k, v in answer.items()}).decode() + "\n```"
    traj = _episode(env, template, 0, [*oracle[:-1], ToolCall(name="submit", arguments={"answer": fenced})])
    assert traj.score is not None and traj.score.success == 1.0


INFEASIBLE = sorted(name for name, (_fn, has) in TEMPLATES.items() if has)


@pytest.mark.parametrize("template", INFEASIBLE)
def test_a_blind_unavailable_scores_zero_and_a_proven_one_full(template: str) -> None:
    env = make()
    seed = seed_for(env, template, infeasible=True)
    env.reset(seed=seed, options={"length": "4k", "task": template})
    oracle = plan(env)
    proof = env.task.gold["proof"]
    assert oracle[-1].arguments == {"answer": {"status": "unavailable"}}
    traj = _episode(env, template, seed, [UNAVAILABLE])
    assert traj.score.success == 0.0 and traj.score.labels["fc.unavailable_claim"] == "unsupported"
    # the same search with one anchor moved (another day or place) is an unrelated search
    search = next(c for c in reversed(oracle) if c.name == proof["api"])
    unrelated = search.model_copy(deep=True)
    for key in ("departDate", "arrival_date", "pick_up_date", "date"):
        if key in unrelated.arguments:
            unrelated.arguments[key] = (date.fromisoformat(unrelated.arguments[key]) + timedelta(days=2)).isoformat()
    if "departure_date" in unrelated.arguments:
        unrelated.arguments["departure_date"] = (date.fromisoformat(unrelated.arguments["departure_date"])
                                                 + timedelta(days=2)).isoformat()
    if "drop_off_date" in unrelated.arguments:
        unrelated.arguments["drop_off_date"] = (date.fromisoformat(unrelated.arguments["drop_off_date"])
                                                + timedelta(days=2)).isoformat()
    lookups = [c for c in oracle if c.name != proof["api"] and c.name != "submit"]
    traj = _episode(env, template, seed, [*lookups, unrelated, UNAVAILABLE])
    assert traj.steps[-2].result.error is None, traj.steps[-2].result.output
    assert traj.score.success == 0.0 and traj.score.labels["fc.unavailable_claim"] == "unsupported"
    traj = _episode(env, template, seed, oracle)
    assert traj.score.success == 1.0 and traj.score.labels["fc.unavailable_claim"] == "proven"


@pytest.mark.parametrize("template", INFEASIBLE)
def test_unavailable_on_a_feasible_task_scores_zero_even_after_looking(template: str) -> None:
    env = make()
    seed = seed_for(env, template, infeasible=False)
    env.reset(seed=seed, options={"length": "4k", "task": template})
    reads = [c for c in plan(env) if not c.name.startswith(("Book_", "Cancel_")) and c.name != "submit"]
    traj = _episode(env, template, seed, [*reads, UNAVAILABLE])
    assert traj.score.success == 0.0 and traj.score.labels["fc.unavailable_claim"] == "unsupported"


def test_the_heuristic_dumping_what_it_saw_never_beats_its_own_answer() -> None:
    env = make()
    beaten = 0
    for seed in (2, 4, 8, 18, 19):  # seeds where the heuristic answers a field or more right
        options = {"length": "4k", "difficulty": "hard"}
        honest = run_episode(env, make_agent("heuristic"), seed=seed, options=options).score
        dumped = run_episode(env, DumpingAgent("heuristic"), seed=seed, options=options).score
        assert honest is not None and dumped is not None
        assert dumped.success <= honest.success and dumped.metrics["fc.facts_score"] == 0.0, seed
        beaten += dumped.success < honest.success
    assert beaten >= 1  # the heuristic answers some fields right, and the dump loses them


def _book(env: FuncCallEnv, call: ToolCall) -> str:
    env.step(call)
    assert env.trajectory is not None
    return str(orjson.loads(env.trajectory.steps[-1].result.output)["data"]["booking_id"])


def _churn(env: FuncCallEnv, seed: int, rounds: int, spares: int) -> Trajectory:
    """The oracle's flight with churn: ``spares`` other seats booked and cancelled again, and the right booking
    itself cancelled and made again ``rounds`` times; then the oracle's answer with the booking that stands."""
    env.reset(seed=seed, options={"length": "4k", "task": "flight_seat"})
    oracle = plan(env)
    book = next(c for c in oracle if c.name == "Book_Flight")
    seats = env.task.gold["requirements"][0]["match"]["seat"]["in"]
    for call in oracle:
        if call.name not in ("Book_Flight", "submit"):
            env.step(call)
    extra = [_book(env, ToolCall(name="Book_Flight", arguments={**book.arguments, "seat": seat}))
             for seat in [s for s in seats if s != book.arguments["seat"]][:spares]]
    for _ in range(rounds):
        env.step(ToolCall(name="Cancel_Booking", arguments={"booking_id": _book(env, book)}))
    standing = _book(env, book)
    cancels = [ToolCall(name="Cancel_Booking", arguments={"booking_id": b}) for b in extra]
    answer = {**oracle[-1].arguments["answer"], "booking_id": standing}
    return play(env, [*cancels, ToolCall(name="submit", arguments={"answer": answer})])


@pytest.mark.parametrize(("rounds", "spares"), [(0, 2), (2, 0)])
def test_churn_scores_zero_however_right_the_end_looks(rounds: int, spares: int) -> None:
    """Book several options and cancel the wrong ones, or book and cancel the right one three times: the end
    state holds exactly the right booking and the answer is right, but every change nobody asked for fails the
    task (``fc.collateral`` counts them)."""
    env = make()
    seed = seed_for(env, "flight_seat")
    traj = _churn(env, seed, rounds, spares)
    score = traj.score
    assert score is not None and score.metrics["fc.state_score"] == 1.0 and score.metrics["fc.facts_score"] == 1.0
    assert score.success == 0.0 and score.metrics["fc.collateral"] == rounds + spares, score.labels
    assert score.labels["fc.collateral"].count("booked/cancelled") == rounds + spares
    assert _churn(env, seed, 0, 0).score.success == 1.0  # the same calls without churn


QUICK = ("attraction_slot", "cancel_rebook", "flight_then_taxi")  # one of each kind of proof; all: slow tier


@pytest.mark.parametrize("template", [t if t in QUICK else pytest.param(t, marks=pytest.mark.slow)
                                      for t in sorted(TEMPLATES)])
def test_abstain_scores_one_exactly_on_the_infeasible_requests(template: str) -> None:
    """The abstain baseline proves every infeasible request (the deciding search with every filter, every page)
    and earns nothing on a feasible one: its mean is exactly the infeasible share."""
    env = make()
    for infeasible in (True, False):
        seed = seed_for(env, template, infeasible=infeasible)
        traj = run_episode(env, make_agent("abstain"), seed=seed, options={"length": "4k", "task": template})
        assert traj.score is not None
        assert traj.score.success == float(infeasible), (template, seed, traj.score.labels)
        assert traj.score.labels["fc.unavailable_claim"] == ("proven" if infeasible else "unsupported")
        assert not any(s.call and s.call.name.startswith(("Book_", "Cancel_")) for s in traj.steps)


@pytest.mark.slow
def test_guessing_from_the_prompt_earns_no_more_than_abstaining() -> None:
    """hard, 4k, 90 seeds: an agent that abstains where a feature of the prompt holds and gives up elsewhere
    scores at most the abstain floor + 0.02; one that plays the heuristic elsewhere at most the better of the
    heuristic and abstain + 0.02. The floor is at most half the heuristic's mean.

    A guesser delegates each whole episode to ``abstain`` or to its other agent, chosen by the first
    observation, so its score on a seed is one of theirs. Each policy is played once per seed and every
    guesser's mean is composed from them; the composition is checked against real guessers on six seeds."""
    from locogym.testing.funccall_cheats import FEATURES, GuessingAgent

    env, options, seeds = make(), {"length": "4k", "difficulty": "hard"}, range(90)

    def played(name: str) -> list[Trajectory]:
        return [run_episode(env, make_agent(name), seed=seed, options=options) for seed in seeds]

    def success(traj: Trajectory) -> float:
        return traj.score.success if traj.score is not None else 0.0

    runs = {name: played(name) for name in ("abstain", "heuristic", "noop")}
    prompts = [env.reset(seed=seed, options=options)[0] for seed in seeds]

    def guessed(feature: str, otherwise: str, seed: int) -> float:
        chosen = "abstain" if FEATURES[feature](prompts[seed]) else otherwise
        return success(runs[chosen][seed])

    for feature in FEATURES:
        for otherwise in ("noop", "heuristic"):
            for seed in seeds[:6]:
                real = run_episode(env, GuessingAgent(feature, otherwise), seed=seed, options=options)
                assert success(real) == guessed(feature, otherwise, seed), (feature, otherwise, seed)

    def mean(scores: list[float]) -> float:
        return sum(scores) / len(seeds)

    floor, heuristic = mean([success(t) for t in runs["abstain"]]), mean([success(t) for t in runs["heuristic"]])
    assert floor <= heuristic / 2, (floor, heuristic)
    for feature in FEATURES:
        assert mean([guessed(feature, "noop", s) for s in seeds]) <= floor + 0.02, feature
        assert mean([guessed(feature, "heuristic", s) for s in seeds]) <= max(floor, heuristic) + 0.02, feature


def test_abstain_names_the_fix_where_a_family_has_no_abstain_policy() -> None:
    from locogym.agents.abstain import AbstainAgent, abstain_policy
    from locogym.core.errors import ConfigError

    assert (abstain_policy("locogym.agents.heuristic.funccall:Policy", "x")
            == "locogym.agents.heuristic.funccall:Abstain")
    with pytest.raises(ConfigError, match="no heuristic policy"):
        abstain_policy(None, "LoCo-X-v0")
    with pytest.raises(ConfigError, match="cannot be loaded"):
        AbstainAgent().reset({"env_id": "LoCo-WikiHop-v0", "heuristic_policy": "locogym.agents.heuristic.wiki:Policy"})
