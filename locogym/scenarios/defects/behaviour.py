"""A differential check: do the functions an edit touches still behave as they did?

Passing tests are a weak proof that an edit is harmless (a suite rarely pins every input). Before a benign edit
goes into a review diff, each function it touches is called, in the sandbox, in its old and its new version on
the same inputs, and the outcomes (the ``repr`` of the value, or the exception type) are compared.

Inputs come from the parameters' annotations: integers around every integer constant of the function (old and
new text, so a moved bound is straddled) plus a fixed spread, a few floats, strings, booleans and small lists.
A method is called on instances built the same way from ``__init__``'s parameters. A function whose parameters
cannot be generated, or that never returns normally on the inputs, is ``unchecked``: the caller decides what that
means (the review generator then keeps only edits that are harmless by construction).

The old module is the project's own file; the new one is executed from the edited text under a private module
name (its relative imports resolve through the real package), so one run compares every touched function of
every edited file.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Literal

import orjson

from locogym.core.errors import SandboxTimeout
from locogym.sandboxes.base import Sandbox
from locogym.scenarios.defects.edits import Edit, SourceText
from locogym.scenarios.defects.suite import LOADED_FIX, TIMEOUT_RETRY_FACTOR
from locogym.scenarios.defects.testrun import sandbox_python, suite_env

Verdict = Literal["same", "differs", "unchecked"]
SPEC_FILE = ".locogym-behaviour.json"
DEFAULT_TIMEOUT_S = 120.0

_LAUNCHER = r'''
import itertools, json, os, random, re, signal, sys, types

spec = json.load(open(sys.argv[1], encoding="utf-8"))
sys.path[:0] = [os.path.abspath(p) for p in spec["paths"]]
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
SPREAD = [-7, -1, 0, 1, 2, 3, 10, 99]
MAX_CALLS = 240


class Slow(Exception):
    pass


def on_alarm(signum, frame):
    raise Slow()


signal.signal(signal.SIGALRM, on_alarm)


def load(path, text, tag):
    name = spec["modules"][path]
    module = types.ModuleType(name + tag)
    module.__file__ = os.path.abspath(path)
    module.__package__ = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    sys.modules[module.__name__] = module
    exec(compile(text, path, "exec"), module.__dict__)
    return module


def pool(annotation, ints):
    a = (annotation or "").replace(" ", "").replace("typing.", "")
    if a == "int":
        return ints
    if a == "float":
        return [float(x) for x in ints] + [0.5, -2.25]
    if a == "bool":
        return [False, True]
    if a == "str":
        return ["", "a", "  Mixed Case ", "x y z", "10", "-3"]
    if a in ("list[int]", "List[int]", "Sequence[int]", "Iterable[int]", "tuple[int,...]"):
        return [[], [1], [3, 1, 2], [0, -5, 7, 7], ints[:6]]
    if a in ("list[str]", "List[str]", "Sequence[str]"):
        return [[], ["a"], ["b", "a", "c"]]
    if a in ("int|None", "Optional[int]", "None|int"):
        return [None] + ints
    if a in ("str|None", "Optional[str]"):
        return [None, "", "a", "x y"]
    return None


def arguments(func, ints, skip_first):
    code = func.__code__
    names = list(code.co_varnames[:code.co_argcount])[1 if skip_first else 0:]
    annotations = getattr(func, "__annotations__", {})
    defaults = func.__defaults__ or ()
    first_default = len(names) - len(defaults)
    pools = []
    for i, name in enumerate(names):
        hint = annotations.get(name)
        options = pool(hint if isinstance(hint, str) or hint is None else
                       hint.__name__ if isinstance(hint, type) else str(hint), ints)
        if options is None:
            if i < first_default:
                return None
            options = [defaults[i - first_default]]
        pools.append(options)
    combos = list(itertools.islice(itertools.product(*pools), 20000))
    if len(combos) > MAX_CALLS:
        combos = random.Random(0).sample(combos, MAX_CALLS)
    return combos


def outcome(call):
    signal.setitimer(signal.ITIMER_REAL, 2.0)
    try:
        return ["ok", ADDRESS.sub(" at 0x", repr(call()))]
    except Slow:
        return ["timeout", ""]
    except BaseException as exc:
        return ["raise", type(exc).__name__]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def compare(old_mod, new_mod, qualname, ints):
    owner, _, leaf = qualname.rpartition(".")
    if not owner:
        old_f, new_f = getattr(old_mod, leaf, None), getattr(new_mod, leaf, None)
        if not callable(old_f) or not callable(new_f) or not hasattr(old_f, "__code__"):
            return "unchecked"
        combos = arguments(old_f, ints, False)
        pairs = [((lambda a=a: old_f(*a)), (lambda a=a: new_f(*a))) for a in combos or []]
    else:
        old_c, new_c = getattr(old_mod, owner, None), getattr(new_mod, owner, None)
        old_m = getattr(old_c, leaf, None)
        if old_c is None or new_c is None or not hasattr(old_m, "__code__") or not hasattr(new_c, leaf):
            return "unchecked"
        init = getattr(old_c, "__init__", None)
        made = arguments(init, ints, True) if hasattr(init, "__code__") else [()]
        combos = arguments(old_m, ints, True)
        if made is None or combos is None:
            return "unchecked"
        made = made[:3]
        pairs = [((lambda i=i, a=a: getattr(old_c(*i), leaf)(*a)), (lambda i=i, a=a: getattr(new_c(*i), leaf)(*a)))
                 for i in made for a in combos[: max(1, MAX_CALLS // len(made))]]
    if not pairs:
        return "unchecked"
    returned = False
    for old_call, new_call in pairs:
        before, after = outcome(old_call), outcome(new_call)
        if before != after:
            return "differs"
        returned = returned or before[0] == "ok"
    return "same" if returned else "unchecked"


verdicts = {}
for path, qualnames in spec["functions"].items():
    try:
        old_mod = load(path, open(path, encoding="utf-8").read(), "__before")
        new_mod = load(path, spec["after"][path], "__after")
    except BaseException as exc:
        for q in qualnames:
            verdicts[path + "::" + q] = "differs" if path in spec["after"] else "unchecked"
        continue
    for qualname in qualnames:
        consts = spec["constants"].get(path + "::" + qualname, [])
        ints = sorted({*SPREAD, *(c + d for c in consts for d in (-1, 0, 1))})
        try:
            verdicts[path + "::" + qualname] = compare(old_mod, new_mod, qualname, ints)
        except BaseException:
            verdicts[path + "::" + qualname] = "unchecked"
print("LOCOGYM-VERDICTS " + json.dumps(verdicts, sort_keys=True))
'''


def module_name(path: str, files: Mapping[str, str]) -> str:
    """The dotted module name of a project file (``src/`` layouts import from ``src``)."""
    name = path.removeprefix("src/") if any(p.startswith("src/") for p in files) else path
    parts = name.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def touched_functions(path: str, text: str, edits: list[Edit]) -> list[str]:
    """Qualified names of the top-level functions and methods of ``text`` that an edit overlaps."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    src = SourceText(text)
    spans: list[tuple[str, int, int]] = []
    for top in tree.body:
        nodes = [(top, top.name)] if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef) else \
            [(n, f"{top.name}.{n.name}") for n in top.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)] \
            if isinstance(top, ast.ClassDef) else []
        for node, qualname in nodes:
            start, end = src.line_span(node.lineno, node.end_lineno or node.lineno)
            spans.append((qualname, start, end))
    hit = [q for q, start, end in spans for e in edits
           if e.path == path and e.start < end and start < max(e.end, e.start + 1)]
    return list(dict.fromkeys(hit))


