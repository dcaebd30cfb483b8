"""Conformance on LoCo-WikiHop-v0: every behaviour against a scripted agent whose right values are known."""

from __future__ import annotations

import math

import pytest

from locogym.scenarios.wiki.answers import normalize
from locogym.scenarios.wiki.world import WikiWorld
from tests.scoring.conformance.driver import Episode, behaviour

ENV = "LoCo-WikiHop-v0"
SEED = 0


def agentic(**kwargs: object) -> Episode:
    return Episode(ENV, seed=SEED, mode="agentic", **kwargs)  # type: ignore[arg-type]


def _off_path_chain(ep: Episode) -> tuple[str, str, str]:
    """Three non-gold articles A -> B -> C linked one to the next, none named in the question or an answer."""
    world = ep.base.ctx.world if ep.base.ctx else None
    assert isinstance(world, WikiWorld)
    gold = set(ep.task.gold["titles"])
    question = normalize(ep.task.prompt)
    answers = {normalize(a) for a in ep.task.gold["answers"]}
    corpus = world.source.corpus

    def fresh(title: str) -> bool:
        words = normalize(title)
        return title not in gold and words not in answers and words not in question

    for article in corpus.articles:
        if not fresh(article.title):
            continue
        for b in article.links:
            linked = corpus.get(b)
            if linked is None or not fresh(b):
                continue
            for c in linked.links:
                if c not in (article.title, b) and fresh(c) and corpus.get(c) is not None:
                    return article.title, b, c
    raise AssertionError("the corpus has no off-path chain of three articles")


def test_a_wrong_article_followed_twice_into_the_answer_is_a_chain_of_four() -> None:
    with agentic() as ep:
        a, b, c = _off_path_chain(ep)
        ep.call("open", title=a)
        ep.call("follow", title=a, link=b)
        ep.call("follow", title=b, link=c)
        ep.call("submit", answer=c)
        assert ep.score.success == 0.0
        assert behaviour(ep.score, "cascade") == {
            "cascade.errors": 4.0, "cascade.error_free": 0.0, "cascade.first_error": 0.0, "cascade.cascading": 3.0,
            "cascade.rate": 0.75, "cascade.longest_chain": 4.0, "cascade.recovered": 0.0, "cascade.recovery_rate": 0.0}
        assert ep.labels["cascade"] == "cascading"


def test_a_detour_through_a_wrong_article_is_exploration_not_an_error() -> None:
    with agentic() as ep:
        a, _, _ = _off_path_chain(ep)
        ep.call("open", title=a)
        ep.replay(ep.plan())
        assert ep.score.success == 1.0
        assert ep.metrics["cascade.errors"] == 0.0 and ep.labels["cascade"] == "none"
        assert ep.labels["stop"] == "timely"  # one extra step before the evidence is not over-search


def test_a_made_up_answer_is_a_lone_error_and_a_guess() -> None:
    with agentic() as ep:
        ep.call("submit", answer="Zzyzx Qwerty")
        assert ep.metrics["cascade.errors"] == 1.0 and ep.metrics["cascade.longest_chain"] == 1.0
        assert ep.labels["cascade"] == "isolated"
        assert ep.labels["stop"] == "premature" and ep.labels["stop.cross"] == "premature_wrong"
        assert ep.labels["efficiency"] == "guess" and ep.metrics["efficiency.score"] == 0.0


def test_a_blind_right_guess_never_outranks_the_oracle() -> None:
    with agentic() as guess:
        guess.call("submit", answer=guess.task.gold["answer"])
        assert guess.score.success == 1.0
        assert guess.labels["stop"] == "premature" and guess.labels["stop.cross"] == "lucky_guess"
        assert guess.labels["efficiency"] == "guess"
        assert guess.metrics["efficiency.score"] == 0.0 and "efficiency.step_ratio" not in guess.metrics
    with agentic() as oracle:
        oracle.replay(oracle.plan())
        assert oracle.labels["stop"] == "timely" and oracle.metrics["stop.sound"] == 1.0
        assert oracle.labels["efficiency"] == "solved"
        assert oracle.metrics["efficiency.step_ratio"] == 1.0 and oracle.metrics["efficiency.score"] == 1.0
        assert oracle.metrics["cascade.errors"] == 0.0


