"""Gold answers of LoCo-Repo-v0 on real code, cross-checked against independent resolvers.

For every source given, tasks are generated exactly as ``reset`` generates them — seeds ``0..N-1`` at each length
with no question kind named (which also checks that ``reset`` succeeds there), and the same seeds with each kind
named — and every asked question's gold answer is recomputed on the task's own workspace by a resolver that shares
nothing with the code index:

* Python — jedi (``goto`` with imports followed for definitions and calls, ``get_references`` for callers) and,
  for settings, a fresh interpreter that imports the module with an empty environment and prints the value;
  ``return_value`` and ``argument`` calls are made again by a fresh interpreter with no audit or trace hook (a
  profile hook notes the watched function's first argument), from the workspace; ``dispatch`` is answered by
  jedi's inference on ``Sub().m`` and by the interpreter's ``__mro__`` (the first class whose namespace holds
  ``m``), which must agree with each other and with the gold;
* TypeScript / JavaScript — the TypeScript compiler API (``bench/repo_gold/tscheck.js``: the type checker's
  symbol of every call, aliases followed, and every module's exports); for settings, the whole package
  transpiled to CommonJS and each asked module loaded in node (``bench/repo_gold/tsvalues.js``), the value read
  from what it exports;
* Go — ``go/types`` (``bench/repo_gold/gocheck.go``: the object every call's identifier uses, and each
  package's scope); for settings, a program built in a GOPATH of its own that imports each asked package of the
  whole source tree and prints every asked value with ``%#v`` once the package's variables and ``init``
  functions have run.

Go and TS/JS settings are run on the whole source tree rather than the workspace, so an override in a file the
workspace left out would show as a dispute. A file the workspace holds as an excerpt (too long for the length: it
differs from the source tree's file) is resolved whole, as the generator resolves it — a type checker cannot check
an excerpt, whose calls into the left-out definitions do not resolve — and then every definition the independent
answer rests on (each hop of a chain, the target and its callers, the defined name) must appear verbatim in the
excerpt, or the question is disputed: the agent could not find its answer. ``excerpted`` counts such tasks.
``--all-settings`` also checks every setting the whole tree can ask about, not only those the seeds draw.

Definitions are compared by (file, line). A question agrees when the independent answer equals the gold answer
exactly (the same file; the same single callee at every hop of a call chain; the same set of callers; the same
value; for ``impact``, the same public functions among the resolver's callers followed transitively — every
caller's caller until none is new — with the public rule applied to the names the index gives those sites).
Prints JSON: per language and kind, questions asked, agreed, disputed (with the first disputes), and the
``reset`` failures.

``--ts-dispatch`` checks instead every TS/JS ``dispatch`` key of each whole source (as the generator keeps them,
node-confirmed) against the declaration the TypeScript checker's declared type of the class has for the member.
TS/JS ``return_value`` questions are checked by making the call again on a plain CommonJS transpile of the whole
tree, without the generator's probes (``tscalls.js``, in the generator's bubblewrap sandbox); TS/JS ``argument``
questions the same way, one statement inserted in the target function alone noting its first argument the first
time it is entered (the generator probes every function).

``--go-edges`` checks instead every call edge the index resolves in each Go source (the whole tree) against
``go/types``: the index must resolve no call that ``go/types`` resolves elsewhere (``disputes``), and ``missed``
says how many ``go/types`` edges it leaves open. ``--gopath DIR`` puts a module's dependencies (a GOPATH folder
of ``src/<import path>``) in front of the Debian one, for both checks and settings runs.

The Go run-based and dispatch questions have checks of their own, on the whole tree (every key, not a sample):
``--go-values`` runs every ``return_value`` call again with a plain ``go test`` that prints the value with ``%v``
(no notes, no coverage); ``--go-arguments`` makes each ``argument`` target raise a panic carrying its first
parameter on entry, which the test recovers and prints; ``--go-dispatch`` compares every (struct, method) the
embedding rule decides with ``go/types``' ``LookupFieldOrMethod`` (``bench/repo_gold/godispatch.go``). The runs
are inside bubblewrap, with no network and only their scratch folder writable.

Inputs are fetched by the caller, never by the package (network is needed here only)::

    pip download --no-deps --no-binary :all: more-itertools attrs click toolz packaging -d DIR
    npm pack commander                               # in DIR; and: npm install --prefix TSDIR typescript@5
    npm pack mobx @tanstack/query-core @trpc/server  # TypeScript: packages that publish their src/*.ts; keep
                                                     # src/ (no .d.ts), package.json and the license, and tar
                                                     # them again as NAME-VERSION.tgz, so compiled JS is not read
    apt-get install golang-go golang-github-pkg-errors-dev golang-github-google-uuid-dev \\
        golang-github-spf13-pflag-dev                 # sources under /usr/share/gocode/src

    python bench/repo_gold.py --typescript TSDIR/node_modules/typescript DIR/*.tar.gz DIR/*.tgz \\
        /usr/share/gocode/src/github.com/pkg/errors ... [--seeds 20] [--lengths 8k,32k]
    python bench/repo_gold.py package:parso package:requests ... --kinds return_value,argument,dispatch
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from locogym.core.errors import ConfigError  # noqa: E402
from locogym.core.types import ScenarioConfig, Task  # noqa: E402
from locogym.scenarios.repo import reasoning, workset  # noqa: E402
from locogym.scenarios.repo.index import CodeIndex  # noqa: E402
from locogym.scenarios.repo.qa import generate_qa  # noqa: E402
from locogym.scenarios.repo.questions import QUESTION_KINDS, setting_keys  # noqa: E402
from locogym.scenarios.repo.questions import build as build_question  # noqa: E402
from locogym.scenarios.repo.sources import load_source  # noqa: E402

HERE = Path(__file__).resolve().parent / "repo_gold"
Site = tuple[str, int]


def _write(files: dict[str, str], folder: Path) -> None:
    for rel, text in files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _site(index: CodeIndex, qual: str) -> Site:
    d = index.definitions[qual]
    return d.path, d.line


# ------------------------------------------------------------------------------------------------ python (jedi)
class PythonCheck:
    def __init__(self, folder: Path, files: dict[str, str], full: Path | None = None) -> None:
        import jedi

        self.jedi = jedi
        self.folder = folder
        self.full = full
        self.files = files
        # only the workspace and the standard library: an installed copy of the same package must not answer
        roots = [str(folder / "src")] if (folder / "src").is_dir() else []
        stdlib = [sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"] + "/lib-dynload"]
        self.project = jedi.Project(str(folder), sys_path=[*roots, str(folder), *stdlib], smart_sys_path=False)

    def _script(self, rel: str) -> Any:
        return self.jedi.Script(self.files[rel], path=str(self.folder / rel), project=self.project)

    def _sites(self, names: list[Any]) -> set[Site]:
        out = set()
        for n in names:
            if n.module_path is None or n.type not in {"function", "class"}:
                continue
            path = Path(n.module_path)
            if self.folder in path.parents:
                out.add((path.relative_to(self.folder).as_posix(), n.line))
        return out

    def _is_def_line(self, site: Site) -> bool:
        text = self.files.get(site[0], "").splitlines()
        return 0 < site[1] <= len(text) and text[site[1] - 1].lstrip().startswith(("def ", "class ", "async def "))

    def _targets(self, script: Any, line: int, col: int) -> set[Site]:
        """Definitions a name position reaches: jedi's goto, and where goto stops at an import statement (it
        does for some multi-line re-exports), jedi's inference from there."""
        found = self._sites(script.goto(line, col, follow_imports=True))
        if found and all(self._is_def_line(s) for s in found):
            return found
        inferred = {s for s in self._sites(script.infer(line, col)) if self._is_def_line(s)}
        return inferred or found

    def definition(self, module: str, name: str) -> set[Site]:
        probe = f"from {module} import {name}\n{name}\n"
        script = self.jedi.Script(probe, path=str(self.folder / "_gold_probe.py"), project=self.project)
        return self._targets(script, 2, 0)

    def callees(self, site: Site) -> set[Site]:
        path, line = site
        tree = ast.parse(self.files[path])
        func = next((n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                     and n.lineno == line), None)
        if func is None:
            return set()
        script = self._script(path)
        out: set[Site] = set()
        for call in _own_nodes(func):
            if not isinstance(call, ast.Call):
                continue
            f = call.func
            if isinstance(f, ast.Name):
                pos = (f.lineno, f.col_offset)
            elif isinstance(f, ast.Attribute) and f.end_lineno is not None and f.end_col_offset is not None:
                pos = (f.end_lineno, f.end_col_offset - len(f.attr))
            else:
                continue
            out |= self._targets(script, *pos)
        return out

    def callers(self, site: Site, name: str) -> set[Site]:
        path, line = site
        text = self.files[path].splitlines()[line - 1]
        col = text.index(name, text.index("def ") + 4 if "def " in text else 0)
        out: set[Site] = set()
        trees: dict[str, ast.Module] = {}
        for ref in self._script(path).get_references(line, col, scope="project"):
            if ref.module_path is None or self.folder not in Path(ref.module_path).parents or ref.is_definition():
                continue
            rel = Path(ref.module_path).relative_to(self.folder).as_posix()
            src = self.files[rel].splitlines()[ref.line - 1]
            if not src[ref.column + len(name):].lstrip().startswith("("):
                continue
            tree = trees.setdefault(rel, ast.parse(self.files[rel]))
            owner = _innermost_def(tree, ref.line)
            if owner is not None:
                out.add((rel, owner))
        return out

    def setting(self, module: str, name: str, full: Path | None = None) -> Any:
        """The value after importing ``module`` from the workspace; when the workspace lacks a module the import
        needs (it holds only the files the question needs and distractors), from the whole source tree."""
        folder = full or self.folder
        code = f"import importlib; m = importlib.import_module({module!r}); print(repr(getattr(m, {name!r})))"
        paths = [str(folder)] + ([str(folder / "src")] if (folder / "src").is_dir() else [])
        # an empty environment (no variable overrides a default); the workspace first on the path, installed
        # packages after it for the project's own dependencies
        env = {"PATH": os.environ.get("PATH", "")}
        done = subprocess.run([sys.executable, "-c", f"import sys; sys.path[:0] = {paths!r}; {code}"],
                              capture_output=True, text=True, timeout=60, env=env, cwd=folder)
        if done.returncode != 0:
            if full is None and self.full is not None and "ModuleNotFoundError" in done.stderr:
                return self.setting(module, name, self.full)
            return ("<import failed>", done.stderr.strip().splitlines()[-1:])
        return ast.literal_eval(done.stdout.strip())


    def rerun(self, module: str, name: str, args: tuple[Any, ...], watched: tuple[str, str] | None = None) -> Any:
        """``[value, first argument of the watched function]`` of the call, made again by a fresh interpreter
        with no audit or trace hook (a profile hook watches instead) — from the workspace, or from the whole
        tree when the workspace lacks a module the import needs."""
        for folder in (self.folder, self.full):
            if folder is None:
                continue
            where = str(folder / watched[0]) if watched else ""
            ok, found = _fresh(_RERUN, [_paths(folder), module, name, list(args), where,
                                        watched[1] if watched else ""], folder)
            if ok or "ImportError" not in str(found) and "ModuleNotFoundError" not in str(found):
                return found
        return found

    def mro_owner(self, module: str, name: str, member: str) -> Any:
        """The definition the interpreter's ``__mro__`` finds first, imported from the workspace (else the
        whole tree)."""
        for folder in (self.folder, self.full):
            if folder is None:
                continue
            ok, found = _fresh(_MRO, [_paths(folder), module, name, member], folder)
            if ok or "ImportError" not in str(found) and "ModuleNotFoundError" not in str(found):
                return found
        return found

    def dispatched(self, cls_module: str, cls_name: str, member: str) -> set[Site]:
        """Where jedi's inference takes ``Sub().member``: the definition sites ``goto`` reaches."""
        probe = f"from {cls_module} import {cls_name}\nobj = {cls_name}()\nobj.{member}\n"
        script = self.jedi.Script(probe, path=str(self.folder / "_gold_probe.py"), project=self.project)
        return self._targets(script, 3, len("obj."))

