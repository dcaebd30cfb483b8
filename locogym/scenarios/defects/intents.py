"""Intended behaviour changes: what a review's change is *for*, so that a changed behaviour alone is no bug.

A change with a purpose moves a rule of the project on purpose — a threshold, a rate, an offset — says so in
its description, and ships the updated test that pins the new behaviour. Running the old and new code side by
side then flags the intended changes as loudly as the bugs; telling them apart takes reading the description
against the code. Beside the intended changes, one intent may be implemented wrongly: the new number is off by
one from the one the description states (the change moves the number by the same steps as a correct intent's; the
description states one more or one less). Such a *faulty intent* is a defect: the correct implementation's tests
(withheld) fail on it, while the test the change ships passes on it, as its author's would (it pins inputs where
the two agree when there are such, and the faulty results otherwise).

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
from locogym.scenarios.defects.phrasing import Statement, describe

Evaluate = Callable[[dict[str, str], list[tuple[str, str, str, list[int]]]], list[list[str]]]
"""(files, [(path, module text, function, inputs)]) -> each function's outcomes on its inputs, its module loaded
from that text beside the project's own (in the sandbox)."""

INTENT_STEPS = (-5, -4, -3, -2, 2, 3, 4, 5)  # how far an intended change moves its number
_PARAMS = re.compile(r'@pytest\.mark\.parametrize\(\("value", "expected"\), (\[[^\n]*\])\)\n'
                     r"def test_(\w+)\(value: int, expected: int\) -> None:\n    assert (\w+)\(value\) == expected\n")


@dataclass
class Intent:
    """One intended change: ``edit`` as the description states it, ``built`` as the change implements it
    (``built != edit`` for a faulty intent), the updated test, and what the description states of it."""

    id: str
    path: str
    function: str
    edit: Edit
    built: Edit
    test_edit: Edit
    statement: Statement
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


@dataclass
class _Draft:
    """A candidate intent before its behaviour is known: the number moved by a step (what the change makes, faulty
    or not), and moved one further or one short (what a faulty intent's description states instead). Both kinds
    move the number in the diff by the same steps, so the size of the move says nothing."""

    cand: _Candidate
    made: Edit
    stated_wrongly: Edit
    inputs: list[int]


def _draft(files: dict[str, str], cand: _Candidate, rng: random.Random) -> _Draft:
    assert isinstance(cand.constant.value, int)
    old = cand.constant.value
    made = max(1, old + rng.choice(INTENT_STEPS))
    stated = made + rng.choice((-1, 1))
    start, end = SourceText(files[cand.path]).span(cand.constant)
    edit = Edit(path=cand.path, start=start, end=end, old=str(old), new=str(made))
    inputs = sorted({v for c in (old, made, stated) for v in (c - 2, c - 1, c, c + 1, c + 2)}
                    | {rng.randint(-20, 120) for _ in range(6)})
    return _Draft(cand, edit, edit.model_copy(update={"new": str(stated)}), inputs)


def draw_intents(files: dict[str, str], avoid: set[str], rng: random.Random, count: int, faulty: int,
                 evaluate: Evaluate) -> list[Intent]:
    """Up to ``count`` intents in distinct functions, the first ``faulty`` of them implemented off by one; each
    is kept only when it changes the function's behaviour (and a faulty one differs from its intent) on the
    inputs around the old and new numbers. One sandbox run computes every draft's outcomes."""
    pool = candidates(files, avoid)
    rng.shuffle(pool)
    drafts: list[_Draft] = []
    for cand in pool:
        if cand.function not in {d.cand.function for d in drafts}:
            drafts.append(_draft(files, cand, rng))
    rows = [(d.cand.path, text, d.cand.function, d.inputs) for d in drafts
            for text in (files[d.cand.path], _apply(files, d.made)[d.cand.path],
                         _apply(files, d.stated_wrongly)[d.cand.path])]
    outcomes = evaluate(files, rows) if rows else []
    chosen: list[Intent] = []
    for index, draft in enumerate(drafts):
        if len(chosen) == count:
            break
        before, made, stated = outcomes[3 * index:3 * index + 3]
        wrong = len(chosen) < faulty
        intent = _intent(files, draft, rng, before, stated if wrong else made, made, wrong)
        if intent is not None:
            chosen.append(intent)
    return chosen


