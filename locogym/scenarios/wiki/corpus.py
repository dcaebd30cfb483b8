"""The corpus every wiki source produces: titled articles with hyperlinks and aliases, plus multi-hop questions.

A :class:`Corpus` is built once per source (a synthetic world, a dataset file) and shared by every task drawn
from it, so that retrieval indexes and per-article token counts are computed once and reused across seeds.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from locogym.core import tokens
from locogym.core.text import _WORD, STOPWORDS

_PAREN = re.compile(r"\s*\([^)]*\)\s*$")
MAX_TITLE_WORDS = 8
SMALL_BATCH = 12  # fewer articles than this are token-counted one by one (a batch costs about as much)


@dataclass(frozen=True)
class Side:
    """One start entity, named as the question names it (its name or an alias), and the relations walked."""

    start: str
    relations: tuple[str, ...]


@dataclass(frozen=True)
class Chain:
    """What a synthetic question asks.

    ``bridge``: one side; the answer is relation ``ask`` (or attribute ``ask``) of the side's last entity.
    ``comparison``: two sides; the answer is the start entity whose last entity has the larger (``larger``) or
    smaller value of attribute ``ask``.
    """

    qtype: str
    sides: tuple[Side, ...]
    ask: str
    larger: bool = True

    def record(self) -> dict[str, Any]:
        """Plain data for a task's core record."""
        return {"qtype": self.qtype, "ask": self.ask, "larger": self.larger,
                "sides": [{"start": s.start, "relations": list(s.relations)} for s in self.sides]}


@dataclass(frozen=True)
class Article:
    """One encyclopedia article. ``links`` are the titles it links to, in order of first mention.

    ``title`` is the display title, unique in its corpus: haystacks, tools, gold titles and citations all use
    it. ``page`` is the source's own title when several paragraphs share one (MuSiQue keeps many paragraphs
    of "Publix"; they are shown as "Publix [1]", "Publix [2]" with ``page="Publix"``).
    """

    title: str
    text: str
    links: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    page: str = ""

    @property
    def page_title(self) -> str:
        return self.page or self.title

    def first_line(self, max_words: int = 30) -> str:
        """The start of the text: its first line, cut to ``max_words`` words."""
        line = next((part for part in self.text.splitlines() if part.strip()), "")
        cut = line.split()
        return " ".join(cut[:max_words]) + (" ..." if len(cut) > max_words else "")

    def block(self) -> str:
        """How the article appears inside a haystack; token counts are additive across blocks."""
        return f"## {self.title}\n{self.text}\n\n"


@dataclass(frozen=True)
class QAItem:
    """A multi-hop question with its gold articles (in reasoning order) and accepted answers.

    ``follow`` lists, for each gold article after the first, the gold article whose links lead to it (or
    ``None`` when it has to be opened directly): the oracle plan follows links where the corpus has them.
    ``chain`` is what a synthetic question asks, from which its gold is recomputed on any world; datasets have none.
    """

    qid: str
    question: str
    answer: str
    aliases: tuple[str, ...]
    gold: tuple[str, ...]
    qtype: str
    hops: int
    nonliteral: str | None = None
    follow: tuple[str | None, ...] = ()
    source: str = ""
    chain: Chain | None = None

    def answers(self) -> list[str]:
        out: list[str] = []
        for a in (self.answer, *self.aliases):
            if a and a not in out:
                out.append(a)
        return out


