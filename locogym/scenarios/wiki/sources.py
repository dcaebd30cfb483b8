"""Where a WikiHop task's articles come from: a synthetic world grown to the length, or a dataset's corpus.

The *base* source is what a task's core is drawn from: the base world (sized for the first rung of the length
ladder) or the dataset itself. The source of a length is what its context is made of: the base world grown to
hold the length (same entities and articles, more of them), or the same dataset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from locogym.scenarios.wiki.corpus import Corpus
from locogym.scenarios.wiki.growth import BASE_SIZE, grown_world, world_size
from locogym.scenarios.wiki.loaders import load_corpus
from locogym.scenarios.wiki.synthetic import World, world_for


@dataclass
class Source:
    """The corpus behind a task and, for the synthetic corpus, its world (for questions and their gold)."""

    corpus: Corpus
    world: World | None = None


def world_entities(length: int, size: int | None) -> int:
    """Entities of the synthetic world at ``length``: ``size`` when given (a fixed world), else grown with it."""
    return size if size is not None else world_size(length)


def source_for(params: dict[str, Any], length: int, variant: int = 0, base: Source | None = None) -> Source:
    """The source a context of ``length`` tokens is made of (``variant``: another growth of the same base; a
    dataset is its own base, and ``base`` spares loading it again)."""
    if params["corpus"] != "synthetic":
        return base or Source(load_corpus(params["corpus"], params["questions"]))
    seed = int(params["world_seed"])
    world = world_for(seed, params["size"]) if params["size"] is not None else grown_world(
        seed, world_size(length), variant)
    return Source(world.corpus, world)


def base_source(params: dict[str, Any]) -> Source:
    """The source a task's core is drawn from; every source of a longer length contains it unchanged."""
    if params["corpus"] != "synthetic":
        return Source(load_corpus(params["corpus"], params["questions"]))
    seed = int(params["world_seed"])
    world = world_for(seed, params["size"] if params["size"] is not None else BASE_SIZE)
    return Source(world.corpus, world)