def _intent(files: dict[str, str], draft: _Draft, rng: random.Random, before: list[str], intended: list[str],
            shipped: list[str], wrong: bool) -> Intent | None:
    """The intent of a draft (faulty when ``wrong``: the description states the other number), or None when it
    changes nothing, fails, or its faulty version agrees with what it states everywhere."""
    if before == shipped or any(o.startswith("error") for o in intended + shipped) or (wrong and shipped == intended):
        return None
    before_of = dict(zip(draft.inputs, before, strict=True))
    pinned = list(zip(draft.inputs, shipped, strict=True))  # the author's test passes on the author's code
    changed = [(v, o) for v, o in pinned if o != before_of[v]]
    agree = [(v, o) for (v, o), i in zip(pinned, intended, strict=True) if o == i] or pinned
    if not changed:
        return None
    cand, built = draft.cand, draft.made
    edit = draft.stated_wrongly if wrong else built
    pairs = sorted({changed[0], *rng.sample(agree, min(2, len(agree)))})
    lo, hi = cand.test_span
    test_text = files[cand.test_path]
    test_edit = Edit(path=cand.test_path, start=lo, end=hi, old=test_text[lo:hi],
                     new="[" + ", ".join(f"({v}, {o})" for v, o in pairs) + "]")
    where, where_new = _segment(files[cand.path], cand.constant, edit.new)
    statement = Statement(function=cand.function, path=cand.path, role=cand.role, segment=where,
                          segment_new=where_new, old=edit.old, new=edit.new)
    summary = (f"`{cand.function}`: the description says `{edit.old}` becomes `{edit.new}`, the change makes it "
               f"`{built.new}`") if wrong else f"`{cand.function}`: `{edit.old}` becomes `{edit.new}`"
    ident = f"intent-{cand.path}-{cand.function}-{edit.start}-{edit.new}-{built.new}"
    return Intent(id=ident, path=cand.path, function=cand.function, edit=edit, built=built, test_edit=test_edit,
                  statement=statement, summary=summary)


def _segment(text: str, constant: ast.Constant, new: str) -> tuple[str, str]:
    """The comparison or expression a number sits in, read off its line, as it is and with the number ``new``."""
    line = text.splitlines()[constant.lineno - 1]
    changed = line[:constant.col_offset] + new + line[constant.end_col_offset or constant.col_offset:]

    def bare(code: str) -> str:
        return code.strip().removeprefix("if ").removeprefix("return ").removesuffix(":")

    return bare(line), bare(changed)


def _apply(files: dict[str, str], edit: Edit | None) -> dict[str, str]:
    if edit is None:
        return files
    text = files[edit.path]
    return {**files, edit.path: text[:edit.start] + edit.new + text[edit.end:]}


def describe_change(intents: list[Intent], rng: random.Random) -> str:
    """The pull-request description: what the change means to do (every intent, faulty or not, as stated), in
    words drawn from ``rng`` (:mod:`~locogym.scenarios.defects.phrasing`)."""
    return describe([i.statement for i in intents], rng)


EVAL_SCRIPT = r"""
import json, signal, sys, types
sys.path.insert(0, sys.argv[2])
def stop(*_):
    raise TimeoutError
signal.signal(signal.SIGALRM, stop)
def load(path, text):
    name = path[:-3].replace("/", ".")
    module = types.ModuleType(name)
    module.__package__, module.__file__ = name.rpartition(".")[0], path
    saved = sys.modules.get(name)
    sys.modules[name] = module
    try:
        exec(compile(text, path, "exec"), module.__dict__)
    finally:
        if saved is not None:
            sys.modules[name] = saved
    return module
out = []
for path, text, name, inputs in json.load(open(sys.argv[1])):
    row = []
    try:
        func = getattr(load(path, text), name)
    except BaseException as exc:
        out.append(["error " + type(exc).__name__] * len(inputs))
        continue
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
