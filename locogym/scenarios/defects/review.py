"""Review changes: validated defects hidden among benign edits.

The benign edits are drawn from two pools in a seeded mix: the defect look-alikes of
:mod:`~locogym.scenarios.defects.twins` (``TWIN_SHARE`` of them; ``MIRROR`` of those imitate the operators of the
task's own defects, the rest each operator equally often) and ordinary refactors. Before the mix, each defect
brings the look-alikes of its very look (``SAME_LOOK``: a ``not (`` added, a guard's lines deleted, a number moved
by one), as many as the project holds up to ``SAME_LOOK_PER_DEFECT``: these are the scarce ones, and a filter for
one look must find the defect among them, not alone (and so for a faulty intended change, ``ALWAYS_IMITATED``:
its number moved by an intended change's step). Some defects get a benign
edit in their own neighbourhood, and so do look-alikes, at the same rate (``CAMOUFLAGE``): a hunk that mixes two
changes is no more likely to be one class than the other. Every benign edit is validated before use
(:func:`validate_benign`): a differential run of the functions it touches must find no change, and the
project's tests must still pass.

The change is a unified diff from the clean project to the project with refactors and defects applied. Each
defect and each benign hunk is located in the *new* files (the lines a reviewer comments on); a reviewer's findings
are graded against those locations by :mod:`~locogym.scenarios.defects.review_grading`.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import itertools
import random
from collections.abc import Callable, Collection, Sequence

from pydantic import BaseModel, Field

from locogym.scenarios.defects.behaviour import touched_functions
from locogym.scenarios.defects.edits import Edit, apply_edits
from locogym.scenarios.defects.mutations import is_test_path
from locogym.scenarios.defects.refactors import SAFE_KINDS, Refactor, find_refactors
from locogym.scenarios.defects.review_grading import Location
from locogym.scenarios.defects.twins import IMITATES, SAME_LOOK, TWIN_KINDS, find_twins, project_signatures

_TOKENS_PER_REFACTOR = 180  # a typical hunk with its context lines
TWIN_SHARE = 0.8  # share of benign edits drawn from the defect look-alikes
MIRROR = 0.75  # share of look-alikes that imitate one of the task's own defect operators
SAME_LOOK_PER_DEFECT = 30  # look-alikes of a defect's exact look drawn first, at most (the pools are rarely larger)
# Looks every change imitates, whatever its defects: a change with a purpose moves numbers by an intended change's
# steps (its faulty intent too), so numbers moved that far must be common in every diff, not the intents' alone.
ALWAYS_IMITATED = ("faulty_intent",)
CAMOUFLAGE = 0.8  # chance that a defect or a look-alike gets another benign edit within a few lines of it
_NEAR_LINES = 4
_CROWD = 3  # at most this many edits within _NEAR_LINES of each other: a defect and its two neighbours
BehaviourCheck = Callable[[dict[str, str], dict[str, list[str]]], dict[str, str]]  # (files, functions) -> verdicts
SuiteCheck = Callable[[dict[str, str]], bool]  # edited files -> every test that passed still passes


class ReviewChange(BaseModel):
    """The change under review: the new files, its diff (and each file's section of it), where the defects and the
    benign hunks are."""

    files_after: dict[str, str]
    diff: str
    defects: list[Location]
    benign: list[Location] = Field(default_factory=list)
    sections: dict[str, str] = Field(default_factory=dict)


def _span_lines(files: dict[str, str], edits: list[Edit], target: Edit) -> tuple[int, int]:
    """Lines covered by ``target``'s replacement once every edit of the file is applied."""
    text = files[target.path]
    delta = sum(e.new.count("\n") - e.old.count("\n") for e in edits
                if e.path == target.path and (e.end, e.start) <= (target.start, target.start) and e is not target)
    first = text.count("\n", 0, target.start) + 1 + delta
    return first, first + max(0, target.new.rstrip("\n").count("\n"))


def benign_count(target_tokens: int) -> int:
    """How many benign edits a diff of about ``target_tokens`` holds."""
    return max(4, target_tokens // _TOKENS_PER_REFACTOR)


def benign_candidates(files: dict[str, str], paths: Collection[str] | None = None) -> list[Refactor]:
    """Every refactor and defect look-alike of the project's non-test modules (of those in ``paths``, when
    given), in file and source order. Look-alikes that pass arguments by keyword read the signatures of the whole
    project."""
    modules = {p: t for p, t in sorted(files.items()) if p.endswith(".py") and not is_test_path(p)}
    signatures = project_signatures(modules)
    return [r for path, text in modules.items() if paths is None or path in paths
            for r in (*find_refactors(path, text), *find_twins(path, text, signatures))]


def choose_refactors(files: dict[str, str], blocked: list[Edit], rng: random.Random, target_tokens: int,
                     spare: int = 0, imitate: Sequence[str] = (), paths: Collection[str] | None = None,
                     count: int | None = None) -> list[Refactor]:
    """Seeded benign edits whose edits overlap neither the defects (``blocked``) nor each other.

    ``spare`` more than the diff needs are chosen, so that validation can drop some and keep the length.
    ``imitate`` names the defects' operators: ``MIRROR`` of the look-alikes imitate one of them, the others any
    operator, so a filter for one defect's shape finds that defect among several harmless edits of its shape.
    ``paths`` limits the files edits are drawn from (a task's core files, or the files its context adds), and
    ``count`` says how many edits the diff needs (default: :func:`benign_count` of ``target_tokens``).
    """
    pool = benign_candidates(files, paths)
    rng.shuffle(pool)
    wanted = (benign_count(target_tokens) if count is None else count) + spare
    taken: list[Edit] = list(blocked)
    chosen: list[Refactor] = []

    def take(refactor: Refactor) -> bool:
        if any(_overlap(e, t) for e in refactor.edits for t in taken):
            return False
        first = refactor.edits[0]
        if sum(t.path == first.path and abs(line_of(t) - line_of(first)) <= _NEAR_LINES for t in taken) >= _CROWD:
            return False  # no pile of edits a defect's neighbourhood never has
        if _deletes_lines(first) and any(_deletes_lines(t) and t.path == first.path
                                         and abs(line_of(t) - line_of(first)) <= _NEAR_LINES for t in taken):
            return False  # two guards deleted in one block: see _deletes_lines
        chosen.append(refactor)
        taken.extend(refactor.edits)
        return True

    def line_of(edit: Edit) -> int:
        return files[edit.path].count("\n", 0, edit.start)

    def neighbour(anchor: Edit) -> None:
        """Sometimes add benign edits a few lines from ``anchor`` (defects and look-alikes alike): look-alikes
        before refactors, nearest first, so that a filter dropping refactor-shaped blocks loses no cover."""
        count = (rng.random() < CAMOUFLAGE) + (rng.random() < CAMOUFLAGE / 2)
        for refactor in neighbours_of(anchor, pool, files):
            if count and take(refactor):
                count -= 1

    for edit in blocked:
        neighbour(edit)
    def looks(operators: Sequence[str]) -> list[Refactor]:
        return _interleaved([[r for r in pool if r.kind in SAME_LOOK.get(operator, ())][:SAME_LOOK_PER_DEFECT]
                             for operator in dict.fromkeys(operators)])

    # first each defect's very look, all there are, in turns (the scarce ones: a deleted redundant guard and its
    # bound moved are one guard), then the looks every change imitates, where they still fit
    for refactor in [*looks(imitate), *looks([o for o in ALWAYS_IMITATED if o not in imitate])]:
        if take(refactor):
            neighbour(refactor.edits[0])
    lookalikes: dict[str, list[Refactor]] = {}
    for r in pool:
        if r.kind in TWIN_KINDS:
            lookalikes.setdefault(IMITATES[r.kind], []).append(r)
    others = [r for r in pool if r.kind not in TWIN_KINDS]
    while len(chosen) < wanted and (lookalikes or others):
        twin = bool(lookalikes) and (not others or rng.random() < TWIN_SHARE)
        if twin:
            mirrored = sorted(set(imitate) & set(lookalikes))
            operator = rng.choice(mirrored if mirrored and rng.random() < MIRROR else sorted(lookalikes))
            refactor = lookalikes[operator].pop()
            if not lookalikes[operator]:
                del lookalikes[operator]
        else:
            refactor = others.pop()
        if take(refactor) and twin:
            neighbour(refactor.edits[0])
    return chosen


def neighbours_of(anchor: Edit, pool: Sequence[Refactor], files: dict[str, str]) -> list[Refactor]:
    """The edits of ``pool`` that may camouflage ``anchor``, best first: within ``_NEAR_LINES`` of it, look-alikes
    before refactors, nearest first (ties in pool order); below it only, when it deletes whole lines.

    No deleted guard camouflages another: a redundant guard beside a harmful deletion is often redundant only
    because of the guard deleted, so two guards deleted together were nearly always a harmful deletion and its
    neighbour, and a harmless pair had no such neighbour to draw."""
    def line_of(edit: Edit) -> int:
        return files[edit.path].count("\n", 0, edit.start)

    here, below_only = line_of(anchor), _deletes_lines(anchor)
    near = sorted((r.kind not in TWIN_KINDS, abs(line_of(r.edits[0]) - here), i) for i, r in enumerate(pool)
                  if r.path == anchor.path and abs(line_of(r.edits[0]) - here) <= _NEAR_LINES
                  and not (below_only and line_of(r.edits[0]) < here) and not _deletes_lines(r.edits[0]))
    return [pool[i] for _, _, i in near]


def _deletes_lines(edit: Edit) -> bool:
    """True for an edit that deletes whole lines and adds nothing (a deleted guard, harmful or not).

    Such an edit's neighbours are drawn only below it. A harmful deleted guard is most often a chain's first one
    (a later guard is often dead, and deleting it harmless), so above it stand the signature and docstring, which
    no look-alike edits; above a harmless one stands the guard before it. Neighbours drawn from both sides kept
    the earlier guard's edited lines beside the harmless deletions only, and the block's kept tokens told the two
    apart. Nor are two deletions made within a few lines of each other: a harmful deleted guard brings the
    redundant guards of its project as look-alikes, and the one beside it (redundant because of it) made a block
    of two deleted guards that harmless deletions, rarely side by side, did not have.
    """
    return not edit.new and edit.old.endswith("\n")


def _interleaved(lists: list[list[Refactor]]) -> list[Refactor]:
    """The lists' items in turns: the first of each, then the second of each, and so on."""
    return [r for group in itertools.zip_longest(*lists) for r in group if r is not None]


def validate_benign(files: dict[str, str], refactors: list[Refactor], behaviour: BehaviourCheck | None,
                    suite: SuiteCheck | None, applied: Sequence[Edit] = ()) -> tuple[list[Refactor], dict[str, int]]:
    """The refactors shown to keep behaviour, and how many were dropped for what.

    A refactor is dropped when the differential check finds a touched function that behaves differently with all
    the benign edits applied (``differs``), or when it is a look-alike whose touched functions could not be
    exercised (``unchecked``: only edits harmless by construction go in unproven). Without a behaviour check
    no look-alike is used. If the suite then fails on the survivors, only comments and docstrings are kept.
    ``applied`` are benign edits already validated (a review's core edits, when its context's are checked): they
    are in place for both checks.
    """
    dropped = {"differs": 0, "unchecked": 0, "suite": 0}
    touched = {r.id: [f"{r.path}::{q}" for q in touched_functions(r.path, files[r.path], r.edits)]
               for r in refactors}
    functions: dict[str, list[str]] = {}
    for r in refactors:
        for key in touched[r.id]:
            path, _, qualname = key.partition("::")
            functions.setdefault(path, [])
            if qualname not in functions[path]:
                functions[path].append(qualname)
    after = apply_edits(files, [*applied, *(e for r in refactors for e in r.edits)])
    verdicts = behaviour(after, functions) if behaviour is not None and functions else {}
    kept = []
    for refactor in refactors:
        found = [verdicts.get(k, "unchecked") for k in touched[refactor.id]]
        if "differs" in found:
            dropped["differs"] += 1
        elif refactor.kind not in SAFE_KINDS and (not found or "unchecked" in found):
            dropped["unchecked"] += 1
        else:
            kept.append(refactor)
    if suite is not None and kept and not suite(apply_edits(files, [*applied, *(e for r in kept for e in r.edits)])):
        survivors = [r for r in kept if r.kind in ("comment", "docstring")]
        dropped["suite"] = len(kept) - len(survivors)
        kept = survivors
    return kept, dropped


def _overlap(a: Edit, b: Edit) -> bool:
    if a.path != b.path:
        return False
    if a.start == a.end or b.start == b.end:  # insertions: keep a little distance from other edits
        return a.start <= b.end and b.start <= a.end
    return a.start < b.end and b.start < a.end


def unified_diff(before: dict[str, str], after: dict[str, str], context: int = 3) -> str:
    """A ``git diff``-style unified diff of two file sets, files in sorted order."""
    return "".join(diff_sections(before, after, context).values())


def diff_sections(before: dict[str, str], after: dict[str, str], context: int = 3) -> dict[str, str]:
    """The ``git diff`` section of each changed file (path -> text), in sorted order: a diff in another file order
    (``git diff -O``) is these sections in that order."""
    parts = {}
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        lines = difflib.unified_diff((old or "").splitlines(keepends=True), (new or "").splitlines(keepends=True),
                                     fromfile=f"a/{path}" if old is not None else "/dev/null",
                                     tofile=f"b/{path}" if new is not None else "/dev/null", n=context)
        text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
        parts[path] = f"diff --git a/{path} b/{path}\n{text}"
    return parts


_COMPLEMENT = {ast.Lt: ">=", ast.LtE: ">", ast.Gt: "<=", ast.GtE: "<"}
_MIRROR = {ast.Lt: ">", ast.LtE: ">=", ast.Gt: "<", ast.GtE: "<="}


def respelled(files: dict[str, str], kind: str, edit: Edit, key: str) -> Edit:
    """An inverted condition written one of four equal ways, chosen by ``key``: ``not (a <= 3)``, ``a > 3``,
    ``3 < a`` or ``not (3 >= a)``. The look-alikes negate the complement (``not (a > 3)``), so a defect that
    always kept its condition whole inside a new ``not (`` gave itself away by its tokens. Only a comparison of
    an ``int``-annotated parameter with an integer literal is respelled (where the four are the same function);
    the defect's behaviour, and so its validation, is unchanged."""
    text = edit.new.strip()
    if kind != "inverted_condition" or not text.startswith("not ("):
        return edit
    try:
        test = ast.parse(text[4:], mode="eval").body
    except SyntaxError:
        return edit
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _COMPLEMENT):
        return edit
    op, left, right = type(test.ops[0]), test.left, test.comparators[0]
    name = left if isinstance(left, ast.Name) else right if isinstance(right, ast.Name) else None
    literal = right if name is left else left
    if name is None or not (isinstance(literal, ast.Constant) and type(literal.value) is int) \
            or not _int_parameter(files[edit.path], edit.start, name.id):
        return edit
    a, b = ast.unparse(left), ast.unparse(right)
    mirror_of_complement = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}[_COMPLEMENT[op]]
    spellings = [edit.new, f"{a} {_COMPLEMENT[op]} {b}", f"{b} {mirror_of_complement} {a}",
                 f"not ({b} {_MIRROR[op]} {a})"]
    chosen = spellings[int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(spellings)]
    return edit.model_copy(update={"new": chosen})


