"""The retriever track: how well each retriever ranks a question's gold paragraphs, with no model involved.

For every question of a corpus (a QA dataset's questions, or seeded questions over the synthetic world) each
retriever ranks the whole corpus with the question as the query; the ranks of the gold paragraphs give
recall@k, nDCG@10 and the reciprocal rank (:mod:`locogym.scoring.ranking`), averaged over questions with a 95%
bootstrap interval for nDCG@10. A user picks the retriever for ``retriever=`` before paying for model runs.

Retrievers that need the ``dense`` extra are skipped, with the reason, when it is not installed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from locogym.core.errors import ConfigError, DataError
from locogym.scenarios.wiki.corpus import Corpus, QAItem
from locogym.scenarios.wiki.loaders import load_corpus, parse_spec
from locogym.scenarios.wiki.questions import make_question
from locogym.scenarios.wiki.records import iter_records
from locogym.scenarios.wiki.retrievers import RETRIEVERS, dense_available, get_retriever
from locogym.scenarios.wiki.synthetic import world_for
from locogym.scoring.aggregate import mean_ci
from locogym.scoring.ranking import ndcg_at_k, recall_at_k, reciprocal_rank

DEFAULT_RETRIEVERS = ("bm25", "dense", "hybrid", "ppr-bm25")
DEFAULT_KS = (1, 2, 5, 10, 20, 50, 100)
NDCG_K = 10
SYNTHETIC_QUESTIONS = 200
SYNTHETIC_SIZE = 2048
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Query:
    qid: str
    text: str
    gold: tuple[int, ...]  # corpus indices of the gold paragraphs


@dataclass
class RetrieverScore:
    """One retriever's figures, means over questions (``skipped`` says why there are none)."""

    name: str
    recall: dict[int, float] = field(default_factory=dict)
    ndcg: float = 0.0
    ndcg_low: float = 0.0
    ndcg_high: float = 0.0
    mrr: float = 0.0
    build_seconds: float = 0.0
    query_ms: float = 0.0  # mean time to rank the corpus for one question (a batch encoding shared out)
    skipped: str | None = None


@dataclass
class RetrievalReport:
    corpus: str
    articles: int
    questions: int
    ks: list[int]
    scores: list[RetrieverScore]

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, **asdict(self)}


def guess_kind(path: Path) -> str:
    """The dataset kind of a QA file from its first record: MuSiQue has ``paragraphs``, 2Wiki ``evidences``,
    HotpotQA ``context``.

    Raises:
        ConfigError: the record has none of them (for example a WikiExtractor dump, which needs questions).
    """
    first = next(iter_records(path), None)
    record = first[1] if first else None
    if isinstance(record, dict):
        if "paragraphs" in record:
            return "musique"
        if "context" in record:
            return "2wiki" if "evidences" in record else "hotpotqa"
    raise ConfigError(f"Cannot tell which dataset {path} holds.",
                      fix="Name it: hotpotqa:PATH, musique:PATH, 2wiki:PATH, or wikiextractor:PATH with --questions.")


def corpus_spec(corpus: str) -> str:
    """``KIND:PATH`` or ``synthetic`` as given, or the kind guessed for a bare path to a QA file."""
    if corpus == "synthetic" or corpus.partition(":")[0] in ("hotpotqa", "musique", "2wiki", "wikiextractor"):
        return corpus
    path = Path(corpus).expanduser()
    if path.is_file():
        return f"{guess_kind(path)}:{path}"
    parse_spec(corpus)  # raises the usual error for an unknown spec
    return corpus


def load_queries(spec: str, questions: str | None = None, limit: int | None = None, seed: int = 0,
                 size: int | None = None, world_seed: int = 0) -> tuple[Corpus, list[Query]]:
    """The corpus and its questions as queries (the first ``limit`` of a dataset; seeded ones for synthetic).

    Raises:
        ConfigError: a bad spec, or ``limit`` below 1.
        DataError: a malformed file.
    """
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit {limit} leaves no question.", fix="Give a positive number, or omit it.")
    if spec == "synthetic":
        world = world_for(world_seed, size or SYNTHETIC_SIZE)
        corpus = world.corpus
        rng = random.Random(f"retrieval:{seed}:{world_seed}:{len(corpus)}")
        items: list[QAItem] = []
        for n in range(limit or SYNTHETIC_QUESTIONS):
            items.append(make_question(world, rng, ("bridge", "comparison")[n % 2], 2 + n % 3))
    else:
        corpus = load_corpus(spec, questions)
        items = corpus.questions[:limit] if limit else list(corpus.questions)
    queries = []
    for item in items:
        gold = tuple(dict.fromkeys(found for t in item.gold if (found := corpus.index_of(t)) is not None))
        if len(gold) != len(set(item.gold)):
            raise DataError(f"question {item.qid} names a gold paragraph the corpus does not resolve",
                            fix="Report it: gold titles are checked when the corpus loads.")
        queries.append(Query(qid=item.qid, text=item.question, gold=gold))
    return corpus, queries


