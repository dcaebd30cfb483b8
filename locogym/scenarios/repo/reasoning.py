"""Questions a text search cannot answer: they need code read and followed across files.

* ``return_value`` — what a call such as ``pkg.mod.f(-7)`` returns, where ``f`` calls functions of at least
  one other file. The gold is not computed by the index: the project is written to a scratch folder and the
  call is run by a fresh Python interpreter (``-I``, no site, no environment), so the answer is what the code
  does. The argument lies outside every input the generated tests use, so no expected value in the tests gives
  it away.
* ``impact`` — which public functions and methods reach a function through calls, directly or through other
  functions (private and nested ones included on the way). It is asked only when every call on the way is
  resolved by the index (:meth:`~locogym.scenarios.repo.index.CodeIndex.callers_complete` at every step), so
  the set is exact; it must differ from the direct callers, or it would ask ``callers`` again.
* ``argument`` — data flow: when such a call runs, with which argument is a function it reaches only through
  another one (in another file than the start) called the first time? The gold is read by the same run, with a
  trace hook on that function's code object, so it holds however the function is imported or aliased.

Each says what counts in the question itself, so each has one defensible answer.
"""

from __future__ import annotations

import ast
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from locogym.scenarios.repo import run_questions, ts_runs
from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.question_base import (
    WHO_CALLS,
    Question,
    askable,
    describe,
    is_test_path,
    reads_for,
)

MAX_CLOSURE = 10  # functions a traced call may pass through: enough for several files, few enough to read
MAX_IMPACT = 10
RUN_TIMEOUT_S = 60
# The call runs in a thread with a deep stack: a long project's modules import one another in chains far deeper
# than the interpreter's default recursion limit allows; an exception still ends the process with status 1.
_RUNNER = (
    "import importlib, sys, threading, traceback\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "sys.setrecursionlimit(200000)\n"
    "threading.stack_size(512 * 1024 * 1024)\n"
    "failed = []\n"
    "def main():\n"
    "    try:\n"
    "        module = importlib.import_module(sys.argv[2])\n"
    "        first = []\n"
    "        if len(sys.argv) > 5:\n"
    "            watched = getattr(importlib.import_module(sys.argv[5]), sys.argv[6]).__code__\n"
    "            def tracer(frame, event, arg):\n"
    "                if event == 'call' and frame.f_code is watched and not first:\n"
    "                    first.append(frame.f_locals[watched.co_varnames[0]])\n"
    "            sys.settrace(tracer)\n"
    "        result = getattr(module, sys.argv[3])(int(sys.argv[4]))\n"
    "        sys.settrace(None)\n"
    "        print(repr([result, first[0] if first else None]))\n"
    "    except BaseException:\n"
    "        failed.append(traceback.format_exc())\n"
    "thread = threading.Thread(target=main)\n"
    "thread.start()\n"
    "thread.join()\n"
    "if failed:\n"
    "    sys.stderr.write(failed[0])\n"
    "    sys.exit(1)\n"
)


# ---------------------------------------------------------------------------------------------- return value
def argument_for(qual: str) -> int:
    """The argument a value question passes to ``qual``: seeded by the name, below 0 or above 90 — outside the
    inputs the generated tests use (0-90), so no test states the answer."""
    rng = random.Random(f"return-value-argument:{qual}")
    return rng.randint(-40, -1) if rng.random() < 0.5 else rng.randint(91, 160)


def _takes_int(signature: str) -> bool:
    """``def f(value: int) -> int``: one integer in, an integer out (what the call is asked with)."""
    return re.search(r"\(\s*value\s*:\s*int\s*\)\s*->\s*int$", signature) is not None


def callee_closure(index: CodeIndex, qual: str) -> list[str] | None:
    """Every project function ``qual`` reaches through calls (itself first), or ``None`` when a call on
    the way may reach code the index did not resolve, or the closure is too large to trace by reading."""
    seen, todo = [qual], [qual]
    while todo:
        current = todo.pop()
        if index.may_call_unknown(current):
            return None
        for callee in index.callees(current):
            if not askable(index, callee) or index.definitions[callee].kind != "function":
                return None
            if callee not in seen:
                seen.append(callee)
                todo.append(callee)
        if len(seen) > MAX_CLOSURE:
            return None
    return seen


