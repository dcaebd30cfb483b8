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

``--versus DIR`` measures instead the generation time per rung of the length ladder (8k, 32k, 128k) of this
checkout against another (an export of an older version in ``DIR``), side by side: two worker processes, one per
checkout, are handed the same (task, seed, length) in turn, each generating it from cold caches (generated
projects, index facts and token counts forgotten), so that both see the same machine load. Prints the medians
over ``--seeds`` per task and rung, and their ratio.

    python bench/repo.py [--repeat 3] [--sizes 32k,128k,512k,1m]
    python bench/repo.py --versus /path/to/older/checkout [--seeds 10] [--ladder 8k,32k,128k] \
        [--source synthetic|package:NAME|FOLDER] [--tasks qa,multisession]

``--baselines`` scores the model-free agents instead (``grep``, ``heuristic``, ``oracle``, ``noop``; any of
:data:`locogym.agents.BASELINES` with ``--agents``) on ``qa`` tasks of one source: seeds 0..``--seeds``-1 with
no kind named (the default mix), at each length of ``--ladder``, in the fake sandbox. Prints each agent's mean
score per length over the mix and per question kind drawn (``kinds``: asked, mean), and the seeds refused.
``--kinds`` also names every kind in turn (``--kind-seeds`` seeds each), for a score per kind the mix rarely
draws.

``--shares`` counts instead which kind the default mix draws, per seed, on each of several sources (at the first
length of ``--ladder``), and the share of each kind over all of them; and, per source, how many called functions
have every chain of callers resolved (what ``impact`` needs).

    python bench/repo.py --shares package:packaging,package:requests,... [--seeds 20] [--ladder 8k]

``--reach`` says instead which kinds the default mix can draw on each source (as it tries them: whole files and
light excerpts of every kind before deep excerpts of any), each one's chance per seed (its weight over the reached
kinds' total), and per kind how many of the sources should draw it at least once in ``--seeds`` seeds.

    python bench/repo.py --reach package:click,package:jinja2,... [--seeds 10]

``--named`` says instead which kinds each source can ask when the kind is named (seed 0 at the first length of
``--ladder``), and on how many of the sources each kind is askable.

    python bench/repo.py --named package:click,package:jinja2,... [--ladder 8k] [--kinds dispatch,argument]

    python bench/repo.py --baselines [--source synthetic] [--seeds 20] [--ladder 8k,32k] \
        [--kinds all --kind-seeds 5]
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import statistics
import subprocess
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
            times.append(_timed(functools.partial(fn, config)))
        out[f"{task}_s"] = round(statistics.median(times), 3)
        out[f"{task}_max_s"] = round(max(times), 3)
    return out


# A worker: imports locogym from the checkout given as its argument, then times one generation per input line
# ("task seed length source") from cold caches and prints the seconds (or "refused").
WORKER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from locogym.core import tokens
from locogym.core.errors import ConfigError
from locogym.core.types import ScenarioConfig
from locogym.scenarios.repo import cache, loading
from locogym.scenarios.repo.multisession import generate_multisession
from locogym.scenarios.repo.qa import generate_qa
assert loading.__file__.startswith(sys.argv[1]), loading.__file__
print("ready", flush=True)
for line in sys.stdin:
    task, seed, length, source = line.split()
    loading.clear_caches(); cache.clear_memory(); tokens.clear_cache()
    config = ScenarioConfig(family="repo", seed=int(seed), length=int(length), task=task,
                            params={"source": source, "context": "tree"})
    start = time.perf_counter()
    try:
        (generate_qa if task == "qa" else generate_multisession)(config)
        print(round(time.perf_counter() - start, 4), flush=True)
    except ConfigError:
        print("refused", flush=True)
"""


def versus(other: str, seeds: int, ladder: list[str], source: str = "synthetic",
           tasks: tuple[str, ...] = ("qa", "multisession")) -> dict[str, Any]:
    """Generation time per task and rung here and in ``other``, measured side by side (see the docstring)."""
    roots = {"now": str(ROOT), "before": str(Path(other).resolve())}
    workers = {name: subprocess.Popen([sys.executable, "-c", WORKER, root], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True, cwd=tempfile.gettempdir())
               for name, root in roots.items()}
    try:
        for worker in workers.values():
            assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
        times: dict[tuple[str, str, str], list[float]] = {}
        refused: dict[tuple[str, str, str], int] = {}
        for task in tasks:
            for length in ladder:
                for seed in range(seeds):
                    order = list(workers) if seed % 2 == 0 else list(reversed(workers))  # neither always first
                    for name in order:
                        worker = workers[name]
                        assert worker.stdin is not None and worker.stdout is not None
                        worker.stdin.write(f"{task} {seed} {tokens.parse_length(length)} {source}\n")
                        worker.stdin.flush()
                        answer = worker.stdout.readline().strip()
                        if answer == "refused":
                            refused[(task, length, name)] = refused.get((task, length, name), 0) + 1
                        else:
                            times.setdefault((task, length, name), []).append(float(answer))
    finally:
        for worker in workers.values():
            worker.kill()
    rows = []
    for task in tasks:
        for length in ladder:
            now = statistics.median(times.get((task, length, "now"), [float("nan")]))
            before = statistics.median(times.get((task, length, "before"), [float("nan")]))
            rows.append({"task": task, "length": length, "before_s": round(before, 3), "now_s": round(now, 3),
                         "ratio": round(now / before, 2) if before else None,
                         "refused_before": refused.get((task, length, "before"), 0),
                         "refused_now": refused.get((task, length, "now"), 0)})
    return {"seeds": seeds, "before": roots["before"], "source": source, "rows": rows}


def _play(env: Any, agents: list[str], seed: int, options: dict[str, Any]) -> dict[str, tuple[str, float]]:
    """Each agent's (question kind, score) on one task; an empty dict when the task is refused."""
    import locogym
    from locogym.core.errors import TaskRefused

    out = {}
    for agent in agents:
        try:
            traj = locogym.run_episode(env, locogym.make_agent(agent), seed=seed, options=options)
        except TaskRefused:
            return {}
        out[agent] = (str(traj.task.meta["question_kind"]), float(traj.score.success))
    return out


