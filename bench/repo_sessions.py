"""LoCo-Repo-v0 multi-session tasks on real code: do resets succeed, do the baselines score what they must, and do
the commits between sessions leave code that still builds?

For every source and length, seeds ``0..N-1`` are reset with ``task="multisession"`` (the sessions' number drawn)
and played by the oracle and noop agents in the fake sandbox. Per source and length it prints, as JSON: the resets
that succeeded and the refusals (seed: reason), the oracle's and noop's mean scores, the probe kinds and commit
kinds drawn, and the median generation time.

``--build`` also checks the commits with the language's own tools: every session's patches are applied in turn to
the whole source tree, and

* Go: ``go build ./...`` and ``go vet ./...`` (``GOFLAGS=-mod=mod``, no network: ``GOPROXY=off``) must succeed
  after each session, as they do on the tree before any commit (a tree that does not build offline — a module
  with dependencies — is reported as such and not counted);
* TypeScript/JavaScript: every changed or added file must parse with no syntax error (the TypeScript compiler
  API's parser, ``--typescript`` naming the installed ``typescript`` package); types are not checked.

    python bench/repo_sessions.py SOURCE... [--seeds 10] [--lengths 8k] [--build] [--typescript DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import gymnasium as gym  # noqa: E402

import locogym  # noqa: E402
from locogym.agents import make_agent  # noqa: E402
from locogym.core import tokens  # noqa: E402
from locogym.core.errors import ConfigError  # noqa: E402
from locogym.core.types import Task  # noqa: E402
from locogym.scenarios.repo import workset  # noqa: E402
from locogym.scenarios.repo.sources import load_source  # noqa: E402

_PARSE_JS = """
const ts = require(process.argv[2]);
const fs = require("fs");
const bad = [];
for (const file of process.argv.slice(3)) {
  const text = fs.readFileSync(file, "utf8");
  const kind = file.endsWith(".tsx") ? ts.ScriptKind.TSX : file.match(/\\.(m?js|jsx)$/) ? ts.ScriptKind.JS
    : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  for (const d of sf.parseDiagnostics) bad.push(file + ": " + ts.flattenDiagnosticMessageText(d.messageText, " "));
}
console.log(JSON.stringify(bad));
"""


def _write(files: dict[str, str], folder: Path) -> None:
    for rel, text in files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _go_ok(folder: Path) -> str:
    """'' when the tree builds and vets offline, else the tools' first lines of complaint."""
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GO111MODULE": "on"}  # the user's build cache
    if not (folder / "go.mod").exists():
        (folder / "go.mod").write_text("module example.org/checked\n\ngo 1.19\n")
    for cmd in (["go", "build", "./..."], ["go", "vet", "./..."]):
        done = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode:
            return (done.stderr or done.stdout).strip()[:600]
    return ""


def _ts_bad(folder: Path, paths: list[str], typescript: str) -> list[str]:
    script = folder.parent / "parse.js"
    script.write_text(_PARSE_JS)
    done = subprocess.run(["node", str(script), typescript, *[str(folder / p) for p in paths]],
                          capture_output=True, text=True, timeout=600)
    if done.returncode:
        return [done.stderr.strip()[:400]]
    return list(json.loads(done.stdout))


def _build_check(task: Task, tree_files: dict[str, str], typescript: str) -> str:
    """'' when the tree still builds (Go) or parses (TS/JS) after every session's commits; the complaint else."""
    patches = task.meta["session_patches"]
    language = task.meta["language"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "tree"
        _write(tree_files, folder)
        for session in sorted(patches, key=int):
            _write(patches[session], folder)
            if language == "go":
                problem = _go_ok(folder)
            else:
                bad = _ts_bad(folder, sorted(p for p in patches[session] if not p.endswith(".d.ts")), typescript)
                problem = "; ".join(bad[:3])
            if problem:
                return f"session {session}: {problem}"
    return ""


def _go_baseline(tree_files: dict[str, str]) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "tree"
        _write(tree_files, folder)
        return _go_ok(folder)


def measure(spec: str, seeds: int, length: int, build: bool, typescript: str) -> dict[str, Any]:
    tree = load_source(spec)
    row: dict[str, Any] = {"language": tree.language, "tokens": sum(workset.file_tokens(tree.files).values()),
                           "length": length, "refused": {}, "oracle": [], "noop": [], "probe_kinds": Counter(),
                           "commit_kinds": Counter(), "generate_s": [], "build": {"checked": 0, "ok": 0,
                                                                                  "failures": []}}
    checkable = {"go": shutil.which("go") is not None, "typescript": bool(typescript), "javascript": bool(typescript)}
    build = build and checkable.get(tree.language, False)  # Python commits are not built here
    unbuildable = _go_baseline(tree.files) if build and tree.language == "go" else ""
    if unbuildable:
        row["build"] = {"skipped": f"the tree does not build offline before any commit: {unbuildable[:200]}"}
    env = gym.make("LoCo-Repo-v0", sandbox="fake", source=spec)
    try:
        for seed in range(seeds):
            _play(env, seed, length, row)
            task = row.pop("_task", None)
            if task is not None and build and not unbuildable:
                problem = _build_check(task, tree.files, typescript)
                row["build"]["checked"] += 1
                row["build"]["ok"] += not problem
                if problem:
                    row["build"]["failures"].append({"seed": seed, "problem": problem})
    finally:
        env.close()
    return _summary(row, seeds)


def _play(env: gym.Env, seed: int, length: int, row: dict[str, Any]) -> None:
    options = {"length": length, "task": "multisession"}
    start = time.perf_counter()
    try:
        oracle = locogym.run_episode(env, make_agent("oracle"), seed=seed, options=options)
    except ConfigError as exc:
        row["refused"][seed] = str(exc)[:300]
        return
    row["generate_s"].append(time.perf_counter() - start)
    noop = locogym.run_episode(env, make_agent("noop"), seed=seed, options=options)
    row["oracle"].append(oracle.score.success)
    row["noop"].append(noop.score.success)
    row["probe_kinds"].update(k.rstrip("0123456789") for k in oracle.task.meta["probe_kinds"])
    row["commit_kinds"].update(m.split(":")[0] for ms in oracle.task.meta["session_commits"].values() for m in ms)
    row["_task"] = oracle.task


def _summary(row: dict[str, Any], seeds: int) -> dict[str, Any]:
    played = len(row["oracle"])
    return {**{k: v for k, v in row.items() if k not in {"oracle", "noop", "generate_s"}},
            "resets": f"{played}/{seeds}",
            "oracle_mean": round(statistics.mean(row["oracle"]), 3) if played else None,
            "noop_mean": round(statistics.mean(row["noop"]), 3) if played else None,
            "episode_pair_median_s": round(statistics.median(row["generate_s"]), 2) if played else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sources", nargs="+")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--lengths", default="8k")
    parser.add_argument("--build", action="store_true", help="check the commits with go build/vet or the TS parser")
    parser.add_argument("--typescript", default="", help="the installed typescript package folder")
    args = parser.parse_args()
    report: dict[str, Any] = {}
    for spec in args.sources:
        for length in (tokens.parse_length(x) for x in args.lengths.split(",")):
            result = measure(spec, args.seeds, length, args.build, args.typescript)
            report.setdefault(Path(spec).name or spec, {})[str(length)] = result
            print(json.dumps({spec: {length: result}}, default=str), file=sys.stderr)
    print(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
