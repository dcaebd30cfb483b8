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
from locogym.scenarios.defects.phrasing import Spot, Statement, describe
from locogym.scenarios.defects.refactors import Refactor, make_refactor

Evaluate = Callable[[dict[str, str], list[tuple[str, str, str, list[int]]]], list[list[str]]]
"""(files, [(path, module text, function, inputs)]) -> each function's outcomes on its inputs, its module loaded
from that text beside the project's own (in the sandbox)."""

INTENT_STEPS = (-5, -4, -3, -2, 2, 3, 4, 5)  # how far an intended change moves its number
_PARAMS = re.compile(r'@pytest\.mark\.parametrize\(\("value", "expected"\), (\[[^\n]*\])\)\n'
                     r"def test_(\w+)\(value: int, expected: int\) -> None:\n    assert (\w+)\(value\) == expected\n")


@dataclass
class Partner:
    """The second function a rule-wide intent names (the same number, moved the same way), and whether the change
    moved it there too: a rule applied in one place but not another is a defect (``partial_intent``)."""

    path: str
    function: str
    edit: Edit  # as stated (and as made, when applied)
    test_edit: Edit | None  # its updated test; None where the change left the function as it was

    @property
    def applied(self) -> bool:
        return self.test_edit is not None


@dataclass
class Intent:
    """One intended change: ``edit`` as the description states it, ``built`` as the change implements it
    (``built != edit`` for a faulty intent), the updated test, what the description states of it, and the second
    function of a rule stated for two (``partner``)."""

    id: str
    path: str
    function: str
    edit: Edit
    built: Edit
    test_edit: Edit
    statement: Statement
    summary: str
    partner: Partner | None = None

    @property
    def faulty(self) -> bool:
        return self.built.new != self.edit.new

    def defects(self) -> list[tuple[str, str, Edit, str]]:
        """What of this intent is a defect, as ``(id, kind, edit, summary)``: a number made otherwise than stated
        (``faulty_intent``), or the place the change left out (``partial_intent``: an edit that changes nothing,
        located where the number should have moved, so the diff has no line of it)."""
        if self.faulty:
            return [(self.id, "faulty_intent", self.built, self.summary)]
        if self.partner is not None and not self.partner.applied:
            left = self.partner.edit.model_copy(update={"new": self.partner.edit.old})
            return [(self.id, "partial_intent", left, self.summary)]
        return []

    def shipped(self) -> list[Refactor]:
        """What the change makes on purpose: each number moved as stated, and every updated test."""
        made = [] if self.faulty else [make_refactor("intended_change", self.path, [self.built], self.summary)]
        tests = [make_refactor("updated_test", self.test_edit.path, [self.test_edit], f"{self.function}: test updated")]
        partner = self.partner
        if partner is not None and partner.test_edit is not None:
            made.append(make_refactor("intended_change", partner.path, [partner.edit], self.summary))
            tests.append(make_refactor("updated_test", partner.test_edit.path, [partner.test_edit],
                                       f"{partner.function}: test updated"))
        return [*made, *tests]

    def places(self) -> list[tuple[str, str]]:
        """The (path, function) of every function the description names for this intent."""
        partner = [(self.partner.path, self.partner.function)] if self.partner is not None else []
        return [(self.path, self.function), *partner]


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
    move the number in the diff by the same steps, so the size of the move says nothing. ``partner`` is another
    function holding the same number in the same role (a rule the description may state for both)."""

    cand: _Candidate
    made: Edit
    stated_wrongly: Edit
    inputs: list[int]
    partner: _Candidate | None = None


def _draft(files: dict[str, str], cand: _Candidate, rng: random.Random, partner: _Candidate | None) -> _Draft:
    assert isinstance(cand.constant.value, int)
    old = cand.constant.value
    made = max(1, old + rng.choice(INTENT_STEPS))
    stated = made + rng.choice((-1, 1))
    edit = _moved(files, cand, made)
    inputs = sorted({v for c in (old, made, stated) for v in (c - 2, c - 1, c, c + 1, c + 2)}
                    | {rng.randint(-20, 120) for _ in range(6)})
    return _Draft(cand, edit, edit.model_copy(update={"new": str(stated)}), inputs, partner)


def _moved(files: dict[str, str], cand: _Candidate, number: int) -> Edit:
    start, end = SourceText(files[cand.path]).span(cand.constant)
    return Edit(path=cand.path, start=start, end=end, old=str(cand.constant.value), new=str(number))


def _drafts(files: dict[str, str], pool: list[_Candidate], rng: random.Random) -> list[_Draft]:
    """One draft per function, in pool order, each with the first function of the pool not yet used that holds its
    number in the same role (when there is one)."""
    drafts: list[_Draft] = []
    used: set[str] = set()
    for cand in pool:
        if cand.function in used:
            continue
        used.add(cand.function)
        partner = next((p for p in pool if p.function not in used and p.role == cand.role
                        and p.constant.value == cand.constant.value), None)
        if partner is not None:
            used.add(partner.function)
        drafts.append(_draft(files, cand, rng, partner))
    return drafts


def _rows(files: dict[str, str], draft: _Draft) -> list[tuple[str, str, str, list[int]]]:
    """What to run for a draft: its function before, as made and as stated wrongly; its partner before and moved."""
    cand, rows = draft.cand, []
    for edit in (None, draft.made, draft.stated_wrongly):
        rows.append((cand.path, _apply(files, edit)[cand.path], cand.function, draft.inputs))
    if draft.partner is not None:
        moved = _moved(files, draft.partner, int(draft.made.new))
        for edit in (None, moved):
            rows.append((draft.partner.path, _apply(files, edit)[draft.partner.path], draft.partner.function,
                         draft.inputs))
    return rows


def draw_intents(files: dict[str, str], avoid: set[str], rng: random.Random, count: int, faulty: int,
                 evaluate: Evaluate) -> list[Intent]:
    """Up to ``count`` intents in distinct functions, the first ``faulty`` of them faulty; each is kept only when
    it changes the function's behaviour (and a faulty one differs from its intent) on the inputs around the old
    and new numbers. A faulty intent is made off by one, or (``PARTIAL_SHARE`` of the time, when some draft's
    number stands in a second function) stated for both functions and made in one only; a correct one with such a
    partner is stated and made for both ``PAIR_SHARE`` of the time. One sandbox run computes every draft's outcomes."""
    pool = candidates(files, avoid)
    rng.shuffle(pool)
    drafts = _drafts(files, pool, rng)
    rows = [_rows(files, d) for d in drafts]
    flat = evaluate(files, [r for rs in rows for r in rs]) if drafts else []
    evaluated: list[tuple[_Draft, list[list[str]]]] = []
    for draft, own in zip(drafts, rows, strict=True):
        evaluated.append((draft, flat[:len(own)]))
        flat = flat[len(own):]
    partial = faulty > 0 and rng.random() < PARTIAL_SHARE
    if partial:  # the faulty intent is a rule left out of one function: the drafts that can be one go first
        evaluated.sort(key=lambda item: _partner_outcomes(item[0], item[1][3:]) is None)
    chosen: list[Intent] = []
    for draft, outcomes in evaluated:
        if len(chosen) == count:
            break
        wrong = len(chosen) < faulty
        pair = _partner_outcomes(draft, outcomes[3:])
        if pair is not None and not (partial if wrong else rng.random() < PAIR_SHARE):
            pair = None
        intent = _intent(files, draft, rng, outcomes[:3], wrong, pair)
        if intent is not None:
            chosen.append(intent)
    return chosen


