"""Mutation bench: would the test suite notice a bug in the code that decides scores?

Each mutant is one small, plausible grader bug written into a copy of the project: a comparison flipped
(``<`` and ``<=``, ``==`` and ``!=``, ``in`` and ``not in``), a branch dropped (an ``if``, a conditional
expression or a comprehension filter forced one way), an off-by-one (an integer constant one up, or one down
when it is positive), a constant changed (``True``/``False``, a float halved or ``0.0``/``1.0`` swapped, one
name dropped from a set of outcomes such as ``{"tests_failed", "tests_timeout"}``), ``and``/``or`` swapped, a
``not`` removed, or ``min`` and ``max`` swapped. The mutant is *killed* when a test that runs the mutated line
fails, *timeout* when those tests run past their time limit (counted as caught), and *survived* when they all
pass or no test runs the line.

Which tests run the line comes from one coverage run of the tier with a context per test (cached by the
content of the package and the tests), so each mutant runs only those tests (the fastest first, stopping at
the first failure). One pytest process collects those tests once; each mutant runs in a forked child of it
that swaps the mutated function's code in place. A mutant that runs at import time (a module constant, a
default argument, a class body) runs in a fresh interpreter instead. Every run works in its own copy of the
project: the working tree is never written to.

Prints one JSON document: totals, the kill rate (killed and timed-out over all mutants), and per module the
counts and each survivor (line, mutation, the original line of code).

Usage::

    python bench/mutants.py [--modules PATH_OR_GLOB ...] [--limit N] [--tier quick|both] [--jobs 2]
                            [--tests PATH ...] [--list]

``--modules`` defaults to every module that decides a score (patch verdicts, integrity, the sealed run,
review matching, FuncCall grading, answers and ComplexEval rules, ``locogym/scoring``, the report's summary,
the re-scoring and seal checks). ``--limit`` keeps N mutants evenly spread over the deterministic list.
``--tests`` narrows the coverage run to some test folders (faster, but a mutant that only other tests would
catch survives).
"""

from __future__ import annotations

import argparse
import ast
import copy
import gc
import glob
import hashlib
import importlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODULES = [
    "locogym/scenarios/defects/verdict.py",
    "locogym/scenarios/defects/integrity.py",
    "locogym/scenarios/defects/grading.py",
    "locogym/scenarios/defects/sealed.py",
    "locogym/scenarios/defects/protect.py",
    "locogym/scenarios/defects/review_grading.py",
    "locogym/scenarios/funccall/grading.py",
    "locogym/scenarios/funccall/answers.py",
    "locogym/scenarios/funccall/complexeval.py",
    "locogym/scoring/*.py",
    "locogym/harness/report/summary.py",
    "locogym/harness/rescore.py",
    "locogym/harness/seal.py",
]
# The test folders that exercise each module (the first prefix that matches): the coverage run of a folder
# records only the modules mapped to it, and a mutant runs only the tests of its own module's folders.
# ``--tests`` replaces the map with one set of folders for every module.
DEFAULT_TESTS: list[tuple[str, tuple[str, ...]]] = [
    ("locogym/scenarios/defects/", ("tests/patch",)),
    ("locogym/scenarios/funccall/", ("tests/funccall",)),
    ("locogym/scoring/ranking.py", ("tests/scoring", "tests/wiki")),  # the retrieval track tests it
    ("locogym/scoring/", ("tests/scoring",)),
    ("locogym/harness/", ("tests/harness",)),
]
EQUIVALENT_FILE = Path(__file__).resolve().with_name("mutants_equivalent.json")
MIN_QUOTED_SAMPLE = 400  # below this a sampled kill rate is too loose to quote (the report says so)
WILSON_Z90 = 1.6448536269514722  # the two-sided 90% normal quantile
TIER_MARKERS = {"quick": "not slow", "both": "slow or not slow"}
MIN_TIMEOUT_S = 30.0
TIMEOUT_FACTOR = 3.0
START_COST_S = 8.0  # a child's own start: collecting the test files (a fresh interpreter: importing too)
# A mutant runs the tests that ran its line, fastest first, and past the first only while their measured times
# add up to at most this many seconds (--budget). No count caps them: under a cap, every fast test added to a
# folder would push a slower killer out of reach. A mutant that only slower tests would catch counts as
# survived, so a kill rate is a floor, never inflated.
TEST_BUDGET_S = 20.0
COLD = 99  # a forked child's exit code for "the mutant cannot be swapped in place: start a fresh interpreter"


# --------------------------------------------------------------------------------------------------- mutants


@dataclass(frozen=True)
class Mutant:
    """One edit of one module: the span ``(line, col)``-``(end_line, end_col)`` becomes ``replacement``.

    ``stmt_line`` is the first line of the statement holding the span (coverage reports statements there);
    ``import_time`` says the span runs when the module is imported (a module constant, a default argument), so
    every test that uses the module may see it. ``function`` is the qualified name of the outermost function
    holding the span ("" at import time): a running process takes the mutant by swapping that function's code.
    """

    module: str
    line: int
    col: int
    end_line: int
    end_col: int
    stmt_line: int
    import_time: bool
    function: str
    mutation: str
    replacement: str

    @property
    def key(self) -> str:
        return f"{self.module}:{self.line}:{self.col}:{self.mutation}"


SWAPPED_COMPARISONS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
COMPARISON_TEXT = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
                   ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}


def _text(node: ast.AST) -> str:
    return f"({ast.unparse(node)})"


def _short(node: ast.AST, width: int = 40) -> str:
    text = ast.unparse(node).replace("\n", " ")
    return text if len(text) <= width else text[: width - 3] + "..."


