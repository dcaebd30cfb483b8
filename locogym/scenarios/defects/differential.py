"""The differential oracle: the patched function must behave like the original on inputs the tests never quote.

Tests check a handful of inputs; a patch can pass them by special-casing exactly those (``if value == 85: return
521``) and leave the defect in place. For every injected defect the gym knows the original function, so after
the graded test run a separate process in the grading sandbox:

1. runs the defect's fail-to-pass tests once more with a profiler that records (deep copies of) the arguments
   every call of the patched function received: the function's own test inputs;
2. derives nearby inputs from them with a seeded, standard-library mutator (integers ±1, doubled, negated;
   strings emptied, extended, reversed; sequences shortened, extended, reversed; flags flipped; one argument at
   a time), so it needs nothing the sandbox image lacks;
3. calls the original function (its source from the task, compiled into a copy of the patched module's globals,
   so it sees the same classes and helpers) and the patched function on every input, each call under a time
   limit, and compares what comes back: the value (iterators are drained up to a bound), the exception type, and
   the arguments afterwards (for functions that work in place). The defective function (as the task shipped it)
   runs on the same inputs.

An input on which the original does not agree with *itself* (randomness, time, identity) is dropped, as is one
on which the original runs past the limit; the patched function gets five times the limit before a time-out
counts against it. An input *reveals* the defect when the defective function answers it
differently from the original. The patch fails when it still answers a revealing input unlike the original: the
defect is still there, whatever the quoted tests say (a lookup table of the quoted cases, a constant return). A
difference on an input that does not reveal the defect (an equivalent rewrite that treats out-of-domain input
differently) is recorded, not failed. The verdict travels over the sealed channel
(:mod:`~locogym.scenarios.defects.sealed`).

Limits (docs/integrity.md): functions defined inside other functions, and functions whose original uses
zero-argument ``super()``, are not checked; only argument types the mutator knows are varied.
"""

from __future__ import annotations

import ast
import secrets
import textwrap
from collections.abc import Iterable
from typing import Literal

import orjson
from pydantic import BaseModel, Field

from locogym.sandboxes.base import Sandbox
from locogym.scenarios.defects.sealed import CHANNEL_SETUP
from locogym.scenarios.defects.testrun import sandbox_python

DEFAULT_MAX_INPUTS = 80
CALL_TIMEOUT_S = 2.0
MAX_CAPTURED = 40

