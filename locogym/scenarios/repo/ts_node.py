"""Running a TypeScript/JavaScript project's functions under node, sandboxed, to get questions' gold by execution.

The toolchain is node and the ``typescript`` package (its ``transpileModule``: syntax only, no type check), found
on the machine — ``LOCOGYM_TYPESCRIPT`` names the package folder, else npm's global folder is searched. Every
source file is transpiled to CommonJS when it is first loaded, and every function body gets a probe at its start
that notes, while a call runs, the function entered (its file and first and last line in the *source*, so no
source map is needed) and its first argument. The project's own code then runs:

* inside bubblewrap: no network, the host's ``/usr`` read-only, a scratch folder the only place it can write, an
  empty environment, and, when started by root, as ``nobody``; without bubblewrap nothing runs (the kinds that
  need it are not asked, never run on the host);
* each call under a timer (:data:`CALL_TIMEOUT_MS`, node's ``vm`` timeout), the whole batch under another;
* a bare import (a dependency, not installed: nothing is fetched) fails the loading of its module, so the calls
  into that module are not asked;
* twice, in two scratch folders, the second run in the reverse order; a call counts only when both gave the same
  outcome, and a plain value (:func:`~locogym.scenarios.repo.literal_runs.plain`).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from locogym.core.types import stable_hash
from locogym.scenarios.repo.literal_runs import plain

BATCH_TIMEOUT_S = 600  # a whole batch on a loaded machine: a refusal must not depend on the load
CALL_TIMEOUT_MS = 1000
SOURCE_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
TS_ENV = "LOCOGYM_TYPESCRIPT"
NOBODY = 65534
Call = tuple[str, str, tuple[Any, ...]]  # source file, exported name, positional arguments
# the value; the first argument of each function entered ("path:first:last" -> value, None when not plain);
# the functions entered, as (path, first line, last line), in the order first entered
RawOutcome = tuple[Any, dict[str, Any], list[tuple[str, int, int]]]
_BATCHES: dict[str, dict[Call, RawOutcome]] = {}

# argv: the typescript package folder, the source folder, a JSON file {mode, items}, the timer.
# Prints JSON: per call null (its module did not load, it threw, timed out, or is not a function) or
# [value or null, firsts, entered].
RUNNER = r"""
"use strict";
const fs = require("fs"), path = require("path"), vm = require("vm"), Module = require("module");
const [tsDir, src, callsFile, timer] = process.argv.slice(2);
const ts = require(tsDir);
const factory = ts.factory;
const SOURCE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

function probe(node, sf, file) {
  const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
  const params = node.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === "this"));
  const arg = params.length && ts.isIdentifier(params[0].name) && !params[0].dotDotDotToken ?
    factory.createIdentifier(params[0].name.text) : factory.createIdentifier("undefined");
  return factory.createCallExpression(factory.createIdentifier("__locogymEnter"), undefined,
    [factory.createStringLiteral(`${file}:${first}:${last}`), arg]);
}

function withProbe(body, call) {
  if (!ts.isBlock(body)) return factory.createParenthesizedExpression(factory.createCommaListExpression([call, body]));
  const statements = [...body.statements];
  let at = 0;  // after the directive prologue ("use strict"), which must stay first
  while (at < statements.length && ts.isExpressionStatement(statements[at]) &&
         ts.isStringLiteral(statements[at].expression)) at++;
  statements.splice(at, 0, factory.createExpressionStatement(call));
  return factory.updateBlock(body, statements);
}

function instrument(file) {
  return (ctx) => (sf) => {
    const visit = (node) => {
      if (ts.isFunctionLike(node) && node.body && node.pos >= 0) {
        const call = probe(node, sf, file);
        return ts.visitEachChild(node, (child) => child === node.body ?
          withProbe(ts.visitEachChild(child, visit, ctx), call) : visit(child), ctx);
      }
      return ts.visitEachChild(node, visit, ctx);
    };
    return ts.visitNode(sf, visit);
  };
}

// Every module of the project is transpiled when it is first required: only what a call loads is compiled.
function compile(module, filename) {
  const rel = path.relative(src, filename).split(path.sep).join("/");
  const result = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
    fileName: filename, transformers: { before: [instrument(rel)] },
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true,
      jsx: ts.JsxEmit.React },
  });
  module._compile(result.outputText, filename);
}
for (const ext of [".ts", ".tsx", ".mts", ".cts", ".jsx", ".mjs", ".js", ".cjs"]) {
  const builtin = Module._extensions[ext];
  Module._extensions[ext] = (module, filename) =>
    filename.startsWith(src + path.sep) || !builtin ? compile(module, filename) : builtin(module, filename);
}
// TypeScript sources import "./x.js" for x.ts, and ES modules "./x.mjs": without the extension, node tries
// every registered one
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  try {
    return resolve.call(this, request, ...rest);
  } catch (err) {
    if (!request.startsWith(".") || !SOURCE.test(request)) throw err;
    return resolve.call(this, request.replace(SOURCE, ""), ...rest);
  }
};
// Bundlers replace `__DEV__` when they build; a question whose code reads it says that it is true.
globalThis.__DEV__ = true;

