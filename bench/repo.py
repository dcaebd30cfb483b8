"""LoCo-Repo-v0 costs: code-index build time and peak memory against repository size, cold and cached, and task
generation time at 32k and 1m tokens.

Index builds, for synthetic projects of growing size and for the installed sources of a real package (gitdb):

* ``cold_s``        — nothing cached: every file parsed by tree-sitter, then resolved;
* ``disk_cached_s`` — the in-memory cache cleared, the per-(repository, commit) file on disk read back (what a
  new process pays for a commit it has indexed before);
* ``memory_cached_s`` — the same tree again in the same process (facts cached by content; resolution only);
* ``cold_peak_mb`` / ``disk_cached_peak_mb`` — peak Python allocation (tracemalloc) of a cold and a disk-cached
  build, measured in a separate pass so timing is not distorted.

Task generation (``generate`` of a fresh config, caches of generated projects cleared): medians over seeds for
``qa`` and ``multisession`` at 32k and 1m. Every figure is a median of ``--repeat`` runs measured in this run.
Prints JSON.

    python bench/repo.py [--repeat 3] [--sizes 32k,128k,512k,1m]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from locogym.core import tokens  # noqa: E402
from locogym.core.types import ScenarioConfig  # noqa: E402
from locogym.scenarios.repo import cache, loading  # noqa: E402
from locogym.scenarios.repo.index import CodeIndex  # noqa: E402
from locogym.scenarios.repo.multisession import generate_multisession  # noqa: E402
from locogym.scenarios.repo.qa import generate_qa  # noqa: E402
from locogym.scenarios.repo.sources import SourceTree, load_package  # noqa: E402
from locogym.scenarios.repo.synthetic import generate_project  # noqa: E402


def _timed(fn: Callable[[], Any]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _peak_mb(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def bench_index(tree: SourceTree, repeat: int) -> dict[str, Any]:
    def cold() -> CodeIndex:
        cache.clear_memory()
        for entry in cache.cache_dir().glob("*.pkl"):
            entry.unlink()
        return CodeIndex.build(tree.files, name=tree.name, commit=tree.commit)

    def disk() -> CodeIndex:
        cache.clear_memory()
        return CodeIndex.build(tree.files, name=tree.name, commit=tree.commit)

    def memory() -> CodeIndex:
        return CodeIndex.build(tree.files, name=tree.name, commit=tree.commit)

    cold_s = [_timed(cold) for _ in range(repeat)]
    disk_s = [_timed(disk) for _ in range(repeat)]
    memory_s = [_timed(memory) for _ in range(repeat)]
    cold_peak = _peak_mb(cold)
    disk_peak = _peak_mb(disk)
    stats = memory().stats()
    return {
        "source": tree.name, "files": stats["files"], "lines": stats["lines"],
        "tokens": sum(tokens.count(t) for t in tree.files.values()), "definitions": stats["definitions"],
        "calls_resolved": stats["calls_resolved"],
        "cold_s": round(statistics.median(cold_s), 3), "disk_cached_s": round(statistics.median(disk_s), 3),
        "memory_cached_s": round(statistics.median(memory_s), 3),
        "cold_over_disk_cached": round(statistics.median(cold_s) / statistics.median(disk_s), 2),
        "cold_peak_mb": round(cold_peak, 1), "disk_cached_peak_mb": round(disk_peak, 1),
        "kloc_per_s_cold": round(stats["lines"] / 1000 / statistics.median(cold_s), 1),
    }


def bench_generation(length: int, repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {"length": length}
    for task, fn in (("qa", generate_qa), ("multisession", generate_multisession)):
        times = []
        for seed in range(repeat):
            loading.clear_caches()
            cache.clear_memory()
            config = ScenarioConfig(family="repo", seed=seed, length=length, task=task,
                                    params={"source": "synthetic", "context": "tree"})
            times.append(_timed(lambda config=config, fn=fn: fn(config)))
        out[f"{task}_s"] = round(statistics.median(times), 3)
        out[f"{task}_max_s"] = round(max(times), 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default="32k,128k,512k,1m")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LOCOGYM_CACHE_DIR"] = tmp
        index_rows = []
        for size in args.sizes.split(","):
            tree = generate_project(seed=1, target_tokens=tokens.parse_length(size))
            tree = SourceTree(name=f"bench-{size}", files=tree.files, commit=tree.commit, origin="folder")
            index_rows.append({"size": size, **bench_index(tree, args.repeat)})
        index_rows.append({"size": "real:gitdb", **bench_index(load_package("gitdb"), args.repeat)})
        generation = [bench_generation(tokens.parse_length(length), args.repeat) for length in ("32k", "1m")]
    print(json.dumps({"index": index_rows, "generation": generation, "repeat": args.repeat,
                      "python": sys.version.split()[0], "cpus": os.cpu_count()}, indent=2))


if __name__ == "__main__":
    main()
