"""The synthetic world and its questions: deterministic, linked, unambiguous, with near-miss twins."""

from __future__ import annotations

import random

import pytest

from locogym.core.text import content_words
from locogym.scenarios.wiki.corpus import Article, derive_links
from locogym.scenarios.wiki.questions import REL_PHRASES, make_question
from locogym.scenarios.wiki.synthetic import build_world, world_for


def test_same_seed_same_world_and_other_seed_differs() -> None:
    a, b, c = build_world(5, 300), build_world(5, 300), build_world(6, 300)
    assert a.corpus.articles == b.corpus.articles
    assert a.corpus.articles != c.corpus.articles


def test_world_has_every_type_twins_and_resolvable_links() -> None:
    world = world_for(0, 512)
    types = {e.etype for e in world.entities}
    assert types == {"country", "city", "person", "org", "work", "event"}
    twins = [e for e in world.entities if e.twin_of is not None]
    assert len(twins) > 40
    # a twin differs from its original in exactly one fact at most (a near miss, not a copy of everything)
    for twin in twins[:50]:
        orig = world.entities[twin.twin_of]
        if twin.etype == "city":
            continue
        changed = (sum(twin.rel[k] != orig.rel[k] for k in orig.rel)
                   + sum(twin.attr[k] != orig.attr[k] for k in orig.attr))
        assert changed <= 1, (twin.name, orig.name)
    for art in world.corpus.articles:
        for link in art.links:
            assert world.corpus.index_of(link) is not None, link
            assert link in art.text


def test_aliases_name_one_entity_only() -> None:
    world = world_for(0, 512)
    owners: dict[str, str] = {}
    for art in world.corpus.articles:
        for name in (art.title, *art.aliases):
            assert owners.setdefault(name.lower(), art.title) == art.title


@pytest.mark.parametrize("qtype", ["bridge", "comparison"])
@pytest.mark.parametrize("hops", [2, 3, 4])
def test_questions_have_hops_gold_articles_and_a_findable_answer(qtype: str, hops: int) -> None:
    world = world_for(0, 512)
    for seed in range(15):
        item = make_question(world, random.Random(seed), qtype, hops)
        assert item.qtype == qtype and item.hops == hops
        expected = hops if qtype == "bridge" else (2 if hops == 2 else 2 * (hops - 1))
        assert len(item.gold) == expected and len(set(item.gold)) == expected
        for prev, cur in zip(item.follow, item.gold, strict=True):
            if prev is not None:
                assert cur in world.corpus.get(prev).links  # the oracle can follow the link
        if qtype == "bridge":
            last = world.corpus.get(item.gold[-1])
            assert any(a in last.text for a in item.answers()), (item.question, item.answer)
        else:
            starts = {item.gold[0], item.gold[len(item.gold) // 2]}
            assert item.answer in starts
        assert item.nonliteral and item.nonliteral != item.question


def test_nonliteral_phrasing_avoids_the_articles_relation_words() -> None:
    article_words = set()
    world = world_for(0, 512)
    for art in world.corpus.articles:
        names = set(content_words(" ".join((art.title, *art.links, *art.aliases))))
        article_words |= set(content_words(art.text)) - names
    for rel, (literal, nonliteral) in REL_PHRASES.items():
        lit = set(content_words(literal.format(x="", verb="written")))
        non = set(content_words(nonliteral.format(x="", verb="")))
        assert lit & article_words, rel  # the literal wording reuses the articles' words
        relation_words = {"born", "founded", "headquartered", "published", "held", "organised", "studied",
                          "worked", "written", "capital", "city"}
        assert not non & relation_words, (rel, non & relation_words)


def test_derive_links_from_title_mentions() -> None:
    arts = [Article("Ada Lovelace", "Ada Lovelace worked with Charles Babbage on the Analytical Engine."),
            Article("Charles Babbage", "Charles Babbage designed engines."),
            Article("Analytical Engine (machine)", "A design."),
            Article("The", "A stop word title must not link.")]
    linked = {a.title: a.links for a in derive_links(arts)}
    assert linked["Ada Lovelace"] == ("Charles Babbage", "Analytical Engine (machine)")
    assert linked["Charles Babbage"] == ()