@dataclass
class Corpus:
    """Articles addressed by title (case-insensitive look-up also through aliases) and an optional QA list.

    ``key`` identifies the corpus for index caching: the same key must mean the same articles.
    """

    key: str
    articles: list[Article]
    questions: list[QAItem] = field(default_factory=list)
    _by_title: dict[str, int] = field(default_factory=dict, init=False, repr=False)
    _by_lower: dict[str, int] = field(default_factory=dict, init=False, repr=False)
    _by_page: dict[str, list[int]] = field(default_factory=dict, init=False, repr=False)
    _counts: np.ndarray | None = field(default=None, init=False, repr=False)
    _total: int | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        for i, art in enumerate(self.articles):
            if art.title in self._by_title:
                raise ValueError(f"Duplicate article title {art.title!r} in corpus {self.key}.")
            self._by_title[art.title] = i
        for i, art in enumerate(self.articles):
            self._by_lower.setdefault(art.title.lower(), i)
        for i, art in enumerate(self.articles):
            for alias in art.aliases:
                self._by_lower.setdefault(alias.lower(), i)
        for i, art in enumerate(self.articles):
            if art.page:
                self._by_page.setdefault(art.page.strip().lower(), []).append(i)
        self._counts = np.full(len(self.articles), -1, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.articles)

    def index_of(self, title: str) -> int | None:
        """Exact title first, then a case-insensitive match on titles and aliases, then a page title that only
        one article has; ``None`` for an unknown title or a page title several paragraphs share."""
        found = self.resolve(title)
        return found[0] if len(found) == 1 else None

    def resolve(self, title: str) -> list[int]:
        """Every article ``title`` may mean: one index for a display title or alias (exact, then any case),
        all the paragraphs of a shared page title (in corpus order), or none."""
        i = self._by_title.get(title)
        if i is None:
            i = self._by_lower.get(title.strip().lower())
        if i is not None:
            return [i]
        return list(self._by_page.get(title.strip().lower(), ()))

    def links_within(self, article: Article, visible: np.ndarray | None) -> tuple[str, ...]:
        """The links of ``article`` to articles that ``visible`` (a mask over the corpus) marks; all of them when
        ``visible`` is None. An agent is never shown a link it could not follow."""
        if visible is None:
            return article.links
        return tuple(t for t in article.links if any(visible[i] for i in self.resolve(t)))

    def mask(self, indices: Sequence[int] | None) -> np.ndarray | None:
        """A mask over the corpus marking ``indices`` (None for None: every article)."""
        if indices is None:
            return None
        out = np.zeros(len(self.articles), dtype=bool)
        out[np.asarray(indices, dtype=np.int64)] = True
        return out

    def get(self, title: str) -> Article | None:
        i = self.index_of(title)
        return None if i is None else self.articles[i]

    def token_counts(self, indices: Sequence[int] | np.ndarray) -> np.ndarray:
        """Token counts of the articles' haystack blocks, computed once per article and cached.

        Why: a haystack of a million tokens re-uses the same articles across tasks; counting them again would
        dominate the build time.
        """
        idx = np.asarray(indices, dtype=np.int64)
        assert self._counts is not None
        missing = idx[self._counts[idx] < 0]
        if missing.size:
            missing = np.unique(missing)
            enc = tokens.encoding()
            blocks = [self.articles[int(i)].block() for i in missing]
            # a batch call costs about a millisecond to set up: worth it for many articles, not for a few
            counted = (enc.encode_ordinary_batch(blocks, num_threads=2) if len(blocks) >= SMALL_BATCH
                       else [enc.encode_ordinary(b) for b in blocks])
            with self._lock:
                self._counts[missing] = [len(ids) for ids in counted]
        return self._counts[idx]

    def total_tokens(self) -> int:
        """Tokens of every article's block, counted once per corpus."""
        if self._total is None:
            self._total = int(self.token_counts(np.arange(len(self.articles))).sum())
        return self._total


def bare_title(title: str) -> str:
    """A title without its trailing disambiguation, e.g. "Ed Wood (film)" -> "Ed Wood"."""
    return _PAREN.sub("", title).strip() or title


def derive_links(articles: Iterable[Article]) -> list[Article]:
    """Give link-less articles links to every other article whose title (without disambiguation) they mention.

    Matching is on word sequences, case-sensitive on the original words (titles are proper names), up to
    ``MAX_TITLE_WORDS`` words, so the cost grows with the text, not with the number of titles.
    """
    arts = list(articles)
    by_words: dict[tuple[str, ...], list[str]] = {}
    for art in arts:
        key = tuple(_WORD.findall(bare_title(art.page_title)))
        if not key or len(key) > MAX_TITLE_WORDS:
            continue
        if len(key) == 1 and (len(key[0]) < 4 or key[0].lower() in STOPWORDS):
            continue
        by_words.setdefault(key, []).append(art.title)
    pages: dict[str, set[str]] = {}
    for art in arts:
        pages.setdefault(art.page_title, set()).add(art.title)
    longest = max((len(k) for k in by_words), default=0)
    out: list[Article] = []
    for art in arts:
        if art.links:
            out.append(art)
            continue
        toks = _WORD.findall(art.text)
        same_page = pages.get(art.page_title, {art.title})  # a paragraph never links to its own page
        found: dict[str, None] = {}
        for start in range(len(toks)):
            for n in range(min(longest, len(toks) - start), 0, -1):
                targets = by_words.get(tuple(toks[start:start + n]))
                if targets:
                    for t in targets:
                        if t not in same_page:
                            found.setdefault(t, None)
                    break
        out.append(Article(art.title, art.text, tuple(found), art.aliases, art.page))
    return out


def display_titles(titles: Sequence[str]) -> list[str]:
    """A unique display title per paragraph: a title used once stays as it is; a title several paragraphs
    share becomes ``title [1]``, ``title [2]`` ... in order, so that none of them silently owns the bare title.
    """
    uses = Counter(titles)
    taken = {t for t, n in uses.items() if n == 1}
    seen: Counter[str] = Counter()
    out: list[str] = []
    for title in titles:
        if uses[title] == 1:
            out.append(title)
            continue
        seen[title] += 1
        name = f"{title} [{seen[title]}]"
        while name in taken:  # a real title that looks like a numbered one: take the next number
            seen[title] += 1
            name = f"{title} [{seen[title]}]"
        taken.add(name)
        out.append(name)
    return out