def _summary(results: list[dict[str, tuple[str, float]]], agents: list[str]) -> dict[str, Any]:
    played = [r for r in results if r]
    row: dict[str, Any] = {"played": len(played), "refused": len(results) - len(played)}
    for agent in agents:
        scores = [r[agent][1] for r in played]
        kinds: dict[str, list[float]] = {}
        for r in played:
            kinds.setdefault(r[agent][0], []).append(r[agent][1])
        row[agent] = {"mean": round(statistics.fmean(scores), 3) if scores else None,
                      "kinds": {k: {"asked": len(v), "mean": round(statistics.fmean(v), 3)}
                                for k, v in sorted(kinds.items())}}
    return row


def baselines(source: str, seeds: int, ladder: list[str], agents: list[str], kinds: list[str],
              kind_seeds: int) -> dict[str, Any]:
    """The baselines' scores on the default mix (and, with ``kinds``, on each kind named) of one source."""
    import gymnasium as gym

    env = gym.make("LoCo-Repo-v0", sandbox="fake", source=source)
    rows: list[dict[str, Any]] = []
    try:
        for length in ladder:
            mix = [_play(env, agents, s, {"length": length}) for s in range(seeds)]
            rows.append({"length": length, "question": "mix", **_summary(mix, agents)})
            for kind in kinds:
                options = {"length": length, "question": kind}
                named = [_play(env, agents, s, options) for s in range(kind_seeds)]
                rows.append({"length": length, "question": kind, **_summary(named, agents)})
    finally:
        env.close()
    return {"source": source, "seeds": seeds, "kind_seeds": kind_seeds, "rows": rows}


def impact_reach(source: str) -> dict[str, int]:
    """How often ``impact`` can be asked on a source: of the functions and methods outside tests that have a
    caller, how many have every chain of callers resolved (``reaching``), and how many are askable."""
    from locogym.scenarios.repo import reasoning
    from locogym.scenarios.repo.question_base import is_test_path

    index = loading.index_for(loading.real_source({"source": source}))
    called = [q for q, d in index.definitions.items() if d.kind in {"function", "method"}
              and not is_test_path(d.path) and index.callers(q)]
    exact = [q for q in called if reasoning.reaching(index, q) is not None]
    return {"called": len(called), "reach_exact": len(exact), "askable": len(reasoning.impact_keys(index))}


def shares(sources: list[str], seeds: int, length: str) -> dict[str, Any]:
    """Which question kind the default mix draws for seeds 0..``seeds``-1 of each source at one length."""
    from locogym.core.errors import ConfigError

    rows = []
    total: dict[str, int] = {}
    for source in sources:
        kinds: dict[str, int] = {}
        for seed in range(seeds):
            config = ScenarioConfig(family="repo", seed=seed, length=tokens.parse_length(length), task="qa",
                                    params={"source": source, "context": "tree"})
            try:
                kind = str(generate_qa(config).meta["question_kind"])
            except ConfigError:
                kind = "refused"
            kinds[kind] = kinds.get(kind, 0) + 1
            total[kind] = total.get(kind, 0) + 1
        rows.append({"source": source, "kinds": dict(sorted(kinds.items())), "impact": impact_reach(source)})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)  # progress: one line per source
    asked = sum(v for k, v in total.items() if k != "refused")
    return {"seeds": seeds, "length": length, "rows": rows,
            "share": {k: round(v / asked, 3) for k, v in sorted(total.items()) if k != "refused" and asked},
            "refused": total.get("refused", 0)}


def named_kinds(sources: list[str], length: str, kinds: list[str]) -> dict[str, Any]:
    """Which kinds can be asked on each source when named (seed 0 at one length: a kind a source cannot ask is
    refused at every seed), and on how many sources each kind can be asked."""
    from locogym.core.errors import ConfigError

    rows = {}
    for source in sources:
        row = {}
        for kind in kinds:
            config = ScenarioConfig(family="repo", seed=0, length=tokens.parse_length(length), task="qa",
                                    params={"source": source, "context": "tree", "question": kind})
            try:
                row[kind] = str(generate_qa(config).meta["question_kind"]) == kind
            except ConfigError:
                row[kind] = False
        rows[source] = row
        print(json.dumps({source: row}), file=sys.stderr, flush=True)
    return {"length": length, "sources": rows,
            "askable_on": {k: sum(row[k] for row in rows.values()) for k in kinds}}