PARTIAL_SHARE = 0.5  # of faulty intents: a rule stated for two functions and made in one (where the project has one)
PAIR_SHARE = 0.4  # of correct intents with a partner: stated and made for both


def _partner_outcomes(draft: _Draft, outcomes: list[list[str]]) -> tuple[list[str], list[str]] | None:
    """The partner's outcomes (before, moved) when moving its number changes its behaviour without an error."""
    if draft.partner is None or len(outcomes) != 2:
        return None
    before, moved = outcomes
    if before == moved or any(o.startswith("error") for o in moved):
        return None
    return before, moved


def _test_update(files: dict[str, str], cand: _Candidate, inputs: list[int], before: list[str], shipped: list[str],
                 intended: list[str], rng: random.Random) -> Edit | None:
    """The test's new parameter list: an input whose result changed, and two where the shipped code agrees with
    the intended one (the author's test passes on the author's code); None when nothing changed."""
    before_of = dict(zip(inputs, before, strict=True))
    pinned = list(zip(inputs, shipped, strict=True))
    changed = [(v, o) for v, o in pinned if o != before_of[v]]
    agree = [(v, o) for (v, o), i in zip(pinned, intended, strict=True) if o == i] or pinned
    if not changed:
        return None
    pairs = sorted({changed[0], *rng.sample(agree, min(2, len(agree)))})
    lo, hi = cand.test_span
    test_text = files[cand.test_path]
    return Edit(path=cand.test_path, start=lo, end=hi, old=test_text[lo:hi],
                new="[" + ", ".join(f"({v}, {o})" for v, o in pairs) + "]")