class _Finder(ast.NodeVisitor):
    """Walks one module and lists the mutants of its expressions, in source order."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.found: list[Mutant] = []
        self._stmt_line = 0
        self._depth = 0  # functions around the node being visited
        self._classes: list[str] = []
        self._function = ""

    def _add(self, node: ast.AST, mutation: str, replacement: str) -> None:
        self.found.append(Mutant(self.module, node.lineno, node.col_offset, node.end_lineno or node.lineno,
                                 node.end_col_offset or 0, self._stmt_line, self._depth == 0, self._function,
                                 mutation, replacement))

    # never mutated: docstrings, error messages, type-only code, annotations, f-strings
    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.stmt):
            self._stmt_line = node.lineno
        super().generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> None:
        if not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            self.generic_visit(node)

    def visit_Raise(self, node: ast.Raise) -> None:
        return None

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        return None

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._stmt_line = node.lineno
        if node.value is not None:
            self.visit(node.value)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._stmt_line = node.lineno
        for default in [*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]]:
            self.visit(default)
        if self._depth == 0:
            self._function = ".".join([*self._classes, node.name])
        self._depth += 1
        for stmt in node.body:
            self.visit(stmt)
        self._depth -= 1
        if self._depth == 0:
            self._function = ""

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._classes.append(node.name)
        for stmt in node.body:
            self.visit(stmt)
        self._classes.pop()

    def visit_If(self, node: ast.If) -> None:
        self._stmt_line = node.lineno
        if _type_only(node.test):
            return
        self._add(node.test, "drop the if-branch", "(False)")
        if node.orelse:
            self._add(node.test, "drop the else-branch", "(True)")
        self.generic_visit(node)

    # expressions
    def visit_IfExp(self, node: ast.IfExp) -> None:
        self._add(node.test, "conditional always takes its else", "(False)")
        self._add(node.test, "conditional always takes its if", "(True)")
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        for cond in node.ifs:
            self._add(cond, f"drop the filter `{_short(cond)}`", "(True)")
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        for i, op in enumerate(node.ops):
            swapped = SWAPPED_COMPARISONS.get(type(op))
            if swapped is None:
                continue
            mutated = copy.deepcopy(node)
            mutated.ops[i] = swapped()
            self._add(node, f"{COMPARISON_TEXT[type(op)]} -> {COMPARISON_TEXT[swapped]}", _text(mutated))
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        mutated = ast.BoolOp(op=other, values=node.values)
        self._add(node, "and -> or" if isinstance(node.op, ast.And) else "or -> and", _text(mutated))
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self._add(node, f"drop `not` of `{_short(node.operand)}`", _text(node.operand))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in ("min", "max"):
            other = "max" if node.func.id == "min" else "min"
            self._add(node.func, f"{node.func.id} -> {other}", other)
        self.generic_visit(node)

    def _visit_collection(self, node: ast.Set | ast.Tuple | ast.List) -> None:
        names = [e for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if 2 <= len(names) == len(node.elts) <= 12:
            for i, dropped in enumerate(node.elts):
                kept = [e for j, e in enumerate(node.elts) if j != i]
                mutated = type(node)(elts=kept)
                lone = isinstance(node, ast.Tuple) and len(kept) == 1
                text = f"({ast.unparse(kept[0])},)" if lone else _text(mutated)
                self._add(node, f"drop {dropped.value!r} from the collection", text)  # type: ignore[attr-defined]
        self.generic_visit(node)

    visit_Set = visit_Tuple = visit_List = _visit_collection

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool):
            self._add(node, f"{value} -> {not value}", str(not value))
        elif isinstance(value, int):
            self._add(node, f"{value} -> {value + 1}", f"({value + 1})")
            if value > 0:  # 0 -> -1 mostly duplicates 0 -> 1 (an index, a count, a default)
                self._add(node, f"{value} -> {value - 1}", f"({value - 1})")
        elif isinstance(value, float):
            changed = {0.0: 1.0, 1.0: 0.0}.get(value, value / 2)
            self._add(node, f"{value!r} -> {changed!r}", f"({changed!r})")


def _type_only(test: ast.expr) -> bool:
    """``if TYPE_CHECKING:`` and ``if __name__ == "__main__":`` hold no grading logic."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__")


def apply(source: bytes, mutant: Mutant) -> bytes:
    """The module's source with the mutant's span replaced (AST offsets count UTF-8 bytes)."""
    lines = source.splitlines(keepends=True)
    start = sum(len(line) for line in lines[: mutant.line - 1]) + mutant.col
    end = sum(len(line) for line in lines[: mutant.end_line - 1]) + mutant.end_col
    return source[:start] + mutant.replacement.encode() + source[end:]


def mutants_of(root: Path, module: str) -> list[Mutant]:
    """The module's mutants in source order, each checked to compile and to change the module's AST."""
    source = (root / module).read_bytes()
    tree = ast.parse(source)
    finder = _Finder(module)
    finder.visit(tree)
    original = ast.dump(tree)
    kept = []
    for mutant in sorted(finder.found, key=lambda m: (m.line, m.col, m.end_line, m.end_col, m.mutation)):
        try:
            changed = ast.dump(ast.parse(apply(source, mutant))) != original
        except SyntaxError:
            continue
        if changed:
            kept.append(mutant)
    return kept