# A fresh interpreter (no audit hook, no trace hook: a profile hook instead) imports the module and makes the
# call; with a watched function, the profile hook notes the first argument (after self/cls) of its first call.
# argv: a literal [paths, module, name, args, watched file or "", watched qualified name]. Prints a literal
# [value (None when a function is watched), first argument or "<not called>"], sequences as lists.
_RERUN = """
import ast, importlib, os, sys
paths, module, name, args, watched_file, watched = ast.literal_eval(sys.argv[1])
sys.path[:0] = paths
loaded = importlib.import_module(module)
if not os.path.abspath(loaded.__file__).startswith(paths[0] + os.sep):  # an installed copy, not the workspace's
    raise ModuleNotFoundError('the workspace lacks part of ' + module + ': loaded ' + loaded.__file__)
function = getattr(loaded, name)
seen = []
def profile(frame, event, arg):
    code = frame.f_code
    if event == 'call' and not seen and code.co_filename == watched_file and \\
            '.'.join(p for p in code.co_qualname.split('.') if p != '<locals>') == watched:
        skip = 1 if code.co_varnames[:1] in (('self',), ('cls',)) else 0
        seen.append(frame.f_locals[code.co_varnames[skip]])
sys.setprofile(profile if watched else None)
value = function(*args)
sys.setprofile(None)
def literal(v):
    return list(v) if isinstance(v, (tuple, list)) else v
print(repr([literal(value) if not watched else None, literal(seen[0]) if seen else '<not called>']))
"""