def _intent(files: dict[str, str], draft: _Draft, rng: random.Random, outcomes: list[list[str]], wrong: bool,
            pair: tuple[list[str], list[str]] | None) -> Intent | None:
    """The intent of a draft, or None when it changes nothing, fails, or its faulty version agrees with what it
    states everywhere. Faulty (``wrong``) without a ``pair``: the description states the other number; with one:
    the rule is stated for both functions and made in the draft's only."""
    before, made, stated = outcomes
    off_by_one = wrong and pair is None
    intended = stated if off_by_one else made
    if before == made or any(o.startswith("error") for o in intended + made) or (off_by_one and made == intended):
        return None
    cand, built = draft.cand, draft.made
    test_edit = _test_update(files, cand, draft.inputs, before, made, intended, rng)
    if test_edit is None:
        return None
    edit = draft.stated_wrongly if off_by_one else built
    partner = None
    spots = [_spot(files, cand, edit.new)]
    if pair is not None and draft.partner is not None:
        moved = _moved(files, draft.partner, int(built.new))
        partner_test = None if wrong else _test_update(files, draft.partner, draft.inputs, *pair, pair[1], rng)
        partner = Partner(draft.partner.path, draft.partner.function, moved, partner_test)
        spots.append(_spot(files, draft.partner, edit.new))
    statement = Statement(spots=tuple(spots), role=cand.role, old=edit.old, new=edit.new)
    return Intent(id=f"intent-{cand.path}-{cand.function}-{edit.start}-{edit.new}-{built.new}", path=cand.path,
                  function=cand.function, edit=edit, built=built, test_edit=test_edit, statement=statement,
                  summary=_summary(statement, built, off_by_one, wrong), partner=partner)


def _summary(statement: Statement, built: Edit, off_by_one: bool, wrong: bool) -> str:
    names = " and ".join(f"`{s.function}`" for s in statement.spots)
    if off_by_one:
        return (f"{names}: the description says `{statement.old}` becomes `{statement.new}`, the change makes it "
                f"`{built.new}`")
    if wrong:
        return (f"{names}: the description says `{statement.old}` becomes `{statement.new}` in both, the change "
                f"leaves `{statement.spots[-1].function}` as it was")
    return f"{names}: `{statement.old}` becomes `{statement.new}`"


def _spot(files: dict[str, str], cand: _Candidate, new: str) -> Spot:
    segment, segment_new = _segment(files[cand.path], cand.constant, new)
    return Spot(function=cand.function, path=cand.path, segment=segment, segment_new=segment_new)


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
