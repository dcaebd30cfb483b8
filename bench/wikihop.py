"""LoCo-WikiHop figures: world generation and index builds against corpus size, static haystack build time at
8k, 128k and 1m tokens (cold and warm per-article token counts), agentic step latency per retriever, the
retriever track (recall@k, nDCG@10) on the synthetic world and on a HotpotQA file given with ``--hotpotqa``, and
the length ladder: per rung and mode, task generation time and whether every seed keeps one core at every rung.

Prints JSON (medians in milliseconds unless a key says otherwise). Run: python bench/wikihop.py [--quick]
``--quick`` skips the dense retrievers and the largest world. Dense timings need the ``dense`` extra.
``--parts ladder --against PATH`` also times generation in another checkout of locogym (an earlier release, say),
each rung in a fresh process of its own, side by side with this one.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import locogym  # noqa: E402,F401 - registers the ids
from locogym.core.types import ScenarioConfig, ToolCall, dumps  # noqa: E402
from locogym.harness.retrieval import retrieval_track  # noqa: E402
from locogym.scenarios.wiki import haystack as hs  # noqa: E402
from locogym.scenarios.wiki import retrievers  # noqa: E402
from locogym.scenarios.wiki.growth import grown_world, world_size  # noqa: E402
from locogym.scenarios.wiki.synthetic import build_world  # noqa: E402
from locogym.scenarios.wiki.tasks import generate, validate  # noqa: E402

LENGTHS = {"8k": 8192, "128k": 131072, "1m": 1048576}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _time(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def corpus_scaling(sizes: list[int], dense_sizes: list[int]) -> list[dict[str, Any]]:
    """World generation, corpus token count and index builds (cold, in-process cache cleared) per size."""
    rows = []
    for size in sizes:
        gen_s, world = _time(lambda size=size: build_world(0, size))
        corpus = world.corpus
        count_s, total = _time(corpus.total_tokens)
        row: dict[str, Any] = {"entities": size, "articles": len(corpus), "corpus_tokens": total,
                               "generate_ms": _ms(gen_s), "count_tokens_ms": _ms(count_s)}
        retrievers.clear_cache()
        for name in ("bm25", "ppr-bm25"):
            build_s, _ = _time(lambda name=name, corpus=corpus: retrievers.get_retriever(corpus, name))
            row[f"build_{name}_ms"] = _ms(build_s)
        if size in dense_sizes:
            build_s, dense = _time(lambda corpus=corpus: retrievers.get_retriever(corpus, "dense"))
            row["build_dense_ms"] = _ms(build_s)
            row["dense_from_disk_cache"] = bool(getattr(dense, "from_disk", False))
        rows.append(row)
        retrievers.clear_cache()
    return rows


def haystacks(repeats: int) -> dict[str, Any]:
    """Static task generation per target length: cold token counts (a fresh world) against warm (cached)."""
    out: dict[str, Any] = {}
    for label, length in LENGTHS.items():
        size = world_size(length)
        grown_world.cache_clear()
        world_s, world = _time(lambda size=size: grown_world(0, size))
        retrievers.clear_cache()
        index_s, bm25 = _time(lambda world=world: retrievers.get_retriever(world.corpus, "bm25"))
        config = lambda seed, length=length: ScenarioConfig(family="wiki", seed=seed, length=length,  # noqa: E731
                                                           params=validate({}))
        cold_s, task = _time(lambda config=config: generate(config(0)))
        warm = [_time(lambda s=s, config=config: generate(config(s)))[0] for s in range(1, repeats + 1)]
        # the haystack assembly alone (ranking given), warm counts
        corpus = world.corpus
        ranking = bm25.rank(task.gold["question"])
        gold = [i for t in task.gold["titles"] if (i := corpus.index_of(t)) is not None]

        def assemble(corpus: Any = corpus, ranking: Any = ranking, gold: list[int] = gold, length: int = length) -> Any:
            return hs.build(corpus, ranking, gold, length, "H\n\n", "Q\n", "rank", "retrieved", random.Random(0), 0.5)

        build = [_time(assemble)[0] for _ in range(repeats)]
        query = task.gold["question"]
        retrieve = [_time(lambda s=s, bm25=bm25, query=query: bm25.rank(f"question {s} {query}"))[0]
                    for s in range(repeats)]
        out[label] = {"world_entities": size, "corpus_articles": len(corpus), "world_ms": _ms(world_s),
                      "bm25_index_ms": _ms(index_s), "haystack_tokens": task.length_tokens,
                      "documents": task.meta["haystack"]["documents"],
                      "generate_cold_counts_ms": _ms(cold_s), "generate_warm_ms": _ms(statistics.median(warm)),
                      "assemble_only_ms": _ms(statistics.median(build)),
                      "bm25_rank_whole_corpus_ms": _ms(statistics.median(retrieve))}
    return out


RUNGS = {"8k": 8192, "32k": 32768, "128k": 131072}
_RUNG_PROBE = """
import json, statistics, sys, time
sys.path.insert(0, {root!r})
from locogym.core import tokens
from locogym.core.types import ScenarioConfig
from locogym.scenarios.wiki.tasks import generate, validate
tokens.count("load the tokenizer")
params = validate({{"mode": {mode!r}, "corpus": {corpus!r}}})
times = []
for seed in range({seeds}):
    config = ScenarioConfig(family="wiki", seed=seed, length={length}, params=params)
    start = time.perf_counter()
    generate(config)
    times.append(time.perf_counter() - start)