# The interpreter's own answer to a dispatch question: the first class of the __mro__ whose namespace holds the
# member. argv: a literal [paths, module, class name, member].
_MRO = """
import ast, importlib, os, sys
paths, module, name, member = ast.literal_eval(sys.argv[1])
sys.path[:0] = paths
loaded = importlib.import_module(module)
if not os.path.abspath(loaded.__file__).startswith(paths[0] + os.sep):  # an installed copy, not the workspace's
    raise ModuleNotFoundError('the workspace lacks part of ' + module + ': loaded ' + loaded.__file__)
cls = getattr(loaded, name)
owner = next((k for k in cls.__mro__ if member in vars(k)), None)
print(repr(None if owner is None else owner.__module__ + '.' + owner.__qualname__ + '.' + member))
"""


def _fresh(code: str, request: list[Any], folder: Path) -> tuple[bool, Any]:
    """(ran, value) of a probe run by a fresh interpreter in ``folder`` with an empty environment."""
    done = subprocess.run([sys.executable, "-B", "-c", code, repr(request)], capture_output=True, text=True,
                          timeout=120, env={"PATH": os.environ.get("PATH", "")}, cwd=folder)
    if done.returncode != 0:
        return False, ("<run failed>", done.stderr.strip().splitlines()[-1:])
    try:
        return True, ast.literal_eval(done.stdout.strip().splitlines()[-1])
    except (ValueError, SyntaxError, IndexError):
        return False, ("<unreadable>", done.stdout.strip()[-200:])


def _paths(folder: Path) -> list[str]:
    return [str(folder)] + ([str(folder / "src")] if (folder / "src").is_dir() else [])


def _own_nodes(func: ast.AST) -> list[ast.AST]:
    """Nodes of a function's body, not descending into nested functions or classes (the index's own scopes)."""
    out, stack = [], list(ast.iter_child_nodes(func))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return out


def _innermost_def(tree: ast.Module, line: int) -> int | None:
    best = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.end_lineno is not None \
                and node.lineno <= line <= node.end_lineno and (best is None or node.lineno >= best.lineno):
            best = node
    return None if best is None else best.lineno


# ------------------------------------------------------------------------------------------------ ts / go
class EdgeCheck:
    """Call edges (and definition sites) from an external resolver's JSON."""

    def __init__(self, edges: list[dict[str, Any]], defs: dict[str, dict[str, list[Any]]],
                 visible: set[str] | None = None, members: dict[str, dict[str, list[Any]]] | None = None) -> None:
        self.edges = [e for e in edges if visible is None or (e["callee"][0] in visible and
                                                              (not e["caller"] or e["caller"][0] in visible))]
        self.defs = defs
        self.members = members or {}  # TS/JS: "file:line" of a class -> member -> [file, line] its type reaches

    def callees(self, site: Site) -> set[Site]:
        return {tuple(e["callee"]) for e in self.edges if e["caller"] and tuple(e["caller"]) == site}  # type: ignore

    def callers(self, site: Site) -> set[Site]:
        return {tuple(e["caller"]) if e["caller"] else ("<module>", 0) for e in self.edges  # type: ignore
                if tuple(e["callee"]) == site}

    def interface_calls(self, name: str) -> int:
        return sum(1 for e in self.edges if e.get("interface"))


def ts_check(typescript: str, folder: Path) -> EdgeCheck:
    done = subprocess.run(["node", str(HERE / "tscheck.js"), typescript, str(folder)], capture_output=True,
                          text=True, timeout=600, check=True)
    data = json.loads(done.stdout)
    return EdgeCheck(data["edges"], data["exports"], members=data.get("members"))


def go_check(folders: list[Path], visible: dict[str, set[str]]) -> dict[str, EdgeCheck]:
    """go/types over each folder; edges are kept only between files of the task's workspace (``visible``)."""
    env = dict(os.environ, GO111MODULE="off", GOPATH=":".join([*GO_DEPENDENCIES, "/usr/share/gocode"]), GOFLAGS="")
    done = subprocess.run(["go", "run", str(HERE / "gocheck.go"), *map(str, folders)], capture_output=True,
                          text=True, timeout=1800, env=env, check=True, cwd=HERE)
    data = json.loads(done.stdout)
    return {k: EdgeCheck(v["edges"] or [], v["defs"] or {}, visible.get(k)) for k, v in data.items()}


def go_edges(spec: str) -> dict[str, Any]:
    """Every call edge the index resolves in a Go source, checked against ``go/types`` on the whole tree: an edge
    ``go/types`` does not have is a dispute (the index must never resolve a call wrongly); ``missed`` counts the
    ``go/types`` edges (interface calls aside) that the index leaves unresolved. Calls from package-level
    initializers are left out on both sides (``gocheck`` names no caller for them)."""
    tree = load_source(spec)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "tree"
        _write({p: t for p, t in tree.files.items() if p.endswith(".go")}, folder)
        check = go_check([folder], {})[str(folder)]
    theirs = {(e["caller"][0], e["line"], e["callee"][0], e["callee"][1]) for e in check.edges
              if e["caller"] and not e.get("interface")}
    index = CodeIndex.build(tree.files, use_cache=False)
    ours = {(path, line, index.definitions[target].path, index.definitions[target].line)
            for caller in index.calls for target, path, line in index.calls[caller]
            if path.endswith(".go") and target in index.definitions and not caller.endswith("::<module>")}
    disputed = sorted(ours - theirs)
    return {"index_edges": len(ours), "agreed": len(ours) - len(disputed), "disputes": disputed[:8],
            "go_types_edges": len(theirs), "missed": len(theirs - ours)}


# ------------------------------------------------------------------------------------------------ settings, run
GOCODE = Path("/usr/share/gocode/src")


def go_dispatch_check(spec: str) -> dict[str, Any]:
    """Every (struct, method) the Go dispatch rule decides in a tree — asked or not — against the declaration
    ``go/types`` selects (``bench/repo_gold/godispatch.go``, run per package folder); the asked ones counted apart."""
    from locogym.scenarios.repo import go_dispatch

    tree = load_source(spec)
    index = CodeIndex.build(tree.files)
    decided: dict[str, dict[str, str]] = {}
    for qual, d in sorted(index.definitions.items()):
        if d.kind == "type" and go_dispatch.is_go_source(d.path) and "." not in qual.partition("::")[2]:
            for method in sorted(go_dispatch.embedded_method_names(index, tree.files, d.path, d.name)):
                found = go_dispatch.resolve(index, tree.files, qual, method)
                if found is not None and found[0]:
                    decided.setdefault(posixpath.dirname(d.path), {})[f"{d.name}.{method}"] = found[0]
    asked = {(k[1].rpartition("::")[2], k[2]) for k in go_dispatch.dispatch_keys(index, tree.files)}
    rows: dict[str, Any] = {"decided": 0, "agreed": 0, "asked": 0, "asked_agreed": 0, "unchecked": 0,
                            "disputes": [], "reasons": []}
    with tempfile.TemporaryDirectory(prefix="gold-dispatch-") as tmp:
        _write(tree.files, Path(tmp))
        for folder, asks in sorted(decided.items()):
            command = ["go", "run", str(HERE / "godispatch.go"), str(Path(tmp) / folder), *sorted(asks)]
            done = subprocess.run(command, capture_output=True, text=True, timeout=600,
                                  env={**os.environ, "GOFLAGS": "-mod=mod"})
            if done.returncode != 0 or not done.stdout.strip():
                rows["unchecked"] += len(asks)  # go/types could not read the package: neither agreement nor dispute
                rows["reasons"].append([folder, done.stderr.strip()[-300:]])
                continue
            typed = json.loads(done.stdout)
            for ask, qual in sorted(asks.items()):
                where = typed.get(ask)
                d = index.definitions[qual]
                agrees = where is not None and posixpath.join(folder, where[0]) == d.path and where[1] == d.line
                is_asked = tuple(ask.split(".", 1)) in asked
                rows["decided"] += 1
                rows["agreed"] += agrees
                rows["asked"] += is_asked
                rows["asked_agreed"] += agrees and is_asked
                if not agrees:
                    rows["disputes"].append([folder, ask, qual, where])
    return rows


