"""Intended behaviour changes: what a review's change is *for*, so that a changed behaviour alone is no bug.

A change with a purpose moves a rule of the project on purpose — a threshold, a rate, an offset — says so in
its description, and ships the updated test that pins the new behaviour. Running the old and new code side by
side then flags the intended changes as loudly as the bugs; telling them apart takes reading the description
against the code. Beside the intended changes, one intent may be implemented wrongly: the new number is off by
one from the one the description states. Such a *faulty intent* is a defect: the correct implementation's tests
(withheld) fail on it, while the test the change ships only pins inputs where the two agree.

Intents are drawn where the test of the function can be updated mechanically: a top-level ``(value: int) ->
int`` function whose test is ``test_<name>``, parametrised over ``("value", "expected")``. The expected values
are computed by calling the intended function in the sandbox, never guessed.
"""

from __future__ import annotations

import ast
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from locogym.scenarios.defects.edits import Edit, SourceText
from locogym.scenarios.defects.mutations import is_test_path

Evaluate = Callable[[dict[str, str], list[tuple[str, str, list[int]]]], list[list[str]]]
"""(files, [(path, function, inputs)]) -> the outcome of each call, in the sandbox."""

_STEPS = (-5, -4, -3, -2, 2, 3, 4, 5)
_PARAMS = re.compile(r'@pytest\.mark\.parametrize\(\("value", "expected"\), (\[[^\n]*\])\)\n'
                     r"def test_(\w+)\(value: int, expected: int\) -> None:\n    assert (\w+)\(value\) == expected\n")


@dataclass
class Intent:
    """One intended change: ``edit`` as the description states it, ``built`` as the change implements it
    (``built != edit`` for a faulty intent), the updated test, and the description's line."""

    id: str
    path: str
    function: str
    edit: Edit
    built: Edit
    test_edit: Edit
    description: str
    summary: str

    @property
    def faulty(self) -> bool:
        return self.built.new != self.edit.new


@dataclass
class _Candidate:
    path: str
    function: str
    constant: ast.Constant
    role: str
    test_path: str
    test_span: tuple[int, int]  # the parametrize list of its test


def candidates(files: dict[str, str], avoid: set[str]) -> list[_Candidate]:
    """Every constant an intent could move, in file and source order (functions named in ``avoid`` excluded)."""
    tests: dict[str, tuple[str, tuple[int, int]]] = {}
    for path, text in sorted(files.items()):
        if path.endswith(".py") and is_test_path(path):
            for match in _PARAMS.finditer(text):
                if match.group(2) == match.group(3):
                    tests.setdefault(match.group(2), (path, match.span(1)))
    found = []
    for path, text in sorted(files.items()):
        if not path.endswith(".py") or is_test_path(path) or path.endswith("__init__.py"):
            continue
        for func in ast.parse(text).body:
            if not isinstance(func, ast.FunctionDef) or not _plain_int_function(func) or func.name in avoid \
                    or func.name not in tests:
                continue
            parents = {id(c): p for p in ast.walk(func) for c in ast.iter_child_nodes(p)}
            for node in ast.walk(func):
                if isinstance(node, ast.Constant) and type(node.value) is int and node.value >= 2:
                    role = "bound" if isinstance(parents.get(id(node)), ast.Compare) else "term"
                    found.append(_Candidate(path, func.name, node, role, *tests[func.name]))
    return found


def _plain_int_function(node: ast.stmt) -> bool:
    if not isinstance(node, ast.FunctionDef) or node.decorator_list or len(node.args.args) != 1:
        return False
    arg = node.args.args[0]
    return arg.arg == "value" and arg.annotation is not None and ast.unparse(arg.annotation) == "int" \
        and node.returns is not None and ast.unparse(node.returns) == "int"


def draw_intents(files: dict[str, str], avoid: set[str], rng: random.Random, count: int, faulty: int,
                 evaluate: Evaluate) -> list[Intent]:
    """Up to ``count`` intents in distinct functions, the last ``faulty`` of them implemented off by one; each
    is kept only when it changes the function's behaviour (and a faulty one differs from its intent) on the
    inputs around the old and new numbers."""
    pool = candidates(files, avoid)
    rng.shuffle(pool)
    chosen: list[Intent] = []
    used: set[str] = set()
    for cand in pool:
        if len(chosen) == count:
            break
        if cand.function in used:
            continue
        intent = _make(files, cand, rng, wrong=len(chosen) >= count - faulty, evaluate=evaluate)
        if intent is not None:
            chosen.append(intent)
            used.add(cand.function)
    return chosen