def needs_dense(name: str) -> bool:
    return "dense" in name or "hybrid" in name


def score_retriever(corpus: Corpus, queries: Sequence[Query], name: str, ks: Sequence[int],
                    dense_model: str = "") -> RetrieverScore:
    """Rank the corpus for every query with ``name`` and average the figures over queries."""
    if needs_dense(name):
        reason = dense_available()
        if reason is not None:
            return RetrieverScore(name=name, skipped=reason)
    started = time.perf_counter()
    retriever = get_retriever(corpus, name, dense_model)
    build = time.perf_counter() - started
    recalls: dict[int, list[float]] = {k: [] for k in ks}
    ndcgs: list[float] = []
    rrs: list[float] = []
    ranking_s = 0.0
    position = np.empty(len(corpus), dtype=np.int64)
    started = time.perf_counter()
    retriever.prepare([q.text for q in queries])
    ranking_s += time.perf_counter() - started
    for query in queries:
        t0 = time.perf_counter()
        ranking = retriever.rank(query.text)
        ranking_s += time.perf_counter() - t0
        position[ranking] = np.arange(1, len(corpus) + 1)
        ranks = [int(position[g]) for g in query.gold]
        for k in ks:
            recalls[k].append(recall_at_k(ranks, k))
        ndcgs.append(ndcg_at_k(ranks, NDCG_K))
        rrs.append(reciprocal_rank(ranks))
    interval = mean_ci(ndcgs)
    return RetrieverScore(name=name, recall={k: float(np.mean(v)) for k, v in recalls.items()}, ndcg=interval.mean,
                          ndcg_low=interval.low, ndcg_high=interval.high, mrr=float(np.mean(rrs)),
                          build_seconds=build, query_ms=1000 * ranking_s / max(1, len(queries)))


def parse_names(text: str) -> list[str]:
    """A comma-separated list of retriever names, each checked.

    Raises:
        ConfigError: an unknown name or an empty list.
    """
    names = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [n for n in names if n not in RETRIEVERS]
    if unknown or not names:
        raise ConfigError(f"Unknown retriever(s) {unknown or text!r}.", fix=f"Use a comma-separated list of: "
                                                                          f"{', '.join(RETRIEVERS)}.")
    return names


def parse_ks(text: str) -> list[int]:
    """A comma-separated list of cut-offs k (positive integers), sorted.

    Raises:
        ConfigError: something that is not a positive integer.
    """
    try:
        ks = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError as exc:
        raise ConfigError(f"--k {text!r} is not a list of whole numbers.", fix="Write it like --k 1,5,10,100.") from exc
    if not ks or ks[0] < 1:
        raise ConfigError(f"--k {text!r} needs positive cut-offs.", fix="Write it like --k 1,5,10,100.")
    return ks


def retrieval_track(corpus: str, retrievers: Sequence[str] = DEFAULT_RETRIEVERS, ks: Sequence[int] = DEFAULT_KS,
                    questions: str | None = None, limit: int | None = None, seed: int = 0, size: int | None = None,
                    dense_model: str = "") -> RetrievalReport:
    """Score every retriever on the corpus's questions (see the module docstring).

    Raises:
        ConfigError: a bad corpus spec, retriever name or cut-off.
        DataError: a malformed data file.
    """
    spec = corpus_spec(corpus)
    for name in retrievers:
        if name not in RETRIEVERS:
            raise ConfigError(f"Unknown retriever {name!r}.", fix=f"Use one of: {', '.join(RETRIEVERS)}.")
    the_corpus, queries = load_queries(spec, questions, limit, seed, size)
    scores = [score_retriever(the_corpus, queries, name, list(ks), dense_model) for name in retrievers]
    label = "synthetic" if spec == "synthetic" else f"{spec.partition(':')[0]}:{Path(spec.partition(':')[2]).name}"
    return RetrievalReport(corpus=label, articles=len(the_corpus), questions=len(queries), ks=sorted(ks),
                           scores=scores)