def _gold_test(package: str, calls: list[tuple[int, str, bool]]) -> str:
    """A plain test that prints each call's value with ``%v`` (a value-and-error call: only when the error is nil)."""
    body = []
    for n, source, with_error in calls:
        body.append(f'\t{{ v, err := {source}; if err == nil {{ fmt.Printf("%d\\t%v\\n", {n}, v) }} }}' if with_error
                    else f'\tfmt.Printf("%d\\t%v\\n", {n}, {source})')
    return "\n".join([f"package {package}", "", 'import (\n\t"fmt"\n\t"testing"\n)', "",
                      "func TestGoldValues(t *testing.T) {", *body, "}", ""])


def _printed_equal(printed: str, gold: Any) -> bool:
    if isinstance(gold, bool):
        return printed == str(gold).lower()
    try:
        if isinstance(gold, int):
            return int(printed) == gold  # a uint64 above 2**53 must not go through a float
        if isinstance(gold, float):
            return float(printed) == gold
    except ValueError:
        return False
    return printed == gold


def go_values_check(spec: str) -> dict[str, Any]:
    """Every Go ``return_value`` gold of a tree against the call run again apart from the generator: a plain
    ``go test`` of a test file that prints the value with ``%v`` (no notes, no coverage), inside bubblewrap with
    no network and only the scratch folder writable."""
    from locogym.scenarios.repo import go_calls, questions

    tree = load_source(spec)
    index = CodeIndex.build(tree.files)
    keys = [k for k in questions.question_keys(index, "return_value", files=tree.files) if ".go::" in str(k[1])]
    shapes = go_calls.callable_functions(index, tree.files)
    golds = {i: questions.build(index, k, "literal", tree.files) for i, k in enumerate(keys)}
    by_folder: dict[str, list[tuple[int, str, bool]]] = {}
    for i, key in enumerate(keys):
        func = shapes[key[1]]
        by_folder.setdefault(posixpath.dirname(func.path), []).append((i, go_calls.call_source(func, key[2]),
                                                                        func.with_error))
    rows: dict[str, Any] = {"asked": len(keys), "agreed": 0, "unchecked": 0, "disputes": []}
    with tempfile.TemporaryDirectory(prefix="gold-values-") as tmp:
        _write({p: t for p, t in tree.files.items() if not p.endswith("_test.go")}, Path(tmp))
        for folder, calls in sorted(by_folder.items()):
            package = _go_package(index, folder)
            (Path(tmp) / folder / "zz_gold_test.go").write_text(_gold_test(package, calls), encoding="utf-8")
            printed = _sandboxed_test(tmp, folder, "TestGoldValues")
            for i, _, _ in calls:
                _tally(rows, keys[i], golds[i], printed.get(str(i)))
    return rows


def _tally(rows: dict[str, Any], key: Any, q: Any, printed: str | None) -> None:
    """Count one Go gold against what the separate run printed for it: agreed, unchecked (no question or no
    line printed), or a dispute with both values."""
    if q is None or printed is None:
        rows["unchecked"] += 1
    elif _printed_equal(printed, q.gold):
        rows["agreed"] += 1
    else:
        rows["disputes"].append([list(key), q.gold, printed])


def _go_package(index: CodeIndex, folder: str) -> str:
    """The package name the Go files of ``folder`` declare (build-constrained files aside)."""
    from locogym.scenarios.repo import go_calls

    return next(index.facts[p].package for p in sorted(index.facts) if posixpath.dirname(p) == folder
                and go_calls.is_go_source(p) and not index.facts[p].build_constrained)


def _first_test(package: str, calls: list[tuple[int, str]]) -> str:
    """A test whose calls each recover the panic the target raises on entry, and print the argument it carries."""
    body = []
    for n, source in calls:
        body += ["\tfunc() {", "\t\tdefer func() {",
                 '\t\t\tif s, ok := recover().([]interface{}); ok && len(s) == 2 && s[0] == "gold-first" {',
                 f'\t\t\t\tfmt.Printf("%d\\t%v\\n", {n}, s[1])', "\t\t\t}", "\t\t}()", f"\t\t_ = fmt.Sprint({source})",
                 "\t}()"]
    return "\n".join([f"package {package}", "", 'import (\n\t"fmt"\n\t"testing"\n)', "",
                      "func TestGoldFirst(t *testing.T) {", *body, "}", ""])


def go_arguments_check(spec: str) -> dict[str, Any]:
    """Every Go ``argument`` gold of a tree against another way of reading it: the target function raises a panic
    carrying its first parameter on entry, the test recovers it and prints it (``%v``) — the first call's
    argument, since the panic ends the call there. One build per target, inside bubblewrap as for values."""
    from locogym.scenarios.repo import go_calls, questions

    tree = load_source(spec)
    index = CodeIndex.build(tree.files)
    keys = [k for k in questions.question_keys(index, "argument", files=tree.files) if ".go::" in str(k[1])]
    shapes, every = go_calls.callable_functions(index, tree.files), go_calls.all_functions(index, tree.files)
    rows: dict[str, Any] = {"asked": 0, "agreed": 0, "unchecked": 0, "disputes": []}
    for target in sorted({k[2] for k in keys}):
        mine = [(i, k) for i, k in enumerate(keys) if k[2] == target]
        golds = {i: questions.build(index, k, "literal", tree.files) for i, k in mine}
        entry = every[target]
        files = {p: t for p, t in tree.files.items() if not p.endswith("_test.go")}
        data = files[entry.path].encode("utf-8")
        note = f' panic([]interface{{}}{{"gold-first", {entry.params[0][0]}}});'.encode()
        files[entry.path] = (data[:entry.body_open] + note + data[entry.body_open:]).decode("utf-8")
        by_folder: dict[str, list[tuple[int, str]]] = {}
        for i, k in mine:
            by_folder.setdefault(posixpath.dirname(shapes[k[1]].path), []).append(
                (i, go_calls.call_source(shapes[k[1]], k[3])))
        printed: dict[str, str] = {}
        with tempfile.TemporaryDirectory(prefix="gold-first-") as tmp:
            _write(files, Path(tmp))
            for folder, calls in sorted(by_folder.items()):
                package = _go_package(index, folder)
                (Path(tmp) / folder / "zz_gold_test.go").write_text(_first_test(package, calls), encoding="utf-8")
                printed |= _sandboxed_test(tmp, folder, "TestGoldFirst")
        for i, _ in mine:
            rows["asked"] += 1
            _tally(rows, keys[i], golds[i], printed.get(str(i)))
    return rows