const state = { on: false, firsts: {}, entered: [] };
const scalar = (v) => typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && isFinite(v));
const shown = (v) => scalar(v) ? v : Array.isArray(v) && v.length <= 8 && v.every(scalar) ? v : null;
globalThis.__locogymEnter = (where, first) => {
  if (!state.on || where in state.firsts) return;
  state.firsts[where] = shown(first);
  state.entered.push(where);
};
const script = new vm.Script("globalThis.__locogymResult = globalThis.__locogymCall()");
function runCall([file, name, args]) {
  try {
    const fn = require(path.join(src, file))[name];
    if (typeof fn !== "function") return null;
    Object.assign(state, { on: true, firsts: {}, entered: [] });
    globalThis.__locogymCall = () => fn(...args);
    script.runInThisContext({ timeout: Number(timer) });
    state.on = false;
    return [shown(globalThis.__locogymResult), state.firsts, state.entered];
  } catch (err) {
    state.on = false;
    return null;
  }
}
// the probe of the definition `member` reaches along the prototype chain of `cls` (its "path:first:last", read
// from the function's own text, so a method mixed in or assigned to a prototype shows where it really is);
// "" when the member is no function of the project, null when the module does not load or `cls` is no class
function owns([file, cls, member]) {
  try {
    const mod = require(path.join(src, file));
    // `export default class C` is the module's `default`, named C
    const start = typeof mod[cls] === "function" ? mod[cls] :
      typeof mod.default === "function" && mod.default.name === cls ? mod.default : null;
    if (start === null) return null;
    let proto = start.prototype;
    while (proto && !Object.prototype.hasOwnProperty.call(proto, member)) proto = Object.getPrototypeOf(proto);
    const found = proto && Object.getOwnPropertyDescriptor(proto, member);
    const fn = found && (found.value || found.get);
    const probe = typeof fn === "function" && /__locogymEnter\("([^"]*)"/.exec(Function.prototype.toString.call(fn));
    return probe ? probe[1] : "";
  } catch (err) {
    return null;
  }
}
const { mode, items } = JSON.parse(fs.readFileSync(callsFile, "utf8"));
const results = items.map(mode === "owners" ? owns : runCall);
process.stdout.write(JSON.stringify(results));
"""


@functools.cache
def _global_modules() -> str:
    """npm's global package folder ("" when npm is absent)."""
    npm = shutil.which("npm")
    if npm is None:
        return ""
    try:
        done = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, timeout=30, env={
            "PATH": os.environ.get("PATH", ""), "HOME": tempfile.gettempdir()})
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def typescript_dir() -> Path | None:
    """The folder of the ``typescript`` package used to transpile (``None`` when it is not installed)."""
    named = os.environ.get(TS_ENV)
    candidates = [Path(named)] if named else []
    candidates += [Path(_global_modules()) / "typescript"] if _global_modules() else []
    candidates += [Path("/usr/local/lib/node_modules/typescript"), Path("/usr/lib/node_modules/typescript")]
    return next((c.resolve() for c in candidates if (c / "package.json").is_file()), None)


@functools.cache
def _node_version(node: str) -> str:
    try:
        done = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, env={})
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def toolchain() -> dict[str, str]:
    """The versions runs use (``node``, ``typescript``), or ``missing``: why nothing can run here, and the fix."""
    from locogym.sandboxes.bwrap import probe_bwrap

    node = shutil.which("node")
    version = _node_version(node) if node else ""
    tsdir = typescript_dir()
    if not version:
        return {"missing": "node is not installed (apt-get install nodejs)"}
    if tsdir is None:
        return {"missing": f"the typescript package is not installed (npm install -g typescript, or set {TS_ENV} "
                           "to its folder)"}
    reason = probe_bwrap()
    if reason is not None:
        return {"missing": f"no sandbox for node: {reason}"}
    meta = json.loads((tsdir / "package.json").read_text(encoding="utf-8"))
    return {"node": version, "typescript": str(meta.get("version", ""))}


def _demote() -> None:
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)