def test_searching_on_after_the_last_hop_is_over_search() -> None:
    with agentic() as ep:
        plan = ep.plan()
        ep.replay(plan[:-1])
        for query in ("capital", "country", "city"):
            ep.call("search", query=query)
        ep.act(plan[-1])
        assert ep.score.success == 1.0
        assert ep.labels["stop"] == "over-search" and ep.labels["stop.cross"] == "over-search_right"
        assert ep.metrics["stop.overrun"] == 3.0 and ep.metrics["stop.sound"] == 0.0
        assert ep.metrics["efficiency.step_ratio"] == len(plan) / (len(plan) + 3)
        token_ratio = ep.metrics["efficiency.token_ratio"]
        assert token_ratio < 1.0
        assert ep.metrics["efficiency.score"] == pytest.approx(math.sqrt(len(plan) / (len(plan) + 3) * token_ratio))


def test_running_out_of_steps_is_never_stopping() -> None:
    with agentic(max_steps=3) as ep:
        for query in ("capital", "country", "city"):
            ep.call("search", query=query)
        assert ep.labels["stop"] == "never" and ep.metrics["stop.never"] == 1.0
        assert ep.labels["efficiency"] == "unsolved" and ep.metrics["efficiency.score"] == 0.0


def test_a_repeated_open_is_redundant_and_a_missing_article_invalid() -> None:
    with agentic() as ep:
        plan = ep.plan()
        ep.act(plan[0])
        ep.act(plan[0])
        ep.call("open", title="No Such Article Anywhere")
        ep.replay(plan[1:])
        assert ep.score.success == 1.0
        m = ep.metrics
        assert m["efficiency.redundant"] == 1.0 and m["efficiency.invalid"] == 1.0
        assert m["efficiency.invalid.not_found"] == 1.0
        assert m["efficiency.redundant_rate"] == 1 / (len(plan) + 2)
        assert m["efficiency.step_ratio"] == len(plan) / (len(plan) + 2)
        # the failed open fed nothing; no later open served its sub-goal (the gold hops are follows)
        assert m["cascade.errors"] == 1.0 and m["cascade.recovery_rate"] == 0.0 and ep.labels["cascade"] == "isolated"


def test_no_probes_no_consistency() -> None:
    with agentic() as ep:
        ep.replay(ep.plan())
        assert behaviour(ep.score, "consistency") == {}


# ---------------------------------------------------------------------- static mode: the evidence is in the prompt
def test_static_right_answer_is_answered_from_context() -> None:
    with Episode(ENV, seed=SEED) as ep:
        ep.replay(ep.plan())
        assert ep.score.success == 1.0
        assert ep.labels["stop"] == "from-context" and ep.labels["stop.cross"] == "from-context_right"
        assert ep.metrics["stop.sound"] == 1.0 and ep.metrics["stop.timely"] == 0.0
        assert ep.metrics["efficiency.score"] == 1.0 and ep.labels["efficiency"] == "solved"


@pytest.mark.parametrize("answer", ["yes", "__GOLD__ (see the article on its country)"])
def test_static_fixed_or_overlong_answers_are_unsupported(answer: str) -> None:
    with Episode(ENV, seed=SEED) as ep:
        ep.call("submit", answer=answer.replace("__GOLD__", ep.task.gold["answer"]))
        assert ep.score.success == 0.0
        assert ep.labels["stop"] == "unsupported" and ep.metrics["stop.sound"] == 0.0
        assert ep.metrics["stop.timely"] == 0.0 and ep.metrics["stop.from_context"] == 0.0
        assert ep.labels["efficiency"] == "guess" and ep.metrics["efficiency.score"] == 0.0
        assert ep.metrics["cascade.errors"] == 1.0 and ep.labels["cascade"] == "isolated"


def test_static_empty_answer_is_premature() -> None:
    with Episode(ENV, seed=SEED) as ep:
        ep.call("submit")
        assert ep.labels["stop"] == "premature" and ep.labels["efficiency"] == "unsolved"
