"""The per-episode wiki world the tools act on: the corpus, its retriever, the gold articles and round state.

On a dataset corpus in agentic mode the tools see only the task's *searchable* articles (``meta["searchable"]``:
the gold articles and as many others as the task's length holds, see :func:`.tasks.searchable`): the corpus an
agent searches grows with the length as the synthetic world does. Every look-up — search, open, follow, links
shown, citations — stays inside it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from locogym.core.errors import ToolNotFound
from locogym.core.types import Task
from locogym.scenarios.wiki.answers import query_drift
from locogym.scenarios.wiki.corpus import Article
from locogym.scenarios.wiki.gold import WikiGold
from locogym.scenarios.wiki.haystack import Haystack
from locogym.scenarios.wiki.retrievers import Retriever
from locogym.scenarios.wiki.sources import Source, source_for
from locogym.scenarios.wiki.tasks import build_round_haystack, retriever_for, validate


@dataclass
class WikiWorld:
    """What the wiki tools need. Built at every reset; the corpus and retriever behind it are shared caches."""

    task: Task
    params: dict[str, Any]
    source: Source
    length: int
    round_index: int = 0
    summary: str | None = None
    pending_evidence: list[str] = field(default_factory=list)
    visible: np.ndarray | None = None  # per article: may the tools show it (None: every article)
    _retriever: Retriever | None = None

    @classmethod
    def for_task(cls, task: Task, params: dict[str, Any], length: int) -> WikiWorld:
        settings = validate(dict(params))
        source = source_for(settings, length, int(task.meta.get("world_variant", 0)))
        world = cls(task=task, params=settings, source=source, length=length)
        world.visible = source.corpus.mask(task.meta.get("searchable"))
        if settings["mode"] != "agentic":  # the first haystack is in the prompt: the agent has read its gold
            shown = task.meta.get("haystack", {}).get("gold_positions", {})
            world.pending_evidence = [f"article:{t}" for t in task.gold_as(WikiGold).titles if t in shown]
        return world

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            self._retriever = retriever_for(self.params, self.source.corpus)
        return self._retriever

    @functools.cached_property
    def gold(self) -> WikiGold:
        return self.task.gold_as(WikiGold)

    @property
    def question(self) -> str:
        return self.gold.question

    @property
    def gold_titles(self) -> list[str]:
        return list(self.gold.titles)

    def evidence_of(self, title: str) -> list[str]:
        return [f"article:{title}"] if title in self.gold_titles else []

    def find(self, title: str) -> list[Article]:
        """The articles ``title`` may mean: one for a display title or alias (case-insensitive), every paragraph
        of a page title that several paragraphs share (the caller lists them), never an arbitrary one of them.

        Raises:
            ToolNotFound: no such article; the message suggests close titles.
        """
        corpus = self.source.corpus
        found = self.shown(corpus.resolve(title))
        if not found:
            close = [corpus.articles[i].title for i in self.rank(title)[:3]]
            raise ToolNotFound(f"no article titled {title!r}. Close titles: {'; '.join(close)}.")
        return [corpus.articles[i] for i in found]

    def shown(self, indices: list[int]) -> list[int]:
        """The articles among ``indices`` the tools may show."""
        return indices if self.visible is None else [i for i in indices if self.visible[i]]

    def links_of(self, article: Article) -> tuple[str, ...]:
        """The links of ``article`` the agent may follow (to articles the tools may show)."""
        return self.source.corpus.links_within(article, self.visible)

    def rank(self, query: str) -> np.ndarray:
        """The retriever's ranking of the articles the tools may show, best first."""
        ranking = self.retriever.rank(query)
        return ranking if self.visible is None else ranking[self.visible[ranking]]

    def article(self, title: str) -> Article:
        """The one article called ``title``.

        Raises:
            ToolNotFound: no such article, or a title several paragraphs share (the message lists them).
        """
        found = self.find(title)
        if len(found) > 1:
            raise ToolNotFound(f"{title!r} names {len(found)} paragraphs: {'; '.join(a.title for a in found)}.")
        return found[0]

    def cited(self, citations: list[str]) -> tuple[list[str], list[str]]:
        """(distinct cited articles, the gold ones among them) for submitted citation titles.

        A citation is resolved like ``open`` resolves a title. A page title several paragraphs share counts as
        citing the gold paragraph among them when there is one (the page is cited), else as one wrong
        citation; a title that names nothing counts as a wrong citation of its own. Repeats count once.
        """
        corpus, gold = self.source.corpus, set(self.gold_titles)
        cited: dict[str, None] = {}
        for raw in citations:
            found = [corpus.articles[i].title for i in self.shown(corpus.resolve(raw))]
            hit = next((t for t in found if t in gold), None)
            cited.setdefault(hit or (found[0] if len(found) == 1 else f"?{raw.strip().lower()}"), None)
        return list(cited), [t for t in cited if t in gold]

    def search(self, query: str, k: int) -> tuple[list[int], dict[str, int]]:
        """The top ``k`` article indices for ``query`` and each gold article's rank (1-based, among the articles
        the tools may show).

        One ranking serves both: a dense query encoding is the expensive part of a search step.
        """
        ranking = self.rank(query)
        corpus = self.source.corpus
        gold = {t: i for t in self.gold_titles if (i := corpus.index_of(t)) is not None}
        where = np.zeros(len(corpus), dtype=np.int64)
        where[ranking] = np.arange(1, ranking.size + 1)
        return [int(i) for i in ranking[:k]], {t: int(where[i]) for t, i in gold.items()}

    def drift(self, query: str) -> float:
        return query_drift(self.question, query)

    def take_pending(self) -> list[str]:
        out, self.pending_evidence = self.pending_evidence, []
        return out

    def next_round(self, question: str, summary: str) -> Haystack:
        """Advance to the next round: retrieve with ``question`` and rebuild the haystack."""
        self.round_index += 1
        self.summary = summary or self.summary
        corpus = self.source.corpus
        group = [i for t in self.task.meta["gold_group"] if (i := corpus.index_of(t)) is not None]
        return build_round_haystack(self.source, self.retriever, group, self.length, self.params,
                                    str(self.task.meta["seed_key"]), self.round_index, question, self.question,
                                    self.summary, float(self.task.meta["depth_asked"]))

    @property
    def last_round(self) -> bool:
        return self.round_index + 1 >= int(self.params["rounds"])
