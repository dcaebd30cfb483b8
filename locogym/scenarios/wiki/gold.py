"""A WikiHop task's core: the question, its typed gold and the gold articles, drawn the same at every length.

The core comes from the base source (see :mod:`.sources`) and a stream seeded by ``core_seed()`` of the options
that pick a question (seed, corpus, question type and hops) — not the length, nor the mode, retriever, wording,
order or context, so that baselines and variants of one seed ask the very same question, at the same depth. In
static and rounds modes a question is drawn so that its gold articles fit the first rung of the length ladder; a
shorter length is refused, never given another question.

:func:`gold_of` computes the gold; the generator calls it on the base source to make the core and again on the
full context of a length, and :func:`gold_problem` says what moved when they differ (the fill is then rejected).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from locogym.core import tokens
from locogym.core.errors import ConfigError, TaskRefused
from locogym.core.types import Gold, ScenarioConfig, drawn_depth, stable_hash
from locogym.scenarios.wiki.chains import Unresolvable, resolve
from locogym.scenarios.wiki.corpus import Article, Corpus, QAItem
from locogym.scenarios.wiki.questions import make_question
from locogym.scenarios.wiki.sources import Source, base_source

FIRST_RUNG = 4096  # the length a core is drawn to fit: the first rung of the env's ladder
FRAME_TOKENS = 300  # a haystack's header and footer around the question, with room to spare
HOPS_BY_DIFFICULTY = {"easy": 2, "medium": 3, "hard": 4}
MAX_DRAWS = 200


class WikiGold(Gold):
    """What a WikiHop answer is graded against: the answer and every accepted alias, the gold articles in reading
    order, the question as shown. The same, byte for byte, at every length of a seed."""

    question: str
    answer: str
    answers: list[str]
    titles: list[str]
    qtype: str
    hops: int


@dataclass(frozen=True)
class Core:
    """A drawn core: the question item, its wording, its gold and the identity of its gold articles."""

    item: QAItem
    question: str
    gold: WikiGold
    evidence: tuple[tuple[str, str], ...]  # (title, digest of the article as the agent reads it)
    base: Source  # what the core was drawn from
    corpus: str  # the base source's corpus key (the same at every length)
    stream: int  # the core stream's seed (see core_stream)

    def depth(self, config: ScenarioConfig) -> float:
        """Where the evidence sits: the depth asked for, else one drawn from the core's stream."""
        return config.depth if config.depth is not None else drawn_depth(self.stream)

    def shuffled(self, titles: list[str]) -> list[str]:
        """``titles`` in an order drawn from the core's stream (the same at every length)."""
        out = list(titles)
        random.Random(f"{self.stream}:gold-group").shuffle(out)
        return out

    def record(self, depth: float | None) -> dict[str, Any]:
        """Plain data naming the core (for ``core_hash``): nothing in it depends on the length."""
        return {"question": self.question, "gold": self.gold.model_dump(mode="json"), "qid": self.item.qid,
                "evidence": [list(e) for e in self.evidence], "corpus": self.corpus, "depth": depth,
                "chain": self.item.chain.record() if self.item.chain is not None else None}


def _answers(answer: str, aliases: tuple[str, ...]) -> list[str]:
    return [a for a in dict.fromkeys((answer, *aliases)) if a]


def gold_of(item: QAItem, question: str, source: Source) -> WikiGold:
    """The gold of ``item`` on ``source``: a synthetic question's chain resolved on the source's world, a
    dataset question's answer with its gold paragraphs looked up in the source's corpus.

    Raises:
        Unresolvable: a name of the question means no entity or several, or a gold article is missing or shared.
    """
    if item.chain is not None:
        if source.world is None:
            raise Unresolvable("a synthetic question needs its world")
        found = resolve(source.world, item.chain)
        answer, aliases, titles = found.answer, found.aliases, found.gold
    else:
        answer, aliases, titles = item.answer, item.aliases, item.gold
    for title in titles:
        if source.corpus.index_of(title) is None:
            raise Unresolvable(f"gold article {title!r} is not one article of the corpus")
    return WikiGold(question=question, answer=answer, answers=_answers(answer, aliases), titles=list(titles),
                    qtype=item.qtype, hops=item.hops)


def evidence_of(item: QAItem, titles: list[str], corpus: Corpus) -> tuple[tuple[str, str], ...]:
    """Each gold article's digest as the agent reads it (text, links, aliases), after checking that each name a
    synthetic question starts from opens its start article and nothing else.

    Raises:
        Unresolvable: a start name opens another article, or several.
    """
    for side, start in zip(item.chain.sides if item.chain else (), _starts(item, titles), strict=False):
        found = corpus.resolve(side.start)
        if [corpus.articles[i].title for i in found] != [start]:
            raise Unresolvable(f"{side.start!r} opens {len(found)} article(s), not only {start!r}")
    out = []
    for title in titles:
        i = corpus.index_of(title)
        if i is None:
            raise Unresolvable(f"gold article {title!r} is not one article of the corpus")
        out.append((title, _digest(corpus.articles[i])))
    return tuple(out)


@functools.lru_cache(maxsize=4096)
def _digest(article: Article) -> str:
    """An article as the agent reads it (title, text, links, aliases), as a short digest."""
    return stable_hash([article.title, article.text, list(article.links), list(article.aliases)])