def mix_reach(source: str) -> dict[str, Any]:
    """The kinds the default mix can draw on a source: those asked with files whole or lightly cut, as the mix
    tries them before any deep excerpt (``reached``), and those asked only through deep excerpts (``deep``), which
    the mix reaches only when no kind can be asked otherwise; with each reached kind's chance to be a seed's kind."""
    import random

    from locogym.scenarios.repo import qa
    from locogym.scenarios.repo.common import HOPS
    from locogym.scenarios.repo.questions import QUESTION_KINDS, VARIANTS

    tree = loading.real_source({"source": source})
    hops = HOPS[ScenarioConfig(family="repo", seed=0, length=8192, task="qa").difficulty]

    def asked(kind: str, cut: bool, light: bool) -> bool:
        return any(qa.choose_core(tree, random.Random(0), kind, v, hops, cut, light) is not None for v in VARIANTS)

    reached = [k for k in QUESTION_KINDS if asked(k, False, True) or asked(k, True, True)]
    deep = [k for k in QUESTION_KINDS if k not in reached and asked(k, True, False)]
    chances = qa.first_kind_chances(reached) if reached else {}
    return {"source": source, "reached": reached, "deep": deep,
            "chance": {k: round(v, 3) for k, v in sorted(chances.items())}}


def reach(sources: list[str], seeds: int) -> dict[str, Any]:
    """:func:`mix_reach` on each source, and per kind the number of sources expected to draw it at least once in
    ``seeds`` seeds (each source draws its own order of kinds, so the sources are independent)."""
    rows = []
    expected: dict[str, float] = {}
    for source in sources:
        rows.append(mix_reach(source))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        for kind, chance in rows[-1]["chance"].items():
            expected[kind] = expected.get(kind, 0.0) + 1 - (1 - chance) ** seeds
    return {"seeds": seeds, "rows": rows, "expected_sources": {k: round(v, 1) for k, v in sorted(expected.items())},
            "reached_on": {k: sum(k in r["reached"] for r in rows) for k in sorted(expected)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default="32k,128k,512k,1m")
    parser.add_argument("--versus", help="another checkout to compare ladder generation times with")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--ladder", default="8k,32k,128k")
    parser.add_argument("--source", default="synthetic", help="with --versus: the source tasks are drawn from")
    parser.add_argument("--tasks", default="qa,multisession", help="with --versus: the tasks to time")
    parser.add_argument("--baselines", action="store_true", help="score the model-free agents instead")
    parser.add_argument("--agents", default="grep,heuristic,oracle,noop", help="with --baselines")
    parser.add_argument("--kinds", default="", help="with --baselines: kinds to name ('all': every one)")
    parser.add_argument("--kind-seeds", type=int, default=5, help="with --kinds: seeds per named kind")
    parser.add_argument("--shares", default="", help="comma-separated sources: the kind the default mix draws per "
                        "seed (--seeds) at the first length of --ladder")
    parser.add_argument("--named", default="", help="comma-separated sources: which kinds each can ask when named "
                        "(seed 0, the first length of --ladder; --kinds narrows the kinds)")
    parser.add_argument("--reach", default="", help="comma-separated sources: the kinds the default mix can draw "
                        "on each, each one's chance per seed, and how many sources should draw it in --seeds seeds")
    args = parser.parse_args()
    if args.reach:
        print(json.dumps(reach(args.reach.split(","), args.seeds), indent=2))
        return
    if args.named:
        from locogym.scenarios.repo.questions import QUESTION_KINDS

        kinds = [k for k in args.kinds.split(",") if k] if args.kinds not in {"", "all"} else list(QUESTION_KINDS)
        print(json.dumps(named_kinds(args.named.split(","), args.ladder.split(",")[0], kinds), indent=2))
        return
    if args.shares:
        print(json.dumps(shares(args.shares.split(","), args.seeds, args.ladder.split(",")[0]), indent=2))
        return
    if args.baselines:
        from locogym.scenarios.repo.questions import QUESTION_KINDS

        source = args.source if args.source == "synthetic" or args.source.startswith("package:") \
            else str(Path(args.source).resolve())
        kinds = list(QUESTION_KINDS) if args.kinds == "all" else [k for k in args.kinds.split(",") if k]
        print(json.dumps(baselines(source, args.seeds, args.ladder.split(","), args.agents.split(","), kinds,
                                   args.kind_seeds), indent=2))
        return
    if args.versus:
        source = args.source if args.source == "synthetic" or args.source.startswith("package:") \
            else str(Path(args.source).resolve())
        print(json.dumps(versus(args.versus, args.seeds, args.ladder.split(","), source,
                                tuple(args.tasks.split(","))), indent=2))
        return
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