def int_constants(*texts: str) -> list[int]:
    """Integer literals of some source texts (the boundaries worth straddling)."""
    found: set[int] = set()
    for text in texts:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        found |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and type(n.value) is int
                  and abs(n.value) < 10**6}
    return sorted(found)


def function_source(text: str, qualname: str) -> str:
    """The source of a top-level function or method (empty when it is not there)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return ""
    owner, _, leaf = qualname.rpartition(".")
    body = tree.body
    if owner:
        cls = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == owner), None)
        body = cls.body if cls is not None else []
    node = next((n for n in body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == leaf), None)
    return ast.get_source_segment(text, node) or "" if node is not None else ""


def compare_functions(sandbox: Sandbox, before: Mapping[str, str], after: Mapping[str, str],
                      functions: Mapping[str, list[str]], timeout: float = DEFAULT_TIMEOUT_S) -> dict[str, Verdict]:
    """Verdicts ``{"path::qualname": same | differs | unchecked}`` for the listed functions.

    The sandbox's workspace must hold ``before`` (the clean project); ``after`` holds the edited texts of the
    files in ``functions``. A run that produces no report (a crash of the interpreter) leaves every function
    ``unchecked``. A time-out is retried once with ``TIMEOUT_RETRY_FACTOR`` times the time; it is not a verdict
    (on a loaded machine it would drop look-alike edits and change the task), so a second one raises.

    Raises:
        SandboxTimeout: the check timed out twice.
    """
    wanted = {p: list(q) for p, q in functions.items() if q}
    if not wanted:
        return {}
    constants = {f"{p}::{q}": int_constants(function_source(before[p], q), function_source(after[p], q))
                 for p, qs in wanted.items() for q in qs}
    spec = {"paths": ["src"] if suite_env(before) else ["."], "functions": wanted,
            "modules": {p: module_name(p, before) for p in wanted}, "after": {p: after[p] for p in wanted},
            "constants": constants}
    sandbox.write_file(SPEC_FILE, orjson.dumps(spec))
    try:
        stdout = _run_launcher(sandbox, timeout, len(constants))
    finally:
        sandbox.delete_file(SPEC_FILE)
    return _read_verdicts(stdout, [f"{p}::{q}" for p, qs in wanted.items() for q in qs])


def _run_launcher(sandbox: Sandbox, timeout: float, functions: int) -> str:
    """The launcher's output, with one retry at ``TIMEOUT_RETRY_FACTOR`` times the time.

    Raises:
        SandboxTimeout: both attempts timed out.
    """
    for limit in (timeout, timeout * TIMEOUT_RETRY_FACTOR):
        result = sandbox.exec([sandbox_python(sandbox), "-c", _LAUNCHER, SPEC_FILE], timeout=limit,
                              env={"PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"})
        if not result.timed_out:
            return result.stdout or ""
    raise SandboxTimeout(f"The behaviour check of {functions} edited function(s) ran past {timeout:.0f} s "
                         f"and {timeout * TIMEOUT_RETRY_FACTOR:.0f} s; nothing was drawn.", fix=LOADED_FIX)


def _read_verdicts(stdout: str, keys: list[str]) -> dict[str, Verdict]:
    """The launcher's verdict for each key; every key ``unchecked`` when it printed no report."""
    for line in stdout.splitlines():
        if line.startswith("LOCOGYM-VERDICTS "):
            raw = orjson.loads(line.removeprefix("LOCOGYM-VERDICTS "))
            return {k: raw.get(k, "unchecked") for k in keys}
    return dict.fromkeys(keys, "unchecked")