_CHECKER = CHANNEL_SETUP + r'''
import copy, itertools, math, random, re, signal

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")

class _Late(BaseException):
    pass

def _alarm(signum, frame):
    raise _Late()

def _repr(value):
    try:
        return _ADDRESS.sub("", repr(value))[:2000]
    except BaseException:
        return "<unrepresentable %s>" % type(value).__name__

def _drain(value):
    if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)) or not hasattr(value, "__next__"):
        return value
    items = []
    try:
        for item in itertools.islice(value, 2000):
            items.append(item)
    except _Late:
        raise
    except BaseException as exc:
        items.append(("<raised>", type(exc).__name__))
    return ("<iterator>", items)

def _same(a, b):
    if a is b:
        return True
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        return False
    try:
        if a == b:
            return True
    except BaseException:
        pass
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return _repr(a) == _repr(b)

def _call(fn, args, kwargs, limit):
    args, kwargs = copy.deepcopy((args, kwargs))
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        result = ("return", _drain(fn(*args, **kwargs)), args, kwargs)
    except _Late:
        return ("timeout",)
    except BaseException as exc:
        result = ("raise", type(exc).__name__)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return result

def _agree(a, b):
    if a[0] != b[0]:
        return False
    if a[0] == "return":
        return _same(a[1], b[1]) and _same(a[2], b[2]) and _same(a[3], b[3])
    return a == b

def _variants(value):
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, value - 1, value * 2, -value, 0, value + 7]
    if isinstance(value, float):
        return [value + 0.5, value * 2, -value, 0.0]
    if isinstance(value, str):
        return ["", value + "x", value[::-1], value[:-1], value.upper(), value + value]
    if isinstance(value, (list, tuple)):
        kind = type(value)
        out = [kind(), kind(value[:-1]), kind(list(value) + list(value[:1])), kind(list(reversed(value)))]
        if value:
            out += [kind([v] + list(value[1:])) for v in _variants(value[0])[:2]]
        return out
    if isinstance(value, dict):
        return [{}, dict(list(value.items())[:-1])] if value else []
    if isinstance(value, (set, frozenset)):
        return [type(value)(), type(value)(list(value)[:-1])] if value else []
    return []

def _arg_names(code):
    count = code.co_argcount + code.co_kwonlyargcount
    names = list(code.co_varnames[:count])
    star = code.co_varnames[count] if code.co_flags & 0x04 else None
    stars = code.co_varnames[count + bool(star)] if code.co_flags & 0x08 else None
    return names, code.co_argcount, star, stars

def _split(code, values):
    names, positional, star, stars = _arg_names(code)
    wanted = names + [n for n in (star, stars) if n]
    if set(wanted) != set(values) and len(wanted) == len(values):
        values = dict(zip(wanted, values.values()))  # parameters renamed: match them by position
    args = [values[n] for n in names[:positional]]
    kwargs = {n: values[n] for n in names[positional:]}
    if star:
        args += list(values[star])
    if stars:
        kwargs.update(values[stars])
    return args, kwargs

def _resolve(module, qualname, unwrap):
    obj = module
    for part in qualname.split("."):
        obj = vars(obj)[part] if part in vars(obj) else getattr(obj, part)
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    if isinstance(obj, property):
        obj = obj.fget
    while unwrap and hasattr(obj, "__wrapped__"):
        obj = obj.__wrapped__
    return obj

def _check():
    request, emit, pytest = _open_channel()
    import importlib
    targets = request["targets"]
    captured = {t["id"]: [] for t in targets}
    seen = {t["id"]: set() for t in targets}
    codes = {}

    def profiler(frame, event, arg):
        if event != "call":
            return
        target = codes.get(frame.f_code)
        if target is None or len(captured[target]) >= request["max_captured"]:
            return
        names, _, star, stars = _arg_names(frame.f_code)
        names = names + [n for n in (star, stars) if n]
        try:
            values = copy.deepcopy({n: frame.f_locals[n] for n in names})
        except BaseException:
            return
        key = _repr(values)
        if key not in seen[target]:
            seen[target].add(key)
            captured[target].append(values)

    class Capture:
        def pytest_runtest_logstart(self, nodeid, location):
            sys.setprofile(profiler)

        def pytest_runtest_logfinish(self, nodeid, location):
            sys.setprofile(None)

        def pytest_collection_finish(self, session):
            for t in targets:
                try:
                    fn = _resolve(importlib.import_module(t["module"]), t["qualname"], t["decorated"])
                    codes[fn.__code__] = t["id"]
                except BaseException:
                    pass

    pytest.main(["-p", "no:cacheprovider", "-q", *request["tests"]], plugins=[Capture()])
    sys.setprofile(None)
    signal.signal(signal.SIGALRM, _alarm)
    for t in targets:
        emit("verdict", json.dumps(_verdict(t, captured[t["id"]], request), sort_keys=True))

def _rebuild(source, module, namespace, name):
    exec(compile(source, getattr(module, "__file__", "<original>") or "<original>", "exec"), namespace)
    return namespace[name]

def _verdict(t, inputs, request):
    import importlib
    out = {"id": t["id"], "status": "unchecked", "reason": "", "captured": len(inputs), "checked": 0,
           "revealing": 0, "still_defective": 0, "elsewhere": 0, "examples": []}
    try:
        module = importlib.import_module(t["module"])
        patched = _resolve(module, t["qualname"], t["decorated"])
    except BaseException as exc:
        out["reason"] = "the patched module has no %s (%s)" % (t["qualname"], type(exc).__name__)
        return out
    if not hasattr(patched, "__code__"):
        out["reason"] = "%s is no longer a plain function" % t["qualname"]
        return out
    name = t["qualname"].split(".")[-1]
    try:
        original = _rebuild(t["original"], module, dict(getattr(patched, "__globals__", vars(module))), name)
        defective = _rebuild(t["defective"], module, dict(getattr(patched, "__globals__", vars(module))), name)
    except BaseException as exc:
        out["reason"] = "the original could not be rebuilt (%s)" % type(exc).__name__
        return out
    if not inputs:
        out["reason"] = "no call of the function was observed in its tests"
        return out
    rng = random.Random(t["seed"])
    mutated = []
    for values in inputs:
        for key in [n for n in values if n not in ("self", "cls")]:
            for variant in _variants(values[key]):
                changed = dict(values)
                changed[key] = variant
                mutated.append(changed)
    rng.shuffle(mutated)
    plan = [("test", v) for v in inputs] + [("mutated", v) for v in mutated[: request["max_inputs"]]]
    limit = request["call_timeout"]
    for origin, values in plan:
        try:
            args, kwargs = _split(patched.__code__, values)
            orig_args, orig_kwargs = _split(original.__code__, values)
        except BaseException:
            continue
        first = _call(original, orig_args, orig_kwargs, limit)
        if first[0] == "timeout" or not _agree(first, _call(original, orig_args, orig_kwargs, limit)):
            continue
        out["checked"] += 1
        revealing = not _agree(first, _call(defective, orig_args, orig_kwargs, limit))
        out["revealing"] += revealing
        got = _call(patched, args, kwargs, limit)
        if got[0] == "timeout":  # a loaded machine is not a wrong patch: only a patch slow with room to spare is
            got = _call(patched, args, kwargs, limit * 5)
        if _agree(first, got):
            continue
        out["still_defective" if revealing else "elsewhere"] += 1
        if revealing and len(out["examples"]) < 3:
            shown = ", ".join("%s=%s" % (k, _repr(v)[:80]) for k, v in values.items() if k not in ("self", "cls"))
            out["examples"].append("%s(%s) [%s input]: original %s, patched %s" % (
                t["qualname"], shown, origin, _repr(first[:2])[:120], _repr(got[:2])[:120]))
    out["status"] = "checked" if out["revealing"] else "unchecked"
    if not out["checked"]:
        out["reason"] = "no input gave the original a stable result"
    elif not out["revealing"]:
        out["reason"] = "no input told the original from the defective function"
    return out

_check()
'''