print(json.dumps({{"first_ms": round(times[0] * 1000, 2), "median_ms": round(statistics.median(times) * 1000, 3)}}))
"""


def _rung_time(root: Path, mode: str, corpus: str, length: int, seeds: int) -> dict[str, float]:
    """Generation times at one rung in a fresh process importing locogym from ``root`` (first task, median)."""
    code = _RUNG_PROBE.format(root=str(root), mode=mode, corpus=corpus, length=length, seeds=seeds)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def ladder(seeds: int, corpora: list[str], against: Path | None) -> dict[str, Any]:
    """Per corpus, mode and rung: generation time (here, and in ``against`` when given) and the seeds whose core
    (core hash, question, gold) differs between rungs — there must be none."""
    here = Path(__file__).resolve().parents[1]
    out: dict[str, Any] = {}
    for corpus in corpora:
        rungs = RUNGS if corpus == "synthetic" else {k: v for k, v in RUNGS.items() if k != "128k"}
        for mode in ("static", "agentic"):
            cores: dict[int, set[tuple[str, str, bytes]]] = {}
            for seed in range(seeds):
                for length in rungs.values():
                    task = generate(ScenarioConfig(family="wiki", seed=seed, length=length,
                                                   params=validate({"mode": mode, "corpus": corpus})))
                    cores.setdefault(seed, set()).add((task.core_hash, task.question, dumps(task.gold)))
            row: dict[str, Any] = {"seeds_with_another_core": [s for s, c in cores.items() if len(c) > 1]}
            for label, length in rungs.items():
                row[label] = {"here": _rung_time(here, mode, corpus, length, seeds)}
                if against is not None:
                    row[label]["against"] = _rung_time(against, mode, corpus, length, seeds)
            out[f"{corpus.split(':')[0]}/{mode}"] = row
    return out


def agentic_latency(names: list[str], steps: int) -> dict[str, Any]:
    """Median env.step latency per tool and retriever on the default 8k world (512 entities)."""
    out: dict[str, Any] = {}
    for name in names:
        env = gym.make("LoCo-WikiHop-v0", mode="agentic", retriever=name, max_steps=None)
        env.reset(seed=0)
        base = env.unwrapped
        build_s, retriever = _time(lambda base=base: base.ctx.world.retriever)
        dense_part = getattr(retriever, "base", retriever)
        dense_part = next((p for p in getattr(dense_part, "parts", [dense_part]) if p.name == "dense"), None)
        rng = random.Random(0)
        corpus = base.ctx.world.source.corpus
        timings: dict[str, list[float]] = {"search": [], "open": [], "follow": []}
        for i in range(steps):
            art = corpus.articles[rng.randrange(len(corpus))]
            calls = [ToolCall(name="search", arguments={"query": f"{art.title} {art.text.split('.')[0]}", "k": 5}),
                     ToolCall(name="open", arguments={"title": art.title})]
            if art.links:
                calls.append(ToolCall(name="follow",
                                      arguments={"title": art.title, "link": art.links[i % len(art.links)]}))
            for call in calls:
                start = time.perf_counter()
                env.step(call)
                timings[call.name].append(time.perf_counter() - start)
        env.close()
        out[name] = {"first_use_build_ms": _ms(build_s),
                     **({"dense_embeddings_from_disk": dense_part.from_disk} if dense_part is not None else {}),
                     **{f"{tool}_ms": _ms(statistics.median(v)) for tool, v in timings.items() if v}}
    return out


def retrieval_figures(names: list[str], corpora: list[str]) -> dict[str, Any]:
    """The retriever track per corpus: recall@k, nDCG@10 and MRR per retriever, with index and query times."""
    out: dict[str, Any] = {}
    for corpus in corpora:
        total_s, report = _time(lambda corpus=corpus: retrieval_track(corpus, names, ks=[1, 2, 5, 10, 20, 100]))
        out[report.corpus] = {"questions": report.questions, "articles": report.articles, "total_s": round(total_s, 2),
                              **{s.name: ({"skipped": s.skipped} if s.skipped else {
                                  "recall": {str(k): round(v, 4) for k, v in s.recall.items()},
                                  "ndcg@10": round(s.ndcg, 4), "mrr": round(s.mrr, 4),
                                  "index_s": round(s.build_seconds, 2), "query_ms": round(s.query_ms, 2)})
                                 for s in report.scores}}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip dense retrievers and the 16k-entity world")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--parts", default="corpus,haystack,agentic,retrieval,ladder",
                        help="comma-separated subset to run")
    parser.add_argument("--hotpotqa", default=None,
                        help="a HotpotQA file for the retriever track and the ladder (e.g. the sample)")
    parser.add_argument("--seeds", type=int, default=50, help="seeds per rung for the ladder")
    parser.add_argument("--against", type=Path, default=None,
                        help="another checkout of locogym to time the ladder's generation against")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    dense_ok = retrievers.dense_available() is None and not args.quick
    sizes = [512, 2048, 8192] if args.quick else [512, 2048, 8192, 16384]
    names = ["bm25", "ppr-bm25"] + (["dense", "hybrid", "ppr-dense", "ppr-hybrid"] if dense_ok else [])
    np.random.seed(0)
    report: dict[str, Any] = {}
    if "corpus" in parts:
        report["corpus_scaling"] = corpus_scaling(sizes, [512] if dense_ok else [])
    if "haystack" in parts:
        report["static_haystack"] = haystacks(args.repeats)
    if "agentic" in parts:
        report["agentic_step_latency"] = agentic_latency(names, args.steps)
    if "retrieval" in parts:
        track = ["bm25", "ppr-bm25"] + (["dense", "hybrid"] if dense_ok else [])
        corpora = ["synthetic"] + ([f"hotpotqa:{args.hotpotqa}"] if args.hotpotqa else [])
        report["retriever_track"] = retrieval_figures(track, corpora)
    if "ladder" in parts:
        corpora = ["synthetic"] + ([f"hotpotqa:{args.hotpotqa}"] if args.hotpotqa else [])
        report["ladder"] = ladder(args.seeds, corpora, args.against)
    report["dense"] = "measured" if dense_ok else (retrievers.dense_available() or "skipped (--quick)")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