def _int_parameter(text: str, offset: int, name: str) -> bool:
    """True when the function holding ``offset`` takes ``name`` as an ``int``-annotated parameter it never
    rebinds."""
    line = text.count("\n", 0, offset) + 1
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.lineno <= line <= (node.end_lineno or 0):
            args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            stored = any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
                         for n in ast.walk(node))
            if not stored and any(a.arg == name and a.annotation is not None and ast.unparse(a.annotation) == "int"
                                  for a in args):
                return True
    return False


def build_change(files: dict[str, str], defect_edits: list[tuple[str, str, Edit, str]],
                 refactors: list[Refactor]) -> ReviewChange:
    """Apply defects (``(id, kind, edit, summary)``, inverted conditions :func:`respelled`) and refactors;
    locate each in the new files."""
    defect_edits = [(i, k, respelled(files, k, e, i), s) for i, k, e, s in defect_edits]
    all_edits = [e for _, _, e, _ in defect_edits] + [e for r in refactors for e in r.edits]
    after = apply_edits(files, all_edits)
    defects = []
    for defect_id, kind, edit, summary in defect_edits:
        first, last = _span_lines(files, all_edits, edit)
        defects.append(Location(id=defect_id, kind=kind, path=edit.path, line=first, end_line=last, summary=summary))
    benign = []
    for refactor in refactors:
        spans = [_span_lines(files, all_edits, e) for e in refactor.edits]
        for first, last in spans:
            benign.append(Location(id=refactor.id, kind=refactor.kind, path=refactor.path, line=first,
                                   end_line=last, summary=refactor.summary))
    sections = diff_sections(files, after)
    return ReviewChange(files_after=after, diff="".join(sections.values()), defects=defects, benign=benign,
                        sections=sections)
