"""Multi-hop questions drawn from paths in the synthetic world's relation graph.

A *bridge* question of h hops walks h-1 relations from a start entity and asks for a relation target or an
attribute of the last entity: the h articles on the path are the gold evidence, in reading order. A
*comparison* question of h hops walks h-1 relations from each of two start entities of the same type and asks
which side's endpoint has the larger or smaller attribute: 2(h-1) articles, or the two start articles at h = 2.

Each question has a *literal* wording (the relation words the articles use: "born in", "founded by") and a
*non-literal* one that avoids them ("hometown", "creator"), so that a lexical retriever cannot ride on the
relation words. The start entity is named by an alias some of the time.
"""

from __future__ import annotations

import random

from locogym.scenarios.wiki.chains import Chain, Side, Unresolvable, resolve
from locogym.scenarios.wiki.corpus import QAItem
from locogym.scenarios.wiki.synthetic import ATTRIBUTES, Entity, World

# relation -> (literal noun phrase, non-literal noun phrase); {x} is the source entity's phrase.
REL_PHRASES: dict[str, tuple[str, str]] = {
    "capital": ("the capital of {x}", "the seat of government of {x}"),
    "country": ("the country {x} is a city in", "the nation containing {x}"),
    "birthplace": ("the city where {x} was born", "the hometown of {x}"),
    "employer": ("the organisation where {x} worked", "the employer of {x}"),
    "alma_mater": ("the institution where {x} studied", "the school that educated {x}"),
    "headquarters": ("the city where {x} is headquartered", "the home base of {x}"),
    "founder": ("the person who founded {x}", "the creator of {x}"),
    "creator": ("the person by whom {x} was {verb}", "the mind behind {x}"),
    "publisher": ("the company that published {x}", "the firm that released {x}"),
    "venue": ("the city where {x} was held", "the place that hosted {x}"),
    "organiser": ("the organisation that organised {x}", "the body behind {x}"),
}
# attribute -> (literal question, non-literal question); {x} is the entity phrase.
ATTR_QUESTIONS: dict[str, tuple[str, str]] = {
    "birth_year": ("In what year was {x} born?", "When did {x} come into the world?"),
    "founded_year": ("In what year was {x} founded?", "When was {x} established?"),
    "population": ("What is the population of {x}?", "How many residents does {x} count?"),
    "year": ("In what year was {x} {done}?", "When did {x} first appear?"),
}
# attribute -> (literal "which is more", non-literal), with {a} and {b} the two sides, for larger / smaller.
COMPARE: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "birth_year": (("Who was born later, {a} or {b}?", "Who is the younger, {a} or {b}?"),
                   ("Who was born earlier, {a} or {b}?", "Who is the elder, {a} or {b}?")),
    "founded_year": (("Which was founded later, {a} or {b}?", "Which is the newer institution, {a} or {b}?"),
                     ("Which was founded earlier, {a} or {b}?", "Which is the older institution, {a} or {b}?")),
    "population": (("Which city has the larger population, {a} or {b}?", "Which is more populous, {a} or {b}?"),
                   ("Which city has the smaller population, {a} or {b}?", "Which is less populous, {a} or {b}?")),
    "year": (("Which is more recent, {a} or {b}?", "Which came along later, {a} or {b}?"),
             ("Which is older, {a} or {b}?", "Which came along first, {a} or {b}?")),
}
COMPARE_PATH: dict[str, tuple[str, str]] = {  # predicates for "which of A and B is such that <path> <pred>"
    "birth_year": ("was born later", "is younger"),
    "founded_year": ("was founded later", "is newer"),
    "population": ("has the larger population", "is more populous"),
    "year": ("is more recent", "came along later"),
}
COMPARE_PATH_LOW: dict[str, tuple[str, str]] = {
    "birth_year": ("was born earlier", "is older"),
    "founded_year": ("was founded earlier", "is older"),
    "population": ("has the smaller population", "is less populous"),
    "year": ("is older", "came along first"),
}
DONE = {"work": "released", "event": "held"}
WORK_VERBS = {"novel": "written", "film": "directed", "opera": "composed", "treatise": "written"}


def _phrase(rel: str, x: str, source: Entity, nonliteral: bool) -> str:
    template = REL_PHRASES[rel][1 if nonliteral else 0]
    return template.format(x=x, verb=WORK_VERBS.get(source.kind, "made"))


def _walk(world: World, rng: random.Random, start: Entity, relations: int) -> list[tuple[Entity, str]] | None:
    """A path of ``relations`` steps from ``start`` that never revisits an entity: [(entity, relation), ...]."""
    path: list[tuple[Entity, str]] = []
    seen = {start.eid}
    cur = start
    for _ in range(relations):
        options = [r for r in sorted(cur.rel) if cur.rel[r] not in seen]
        if not options:
            return None
        rel = rng.choice(options)
        path.append((cur, rel))
        cur = world.entities[cur.rel[rel]]
        seen.add(cur.eid)
    path.append((cur, ""))
    return path


def _name(ent: Entity, rng: random.Random, alias_rate: float) -> str:
    return rng.choice(ent.aliases) if ent.aliases and rng.random() < alias_rate else ent.name


def _chain(path: list[tuple[Entity, str]], start_name: str, nonliteral: bool) -> str:
    """The noun phrase for the path's last entity, e.g. "the hometown of the creator of X"."""
    phrase = start_name
    for ent, rel in path[:-1]:
        phrase = _phrase(rel, phrase, ent, nonliteral)
    return phrase


