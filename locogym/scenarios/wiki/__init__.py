"""Wiki scenarios: a seeded synthetic encyclopedia, loaders for real multi-hop data, retrievers, haystacks.

See docs/envs/LoCo-WikiHop-v0.md. The pieces, each in its own module:

* :mod:`.corpus` — articles, questions and the per-article token-count cache shared by every source;
* :mod:`.synthetic` and :mod:`.questions` — the invented world and its 2-4 hop questions;
* :mod:`.loaders` — HotpotQA, MuSiQue, 2WikiMultihopQA and WikiExtractor files (with :mod:`.records` for JSON
  lists and lines, :mod:`.wikiextractor` for WikiExtractor's ``<doc>`` and ``--json`` output);
* :mod:`.retrievers` — BM25, dense, hybrid and PPR reranking, cached per corpus;
* :mod:`.haystack` — static haystacks at a target length with gold positions recorded;
* :mod:`.tasks` and :mod:`.world` — task generation and the per-episode world the tools act on;
* :mod:`.search_metrics` — evidence recall, citations, searches and confidence of an episode.
"""

from locogym.scenarios.wiki.corpus import Article, Corpus, QAItem
from locogym.scenarios.wiki.loaders import load_corpus
from locogym.scenarios.wiki.retrievers import RETRIEVERS, get_retriever
from locogym.scenarios.wiki.synthetic import build_world, world_for
from locogym.scenarios.wiki.tasks import generate

__all__ = ["RETRIEVERS", "Article", "Corpus", "QAItem", "build_world", "generate", "get_retriever",
           "load_corpus", "world_for"]
