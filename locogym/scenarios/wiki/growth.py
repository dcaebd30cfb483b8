"""The synthetic world grows with length around a fixed core.

Why: a task's question is drawn from the smallest world (the *base*, sized for the first rung of the length
ladder), and a longer context must be the same question among more distractors. So the world of a larger size is
the world of half that size plus new entities, and nothing that existed is touched:

* every existing entity keeps its name, aliases, relations and attributes, and every existing article its text
  (new entities that point at an old one add no mention to its article);
* a new entity's name and aliases are new in any case (a new alias that is taken is dropped from the newcomer,
  never from the entity that had it), so no question's name can come to mean a second entity;
* new entities relate to any entity, old or new, and a fifth of them are near-miss twins of any entity of their
  type — longer contexts hold more near misses of the question's own entities.

The growth of each doubling comes from its own seeded stream (world seed, size, variant); the world of a size is
shared by every task on it, so that its retrieval indexes (and dense embeddings on disk) are built once. A task
whose gold a grown world would move — which the rules above exclude, and which the task generator checks by
recomputing the gold — asks for the next *variant*: a world grown from the same base by other streams.
"""

from __future__ import annotations

import functools
import random

from locogym.scenarios.wiki.corpus import Corpus
from locogym.scenarios.wiki.synthetic import (
    Entity,
    World,
    _counts,
    _make_entity,
    _Names,
    make_twin,
    relate_all,
    render_articles,
    world_for,
)

BASE_SIZE = 64  # entities of the base world: about 6,900 tokens of articles, more than the first rung (4k) holds
TYPES = ("country", "city", "org", "person", "work", "event")


def world_size(length: int) -> int:
    """Entities of the grown world for a target length: a power of two >= ``BASE_SIZE`` whose articles (about
    110 tokens each) hold 1.25x the length, so that a static haystack of that length can be filled."""
    n = BASE_SIZE
    while n * 100 < 1.25 * length:
        n *= 2
    return n


@functools.lru_cache(maxsize=16)
def grown_world(seed: int, size: int, variant: int = 0) -> World:
    """The world of ``size`` entities grown from the base world of ``seed`` (cached per process).

    Raises:
        ValueError: ``size`` is not ``BASE_SIZE`` times a power of two.
    """
    if size == BASE_SIZE:
        return world_for(seed, BASE_SIZE)
    if size < BASE_SIZE or size % 2:
        raise ValueError(f"a grown world has BASE_SIZE ({BASE_SIZE}) times a power of two entities, not {size}")
    return grow(grown_world(seed, size // 2, variant), size, f"locogym-wiki-grow:{seed}:{size}:{variant}",
                key=f"synthetic:{seed}:{size}:grown" + (f":{variant}" if variant else ""))


def _labels(entities: list[Entity]) -> set[str]:
    return {label.lower() for ent in entities for label in (ent.name, *ent.aliases)}


def grow(prev: World, size: int, stream: str, key: str) -> World:
    """``prev`` plus new entities up to the type counts of a world of ``size``; ``prev`` is left as it was."""
    rng = random.Random(stream)
    world = list(prev.entities)
    first = len(world)
    names = _Names(rng, reserved=_labels(world))
    ids: dict[str, list[int]] = {t: [e.eid for e in world if e.etype == t] for t in TYPES}
    want = _counts(size)
    for etype in TYPES:
        new = max(0, want[etype] - len(ids[etype]))
        n_twins = new // 5 if etype != "country" else 0
        for _ in range(new - n_twins):
            ent = _make_entity(names, etype, len(world), rng, ids["city"], world)
            world.append(ent)
            ids[etype].append(ent.eid)
            if etype == "city":
                ent.rel["country"] = rng.choice(ids["country"])
        originals = [i for i in ids[etype] if world[i].twin_of is None]
        for orig_id in rng.sample(originals, min(n_twins, len(originals))):
            twin = make_twin(names, world[orig_id], len(world), rng)
            world.append(twin)
            ids[etype].append(twin.eid)
    relate_all(world, ids, rng, first=first)
    _drop_new_alias_clashes(world, first)
    articles = prev.corpus.articles + render_articles(world, rng, first=first)
    return World(seed=prev.seed, entities=world, corpus=Corpus(key=key, articles=articles))


def _drop_new_alias_clashes(world: list[Entity], first: int) -> None:
    """A newcomer's alias that another entity already uses as a name or alias, or that two newcomers share, is
    dropped from the newcomers; the entities before ``first`` keep theirs (their articles are fixed)."""
    taken = _labels(world[:first]) | {ent.name.lower() for ent in world[first:]}
    uses: dict[str, int] = {}
    for ent in world[first:]:
        for alias in ent.aliases:
            uses[alias.lower()] = uses.get(alias.lower(), 0) + 1
    for ent in world[first:]:
        ent.aliases = tuple(a for a in ent.aliases if a.lower() not in taken and uses[a.lower()] == 1)