def _sandboxed_test(tmp: str, folder: str, test: str) -> dict[str, str]:
    """``go test -run TEST`` of one package in bubblewrap (no network, only the scratch folder writable): the
    ``N<TAB>value`` lines it printed. A tree without a ``go.mod`` gets one (a module of its own)."""
    if not (Path(tmp) / "go.mod").exists():
        (Path(tmp) / "go.mod").write_text("module gold\n\ngo 1.16\n", encoding="utf-8")
    command = ["bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--tmpfs", "/tmp",
               "--dev", "/dev", "--proc", "/proc", "--bind", tmp, tmp, "--chdir", str(Path(tmp) / folder),
               "env", "HOME=/tmp", "GOCACHE=/tmp/gocache", "GOPROXY=off", "GOFLAGS=-mod=mod", "CGO_ENABLED=0",
               "go", "test", "-tags=purego", "-count=1", "-run", f"^{test}$", "-v", "."]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    return dict(line.split("\t", 1) for line in done.stdout.splitlines() if re.match(r"^\d+\t", line))


def _go_literal(gotype: str, shown: str) -> Any:
    """A ``%#v`` print in Python terms (unsigned integers print in hex, floats without a forced point)."""
    if gotype == "string":
        return ast.literal_eval(shown)
    if gotype == "bool":
        return shown == "true"
    if gotype in {"float64", "float32"}:
        return float(shown)
    return int(shown, 0)


GO_DEPENDENCIES: list[str] = []  # GOPATH folders (``--gopath``) that hold a module's dependencies


def _go_import_path(root: Path, files: dict[str, str]) -> str:
    """Where the tree sits in the GOPATH: its place under the Debian one, else its ``go.mod`` module path (so its
    own packages import each other as they do in module mode), else a made-up path."""
    if GOCODE in root.parents:
        return root.relative_to(GOCODE).as_posix()
    for line in files.get("go.mod", "").splitlines():
        if line.startswith("module "):
            return line.split()[1]
    return f"goldprobe/{root.name}"