def return_value_keys(index: CodeIndex, files: dict[str, str] | None = None) -> list[tuple[Any, ...]]:
    """Module-level ``f(value: int) -> int`` functions of Python files whose calls reach another file; with the
    project's ``files``, also the literal calls of real code (:mod:`.run_questions`)."""
    keys: list[tuple[Any, ...]] = []
    for qual, d in sorted(index.definitions.items()):
        if (
            d.kind != "function"
            or d.parent is not None
            or not d.path.endswith(".py")
            or is_test_path(d.path)
            or not askable(index, qual)
            or not _takes_int(d.signature)
        ):
            continue
        closure = callee_closure(index, qual)
        if closure and len(closure) >= 3 and len({index.definitions[q].path for q in closure}) >= 2:
            keys.append(("return_value", qual, argument_for(qual)))
    if files is not None:
        shaped = {k[1] for k in keys}
        keys += [k for k in run_questions.literal_value_keys(index, files) if k[1] not in shaped]
        keys += ts_runs.value_keys(index, files)
    return keys


def run_call(
    files: dict[str, str], module: str, name: str, argument: int, watch: tuple[str, str] | None = None
) -> tuple[Any, Any]:
    """What ``module.name(argument)`` returns when the Python files of ``files`` are run by a fresh
    interpreter, and, with ``watch`` (a module and a function name), the argument that function is first
    called with on the way (``None`` when it is not called), seen by a trace hook on its code object — however
    it is imported.

    Raises:
        RuntimeError: the call failed or printed no value (a defect of the generated code, never an answer).
    """
    with tempfile.TemporaryDirectory(prefix="locogym-trace-") as tmp:
        root = Path(tmp)
        for path, text in files.items():
            if path.endswith(".py") and not is_test_path(path):  # the code under test never imports its tests
                target = root / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        argv = [sys.executable, "-I", "-B", "-c", _RUNNER, tmp, module, name, str(argument), *(watch or ())]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, env={})
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RuntimeError(
            f"Running {module}.{name}({argument}) on the project failed (exit {proc.returncode}): "
            f"{proc.stderr.strip()[-400:]}"
        )
    result, first = ast.literal_eval(proc.stdout.strip())
    return result, first


def build_return_value(
    index: CodeIndex, key: tuple[Any, ...], variant: str, files: dict[str, str]
) -> Question | None:
    _, qual, argument = key
    if isinstance(argument, (tuple, list)) and ts_runs.is_ts(index, qual):
        return ts_runs.build_value(index, key, variant, files)
    if isinstance(argument, (tuple, list)):
        return run_questions.build_literal_value(index, key, variant, files)
    d = index.definitions.get(qual)
    if d is None or not askable(index, qual) or d.parent is not None:
        return None
    closure = callee_closure(index, qual)
    if not closure or len({index.definitions[q].path for q in closure}) < 2:
        return None
    module = qual.rpartition(".")[0]
    value, _ = run_call(files, module, d.name, argument)
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    rule = (
        "It calls other functions of this project, some in other files: follow every call. Answer with the "
        "integer it returns."
    )
    if variant == "literal":
        text = f"What does `{qual}({argument})` return? {rule}"
    else:
        desc = describe(index, d)
        if desc is None:
            return None
        text = f"Call {desc} with the argument {argument}. What does it return? {rule}"
    spans = sorted(
        {
            (index.definitions[q].path, index.definitions[q].line, index.definitions[q].end_line)
            for q in closure
        }
    )
    return Question("return_value", variant, key, text, value, spans, reads_for(spans, pad=0))


# ---------------------------------------------------------------------------------------------- impact
def is_public(index: CodeIndex, qual: str) -> bool:
    """A function or method outside the tests, not nested in a function, with no part of its name private
    (``_x``, ``#x``; in Go, every part exported)."""
    d = index.definitions[qual]
    if d.kind not in {"function", "method"} or is_test_path(d.path) or d.path.endswith("_test.go"):
        return False
    parts = [d.name]
    parent = d.parent
    while parent is not None:
        outer = index.definitions.get(parent)
        if outer is None or outer.kind not in {"class", "type", "interface", "struct", "impl"}:
            return False
        parts.append(outer.name)
        parent = outer.parent
    if d.path.endswith(".go"):
        owner = qual.rpartition("::")[2].split(".")
        return all(p[:1].isupper() for p in owner)
    return not any(p.startswith(("_", "#")) for p in parts)


def reaching(index: CodeIndex, qual: str) -> list[str] | None:
    """Every definition that reaches ``qual`` through calls, or ``None`` when a step's callers are not exact
    (an unresolved call of the same name, or a call from module level, which no definition makes)."""
    seen: list[str] = []
    todo = [qual]
    while todo:
        current = todo.pop()
        if not index.callers_complete(current):
            return None
        for caller in index.callers(current):
            if not askable(index, caller):
                return None
            if caller not in seen and caller != qual:
                seen.append(caller)
                todo.append(caller)
        if len(seen) > 4 * MAX_IMPACT:
            return None
    return sorted(seen)