def _make(files: dict[str, str], cand: _Candidate, rng: random.Random, wrong: bool,
          evaluate: Evaluate) -> Intent | None:
    assert isinstance(cand.constant.value, int)
    old = cand.constant.value
    new = max(1, old + rng.choice(_STEPS))
    built_value = new + rng.choice((-1, 1)) if wrong else new
    src = SourceText(files[cand.path])
    start, end = src.span(cand.constant)
    edit = Edit(path=cand.path, start=start, end=end, old=str(old), new=str(new))
    built = edit.model_copy(update={"new": str(built_value)})
    inputs = sorted({v for c in (old, new, built_value) for v in (c - 2, c - 1, c, c + 1, c + 2)}
                    | {rng.randint(-20, 120) for _ in range(6)})
    runs = [_apply(files, e) for e in (None, edit, built)]
    outcomes = [evaluate(f, [(cand.path, cand.function, inputs)])[0] for f in runs]
    before, intended, shipped = outcomes
    if before == intended or "error" in intended or (wrong and intended == shipped):
        return None
    before_of = dict(zip(inputs, before, strict=True))
    agree = [(v, o) for v, o, s in zip(inputs, intended, shipped, strict=True) if o == s]
    changed = [(v, o) for v, o in agree if o != before_of[v]]
    if not changed:
        return None
    pairs = sorted({changed[0], *rng.sample(agree, min(2, len(agree)))})
    test_text = files[cand.test_path]
    lo, hi = cand.test_span
    test_edit = Edit(path=cand.test_path, start=lo, end=hi, old=test_text[lo:hi],
                     new="[" + ", ".join(f"({v}, {o})" for v, o in pairs) + "]")
    where = _segment(files[cand.path], cand.constant)
    what = f"the threshold of its `{where}` check" if cand.role == "bound" else f"the number in `{where}`"
    line = f"- `{cand.function}` (`{cand.path}`): {what}, `{old}` becomes `{new}`."
    summary = (f"`{cand.function}`: the description says `{old}` becomes `{new}`, the change makes it "
               f"`{built_value}`") if wrong else f"`{cand.function}`: `{old}` becomes `{new}` as described"
    ident = f"intent-{cand.path}-{cand.function}-{start}-{new}-{built_value}"
    return Intent(id=ident, path=cand.path, function=cand.function, edit=edit, built=built, test_edit=test_edit,
                  description=line, summary=summary)


def _segment(text: str, constant: ast.Constant) -> str:
    """The comparison or expression a number sits in, read off its line."""
    line = text.splitlines()[constant.lineno - 1].strip()
    return line.removeprefix("if ").removeprefix("return ").removesuffix(":")


def _apply(files: dict[str, str], edit: Edit | None) -> dict[str, str]:
    if edit is None:
        return files
    text = files[edit.path]
    return {**files, edit.path: text[:edit.start] + edit.new + text[edit.end:]}


def describe_change(intents: list[Intent], rng: random.Random) -> str:
    """The pull-request description: what the change means to do (every intent, faulty or not, as stated)."""
    opening = rng.choice(["This change retunes a few pricing and scoring rules and tidies the code around them.",
                          "Rules tuned after the quarterly review, plus some clean-up of the touched modules.",
                          "Adjusts several thresholds and rates to the new policy; the rest is refactoring."])
    lines = sorted(i.description for i in intents)
    return "\n".join([opening, "", "Intended behaviour changes (the updated tests pin them):", *lines,
                      "", "Everything else in the diff is meant to keep behaviour as it is."])


EVAL_SCRIPT = r"""
import importlib, json, signal, sys
sys.path.insert(0, sys.argv[2])
def stop(*_):
    raise TimeoutError
signal.signal(signal.SIGALRM, stop)
out = []
for path, name, inputs in json.load(open(sys.argv[1])):
    module = importlib.import_module(path[:-3].replace("/", "."))
    func = getattr(module, name)
    row = []
    for value in inputs:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        try:
            row.append(repr(func(value)))
        except BaseException as exc:
            row.append("error " + type(exc).__name__)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    out.append(row)
print(json.dumps(out))
"""


def parse_outcomes(stdout: str) -> list[list[str]]:
    """The script's report: the last line of its output."""
    rows = json.loads(stdout.strip().splitlines()[-1])
    return [[str(v) for v in row] for row in rows]