def cached_mutants(root: Path, module: str, cache_dir: Path) -> list[Mutant]:
    """``mutants_of``, kept by the content of the module and of this bench: checking that every mutant compiles
    and changes the syntax tree costs about 15 ms a mutant, half a minute for the default modules."""
    digest = hashlib.sha256((root / module).read_bytes() + b"\0" + Path(__file__).read_bytes()).hexdigest()[:24]
    cached = cache_dir / "lists" / f"{digest}.json"
    if cached.exists():
        return [Mutant(**row) for row in json.loads(cached.read_text())]
    found = mutants_of(root, module)
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp")
    tmp.write_text(json.dumps([asdict(m) for m in found]))
    tmp.replace(cached)
    return found


def resolve_modules(root: Path, patterns: list[str]) -> list[str]:
    """Project-relative paths of files, folders (their ``*.py``) and globs; one matching none is an error."""
    found: list[str] = []
    for pattern in patterns:
        target = root / pattern
        if target.is_dir():
            matches = sorted(target.glob("**/*.py"))
        else:
            matches = sorted(Path(p) for p in glob.glob(str(target)))
        matches = [m for m in matches if m.suffix == ".py" and m.name != "__init__.py" or m == target]
        if not matches:
            raise SystemExit(f"--modules {pattern!r} matches no Python file under the project; give a path "
                             "such as locogym/scoring/stopping.py or a glob such as 'locogym/scoring/*.py'.")
        found.extend(str(m.relative_to(root)) for m in matches)
    return list(dict.fromkeys(found))


def folders_of(module: str, override: list[str] | None) -> tuple[str, ...]:
    """The test folders whose tests may catch a bug in ``module``: ``--tests`` when given, else the map's
    first matching prefix, else the whole suite (slow, but no module goes untested)."""
    if override:
        return tuple(override)
    for prefix, folders in DEFAULT_TESTS:
        if module.startswith(prefix):
            return folders
    return ("tests",)


def coverage_units(modules: list[str], override: list[str] | None) -> dict[tuple[str, ...], list[str]]:
    """One coverage run per unit of test paths, each recording only the modules mapped to it. Without
    ``--tests`` a unit is one folder, so a folder that serves several modules runs once."""
    units: dict[tuple[str, ...], list[str]] = {}
    for module in modules:
        folders = folders_of(module, override)
        for unit in [folders] if override else [(folder,) for folder in folders]:
            units.setdefault(unit, []).append(module)
    return units


def sample(items: list[Mutant], size: int, seed: int) -> list[Mutant]:
    """A uniform random sample of ``size`` mutants (the same for the same seed and mutant list), in list order."""
    if size >= len(items):
        return items
    chosen = set(random.Random(seed).sample(range(len(items)), size))
    return [m for i, m in enumerate(items) if i in chosen]