def go_values(spec: str, files: dict[str, str], asks: set[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """Each asked package-level value, printed by a program that imports the package (the whole source tree, in
    a GOPATH of its own in front of the Debian one) — so package variables are initialised and ``init`` runs."""
    root = Path(spec).resolve()
    import_path = _go_import_path(root, files)
    index = CodeIndex.build(files, use_cache=False)
    by_folder: dict[str, list[str]] = {}
    for folder, name in sorted(asks):
        by_folder.setdefault(folder, []).append(name)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "src" / import_path
        if root.is_dir():  # from disk: assembly and embedded files too, which the index does not read
            shutil.copytree(root, base, ignore=shutil.ignore_patterns("*_test.go", ".git"))
        else:
            _write({p: t for p, t in files.items() if not p.endswith("_test.go")}, base)
        imports, calls = [], []
        for i, (folder, names) in enumerate(sorted(by_folder.items())):
            package = next(f.package for p, f in index.facts.items() if f.language == "go"
                           and posixpath.dirname(p) == folder and not p.endswith("_test.go"))
            printf = 'goldfmt.Printf("%s\\t%s\\t%T\\t%#v\\n"'
            lines = "".join(f"\t{printf}, {json.dumps(folder)}, {json.dumps(n)}, {n}, {n})\n" for n in names)
            probe = f'package {package}\n\nimport goldfmt "fmt"\n\nfunc GoldProbe() {{\n{lines}}}\n'
            (base / folder / "zz_gold_probe.go").write_text(probe, encoding="utf-8")
            imports.append(f"\tp{i} {json.dumps(posixpath.join(import_path, folder) if folder else import_path)}\n")
            calls.append(f"\tp{i}.GoldProbe()\n")
        main = base / "zz_gold_probe_main"  # inside the tree, so that its internal/ packages may be imported
        main.mkdir(parents=True)
        (main / "main.go").write_text(f"package main\n\nimport (\n{''.join(imports)})\n\nfunc main() {{\n"
                                      f"{''.join(calls)}}}\n", encoding="utf-8")
        env = dict(os.environ, GO111MODULE="off", GOPATH=":".join([tmp, *GO_DEPENDENCIES, str(GOCODE.parent)]),
                   GOFLAGS="")
        done = subprocess.run(["go", "run", "."], capture_output=True, text=True, timeout=600, env=env, cwd=main)
    if done.returncode != 0:
        error = f"<go run failed: {done.stderr.strip().splitlines()[-1:]}>"
        return {ask: error for ask in asks}
    out: dict[tuple[str, str], Any] = {}
    for line in done.stdout.splitlines():
        folder, name, gotype, shown = line.split("\t", 3)
        out[(folder, name)] = _go_literal(gotype, shown)
    return out


def ts_values(typescript: str, files: dict[str, str], asks: set[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """Each asked export value, read from the module loaded in node after a CommonJS transpile of the tree."""
    with tempfile.TemporaryDirectory() as tmp:
        _write(files, Path(tmp) / "src")
        (Path(tmp) / "asks.json").write_text(json.dumps(sorted(asks)), encoding="utf-8")
        done = subprocess.run(["node", str(HERE / "tsvalues.js"), typescript, str(Path(tmp) / "src"),
                               str(Path(tmp) / "out"), str(Path(tmp) / "asks.json")], capture_output=True,
                              text=True, timeout=600)
    if done.returncode != 0:
        return {ask: f"<node failed: {done.stderr.strip().splitlines()[-1:]}>" for ask in asks}
    data = json.loads(done.stdout)
    out: dict[tuple[str, str], Any] = {}
    for key, answer in data.items():
        module, _, name = key.partition("\0")
        out[(module, name)] = answer["value"] if "value" in answer else f"<{answer['error']}>"
    return out


def ts_call_values(typescript: str, files: dict[str, str], asks: set[tuple[Any, ...]]) -> dict[tuple[Any, ...], Any]:
    """Each asked TS/JS call's value, made again on a plain CommonJS transpile of the whole tree (no probes), in
    the same sandbox as the generator's runs (bubblewrap: no network, nothing written outside a scratch folder).
    An ask ``(file, name, args, (path, line))`` watches instead the function at that first line: its first
    argument the first time it is entered, noted by one statement inserted in it alone."""
    from locogym.scenarios.repo import ts_node

    calls = sorted(asks, key=repr)
    with tempfile.TemporaryDirectory(prefix="locogym-gold-") as tmp:
        _write({p: t for p, t in files.items() if p.endswith(ts_node.SOURCE_SUFFIXES)}, Path(tmp) / "src")
        (Path(tmp) / "calls.json").write_text(json.dumps([[a[0], a[1], list(a[2]), *(
            [list(a[3])] if len(a) > 3 else [])] for a in calls]), encoding="utf-8")
        shutil.copy(HERE / "tscalls.js", Path(tmp) / "tscalls.js")
        node = shutil.which("node") or "node"
        argv = [*ts_node.sandbox_argv(node, Path(typescript).resolve(), tmp), node, "/scratch/tscalls.js",
                "/opt/typescript", "/scratch/src", "/scratch/out", "/scratch/calls.json"]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=600, env={})
    if done.returncode != 0:
        return {ask: f"<node failed: {done.stderr.strip().splitlines()[-1:]}>" for ask in calls}
    return {ask: answer.get("value", f"<{answer.get('error')}>")
            for ask, answer in zip(calls, json.loads(done.stdout), strict=True)}


def ts_dispatch_keys(spec: str, typescript: str) -> dict[str, Any]:
    """Every dispatch key of a whole TS/JS tree (node-confirmed as the generator keeps them), its gold against
    the declaration the TypeScript checker's declared type of the class has for the member."""
    from locogym.scenarios.repo import ts_dispatch

    files = load_source(spec).files
    index = CodeIndex.build(files, use_cache=False)
    keys = ts_dispatch.dispatch_keys(index, files)
    with tempfile.TemporaryDirectory() as tmp:
        _write(files, Path(tmp))
        checker = ts_check(typescript, Path(tmp))
    disputes = []
    for _, cls, member in keys:
        gold = ts_dispatch.resolve(index, cls, member, files)
        other = _ts_dispatch_answer(cls, member, index, checker, [])
        if other != gold:
            disputes.append({"key": [cls, member], "gold": gold, "independent": other})
    return {"asked": len(keys), "agreed": len(keys) - len(disputes), "disputes": disputes[:5]}


def all_settings(spec: str, files: dict[str, str], language: str, typescript: str) -> dict[str, Any]:
    """Every setting key of the whole tree (not only those the seeds draw), its gold answer against the value the
    running package has."""
    index = CodeIndex.build(files, use_cache=False)
    golds = {}
    for key in setting_keys(index):
        q = build_question(index, key, "literal", files)
        if q is not None:
            golds[(key[1], key[2])] = q.gold
    if language == "go":
        values = go_values(spec, files, set(golds))
    elif language in {"javascript", "typescript"}:
        values = ts_values(typescript, files, set(golds))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            _write(files, Path(tmp))
            check = PythonCheck(Path(tmp), files)
            values = {ask: check.setting(*ask) for ask in golds}
    disputes = [{"key": list(k), "gold": g, "independent": values.get(k)} for k, g in sorted(golds.items())
                if not (type(g) is type(values.get(k)) and g == values.get(k))]
    return {"asked": len(golds), "agreed": len(golds) - len(disputes), "disputes": disputes[:5]}


# ------------------------------------------------------------------------------------------------ comparison
def independent_answer(task: Task, index: CodeIndex, checker: Any, values: dict[tuple[str, str], Any],
                       visited: list[Site] | None = None) -> Any:
    """The task's answer as the independent resolver sees it, in the gold answer's terms. The definition sites
    the resolver's answer rests on are appended to ``visited`` (what the agent must be able to read)."""
    seen: list[Site] = [] if visited is None else visited
    kind = task.meta["question_kind"]
    key = task.meta["question_key"]
    lang = task.meta["language"]
    if kind == "definition":
        _, module, name = key
        if lang == "python":
            sites = checker.definition(module, name)
            seen.extend(sorted(sites))
            paths = {p for p, _ in sites}
            return paths.pop() if len(paths) == 1 else sorted(paths)
        site = checker.defs.get(module if lang == "go" else index.modules.get(module, module), {}).get(name)
        if site:
            seen.append((site[0], site[1]))
        return site[0] if site else None
    if kind == "call_chain":
        _, start, hops = key
        site = _site(index, start)
        seen.append(site)
        for _ in range(hops):
            nxt = {s for s in checker.callees(site) if s != site}
            if len(nxt) != 1:
                return sorted(nxt)
            site = nxt.pop()
            seen.append(site)
        by_site = {_site(index, q): q for q in index.definitions}
        return by_site.get(site, site)
    if kind == "callers":
        _, qual = key
        site = _site(index, qual)
        found = checker.callers(site, index.definitions[qual].name) if lang == "python" else checker.callers(site)
        seen.extend([site, *sorted(s for s in found if s != site)])
        by_site = {_site(index, q): q for q in index.definitions}
        return sorted(by_site.get(s, f"{s[0]}:{s[1]}") for s in found if s != site)
    if kind == "setting":
        _, module, name = key
        if lang == "python":
            return checker.setting(module, name)
        return values.get((module, name), "<not run>")
    if kind == "impact":
        return _impact_answer(key[1], index, checker, lang, seen)
    if kind == "dispatch" and lang in {"javascript", "typescript"}:
        return _ts_dispatch_answer(key[1], key[2], index, checker, seen)
    if kind == "return_value" and lang in {"javascript", "typescript"}:
        d = index.definitions[key[1]]
        return values.get((d.path, d.name, tuple(key[2])), "<not run>")
    if kind == "argument" and lang in {"javascript", "typescript"}:
        return values.get(_ts_argument_ask(index, key), "<not run>")
    if kind in {"return_value", "argument"} and lang == "python":
        return _run_answer(key, index, checker)
    if kind == "dispatch" and lang == "python":
        return _dispatch_answer(key, index, checker, seen)
    return None


def _ts_dispatch_answer(cls: str, member: str, index: CodeIndex, checker: Any, seen: list[Site]) -> Any:
    """The declaration the TypeScript checker's declared type of the class has for the member, named as the
    index names it (``path:line`` when it names none)."""
    site = _site(index, cls)
    found = checker.members.get(f"{site[0]}:{site[1]}", {}).get(member)
    if found is None:
        return None
    seen.extend([site, (found[0], found[1])])
    by_site = {_site(index, q): q for q in index.definitions}
    return by_site.get((found[0], found[1]), f"{found[0]}:{found[1]}")


def _module_of(index: CodeIndex, qual: str) -> str:
    path = index.definitions[qual].path
    return next(m for m, p in sorted(index.modules.items()) if p == path)


def _run_answer(key: list[Any], index: CodeIndex, checker: PythonCheck) -> Any:
    """The call of a ``return_value``/``argument`` question made again (see :meth:`PythonCheck.rerun`): its
    value, or the watched function's first argument. A generated project's key carries one integer."""
    start, args = key[1], key[-1]
    args = tuple(args) if isinstance(args, (list, tuple)) else (args,)
    watched = None
    if key[0] == "argument":
        target = key[2]
        module = _module_of(index, target)
        watched = (index.definitions[target].path, target[len(module) + 1:])
    found = checker.rerun(_module_of(index, start), index.definitions[start].name, args, watched)
    if not isinstance(found, list) or len(found) != 2:
        return found  # the run failed: a dispute to look at
    answer = found[1] if key[0] == "argument" else found[0]
    return list(answer) if isinstance(answer, tuple) else answer


def _dispatch_answer(key: list[Any], index: CodeIndex, checker: PythonCheck, seen: list[Site]) -> Any:
    """The definition ``Sub().m`` reaches as jedi infers it and as the interpreter's ``__mro__`` finds it; the
    qualified name when both agree (the interpreter's alone when jedi finds nothing), else both."""
    _, cls, member = key
    module = _module_of(index, cls)
    name = index.definitions[cls].name
    by_site = {_site(index, q): q for q in index.definitions}
    sites = checker.dispatched(module, name, member)
    seen.extend(sorted(sites))
    inferred = sorted(by_site.get(s, f"{s[0]}:{s[1]}") for s in sites)
    owner = checker.mro_owner(module, name, member)
    if inferred and inferred != [owner]:
        return {"jedi": inferred, "mro": owner}
    return owner


def _impact_answer(qual: str, index: CodeIndex, checker: Any, lang: str, seen: list[Site]) -> list[str]:
    """Every definition the resolver finds reaching ``qual`` through its callers, transitively; the public
    ones named as the gold names them (the public rule reads names, not calls), the unnamed as
    ``path:line``."""
    by_site = {_site(index, q): q for q in index.definitions}
    start = _site(index, qual)
    found: set[Site] = set()
    todo = [start]
    while todo:
        site = todo.pop()
        name = index.definitions[by_site[site]].name if site in by_site else ""
        for caller in checker.callers(site, name) if lang == "python" else checker.callers(site):
            if caller != start and caller not in found:
                found.add(caller)
                todo.append(caller)
    seen.extend([start, *sorted(found)])
    named = [by_site.get(s) for s in found]
    public = [q for q in named if q is not None and reasoning.is_public(index, q)]
    return sorted(public + [f"{s[0]}:{s[1]}" for s, q in zip(found, named, strict=True) if q is None])


def _agrees(task: Task, other: Any) -> bool:
    gold = task.gold["answer"]
    if task.meta["question_kind"] in {"return_value", "argument"} and task.meta["language"] == "python":
        return type(gold) is type(other) and repr(gold) == repr(other)  # 1 is not 1.0, nor True
    if task.meta["question_kind"] in {"callers", "impact"}:
        return sorted(gold) == other
    if task.meta["question_kind"] == "setting":
        return type(gold) is type(other) and gold == other
    return gold == other


def tasks_for(spec: str, seeds: int, kind_seeds: int, lengths: list[int], size: int,
              kinds: tuple[str, ...] = QUESTION_KINDS) -> tuple[list[Task], list[dict[str, Any]], dict[str, Any]]:
    tasks, failures = [], []
    asked: dict[str, Any] = {}
    for length in lengths:
        if size < length * 0.95:
            asked[f"*@{length}"] = f"source has {size:,} tokens: too small for this length"
            continue
        for kind in (None, *kinds):
            for seed in range(seeds if kind is None else kind_seeds):
                params: dict[str, Any] = {"source": spec}
                if kind:
                    params["question"] = kind
                config = ScenarioConfig(family="repo", seed=seed, length=length, task="qa", params=params)
                try:
                    tasks.append(generate_qa(config))
                except ConfigError as exc:
                    if kind is None:
                        failures.append({"seed": seed, "length": length, "error": str(exc)[:300]})
                    else:
                        asked.setdefault(f"{kind}@{length}", str(exc)[:200])
                        break  # the kind cannot be asked at this length: no other seed will
    return tasks, failures, asked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sources", nargs="+")
    parser.add_argument("--seeds", type=int, default=20, help="seeds with no kind named (reset must succeed)")
    parser.add_argument("--kind-seeds", type=int, default=5, help="seeds per named kind")
    parser.add_argument("--lengths", default="8k,32k")
    parser.add_argument("--typescript", default="", help="the typescript package folder (for TS/JS sources)")
    parser.add_argument("--gopath", action="append", default=[],
                        help="a GOPATH folder holding Go dependencies (src/<import path>/...) that settings need")
    parser.add_argument("--go-edges", action="store_true",
                        help="only check every call edge the index resolves in each Go source against go/types")
    parser.add_argument("--go-dispatch", action="store_true",
                        help="only check every Go dispatch the index decides through embedded fields against go/types")
    parser.add_argument("--go-values", action="store_true",
                        help="only check every Go return_value gold of each source by running the calls again, apart")
    parser.add_argument("--go-arguments", action="store_true",
                        help="only check every Go argument gold of each source: the target panics on entry, apart")
    parser.add_argument("--ts-dispatch", action="store_true",
                        help="only check every TS/JS dispatch key of each whole source against the type checker")
    parser.add_argument("--all-settings", action="store_true",
                        help="also check every setting the whole source tree can ask about, not only the sampled")
    parser.add_argument("--kinds", default=",".join(QUESTION_KINDS), help="the kinds named in turn")
    args = parser.parse_args()
    GO_DEPENDENCIES.extend(str(Path(p).resolve()) for p in args.gopath)
    lengths = [int(x[:-1]) * 1024 if x.endswith("k") else int(x) for x in args.lengths.split(",")]
    whole_tree_checks: dict[str, Callable[[str], Any]] = {
        "go_edges": go_edges, "go_dispatch": go_dispatch_check, "go_arguments": go_arguments_check,
        "go_values": go_values_check, "ts_dispatch": lambda spec: ts_dispatch_keys(spec, args.typescript)}
    for flag, check in whole_tree_checks.items():
        if getattr(args, flag):  # a check of every key of each tree, instead of the tasks' gold
            print(json.dumps({spec: check(spec) for spec in args.sources}, indent=1))
            return
    report: dict[str, Any] = {"sources": {}, "by_language": {}}
    for spec in args.sources:
        tree = load_source(spec)
        size = sum(workset.file_tokens(tree.files).values())
        tasks, failures, unaskable = tasks_for(spec, args.seeds, args.kind_seeds, lengths, size,
                                               tuple(k for k in args.kinds.split(",") if k))
        unique = {t.task_id: t for t in tasks}  # a task asked with and without its kind named is checked once
        results = _check(list(unique.values()), tree.language, args.typescript, tree.files, spec)
        report["sources"][tree.name] = {"language": tree.language, "tokens": size, "resets": args.seeds * sum(
                                            size >= n * 0.95 for n in lengths), "reset_failures": failures,
                                        "not_askable": unaskable, **_summary(results)}
        if args.all_settings:
            report["sources"][tree.name]["all_settings"] = all_settings(spec, tree.files, tree.language,
                                                                         args.typescript)
        lang = report["by_language"].setdefault(tree.language, {})
        for row in results:
            cell = lang.setdefault(row["kind"], {"asked": 0, "agreed": 0})
            cell["asked"] += 1
            cell["agreed"] += row["agrees"]
        print(json.dumps({tree.name: report["sources"][tree.name]}, default=str), file=sys.stderr)
    print(json.dumps(report, indent=1, default=str))


def _summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for row in results:
        cell = out.setdefault(row["kind"], {"asked": 0, "agreed": 0, "excerpted": 0, "disputes": []})
        cell["asked"] += 1
        cell["agreed"] += row["agrees"]
        cell["excerpted"] += bool(row["excerpted"])
        if not row["agrees"] and len(cell["disputes"]) < 5:
            cell["disputes"].append({k: row[k] for k in ("key", "gold", "independent")})
    return out


def _checker(language: str, folder: Path, files: dict[str, str], go: dict[str, EdgeCheck], typescript: str) -> Any:
    if language == "python":
        return PythonCheck(folder, files, folder.parent / "full")
    if language == "go":
        return go[str(folder)]
    return ts_check(typescript, folder)


def _check(tasks: list[Task], language: str, typescript: str, tree_files: dict[str, str],
           spec: str) -> list[dict[str, Any]]:
    rows = []
    # Go and JS/TS settings are run on the whole source tree: a value the workspace shows must be the value the
    # real package has (an override in a file the workspace left out would show up here)
    asks = {(t.meta["question_key"][1], t.meta["question_key"][2]) for t in tasks
            if t.meta["question_kind"] == "setting"}
    values: dict[tuple[str, str], Any] = {}
    if asks and language == "go":
        values = go_values(spec, tree_files, asks)
    elif asks and language in {"javascript", "typescript"}:
        values = ts_values(typescript, tree_files, asks)
    if language in {"javascript", "typescript"}:
        values.update(_ts_value_asks(typescript, tree_files, tasks))
    with tempfile.TemporaryDirectory() as tmp:
        folders = []
        visible: dict[str, set[str]] = {}
        if language == "python":
            _write(tree_files, Path(tmp) / "full")
        views = []
        for i, task in enumerate(tasks):
            folder = Path(tmp) / f"t{i}"
            ws = task.workspace or {}
            files, cut = _whole_view(ws, tree_files)
            views.append((files, cut))
            _write(files, folder)
            if language == "go":
                # the rest of each package, so that go/types knows every receiver's type; only calls between
                # workspace files are compared (the others do not exist for the agent)
                dirs = {posixpath.dirname(p) for p in ws if p.endswith(".go")}
                _write({p: t for p, t in tree_files.items() if p.endswith(".go") and p not in ws
                        and posixpath.dirname(p) in dirs}, folder)
                visible[str(folder)] = set(ws)
            folders.append(folder)
        go = go_check(folders, visible) if language == "go" and folders else {}
        for task, folder, (files, cut) in zip(tasks, folders, views, strict=True):
            index = CodeIndex.build(files, use_cache=False)
            visited: list[Site] = []
            try:
                other = independent_answer(task, index, _checker(language, folder, files, go, typescript), values,
                                           visited)
            except Exception as exc:  # a resolver crash is a dispute to look at, not a silent pass
                other = f"<checker error: {type(exc).__name__}: {exc}>"
            unseen = _cut_from_excerpt(visited, index, files, task.workspace or {}, cut)
            if unseen:  # right on the whole tree, but the agent cannot read why
                other = {"answer": other, "not_in_excerpt": unseen}
            rows.append({"kind": task.meta["question_kind"], "key": task.meta["question_key"],
                         "gold": task.gold["answer"], "independent": other, "excerpted": cut,
                         "agrees": not unseen and _agrees(task, other)})
    return rows


def _ts_value_asks(typescript: str, tree_files: dict[str, str], tasks: list[Task]) -> dict[Any, Any]:
    """The TS/JS ``return_value`` and ``argument`` calls the tasks ask, each made again on the whole tree."""
    index = CodeIndex.build(tree_files)
    calls: set[tuple[Any, ...]] = {
        (index.definitions[k[1]].path, index.definitions[k[1]].name, tuple(k[2]))
        for t in tasks if t.meta["question_kind"] == "return_value" for k in [t.meta["question_key"]]}
    calls |= {_ts_argument_ask(index, t.meta["question_key"]) for t in tasks
              if t.meta["question_kind"] == "argument"}
    return dict(ts_call_values(typescript, tree_files, calls)) if calls else {}


def _ts_argument_ask(index: CodeIndex, key: list[Any]) -> tuple[Any, ...]:
    """An ``argument`` key as a call to make again, watching its target (its file and first line)."""
    start, target = index.definitions[key[1]], index.definitions[key[2]]
    return start.path, start.name, tuple(key[3]), (target.path, target.line)


def _whole_view(workspace: dict[str, str], tree_files: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The workspace's files as the whole source tree has them, and the paths the workspace cut to an excerpt.

    The generator resolves on whole files and only shows an excerpt; a resolver cannot type-check an excerpt
    (its calls into the left-out definitions do not resolve), so excerpted files are checked whole."""
    cut = sorted(p for p, text in workspace.items() if p in tree_files and tree_files[p] != text)
    return {p: tree_files[p] if p in cut else text for p, text in workspace.items()}, cut


def _cut_from_excerpt(sites: list[Site], index: CodeIndex, whole: dict[str, str], workspace: dict[str, str],
                      cut: list[str]) -> list[str]:
    """The definitions the independent answer rests on (``sites``, in whole-file lines) that an excerpted file
    of the workspace does not show verbatim: the agent could not find the answer there."""
    by_site = {_site(index, q): q for q in index.definitions}
    missing = []
    for path, line in sites:
        if path not in cut:
            continue
        start, end = _needed_lines(index, by_site.get((path, line)), line)
        block = "".join(whole[path].splitlines(keepends=True)[start - 1:end])
        if block not in workspace[path]:
            missing.append(f"{path}:{start}-{end}")
    return missing


def _needed_lines(index: CodeIndex, qual: str | None, line: int) -> tuple[int, int]:
    """The lines of a definition an answer rests on: all of it; for a TS/JS class, its header (where ``extends``
    is), since an excerpt may cut the methods a question does not need and the answer's method is a site of
    its own."""
    from locogym.scenarios.repo import ts_node

    if qual is None:
        return line, line
    d = index.definitions[qual]
    if d.kind == "class" and d.path.endswith(ts_node.SOURCE_SUFFIXES):
        return d.line, d.line
    return d.line, d.end_line


if __name__ == "__main__":
    main()