def impact_keys(index: CodeIndex) -> list[tuple[Any, ...]]:
    keys = []
    for qual, d in sorted(index.definitions.items()):
        if (
            d.kind in {"function", "method"}
            and not is_test_path(d.path)
            and askable(index, qual)
            and _impact(index, qual) is not None
        ):
            keys.append(("impact", qual))
    return keys


def _impact(index: CodeIndex, qual: str) -> tuple[list[str], list[str]] | None:
    """(the public functions reaching ``qual``, every definition on the way) when askable: 2 to 10 of
    them, and at least one reached only through another function."""
    every = reaching(index, qual)
    if every is None:
        return None
    public = [q for q in every if is_public(index, q)]
    direct = set(index.callers(qual))
    if not 2 <= len(public) <= MAX_IMPACT or set(public) <= direct:
        return None
    return public, every


def build_impact(
    index: CodeIndex, key: tuple[Any, ...], variant: str, files: dict[str, str]
) -> Question | None:
    _, qual = key
    if qual not in index.definitions or not askable(index, qual):
        return None
    found = _impact(index, qual)
    if found is None:
        return None
    public, every = found
    rule = (
        "Which public functions and methods reach it through calls, directly or through other functions? "
        "A chain of calls may pass through any function, private and nested ones included; list only the "
        "public ones: outside the tests, not nested inside another function, and with no part of the "
        "qualified name private (starting with an underscore or #; in Go, not capitalised). "
        f"{WHO_CALLS} Answer with the list of their qualified names."
    )
    if variant == "literal":
        text = f"Consider `{qual}`. {rule}"
    else:
        desc = describe(index, index.definitions[qual])
        if desc is None:
            return None
        text = f"Consider {desc}. {rule}"
    spans = sorted({(path, line, line) for q in [qual, *every] for _, path, line in index.call_sites(q)})
    return Question("impact", variant, key, text, public, spans, reads_for(spans))


# ---------------------------------------------------------------------------------------------- argument flow
def argument_keys(index: CodeIndex, files: dict[str, str] | None = None) -> list[tuple[Any, ...]]:
    """(start, target, argument): a function the start's call reaches only through another one, in
    another file; with the project's ``files``, also those of real code's literal calls (:mod:`.run_questions`)."""
    keys: list[tuple[Any, ...]] = []
    if files is not None:
        keys += run_questions.literal_argument_keys(index, files)
        keys += ts_runs.argument_keys(index, files)
    for _, start, argument in return_value_keys(index):
        closure = callee_closure(index, start) or []
        direct = set(index.callees(start))
        here = index.definitions[start].path
        keys += [
            ("argument", start, target, argument)
            for target in closure[1:]
            if target not in direct and index.definitions[target].path != here
        ]
    return keys


def build_argument(
    index: CodeIndex, key: tuple[Any, ...], variant: str, files: dict[str, str]
) -> Question | None:
    _, start, target, argument = key
    if isinstance(argument, (tuple, list)) and ts_runs.is_ts(index, start):
        return ts_runs.build_argument(index, key, variant, files)
    if isinstance(argument, (tuple, list)):
        return run_questions.build_literal_argument(index, key, variant, files)
    d, t = index.definitions.get(start), index.definitions.get(target)
    if (
        d is None
        or t is None
        or not askable(index, start)
        or not askable(index, target)
        or d.parent is not None
    ):
        return None
    closure = callee_closure(index, start)
    if not closure or target not in closure[1:] or target in index.callees(start):
        return None
    _, first = run_call(
        files, start.rpartition(".")[0], d.name, argument, (target.rpartition(".")[0], t.name)
    )
    if not isinstance(first, int) or isinstance(first, bool):
        return None
    rule = (
        "It gets there through other functions of this project, in other files. With which argument is it "
        "called the first time? Answer with the integer."
    )
    if variant == "literal":
        text = f"When `{start}({argument})` runs, it calls `{target}` on the way. {rule}"
    else:
        start_desc, target_desc = describe(index, d), describe(index, t)
        if start_desc is None or target_desc is None:
            return None
        text = f"When {start_desc} is called with {argument}, it calls {target_desc} on the way. {rule}"
    spans = sorted(
        {
            (index.definitions[q].path, index.definitions[q].line, index.definitions[q].end_line)
            for q in closure
        }
    )
    return Question("argument", variant, key, text, first, spans, reads_for(spans, pad=0))