def _attr_question(attr: str, target: Entity, np_: str, nonliteral: bool) -> str:
    template = ATTR_QUESTIONS[attr][1 if nonliteral else 0]
    return template.format(x=np_, done=DONE.get(target.etype, "made"))


def _item(world: World, chain: Chain, texts: list[str], hops: int) -> QAItem | None:
    """The question of ``chain`` with its gold resolved on ``world`` (``None`` when the chain has no single
    answer there); the task generator resolves the same chain again on the full world of a longer context."""
    try:
        found = resolve(world, chain)
    except Unresolvable:
        return None
    if chain.qtype == "bridge":
        qid = f"bridge-{hops}-{found.gold[0]}-{found.answer}"
    else:
        first, second = (world.entities[world.named(s.start)[0]].name for s in chain.sides)
        qid = f"comparison-{hops}-{first}-{second}"
    return QAItem(qid=qid, question=texts[0], answer=found.answer, aliases=found.aliases, gold=found.gold,
                  qtype=chain.qtype, hops=hops, nonliteral=texts[1], follow=found.follow, source=world.corpus.key,
                  chain=chain)


def bridge(world: World, rng: random.Random, hops: int, alias_rate: float = 0.3) -> QAItem:
    """A bridge question with exactly ``hops`` gold articles (relations, then a final relation or attribute)."""
    starts = [e for e in world.entities if e.rel]
    for _ in range(500):
        start = rng.choice(starts)
        path = _walk(world, rng, start, hops)
        if path is None:
            continue
        gold_path = path[:-1]  # the hops articles to read: each one states the next hop
        final = gold_path[-1][0]
        use_attr = bool(final.attr) and rng.random() < 0.35
        start_name = _name(start, rng, alias_rate)
        texts: list[str] = []
        if use_attr:  # ask for an attribute of the last gold entity instead of its relation target
            ask = ATTRIBUTES[final.etype]
            np_path = [*gold_path[:-1], (final, "")]
            for nonliteral in (False, True):
                texts.append(_attr_question(ask, final, _chain(np_path, start_name, nonliteral), nonliteral))
        else:
            ask = gold_path[-1][1]
            for nonliteral in (False, True):
                frame = "Name {np}." if nonliteral else "What is {np}?"
                texts.append(frame.format(np=_chain(path, start_name, nonliteral)))
        chain = Chain("bridge", (Side(start_name, tuple(r for _, r in gold_path[:-1])),), ask)
        item = _item(world, chain, texts, hops)
        if item is not None:
            return item
    raise RuntimeError(f"no {hops}-hop bridge path found in the world")  # pragma: no cover - worlds are dense


def comparison(world: World, rng: random.Random, hops: int, alias_rate: float = 0.3) -> QAItem:
    """A comparison question: two sides of ``hops - 1`` articles each (one article each at ``hops`` = 2)."""
    relations = max(0, hops - 2)
    for _ in range(500):
        a = rng.choice(world.entities)
        path_a = _walk(world, rng, a, relations)
        if path_a is None:
            continue
        rels = [r for _, r in path_a[:-1]]
        end_a = path_a[-1][0]
        if not end_a.attr:
            continue
        attr = ATTRIBUTES[end_a.etype]
        peers = [e for e in world.entities if e.etype == a.etype and e.eid != a.eid]
        b = rng.choice(peers)
        path_b = _follow(world, b, rels)
        if path_b is None:
            continue
        end_b = path_b[-1][0]
        ids = [e.eid for e, _ in path_a] + [e.eid for e, _ in path_b]
        if len(set(ids)) != len(ids) or attr not in end_b.attr or end_a.attr[attr] == end_b.attr[attr]:
            continue
        larger = rng.random() < 0.5
        name_a, name_b = _name(a, rng, alias_rate), _name(b, rng, alias_rate)
        if rng.random() < 0.5:
            (name_a, path_a), (name_b, path_b) = (name_b, path_b), (name_a, path_a)
        texts = []
        for nonliteral in (False, True):
            if relations == 0:
                template = COMPARE[attr][0 if larger else 1][1 if nonliteral else 0]
                texts.append(template.format(a=name_a, b=name_b))
            else:
                np_ = _chain(path_a, "it", nonliteral)
                pred = (COMPARE_PATH if larger else COMPARE_PATH_LOW)[attr][1 if nonliteral else 0]
                texts.append(f"Which of {name_a} and {name_b} is such that {np_} {pred}?")
        chain = Chain("comparison", (Side(name_a, tuple(rels)), Side(name_b, tuple(rels))), attr, larger)
        item = _item(world, chain, texts, hops)
        if item is not None:
            return item
    raise RuntimeError(f"no {hops}-hop comparison found in the world")  # pragma: no cover


def _follow(world: World, start: Entity, rels: list[str]) -> list[tuple[Entity, str]] | None:
    path: list[tuple[Entity, str]] = []
    cur = start
    for rel in rels:
        if rel not in cur.rel:
            return None
        path.append((cur, rel))
        cur = world.entities[cur.rel[rel]]
    path.append((cur, ""))
    return path


def make_question(world: World, rng: random.Random, qtype: str, hops: int) -> QAItem:
    """A bridge or comparison question of ``hops`` hops (``qtype`` "any" picks one: bridge twice as often)."""
    if qtype == "any":
        qtype = "comparison" if rng.random() < 1 / 3 else "bridge"
    if qtype == "bridge":
        return bridge(world, rng, hops)
    return comparison(world, rng, hops)