def _starts(item: QAItem, titles: list[str]) -> list[str]:
    """The gold title each side of a chain starts from (the first title of each side's path)."""
    if item.chain is None:
        return []
    per_side = len(titles) // len(item.chain.sides)
    return [titles[k * per_side] for k in range(len(item.chain.sides))]


def gold_problem(core: Core, source: Source, shown: Collection[str] | None) -> str | None:
    """What a context moved of the core's gold, or ``None`` when it keeps it: the gold recomputed on ``source``
    (with :func:`gold_of`, the code that made the core), the gold articles' text, and — for a haystack, whose
    articles are ``shown`` — that every gold article is in it."""
    try:
        gold = gold_of(core.item, core.question, source)
        evidence = evidence_of(core.item, gold.titles, source.corpus)
    except Unresolvable as exc:
        return f"the question has no single answer: {exc}"
    if gold != core.gold:
        moved = [k for k, v in gold.model_dump().items() if v != getattr(core.gold, k)]
        return f"the gold moved ({', '.join(moved)}: {core.gold.answer!r} -> {gold.answer!r})"
    changed = [t for (t, d), (_, d0) in zip(evidence, core.evidence, strict=True) if d != d0]
    if changed:
        return f"gold article(s) {changed} read differently"
    missing = [t for t in gold.titles if shown is not None and t not in shown]
    if missing:
        return f"gold article(s) {missing} are not in the context"
    return None


def core_stream(config: ScenarioConfig, params: dict[str, Any], corpus_key: str) -> int:
    """The seed of the core's stream: ``core_seed()`` of the options that pick a question, so that the mode,
    retriever, wording, order and context (and a corpus file's folder) leave the question and its drawn depth
    as they are: the baselines of a seed differ in nothing else."""
    hops = params["hops"] or HOPS_BY_DIFFICULTY[config.difficulty]
    narrowed = ScenarioConfig(family=config.family, seed=config.seed, params={
        "corpus": corpus_key, "qtype": params["qtype"], "hops": hops, "filtered": params["hops"] is not None})
    return narrowed.core_seed()


def _candidate(source: Source, rng: random.Random, params: dict[str, Any], hops: int) -> QAItem:
    if source.world is not None:
        return make_question(source.world, rng, params["qtype"], hops)
    pool = [q for q in source.corpus.questions
            if (params["qtype"] == "any" or q.qtype == params["qtype"]) and (params["hops"] is None or q.hops == hops)]
    if not pool:
        raise ConfigError(f"No question in {params['corpus']} has qtype={params['qtype']} and hops={params['hops']}.",
                          fix="Relax qtype or hops (hops applies as given; difficulty does not filter datasets).")
    return pool[rng.randrange(len(pool))]


def fits_first_rung(item: QAItem, corpus: Corpus) -> bool:
    """Whether a haystack of the first rung holds the core alone: the gold articles, the question (either
    wording) and a frame. A wording is counted only when its UTF-8 bytes (never fewer than its tokens) could
    overflow."""
    gold = [i for t in item.gold if (i := corpus.index_of(t)) is not None]
    room = FIRST_RUNG - int(corpus.token_counts(gold).sum()) - FRAME_TOKENS
    wordings = (item.question, item.nonliteral or "")
    return max(len(w.encode()) for w in wordings) <= room or max(tokens.count(w) for w in wordings) <= room


def draw_core(config: ScenarioConfig, params: dict[str, Any]) -> Core:
    """The core of ``config``: the first question of the core's stream that resolves and, in the modes that put
    the gold articles in the prompt (static, rounds), fits the first rung. Agentic mode reads articles through
    tools, in pages, so a long gold article does not keep a question out (on a corpus of long articles a seed may
    then ask another question in agentic mode than in static mode; on short ones it asks the same).

    Raises:
        ConfigError: no question matches the filters, or a non-literal wording is asked of a dataset.
        TaskRefused: no question of the stream fits the first rung.
    """
    base = base_source(params)
    hops = params["hops"] or HOPS_BY_DIFFICULTY[config.difficulty]
    stream = core_stream(config, params, base.corpus.key)
    rng = random.Random(stream)
    for _ in range(MAX_DRAWS):
        item = _candidate(base, rng, params, hops)
        if params["variant"] == "nonliteral" and item.nonliteral is None:
            raise ConfigError("variant=nonliteral needs questions with a non-literal wording.",
                              fix="Use the synthetic corpus for non-literal questions, or variant=literal.")
        question = item.nonliteral if params["variant"] == "nonliteral" and item.nonliteral else item.question
        try:
            gold = gold_of(item, question, base)
            evidence = evidence_of(item, gold.titles, base.corpus)
        except Unresolvable:
            continue
        if params["mode"] == "agentic" or fits_first_rung(item, base.corpus):
            return Core(item=item, question=question, gold=gold, evidence=evidence, base=base,
                        corpus=base.corpus.key, stream=stream)
    raise TaskRefused(f"seed {config.seed}: none of {MAX_DRAWS} questions drawn from {params['corpus']} has gold "
                      f"articles that fit {FIRST_RUNG:,} tokens.",
                      fix="Use another seed, or a corpus with shorter gold articles.")