def sandbox_argv(node: str, tsdir: Path, scratch: str) -> list[str]:
    """bubblewrap around node: nothing of the host but ``/usr`` (and node's own folder) read-only, the
    typescript package read-only at ``/opt/typescript``, the scratch folder writable at ``/scratch``."""
    argv = [shutil.which("bwrap") or "bwrap", "--unshare-all", "--die-with-parent", "--new-session",
            "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
            "--symlink", "usr/lib64", "/lib64", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
            "--ro-bind", str(tsdir), "/opt/typescript", "--bind", scratch, "/scratch", "--chdir", "/scratch",
            "--clearenv", "--setenv", "PATH", "/usr/bin:/bin"]
    prefix = str(Path(node).resolve().parent.parent)
    if not prefix.startswith("/usr"):
        argv += ["--ro-bind", prefix, prefix]
    return argv


def _run_batch(files: dict[str, str], items: list[Any], mode: str = "calls") -> list[Any] | None:
    """One sandboxed node process over the project in a scratch folder of its own (``None``: it failed): the
    calls of ``items``, or with ``mode="owners"`` the prototype checks of :func:`owners`."""
    node, tsdir = shutil.which("node"), typescript_dir()
    if node is None or tsdir is None:
        return None
    with tempfile.TemporaryDirectory(prefix="locogym-node-") as scratch:
        root = Path(scratch)
        for rel, text in files.items():
            target = root / "src" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        (root / "runner.cjs").write_text(RUNNER, encoding="utf-8")
        (root / "calls.json").write_text(json.dumps({"mode": mode, "items": [list(c) for c in items]}),
                                         encoding="utf-8")
        if os.geteuid() == 0:
            for folder, _, names in os.walk(root):
                for name in [".", *names]:
                    os.chown(os.path.join(folder, name), NOBODY, NOBODY)
        argv = [*sandbox_argv(node, tsdir, scratch), str(Path(node).resolve()), "--max-old-space-size=512",
                "/scratch/runner.cjs", "/opt/typescript", "/scratch/src", "/scratch/calls.json",
                str(CALL_TIMEOUT_MS)]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=BATCH_TIMEOUT_S, env={},
                                  preexec_fn=_demote)
        except (OSError, subprocess.SubprocessError):
            return None
    try:
        found = json.loads(done.stdout) if done.returncode == 0 else None
    except ValueError:
        return None
    return found if isinstance(found, list) and len(found) == len(items) else None


def _entered(where: str) -> tuple[str, int, int]:
    path, first, last = where.rsplit(":", 2)
    return path, int(first), int(last)


def _agreed(a: Any, b: Any) -> RawOutcome | None:
    """One call's outcome when both runs gave it alike and its value is plain."""
    if a is None or b is None or json.dumps(a, sort_keys=True) != json.dumps(b, sort_keys=True):
        return None
    value = tuple(a[0]) if isinstance(a[0], list) else a[0]
    if not plain(value):
        return None
    firsts = {k: v for k, v in a[1].items() if v is not None and plain(v)}
    return (list(value) if isinstance(value, tuple) else value), firsts, [_entered(w) for w in a[2]]


def run_calls(files: dict[str, str], calls: list[Call]) -> dict[Call, RawOutcome]:
    """The outcome of each call of ``calls`` on the TS/JS files of ``files`` that ran alike twice (two processes,
    two scratch folders, the second in the reverse order, so a value that depends on what ran before it, on the
    clock or on chance disagrees) and gave a plain value. Remembered per process by the files and calls."""
    sources = {p: t for p, t in sorted(files.items()) if p.endswith(SOURCE_SUFFIXES)}
    key = stable_hash([toolchain(), sources, [list(c) for c in calls]])
    if key in _BATCHES:
        return _BATCHES[key]
    forward = _run_batch(sources, calls) if calls and "missing" not in toolchain() else None
    backward = _run_batch(sources, calls[::-1]) if forward is not None else None
    outcomes: dict[Call, RawOutcome] = {}
    if forward is not None and backward is not None:
        for call, a, b in zip(calls, forward, backward[::-1], strict=True):
            agreed = _agreed(a, b)
            if agreed is not None:
                outcomes[call] = agreed
    _BATCHES[key] = outcomes
    return outcomes


def owners(files: dict[str, str], asks: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], str | None]:
    """For each (file, class, member): where the definition node finds first along the class's prototype chain
    is written, as ``path:first line:last line`` of the source (``""``: not a function of the project; ``None``:
    the module did not load or the class is not exported there, or nothing could run)."""
    sources = {p: t for p, t in sorted(files.items()) if p.endswith(SOURCE_SUFFIXES)}
    found = _run_batch(sources, [list(a) for a in asks], "owners") if asks and "missing" not in toolchain() else None
    return {a: (r if isinstance(r, str) else None) for a, r in zip(asks, found or [None] * len(asks), strict=True)}
