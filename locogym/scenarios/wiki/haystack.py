"""Static haystacks: the gold articles among a retriever's distractors, cut to a target length in tokens.

The haystack is ``header + article blocks + footer`` (the question sits in the footer). Blocks are taken in the
retriever's rank order until the budget is full; the gold articles are always in. A gold article the retriever
ranked too low to make the cut is *missed*: it goes at a seeded random position, never the last one (next to
the question), so its placement says nothing about the answer. Every gold article's token offset is recorded.

Token counts of article blocks come from the corpus's per-article cache and are additive (a block starts with
``## `` and ends with a blank line), so a 128k haystack is assembled from counts, not by re-tokenising it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from locogym.core import tokens
from locogym.scenarios.wiki.corpus import Corpus

Order = Literal["rank", "shuffled"]
Context = Literal["retrieved", "none", "gold_only"]
ORDERS = ("rank", "shuffled")
CONTEXTS = ("retrieved", "none", "gold_only")


@dataclass
class Haystack:
    """An assembled haystack and where its gold articles are."""

    text: str
    titles: list[str]
    tokens: int
    gold_positions: dict[str, int] = field(default_factory=dict)  # title -> token offset of its block
    gold_ranks: dict[str, int] = field(default_factory=dict)  # title -> retriever rank (1-based), whole corpus
    missed: list[str] = field(default_factory=list)  # gold titles placed at random (the retriever missed them)
    shortfall: int = 0  # tokens short of the target when the corpus is too small

    def summary(self) -> dict[str, object]:
        """The JSON-safe facts scoring and analysis need (no text)."""
        return {"tokens": self.tokens, "documents": len(self.titles), "gold_positions": self.gold_positions,
                "gold_ranks": self.gold_ranks, "missed": self.missed, "shortfall": self.shortfall}


def _prefix_counts(corpus: Corpus, ranking: np.ndarray, budget: int) -> np.ndarray:
    """Token counts for the shortest prefix of ``ranking`` that can fill ``budget`` (counted in chunks)."""
    n = 0
    step = max(64, budget // 80)
    total = 0
    while n < ranking.size:
        chunk = corpus.token_counts(ranking[n:n + step])
        n += chunk.size
        total += int(chunk.sum())
        if total > budget:
            break
        step *= 2
    return corpus.token_counts(ranking[:n])


def build(corpus: Corpus, ranking: np.ndarray, gold: list[int], length: int, header: str, footer: str,
          order: Order, context: Context, rng: random.Random) -> Haystack:
    """Assemble a haystack of at most ``length`` tokens (header and footer included).

    ``ranking`` is the retriever's order over the whole corpus; ``gold`` the gold article indices (reading
    order). ``context="none"`` gives no articles and ``"gold_only"`` the gold articles alone (baselines).
    """
    head_tokens, foot_tokens = tokens.count(header), tokens.count(footer)
    budget = max(0, length - head_tokens - foot_tokens)
    rank_of = {}
    if ranking.size:
        positions = np.empty(ranking.size, dtype=np.int64)
        positions[ranking] = np.arange(1, ranking.size + 1)
        rank_of = {g: int(positions[g]) for g in gold}
    gold_set = set(gold)
    gold_counts = corpus.token_counts(gold) if gold else np.zeros(0, dtype=np.int64)
    chosen: list[int]
    missed: list[int] = []
    if context == "none":
        chosen = []
    elif context == "gold_only":
        chosen = list(gold)
        if order == "shuffled":
            rng.shuffle(chosen)
    else:
        counts = _prefix_counts(corpus, ranking, budget)
        prefix = ranking[: counts.size]
        is_gold = np.isin(prefix, gold)
        spent = np.cumsum(np.where(is_gold, 0, counts)) + int(gold_counts.sum())
        cut = int(np.searchsorted(spent, budget, side="right"))
        chosen = [int(i) for i in prefix[:cut]]
        taken = set(chosen)
        missed = [g for g in gold if g not in taken]
        if order == "shuffled":
            rng.shuffle(chosen)
        for g in missed:  # never last: the question follows the last block
            chosen.insert(rng.randrange(0, max(1, len(chosen))), g)
    blocks = [corpus.articles[i].block() for i in chosen]
    counts_chosen = corpus.token_counts(chosen) if chosen else np.zeros(0, dtype=np.int64)
    starts = head_tokens + np.concatenate(([0], np.cumsum(counts_chosen)[:-1])) if chosen else np.zeros(0)
    positions_gold = {corpus.articles[i].title: int(starts[k]) for k, i in enumerate(chosen) if i in gold_set}
    total = head_tokens + int(counts_chosen.sum()) + foot_tokens
    return Haystack(text=header + "".join(blocks) + footer, titles=[corpus.articles[i].title for i in chosen],
                    tokens=total, gold_positions=positions_gold,
                    gold_ranks={corpus.articles[g].title: r for g, r in rank_of.items()},
                    missed=[corpus.articles[g].title for g in missed],
                    shortfall=max(0, length - total) if context == "retrieved" and len(chosen) == len(corpus) else 0)