def wilson(caught: int, total: int, z: float = WILSON_Z90) -> tuple[float, float]:
    """The Wilson score interval of a kill rate: unlike the normal approximation it stays inside [0, 1] and
    keeps its coverage near rates of 0 or 1, where mutation figures live."""
    if total == 0:
        return (0.0, 1.0)
    rate = caught / total
    denominator = 1 + z * z / total
    centre = (rate + z * z / (2 * total)) / denominator
    half = z * ((rate * (1 - rate) / total + z * z / (4 * total * total)) ** 0.5) / denominator
    return (round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


def spread(items: list[Mutant], limit: int | None) -> list[Mutant]:
    """At most ``limit`` mutants, evenly spaced over the list (the same ones on every run)."""
    if limit is None or limit >= len(items):
        return items
    return [items[i * len(items) // limit] for i in range(limit)]


# --------------------------------------------------------------------------------------- copies and children


def project_files(root: Path) -> list[str]:
    """Tracked and untracked-but-not-ignored files: what a fresh clone with the current edits would hold."""
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=root, capture_output=True,
                         text=True, check=True).stdout
    return [f for f in out.splitlines() if (root / f).is_file()]


def make_copy(root: Path, files: list[str], dest: Path) -> Path:
    for name in files:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    return dest


def content_key(root: Path, files: list[str], unit: tuple[str, ...], *parts: str) -> str:
    """The key of one unit's coverage map: the package, the project's settings, the test helpers (any file
    under ``tests/`` not named ``test_*``) and the unit's own test files. A test added in one folder leaves the
    other folders' maps valid."""
    digest = hashlib.sha256("\0".join([*unit, *parts]).encode())
    for name in files:
        test_file = name.startswith("tests/") and Path(name).name.startswith("test_")
        in_unit = any(name == path or name.startswith(path.rstrip("/") + "/") for path in unit)
        if name.startswith("locogym/") or name == "pyproject.toml" or (name.startswith("tests/") and
                                                                       (not test_file or in_unit)):
            digest.update(name.encode() + b"\0" + (root / name).read_bytes())
    return digest.hexdigest()[:24]


def import_targets(warm: Path, modules: list[str]) -> None:
    """Import the mutated modules from ``warm`` into this process (the tests' imports come at collection)."""
    sys.path.insert(0, str(warm))
    os.chdir(warm)
    for module in modules:
        importlib.import_module(module[:-3].replace("/", "."))


def live_functions(warm: Path, modules: list[str]) -> dict[tuple[str, str], list[Any]]:
    by_file = {str((warm / m).resolve()): m for m in modules}
    found: dict[tuple[str, str], list[Any]] = {}
    for obj in gc.get_objects():
        if isinstance(obj, types.FunctionType):
            module = by_file.get(str(Path(obj.__code__.co_filename).resolve()))
            if module is not None:
                found.setdefault((module, obj.__code__.co_qualname), []).append(obj)
    return found


def _code_named(code: types.CodeType, qualname: str) -> types.CodeType | None:
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            if const.co_qualname == qualname:
                return const
            inner = _code_named(const, qualname)
            if inner is not None:
                return inner
    return None


def swap_code(warm: Path, mutant: Mutant, functions: dict[tuple[str, str], list[Any]]) -> bool:
    """Give the live function holding the mutant the mutated code; False when that cannot be done in place."""
    live = functions.get((mutant.module, mutant.function), [])
    if mutant.import_time or not live:
        return False
    path = warm / mutant.module
    module_code = compile(apply(path.read_bytes(), mutant), str(path), "exec")
    code = _code_named(module_code, mutant.function)
    if code is None or any(f.__code__.co_freevars != code.co_freevars for f in live):
        return False
    for function in live:
        function.__code__ = code
    return True


def _child_setup(run_root: Path, copy_root: Path, log: Path) -> None:
    """In a forked child: its own process group, output to ``log``, tests from ``run_root``, and subprocesses
    importing the package from ``copy_root`` (where the mutated file is written)."""
    os.setpgid(0, 0)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.chdir(run_root)
    if str(run_root) not in sys.path:
        sys.path.insert(0, str(run_root))
    sys.dont_write_bytecode = True
    os.environ["PYTHONPATH"] = str(copy_root)
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    os.environ.setdefault("LOCOGYM_SHARED_DATA", str(ROOT.parent / "shared" / "data"))


def fork_items(warm: Path, slot: Slot, items: list[Any], mutant: Mutant,
               functions: dict[tuple[str, str], list[Any]]) -> int:
    """Run the collected test items on the mutant in a forked child (exit 1 at the first failure, 0 when all
    pass, ``COLD`` when the mutant's code cannot be swapped in place); returns the child's pid."""
    pid = os.fork()
    if pid:
        return pid
    code = 3
    try:
        _child_setup(warm, slot.root, slot.log)
        code = run_items(items) if swap_code(warm, mutant, functions) else COLD
    except BaseException:  # noqa: BLE001 - the child must never return into the parent's code
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def run_items(items: list[Any]) -> int:
    """pytest's own protocol (fixtures, set-up, teardown, hooks) over ``items``, up to the first failure."""
    failed: list[str] = []

    class Watch:
        def pytest_runtest_logreport(self, report: Any) -> None:
            if report.failed:
                failed.append(report.nodeid)

    hook = items[0].config.hook
    items[0].config.pluginmanager.register(Watch())
    for i, item in enumerate(items):
        hook.pytest_runtest_protocol(item=item, nextitem=items[i + 1] if i + 1 < len(items) else None)
        if failed:
            print(f"killed by {failed[0]}")
            return 1
    return 0


def stop(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# ------------------------------------------------------------------------------------------ the coverage map


class _Contexts:
    """A pytest plugin that gives each test its own coverage context and records its time and outcome."""

    def __init__(self, data_file: Path, include: list[str], out: Path) -> None:
        import coverage

        self.cov = coverage.Coverage(data_file=str(data_file), include=include)
        self.cov.start()
        self.out = out
        self.seconds: dict[str, float] = {}
        self.failed: set[str] = set()

    def pytest_runtest_protocol(self, item: Any, nextitem: Any) -> None:
        self.cov.switch_context(item.nodeid)

    def pytest_runtest_logreport(self, report: Any) -> None:
        self.seconds[report.nodeid] = self.seconds.get(report.nodeid, 0.0) + report.duration
        if report.failed:
            self.failed.add(report.nodeid)

    def finish(self) -> None:
        self.cov.stop()
        self.cov.save()
        self.out.write_text(json.dumps({"seconds": self.seconds, "failed": sorted(self.failed)}))


def _shards(copy_root: Path, paths: list[str], jobs: int, known: dict[str, float]) -> list[list[str]]:
    """Test files split into ``jobs`` shards of about equal time, the slowest files first, each to the lightest
    shard. A file's time is the sum of its tests' times in earlier coverage maps (``known``); a file never
    timed counts by its size (about a second per 2 kB of test code)."""
    files: list[Path] = []
    for path in paths:
        target = copy_root / path
        files.extend(sorted(target.rglob("test_*.py")) if target.is_dir() else [target])
    per_file: dict[str, float] = {}
    for nodeid, seconds in known.items():
        per_file[nodeid.split("::")[0]] = per_file.get(nodeid.split("::")[0], 0.0) + seconds
    weight = {f: per_file.get(str(f.relative_to(copy_root)), f.stat().st_size / 2000) for f in files}
    shards: list[list[str]] = [[] for _ in range(jobs)]
    sizes = [0.0] * jobs
    for f in sorted(files, key=lambda f: (-weight[f], str(f))):
        i = sizes.index(min(sizes))
        shards[i].append(str(f.relative_to(copy_root)))
        sizes[i] += weight[f]
    return [s for s in shards if s]


def known_seconds(cache_dir: Path) -> dict[str, float]:
    """Every test's time in the cached coverage maps (the newest map last, so its times win)."""
    seconds: dict[str, float] = {}
    for cached in sorted(cache_dir.glob("*.json"), key=lambda f: f.stat().st_mtime):
        try:
            seconds.update(json.loads(cached.read_text()).get("seconds", {}))
        except (OSError, ValueError, AttributeError):
            continue
    return seconds


def _wait_all(pids: list[int]) -> None:
    for pid in pids:
        os.waitpid(pid, 0)


def coverage_map(copy_root: Path, modules: list[str], tests: list[str], tier: str, jobs: int,
                 work: Path, known: dict[str, float]) -> dict[str, Any]:
    """Per module and line, the tests that ran it; the time of every test; the tests that failed unmutated."""
    from coverage import CoverageData

    include = [str(copy_root / m) for m in modules]
    pids, parts = [], []
    for i, shard in enumerate(_shards(copy_root, tests, jobs, known)):
        data, out = work / f"cov.{i}", work / f"tests.{i}.json"
        plugin_args = (data, include, out)
        pids.append(_fork_coverage(copy_root, work / f"cov.{i}.log", shard, tier, plugin_args))
        parts.append((data, out))
    _wait_all(pids)
    seconds: dict[str, float] = {}
    failed: list[str] = []
    lines: dict[str, dict[int, set[str]]] = {m: {} for m in modules}
    for data_file, out in parts:
        if not out.exists():
            raise SystemExit("The coverage run of the unmutated project did not finish; see "
                             f"{out.name.replace('tests', 'cov').replace('json', 'log')} in the work folder "
                             "(kept with --keep).")
        found = json.loads(out.read_text())
        seconds.update(found["seconds"])
        failed.extend(found["failed"])
        data = CoverageData(basename=str(data_file))
        data.read()
        for module in modules:
            for line, contexts in data.contexts_by_lineno(str(copy_root / module)).items():
                lines[module].setdefault(line, set()).update(contexts)
    return {"seconds": seconds, "failed": sorted(set(failed)),
            "lines": {m: {str(n): sorted(c) for n, c in by.items()} for m, by in lines.items()}}


def _fork_coverage(copy_root: Path, log: Path, shard: list[str], tier: str,
                   plugin_args: tuple[Any, ...]) -> int:
    pid = os.fork()
    if pid:
        return pid
    try:
        _child_setup(copy_root, copy_root, log)
        import pytest

        plugin = _Contexts(*plugin_args)
        pytest.main([*shard, "-q", "-p", "no:cacheprovider", "-m", TIER_MARKERS[tier]], plugins=[plugin])
        plugin.finish()
    except BaseException:  # noqa: BLE001 - the child must never return into the parent's code
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def tests_for(mutant: Mutant, cover: dict[str, Any], budget: float = TEST_BUDGET_S) -> list[str]:
    """The tests that ran the mutated lines (import-time lines: every test that used the module), fastest
    first: after the first, as many as fit in ``budget`` seconds."""
    by_line = cover["lines"][mutant.module]
    contexts: set[str] = set()
    for line in {mutant.stmt_line, *range(mutant.line, mutant.end_line + 1)}:
        contexts.update(by_line.get(str(line), ()))
    if mutant.import_time or "" in contexts:  # runs on import: any test that used the module may see it
        contexts.update(c for cs in by_line.values() for c in cs)
    contexts.discard("")
    usable = contexts - set(cover["failed"])
    chosen: list[str] = []
    spent = 0.0
    for test in sorted(usable, key=lambda t: (cover["seconds"].get(t, 0.0), t)):
        spent += cover["seconds"].get(test, 0.0)
        if chosen and spent > budget:
            break
        chosen.append(test)
    return chosen


# ------------------------------------------------------------------------------------------- running mutants


@dataclass
class Slot:
    """One worker: its own copy of the project (for subprocesses and cold starts), and what it is running."""

    root: Path
    log: Path
    pid: int = 0
    cold: subprocess.Popen[bytes] | None = None
    mutant: Mutant | None = None
    args: list[str] = field(default_factory=list)
    deadline: float = 0.0
    original: bytes = b""


@dataclass
class Runner:
    """Runs mutants ``len(slots)`` at a time: a fork of the warm process when the mutant's code can be swapped
    in place, else a fresh interpreter in the slot's copy (module constants, class bodies, defaults)."""

    warm: Path
    slots: list[Slot]
    functions: dict[tuple[str, str], list[Any]]
    items: dict[str, Any]
    seconds: dict[str, float]
    tier: str

    def start(self, slot: Slot, mutant: Mutant, tests: list[str]) -> None:
        target = slot.root / mutant.module
        slot.original = target.read_bytes()
        target.write_bytes(apply(slot.original, mutant))
        for stale in (target.parent / "__pycache__").glob(f"{target.stem}.*.pyc"):
            stale.unlink()
        budget = START_COST_S + TIMEOUT_FACTOR * sum(self.seconds.get(t, 1.0) for t in tests)
        slot.mutant, slot.deadline = mutant, time.monotonic() + max(MIN_TIMEOUT_S, budget)
        slot.args = [*tests, "-x", "-q", "-p", "no:cacheprovider", "-m", TIER_MARKERS[self.tier]]
        items = [self.items[t] for t in tests if t in self.items]
        if items:
            slot.pid = fork_items(self.warm, slot, items, mutant, self.functions)
        else:
            self._start_cold(slot)

    def _start_cold(self, slot: Slot) -> None:
        env = {**os.environ, "PYTHONPATH": str(slot.root), "PYTHONDONTWRITEBYTECODE": "1"}
        env.setdefault("LOCOGYM_SHARED_DATA", str(ROOT.parent / "shared" / "data"))
        with slot.log.open("wb") as log:
            slot.cold = subprocess.Popen([sys.executable, "-m", "pytest", *slot.args], cwd=slot.root, env=env,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        slot.pid = slot.cold.pid

    def poll(self, slot: Slot) -> str | None:
        """The mutant's status once its run has ended (or run out of time), else None."""
        if slot.cold is not None:
            status = slot.cold.poll()
        else:
            done, raw = os.waitpid(slot.pid, os.WNOHANG)
            status = os.waitstatus_to_exitcode(raw) if done else None
        if status == COLD and slot.cold is None:  # the child could not swap the code: start afresh
            self._start_cold(slot)
            return None
        if status is not None:
            stop(slot.pid)  # whatever the tests left running
            return _verdict(status)
        if time.monotonic() > slot.deadline:
            stop(slot.pid)
            if slot.cold is not None:
                slot.cold.wait()
            else:
                os.waitpid(slot.pid, 0)
            return "timeout"
        return None

    def finish(self, slot: Slot) -> None:
        assert slot.mutant is not None
        (slot.root / slot.mutant.module).write_bytes(slot.original)
        slot.pid, slot.cold, slot.mutant = 0, None, None

    def run(self, jobs: list[tuple[Mutant, list[str]]]) -> Iterator[tuple[Mutant, str]]:
        """Each mutant with its status, as the runs end."""
        pending = list(reversed(jobs))
        while pending or any(s.mutant for s in self.slots):
            for slot in self.slots:
                if slot.mutant is None and pending:
                    self.start(slot, *pending.pop())
            time.sleep(0.05)
            for slot in self.slots:
                status = self.poll(slot) if slot.mutant is not None else None
                if status is not None:
                    mutant = slot.mutant
                    self.finish(slot)
                    yield mutant, status  # type: ignore[misc]


class Loop:
    """A pytest plugin for the warm process: after collection its run loop runs the mutants, not the tests."""

    def __init__(self, warm: Path, slots: list[Slot], modules: list[str], cover: dict[str, Any], tier: str,
                 jobs: list[tuple[Mutant, list[str]]], on_result: Any) -> None:
        self.warm, self.slots, self.modules, self.cover, self.tier = warm, slots, modules, cover, tier
        self.jobs, self.on_result = jobs, on_result

    def pytest_runtestloop(self, session: Any) -> bool:
        runner = Runner(self.warm, self.slots, live_functions(self.warm, self.modules),
                        {item.nodeid: item for item in session.items}, self.cover["seconds"], self.tier)
        for mutant, status in runner.run(self.jobs):
            self.on_result(mutant, status)
        return True


def run_warm(warm: Path, loop: Loop, jobs: list[tuple[Mutant, list[str]]]) -> None:
    """Collect the mutants' test files once in this process, then run the mutants from pytest's run loop
    (pytest's own output goes to stderr, so stdout keeps only the JSON)."""
    import_targets(warm, loop.modules)
    files = sorted({t.split("::")[0] for _, tests in jobs for t in tests})
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        import pytest

        args = [*files, "-q", "-s", "-p", "no:cacheprovider", "-m", TIER_MARKERS[loop.tier]]
        pytest.main(args, plugins=[loop])
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _verdict(code: int) -> str:
    if code == 0:
        return "survived"
    # a test failed, or the mutant broke collection: an import error (2), or a test module that no longer
    # imports, so pytest finds no collector for the node ids it was given (4)
    if code in (1, 2, 4):
        return "killed"
    return f"error (pytest exit {code})"


# ------------------------------------------------------------------------------------------------ the report


def load_equivalents(path: Path) -> list[dict[str, str]]:
    """The mutants recorded as equivalent (no task the generators make can tell them from the original), each
    named by module, function, mutation and line of code (line numbers move when a module is edited)."""
    if not path.exists():
        return []
    fields = ("module", "function", "mutation", "code", "reason")
    try:
        entries = json.loads(path.read_text())["equivalent"]
        bad = [e for e in entries  # only the function may be empty: a module-level line has none
               if not all(isinstance(e.get(f), str) and (e.get(f) or f == "function") for f in fields)]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SystemExit(f"{path.name}: not a list of equivalent mutants ({exc}); it holds "
                         '{"equivalent": [{"module", "function", "mutation", "code", "reason"}, ...]}') from None
    if bad:
        raise SystemExit(f"{path.name}: entry {bad[0]} lacks one of {', '.join(fields)}; each needs all five "
                         "(the reason says why no generated task can tell the mutant apart).")
    return list(entries)


def _code_line(root: Path, mutant: Mutant) -> str:
    return (root / mutant.module).read_text().splitlines()[mutant.line - 1].strip()[:120]


def _equivalent_reason(mutant: Mutant, code: str, entries: list[dict[str, str]]) -> str | None:
    for entry in entries:
        if (entry["module"], entry["function"], entry["mutation"], entry["code"]) == (
                mutant.module, mutant.function, mutant.mutation, code):
            return entry["reason"]
    return None


def _module_rows(results: list[tuple[Mutant, str]], root: Path,
                 equivalents: list[dict[str, str]]) -> dict[str, dict[str, Any]]:
    modules: dict[str, dict[str, Any]] = {}
    for mutant, status in results:
        row = modules.setdefault(mutant.module, {"mutants": 0, "killed": 0, "timeout": 0, "survived": 0,
                                                 "no_tests": 0, "errors": 0, "equivalent": 0, "survivors": []})
        row["mutants"] += 1
        row["errors" if status.startswith("error") else status] += 1
        if status in ("killed", "timeout"):
            continue
        code = _code_line(root, mutant)
        reason = _equivalent_reason(mutant, code, equivalents) if status != "no_tests" else None
        row["equivalent"] += reason is not None
        row["survivors"].append({"line": mutant.line, "function": mutant.function, "mutation": mutant.mutation,
                                 "status": status, "code": code, **({"equivalent": reason} if reason else {})})
    for row in modules.values():
        row["kill_rate"] = _rate(row["killed"] + row["timeout"], row["mutants"])
        row["kill_rate_without_equivalent"] = _rate(row["killed"] + row["timeout"],
                                                    row["mutants"] - row["equivalent"])
    return dict(sorted(modules.items()))


def _rate(caught: int, total: int) -> float | None:
    return round(caught / total, 3) if total else None


def _totals(modules: dict[str, dict[str, Any]], run: dict[str, Any]) -> dict[str, Any]:
    total = sum(r["mutants"] for r in modules.values())
    caught = sum(r["killed"] + r["timeout"] for r in modules.values())
    equivalent = sum(r["equivalent"] for r in modules.values())
    out: dict[str, Any] = {
        "run": run, "mutants": total, "killed": sum(r["killed"] for r in modules.values()),
        "timeout": sum(r["timeout"] for r in modules.values()),
        "survived": sum(r["survived"] + r["no_tests"] for r in modules.values()),
        "errors": sum(r["errors"] for r in modules.values()), "equivalent": equivalent,
        "kill_rate": _rate(caught, total), "kill_rate_without_equivalent": _rate(caught, total - equivalent)}
    if run["kind"] == "sample":
        out["kill_rate_interval_90"] = wilson(caught, total)
        out["kill_rate_without_equivalent_interval_90"] = wilson(caught, total - equivalent)
        out["quotable"] = total >= MIN_QUOTED_SAMPLE
    return out


def report(results: list[tuple[Mutant, str]], root: Path, started: float, run: dict[str, Any],
           cover: dict[str, Any], equivalents: list[dict[str, str]]) -> dict[str, Any]:
    """Totals, kill rates with and without the listed equivalent mutants (with a 90% Wilson interval when the
    mutants are a sample), and per module the counts and every survivor."""
    modules = _module_rows(results, root, equivalents)
    return {**_totals(modules, run), "baseline_failures": cover["failed"],
            "coverage_units": cover.get("units", {}), "seconds": round(time.monotonic() - started, 1),
            "modules": modules}


def combined(previous: dict[str, Any], results: list[tuple[Mutant, str]], root: Path,
             equivalents: list[dict[str, str]]) -> dict[str, Any]:
    """The previous report with its survivors' statuses taken from this re-run (``--only``): the figure of the
    previous run's mutants under the tests and tier of this one. A mutant the previous run killed stays killed:
    the re-run's tests include the ones that killed it (more tests, or the slow tier added)."""
    rerun = {(m.module, m.mutation, _code_line(root, m)): status for m, status in results}
    modules: dict[str, dict[str, Any]] = {}
    for module, before in previous["modules"].items():
        row = {**{k: before[k] for k in ("mutants", "killed", "timeout")}, "survived": 0, "no_tests": 0,
               "errors": 0, "equivalent": 0, "survivors": []}
        for survivor in before["survivors"]:
            status = rerun.get((module, survivor["mutation"], survivor["code"]), "no_tests")
            if status == "no_tests":  # not re-run, or no re-run test reaches it: what the previous run found
                status = survivor["status"]
            row["errors" if status.startswith("error") else status] += 1
            if status in ("killed", "timeout"):
                continue
            entry = {**survivor, "status": status}
            entry.pop("equivalent", None)
            probe = Mutant(module, survivor["line"], 0, 0, 0, 0, False, survivor.get("function", ""),
                           survivor["mutation"], "")
            reason = _equivalent_reason(probe, survivor["code"], equivalents) if status != "no_tests" else None
            row["equivalent"] += reason is not None
            row["survivors"].append({**entry, **({"equivalent": reason} if reason else {})})
        row["kill_rate"] = _rate(row["killed"] + row["timeout"], row["mutants"])
        row["kill_rate_without_equivalent"] = _rate(row["killed"] + row["timeout"], row["mutants"] - row["equivalent"])
        modules[module] = row
    return {**_totals(modules, previous["run"]), "seconds": previous.get("seconds"), "modules": modules}


# ------------------------------------------------------------------------------------------------------ main


def previous_report(path: Path) -> dict[str, Any]:
    """A report this bench printed; for a re-run (``--only``), its ``combined`` figure, which covers every
    mutant of the run it re-ran."""
    found = json.loads(path.read_text())
    return dict(found.get("combined", found))


def survivors_of(report_path: Path, mutants: list[Mutant], root: Path) -> list[Mutant]:
    """The mutants a previous report lists as survivors, matched by module, mutation and line of code (not by
    line number, which moves when the module is edited)."""
    try:
        found = previous_report(report_path)
        wanted = {(module, s["mutation"], s["code"]) for module, row in found["modules"].items()
                  for s in row["survivors"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SystemExit(f"--only {report_path}: not a report of this bench ({exc}); pass the JSON it "
                         "printed.") from None
    lines = {m: (root / m).read_text().splitlines() for m in {x.module for x in mutants}}
    return [m for m in mutants
            if (m.module, m.mutation, lines[m.module][m.line - 1].strip()[:120]) in wanted]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", nargs="+", default=DEFAULT_MODULES, help="files, folders or globs")
    parser.add_argument("--limit", type=int, default=None, help="at most N mutants, evenly spread")
    parser.add_argument("--tier", choices=sorted(TIER_MARKERS), default="quick")
    parser.add_argument("--jobs", type=int, default=2, help="mutants (and coverage shards) run at once")
    parser.add_argument("--tests", nargs="+", default=None,
                        help="test files or folders for every module (default: each module's own folders)")
    parser.add_argument("--sample", type=int, default=None,
                        help="a uniform random sample of N mutants across all the modules (with --seed)")
    parser.add_argument("--seed", type=int, default=0, help="the seed of --sample")
    parser.add_argument("--budget", type=float, default=TEST_BUDGET_S,
                        help="seconds of (measured) tests a mutant runs after its fastest one")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "locogym" / "mutants"
    parser.add_argument("--cache-dir", type=Path, default=cache, help="where coverage maps are kept")
    parser.add_argument("--list", action="store_true", help="print the selected mutants as JSON lines and stop")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (copies, logs)")
    parser.add_argument("--only", type=Path, default=None,
                        help="a report this bench printed: run only its survivors again (after new tests)")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    if args.sample is not None and (args.sample < 1 or args.limit is not None):
        parser.error("--sample needs N of at least 1, and cannot be combined with --limit (pick one)")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    return args


def load_unit(args: argparse.Namespace, files: list[str], unit: tuple[str, ...], modules: list[str],
              copy_root: Path) -> dict[str, Any]:
    """One unit's coverage map from the cache when the package and tests are unchanged, else a fresh run."""
    key = content_key(copy_root, files, unit, args.tier, *modules)
    cached = args.cache_dir / f"{key}.json"
    if cached.exists():
        return dict(json.loads(cached.read_text()))
    print(f"coverage run of {' '.join(unit)} ({args.tier} tier) for {len(modules)} module(s)...",
          file=sys.stderr, flush=True)
    began = time.monotonic()
    cover = coverage_map(copy_root, modules, list(unit), args.tier, args.jobs, copy_root.parent,
                         known_seconds(args.cache_dir))
    cover["coverage_seconds"] = round(time.monotonic() - began, 1)
    print(f"  {cover['coverage_seconds']}s", file=sys.stderr, flush=True)
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp")
    tmp.write_text(json.dumps(cover))
    tmp.replace(cached)
    return cover


def load_cover(args: argparse.Namespace, files: list[str], modules: list[str],
               copy_root: Path) -> dict[str, Any]:
    """The coverage maps of every unit merged: a module's lines list the tests of its own units only, so a
    mutant runs the tests of the folders mapped to its module."""
    merged: dict[str, Any] = {"seconds": {}, "failed": [], "lines": {m: {} for m in modules}, "units": {}}
    for unit, unit_modules in coverage_units(modules, args.tests).items():
        cover = load_unit(args, files, unit, unit_modules, copy_root)
        merged["seconds"].update(cover["seconds"])
        merged["failed"] = sorted({*merged["failed"], *cover["failed"]})
        merged["units"][" ".join(unit)] = {"modules": len(unit_modules), "tests": len(cover["seconds"]),
                                           "coverage_seconds": cover.get("coverage_seconds")}
        for module in unit_modules:
            into = merged["lines"][module]
            for line, contexts in cover["lines"][module].items():
                into[line] = sorted({*into.get(line, ()), *contexts})
    return merged


def select(args: argparse.Namespace, root: Path) -> tuple[list[Mutant], dict[str, Any]]:
    """The mutants to run, and what they are: every mutant of the modules ("full"), an even spread
    (``--limit``), a seeded uniform sample (``--sample``), or a report's survivors (``--only``)."""
    modules = resolve_modules(root, args.modules)
    every = [m for module in modules for m in cached_mutants(root, module, args.cache_dir)]
    run: dict[str, Any] = {"kind": "full", "tier": args.tier, "population": len(every), "modules": len(modules),
                           "test_budget_s": args.budget}
    if args.sample is not None:
        chosen = sample(every, args.sample, args.seed)
        run.update(kind="sample" if len(chosen) < len(every) else "full", size=len(chosen), seed=args.seed)
    else:
        chosen = spread(every, args.limit)
        run.update(kind="limit" if len(chosen) < len(every) else "full", size=len(chosen))
    if args.only is not None:
        chosen = survivors_of(args.only, chosen, root)
        run.update(kind="only", size=len(chosen), only=args.only.name)
    if not chosen:
        raise SystemExit("No mutant to run: the modules have none, or --only named none of them.")
    return chosen, run


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.list:
        for mutant in select(args, ROOT)[0]:
            print(json.dumps(asdict(mutant)))
        return
    started = time.monotonic()
    files = project_files(ROOT)
    work = Path(tempfile.mkdtemp(prefix="locogym-mutants-"))
    try:
        # every copy first, so that edits to the working tree during the run change nothing
        warm = make_copy(ROOT, files, work / "warm")
        mutants, run = select(args, warm)
        modules = resolve_modules(warm, args.modules)  # all of them: a map's key must not hang on the sample
        slots = [Slot(make_copy(warm, files, work / f"copy{i}"), work / f"run{i}.log")
                 for i in range(args.jobs)]
        cover = load_cover(args, files, modules, make_copy(warm, files, work / "cover"))
        run["coverage_seconds"] = round(time.monotonic() - started, 1)
        results: list[tuple[Mutant, str]] = []
        jobs = []
        for mutant in mutants:
            tests = tests_for(mutant, cover, args.budget)
            if tests:
                jobs.append((mutant, tests))
            else:
                results.append((mutant, "no_tests"))

        def on_result(mutant: Mutant, status: str) -> None:
            results.append((mutant, status))
            done, elapsed = len(results), time.monotonic() - started
            line = f"[{done}/{len(mutants)} {elapsed:.0f}s] {status:9} {mutant.key}"
            print(line, file=sys.stderr, flush=True)

        run_warm(warm, Loop(warm, slots, modules, cover, args.tier, jobs, on_result), jobs)
        if len(results) != len(mutants):
            raise SystemExit(f"Only {len(results)} of {len(mutants)} mutants ran: the warm pytest session "
                             "stopped early (see its output above).")
        results.sort(key=lambda r: (r[0].module, r[0].line, r[0].col, r[0].mutation))
        equivalents = load_equivalents(EQUIVALENT_FILE)
        out = report(results, warm, started, run, cover, equivalents)
        if args.only is not None:
            out["combined"] = combined(previous_report(args.only), results, warm, equivalents)
        print(json.dumps(out, indent=1))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work folder kept: {work}", file=sys.stderr)


if __name__ == "__main__":
    main()