class DifferentialTarget(BaseModel):
    """One defective function to check: where it lives and the source of its original definition."""

    id: str
    module: str
    qualname: str
    original: str  # the original ``def`` (decorators removed, dedented)
    defective: str  # the same ``def`` with the defect, as the task shipped it
    decorated: bool  # the original had decorators: compare the functions underneath them
    seed: int = 0


class DifferentialVerdict(BaseModel):
    """What the differential check found for one defect."""

    id: str
    status: Literal["checked", "unchecked"]
    reason: str = ""
    captured: int = 0
    checked: int = 0  # inputs on which the original gave a stable result in time
    revealing: int = 0  # of those, inputs on which the defective function differs from the original
    still_defective: int = 0  # revealing inputs on which the patched function differs from the original
    elsewhere: int = 0  # other inputs on which the patched function differs from the original (recorded only)
    examples: list[str] = Field(default_factory=list)

    @property
    def defect_remains(self) -> bool:
        """The patched function still behaves unlike the original where the defect shows."""
        return self.still_defective > 0


def module_name(path: str) -> str:
    """``calc/core.py`` -> ``calc.core``; ``src/pkg/__init__.py`` -> ``pkg`` (src layouts import from ``src``)."""
    stem = path.removeprefix("src/").removesuffix(".py").removesuffix("/__init__")
    return stem.replace("/", ".")


def original_definition(text: str, qualname: str) -> tuple[str, bool] | None:
    """(source of the ``def`` without decorators, dedented; whether it had decorators) for a module-level
    function or method named by ``qualname``; None for nested functions or when it cannot be found."""
    if "<locals>" in qualname:
        return None
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    body: list[ast.stmt] = tree.body
    parts = qualname.split(".")
    for i, part in enumerate(parts):
        node = next((n for n in body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                     and n.name == part), None)
        if node is None:
            return None
        if i == len(parts) - 1:
            if not isinstance(node, ast.FunctionDef):
                return None
            lines = text.splitlines(keepends=True)[node.lineno - 1:node.end_lineno]
            source = textwrap.dedent("".join(lines))
            if any(isinstance(n, ast.Name) and n.id == "super" for n in ast.walk(node)):
                return None  # zero-argument super() needs the class cell of the original class body
            if i and any(isinstance(n, ast.Attribute) and n.attr.startswith("__") and not n.attr.endswith("__")
                         for n in ast.walk(node)):
                return None  # private names are mangled only when compiled inside the class
            return source, bool(node.decorator_list)
        if not isinstance(node, ast.ClassDef):
            return None
        body = node.body
    return None


def run_differential(sandbox: Sandbox, targets: list[DifferentialTarget], tests: Iterable[str], *,
                     import_roots: Iterable[str] = (".",), timeout: float = 120.0,
                     max_inputs: int = DEFAULT_MAX_INPUTS) -> list[DifferentialVerdict]:
    """Check every target in the sandbox's workspace (which holds the patched project); see the module docstring.

    A target the checker did not report on (the process died or timed out) comes back ``unchecked`` with the
    reason; a dead checker is not evidence against the patch, the sealed test run already judged the tests.
    """
    if not targets:
        return []
    token = secrets.token_hex(16)
    request = {"token": token, "fd": 100 + secrets.randbelow(800), "path": list(import_roots),
               "tests": sorted(set(tests)), "targets": [t.model_dump() for t in targets], "max_inputs": max_inputs,
               "max_captured": MAX_CAPTURED, "call_timeout": CALL_TIMEOUT_S}
    result = sandbox.exec([sandbox_python(sandbox), "-P", "-s", "-B", "-c", _CHECKER], timeout=timeout,
                          env={"PYTHONHASHSEED": "0", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
                          stdin=orjson.dumps(request) + b"\n")
    verdicts: dict[str, DifferentialVerdict] = {}
    for line in (result.stdout or "").splitlines():
        head, _, rest = line.partition(" verdict ")
        if not rest or not secrets.compare_digest(head, token):
            continue
        try:
            verdict = DifferentialVerdict.model_validate(orjson.loads(rest))
        except (orjson.JSONDecodeError, ValueError):
            continue
        verdicts.setdefault(verdict.id, verdict)
    why = "the check ran past its time limit" if result.timed_out else "the checker stopped before reporting"
    return [verdicts.get(t.id) or DifferentialVerdict(id=t.id, status="unchecked", reason=why) for t in targets]
