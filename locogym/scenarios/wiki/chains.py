"""A synthetic question as a chain of relations, and its answer resolved on a world.

Why a chain and not just an answer: the task generator draws a question on the base world and must recompute its
gold on the full world of a longer context. :func:`resolve` is the one piece of code that gives a question's
answer, accepted aliases and gold articles, on whatever world it is handed: it looks the question's names up
(each must name exactly one entity), walks the relations and reads the answer. The same chain resolved on the
base and on a grown world gives the same gold, or the grown world is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass

from locogym.scenarios.wiki.corpus import Chain, Side
from locogym.scenarios.wiki.synthetic import ATTRIBUTES, Entity, World

ATTRIBUTE_NAMES = frozenset(ATTRIBUTES.values())


class Unresolvable(ValueError):
    """A chain has no single answer on this world (a name that means several entities, a missing relation)."""


@dataclass(frozen=True)
class Resolved:
    """A chain's answer on one world: the answer, its aliases, the gold titles (reading order) and, per gold
    article, the gold article whose links lead to it (``None`` to open it directly)."""

    answer: str
    aliases: tuple[str, ...]
    gold: tuple[str, ...]
    follow: tuple[str | None, ...]


def number_aliases(value: int) -> tuple[str, ...]:
    """Other accepted spellings of a number answer: thousands separators for large numbers."""
    return (f"{value:,}",) if value >= 10000 else ()


def _start(world: World, name: str) -> Entity:
    found = world.named(name)
    if len(found) != 1:
        raise Unresolvable(f"{name!r} names {len(found)} entities of the world, not one")
    return world.entities[found[0]]


def _walk(world: World, side: Side) -> list[Entity]:
    cur = _start(world, side.start)
    path = [cur]
    for rel in side.relations:
        if rel not in cur.rel:
            raise Unresolvable(f"{cur.name!r} has no {rel} relation")
        cur = world.entities[cur.rel[rel]]
        path.append(cur)
    return path


def _bridge(world: World, chain: Chain) -> Resolved:
    path = _walk(world, chain.sides[0])
    last = path[-1]
    gold = tuple(e.name for e in path)
    follow = (None, *gold[:-1])
    if chain.ask in ATTRIBUTE_NAMES:
        if chain.ask not in last.attr:
            raise Unresolvable(f"{last.name!r} has no {chain.ask}")
        value = last.attr[chain.ask]
        return Resolved(str(value), number_aliases(value), gold, follow)
    if chain.ask not in last.rel:
        raise Unresolvable(f"{last.name!r} has no {chain.ask} relation")
    target = world.entities[last.rel[chain.ask]]
    return Resolved(target.name, target.aliases, gold, follow)


def _comparison(world: World, chain: Chain) -> Resolved:
    paths = [_walk(world, side) for side in chain.sides]
    values = [p[-1].attr.get(chain.ask) for p in paths]
    if any(v is None for v in values) or len(set(values)) != len(values):
        raise Unresolvable(f"the compared {chain.ask} values {values} do not pick one side")
    pick = max if chain.larger else min
    winner = paths[values.index(pick(v for v in values if v is not None))][0]
    gold = tuple(e.name for p in paths for e in p)
    follow = tuple(prev for p in paths for prev in (None, *[e.name for e in p[:-1]]))
    return Resolved(winner.name, winner.aliases, gold, follow)


def resolve(world: World, chain: Chain) -> Resolved:
    """The chain's answer on ``world``.

    Raises:
        Unresolvable: a name of the question means no entity or several, a relation is missing, or the compared
            values are equal.
    """
    return _bridge(world, chain) if chain.qtype == "bridge" else _comparison(world, chain)
