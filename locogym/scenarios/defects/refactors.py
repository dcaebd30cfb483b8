"""Benign refactors: behaviour-preserving changes that make up the bulk of a review diff.

A reviewer has to tell defects from harmless edits, so the harmless edits must look like real work: a local
variable renamed, a return expression extracted into a helper or a single-use local inlined, two adjacent
functions reordered, imports sorted, a docstring reworded, a comment that says what the next line does. Names
and comments are drawn from the code around the edit (the callee a local comes from, the condition a guard
tests), so no fixed wording marks a hunk as harmless. Each refactor preserves behaviour by construction (renames
touch only locals that no nested scope uses; extracted expressions read only parameters and module names;
reordered definitions are undecorated functions); the review generator still runs the suite and a differential
check on the refactored project to confirm it. The benign twins of the defect operators live in
:mod:`~locogym.scenarios.defects.twins`.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import keyword
from typing import Literal

from pydantic import BaseModel

from locogym.scenarios.defects.edits import Edit, SourceText

RefactorKind = Literal["rename", "extract_helper", "inline_local", "reorder", "reordered_imports", "comment",
                       "docstring", "swapped_operands", "equivalent_bound", "explicit_bound", "folded_constant",
                       "reordered_arguments", "conditional_return", "negated_condition", "flipped_branches",
                       "merged_guards", "widened_except", "removed_redundant_guard", "retuned_constant", "moved_guard",
                       "shifted_constant", "intended_change", "updated_test"]
# Refactors whose behaviour follows from their shape alone; the others (the defect twins) are only used when a
# differential run of the touched functions shows no change.
SAFE_KINDS: frozenset[str] = frozenset({"rename", "extract_helper", "inline_local", "reorder", "reordered_imports",
                                        "comment", "docstring", "explicit_bound"})
_SYNONYMS = {"result": ("outcome", "answer", "computed", "res"), "total": ("running_total", "acc", "sum_so_far"),
             "partial": ("base", "raw", "subtotal", "inner", "interim", "looked_up", "step"),
             "head": ("first", "left", "lead", "front"), "tail": ("rest", "right", "second", "remainder"),
             "cleaned": ("normalized", "trimmed", "tidy", "canonical"), "count": ("tally", "n", "how_many"),
             "items": ("entries", "elements", "values_"), "data": ("payload", "raw_data", "content"),
             "name": ("label", "key"), "index": ("position", "idx", "i"), "words": ("tokens", "parts", "pieces")}
_HELPER_NAMES = ("_{name}_impl", "_{noun}_formula", "_compute_{noun}", "_raw_{noun}", "_{name}_core",
                 "_scaled_{noun}", "_{verb}_once")
_IF_COMMENTS = ("# {test}: take the short path", "# early exit when {test}", "# inputs where {test} are handled "
                "apart", "# check {test} before anything else", "# the {test} case")
_RETURN_COMMENTS = ("# scale and shift the intermediate value", "# final adjustment", "# combine the parts",
                    "# {words} result", "# hand back the {noun}", "# apply the {noun} formula")
_ASSIGN_COMMENTS = ("# delegate to {callee}", "# look up the {callee_words}", "# {target} comes from {callee}",
                    "# normalise the input first", "# start from the {callee_words}")
_NOT_VERBS = frozenset({"The", "A", "An", "This", "That", "These", "Each", "Every", "All", "No", "Is", "Has"})
_OBJECT_STARTS = ("the ", "a ", "an ", "up ", "down ", "away ", "out ", "off ", "each ", "every ", "all ")
_BUILTINS = frozenset(dir(builtins))


class Refactor(BaseModel):
    """A behaviour-preserving change made of one or more edits of one file."""

    id: str
    kind: RefactorKind
    path: str
    edits: list[Edit]
    summary: str


def find_refactors(path: str, text: str) -> list[Refactor]:
    """Every refactor candidate of one Python file, in source order."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    src = SourceText(text)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}
    found: list[Refactor] = []
    module_names = _module_names(tree)
    for top in tree.body:
        funcs: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]] = []
        if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef):
            funcs.append((top, top.name))
        elif isinstance(top, ast.ClassDef):
            funcs.extend((f, f"{top.name}.{f.name}") for f in top.body
                         if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef))
            found.extend(_reorders(path, src, top.body, f"{top.name}."))
        for func, qualname in funcs:
            found.extend(_renames(path, src, func, qualname, names))
            found.extend(_extracts(path, src, func, qualname, top, names, module_names))
            found.extend(_inlines(path, src, func, qualname))
            found.extend(_comments(path, src, func, qualname))
            found.extend(_docstrings(path, src, func, qualname))
    found.extend(_reorders(path, src, tree.body, ""))
    found.extend(_import_orders(path, src, tree))
    return sorted(found, key=lambda r: (r.edits[0].start, r.kind))


def make_refactor(kind: RefactorKind, path: str, edits: list[Edit], summary: str) -> Refactor:
    """A refactor whose id is a digest of its kind, file and edits (stable across runs)."""
    body = "|".join(f"{e.start}:{e.end}:{e.new}" for e in edits)
    digest = hashlib.sha256(f"{kind}|{path}|{body}".encode()).hexdigest()[:12]
    return Refactor(id=f"{kind}-{digest}", kind=kind, path=path, edits=edits, summary=summary)


def _edit(path: str, src: SourceText, start: int, end: int, new: str) -> Edit:
    return Edit(path=path, start=start, end=end, old=src.text[start:end], new=new)


def _module_names(tree: ast.Module) -> set[str]:
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            out.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            out.update(t.id for t in targets if isinstance(t, ast.Name))
    return out


def _pick(options: tuple[str, ...] | list[str], *salt: str) -> str:
    """A varied but seed-free choice: the option a digest of ``salt`` points at."""
    digest = int(hashlib.sha256("|".join(salt).encode()).hexdigest(), 16)
    return options[digest % len(options)]


def _words(name: str) -> list[str]:
    return [w for w in name.strip("_").split("_") if w] or [name]


def _usable(name: str, taken: set[str]) -> bool:
    return name.isidentifier() and name not in taken and not keyword.iskeyword(name) and name not in _BUILTINS


def _fresh(base: str, taken: set[str], value: ast.expr, qualname: str) -> str | None:
    """A natural new name for local ``base``: a synonym, or a word of the callee its value comes from."""
    options = list(_SYNONYMS.get(base, ()))
    if isinstance(value, ast.Call):
        func = value.func
        callee = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        words = _words(callee) if callee else []
        if len(words) > 1:
            options += [words[-1], f"{words[-1]}_value", "_".join(words[1:])]
    options += [f"{base}_value", f"new_{base}", f"{base}_val"]
    first = _pick(options, qualname, base)
    return next((o for o in [first, *options] if _usable(o, taken) and o != base), None)


def _renames(path: str, src: SourceText, func: ast.FunctionDef | ast.AsyncFunctionDef, qualname: str,
             taken: set[str]) -> list[Refactor]:
    if any(isinstance(n, ast.JoinedStr | ast.Global | ast.Nonlocal) for n in ast.walk(func)):
        return []
    params = {a.arg for a in [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]}
    params |= {a.arg for a in (func.args.vararg, func.args.kwarg) if a is not None}
    nested = [n for n in ast.walk(func) if n is not func and isinstance(
        n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef | ast.ListComp | ast.SetComp
        | ast.DictComp | ast.GeneratorExp)]
    nested_names = {m.id for n in nested for m in ast.walk(n) if isinstance(m, ast.Name)}
    stored: dict[str, ast.expr] = {}
    for stmt in func.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            stored.setdefault(stmt.targets[0].id, stmt.value)
    out = []
    for old, value in stored.items():
        if old in params or old in nested_names or old.startswith("_"):
            continue
        new = _fresh(old, taken, value, qualname)
        if new is None:
            continue
        occurrences = [n for n in ast.walk(func) if isinstance(n, ast.Name) and n.id == old]
        edits = [_edit(path, src, *src.span(n), new) for n in sorted(occurrences, key=lambda n: src.span(n))]
        out.append(make_refactor("rename", path, edits, f"{qualname}: local `{old}` renamed to `{new}`"))
    return out


def _extracts(path: str, src: SourceText, func: ast.FunctionDef | ast.AsyncFunctionDef, qualname: str,
              top: ast.stmt, taken: set[str], module_names: set[str]) -> list[Refactor]:
    last = func.body[-1]
    if not isinstance(last, ast.Return) or last.value is None or isinstance(func, ast.AsyncFunctionDef):
        return []
    expr = last.value
    if not isinstance(expr, ast.BinOp | ast.BoolOp | ast.Call | ast.Compare) or expr.lineno != expr.end_lineno:
        return []
    if any(isinstance(n, ast.Yield | ast.YieldFrom | ast.Await | ast.Lambda | ast.NamedExpr | ast.ListComp
                      | ast.SetComp | ast.DictComp | ast.GeneratorExp | ast.JoinedStr) for n in ast.walk(expr)):
        return []
    args = [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]
    params = {a.arg: a for a in args}
    used = {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)}
    bound_here = {n.id for n in ast.walk(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del)}
    if "super" in used or any(u not in params and (u in bound_here or (u not in module_names and u not in _BUILTINS))
                              for u in used):
        return []
    words = _words(func.name)
    fields = {"name": "_".join(words), "verb": words[0], "noun": "_".join(words[1:]) or words[0]}
    options = [t.format(**fields) for t in _HELPER_NAMES]
    first = _pick(options, qualname, "helper")
    helper = next((o for o in [first, *options] if _usable(o, taken)), None)
    if helper is None or not src.owns_lines(top):
        return []
    chosen = [a for a in args if a.arg in used]
    signature = ", ".join(a.arg + (f": {src.segment(a.annotation)}" if a.annotation is not None else "")
                          for a in chosen)
    taken.add(helper)  # two methods with one name must not both define the same helper
    call = f"{helper}({', '.join(a.arg for a in chosen)})"
    insert_at = src.line_span(top.end_lineno or top.lineno, top.end_lineno or top.lineno)[1]
    returns = f" -> {src.segment(func.returns)}" if func.returns is not None else ""
    text = f"\n\ndef {helper}({signature}){returns}:\n    return {src.segment(expr)}\n"
    edits = [_edit(path, src, *src.span(expr), call), _edit(path, src, insert_at, insert_at, text)]
    return [make_refactor("extract_helper", path, edits, f"{qualname}: return expression extracted into `{helper}`")]


def _comments(path: str, src: SourceText, func: ast.FunctionDef | ast.AsyncFunctionDef,
              qualname: str) -> list[Refactor]:
    """A comment above a statement of the body that says, in words taken from the code, what it does."""
    words = _words(func.name)
    out = []
    for stmt in _body_without_docstring(func):
        if stmt.lineno == func.lineno or not src.owns_lines(stmt):
            continue
        fields = {"words": " ".join(words), "noun": " ".join(words[1:]) or words[0], "test": "", "target": "",
                  "callee": "the helper", "callee_words": "value"}
        templates: tuple[str, ...]
        if isinstance(stmt, ast.If) and stmt.test.lineno == stmt.test.end_lineno:
            fields["test"] = src.segment(stmt.test)
            templates = _IF_COMMENTS
        elif isinstance(stmt, ast.Return) and stmt.lineno == stmt.end_lineno:
            templates = _RETURN_COMMENTS
        elif isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name) and stmt.lineno == stmt.end_lineno:
            fields["target"] = stmt.targets[0].id
            value = stmt.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name | ast.Attribute):
                callee = value.func.id if isinstance(value.func, ast.Name) else value.func.attr
                fields["callee"] = f"`{callee}`"
                fields["callee_words"] = " ".join(_words(callee)[1:]) or callee
                templates = _ASSIGN_COMMENTS
            else:
                templates = _ASSIGN_COMMENTS[3:4]
        else:
            continue
        start = src.line_starts[stmt.lineno - 1]
        comment = f"{src.indent_of(stmt.lineno)}{_pick(templates, qualname, str(stmt.lineno)).format(**fields)}\n"
        out.append(make_refactor("comment", path, [_edit(path, src, start, start, comment)],
                                 f"{qualname}: comment added"))
    return out


def _body_without_docstring(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    body = func.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[1:]
    return body


def _third_person(verb: str) -> str:
    if verb.endswith("y") and verb[-2:-1] not in ("a", "e", "i", "o", "u"):
        return verb[:-1] + "ies"
    if verb.endswith(("ch", "sh", "x", "ss", "z")):
        return verb + "es"
    return verb + "s"


def _imperative(verb: str) -> str:
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith(("ches", "shes", "xes", "sses", "zes")):
        return verb[:-2]
    return verb[:-1]


def _docstrings(path: str, src: SourceText, func: ast.FunctionDef | ast.AsyncFunctionDef,
                qualname: str) -> list[Refactor]:
    """A one-line docstring reworded between the imperative and the third person (``Sort`` / ``Sorts``)."""
    if not func.body or len(func.body) == len(_body_without_docstring(func)):
        return []
    node = func.body[0]
    text = src.segment(node)
    quote = text[:3]
    if node.lineno != node.end_lineno or quote not in ('"' * 3, "'" * 3) or not text.endswith(quote):
        return []
    first, _, rest = text[3:-3].partition(" ")
    if not first.isalpha() or not first[0].isupper() or first in _NOT_VERBS or not rest.startswith(_OBJECT_STARTS):
        return []
    plural = first.endswith("s") and not first.endswith("ss")
    verb = _imperative(first) if plural else _third_person(first)
    new = f"{quote}{verb} {rest}{quote}"
    return [make_refactor("docstring", path, [_edit(path, src, *src.span(node), new)],
                          f"{qualname}: docstring reworded")]


def _inlines(path: str, src: SourceText, func: ast.FunctionDef | ast.AsyncFunctionDef,
             qualname: str) -> list[Refactor]:
    """``x = EXPR`` used once, in the very next statement, is inlined there (and its line removed)."""
    body = func.body
    out = []
    for stmt, following in zip(body, body[1:], strict=False):
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            continue
        name = stmt.targets[0].id
        uses = [n for n in ast.walk(func) if isinstance(n, ast.Name) and n.id == name]
        in_next = [n for n in ast.walk(following) if isinstance(n, ast.Name) and n.id == name]
        if len(uses) != 2 or len(in_next) != 1 or not isinstance(in_next[0].ctx, ast.Load):
            continue
        if stmt.lineno != stmt.end_lineno or not src.owns_lines(stmt):
            continue
        if any(isinstance(n, ast.FunctionDef | ast.ClassDef | ast.Lambda | ast.GeneratorExp | ast.ListComp
                          | ast.SetComp | ast.DictComp) for n in ast.walk(following)):
            continue
        value = src.segment(stmt.value)
        simple = isinstance(stmt.value, ast.Name | ast.Attribute | ast.Call | ast.Subscript | ast.Constant)
        start, end = src.line_span(stmt.lineno, stmt.lineno)
        edits = [_edit(path, src, start, end, ""),
                 _edit(path, src, *src.span(in_next[0]), value if simple else f"({value})")]
        out.append(make_refactor("inline_local", path, edits, f"{qualname}: local `{name}` inlined"))
    return out


def _import_orders(path: str, src: SourceText, tree: ast.Module) -> list[Refactor]:
    """A run of single-line module imports put in sorted order (or, already sorted, its first two swapped)."""
    runs: list[list[ast.stmt]] = [[]]
    for node in tree.body:
        plain = isinstance(node, ast.Import | ast.ImportFrom) and node.lineno == node.end_lineno \
            and not (isinstance(node, ast.ImportFrom) and node.module == "__future__") and src.owns_lines(node)
        if plain and (not runs[-1] or runs[-1][-1].end_lineno == node.lineno - 1):
            runs[-1].append(node)
        elif plain:
            runs.append([node])
        elif runs[-1]:
            runs.append([])
    out = []
    for run in runs:
        if len(run) < 2:
            continue
        lines = [src.segment(n) for n in run]
        ordered = sorted(lines, key=str.lower)
        if ordered == lines:
            ordered = [lines[1], lines[0], *lines[2:]]
        start, _ = src.line_span(run[0].lineno, run[0].lineno)
        _, end = src.line_span(run[-1].lineno, run[-1].lineno)
        new = "".join(f"{line}\n" for line in ordered)
        out.append(make_refactor("reordered_imports", path, [_edit(path, src, start, end, new)], "imports reordered"))
    return out


def _reorders(path: str, src: SourceText, body: list[ast.stmt], prefix: str) -> list[Refactor]:
    out = []
    for first, second in zip(body, body[1:], strict=False):
        if not (isinstance(first, ast.FunctionDef | ast.AsyncFunctionDef)
                and isinstance(second, ast.FunctionDef | ast.AsyncFunctionDef)):
            continue
        plain = all(not n.decorator_list and src.owns_lines(n) for n in (first, second))
        if not plain or first.name == second.name or first.name in _definition_time_names(second) \
                or second.name in _definition_time_names(first):
            continue
        a_start, a_end = src.line_span(first.lineno, first.end_lineno or first.lineno)
        b_start, b_end = src.line_span(second.lineno, second.end_lineno or second.lineno)
        between = src.text[a_end:b_start]
        new = src.text[b_start:b_end] + between + src.text[a_start:a_end]
        out.append(make_refactor("reorder", path, [_edit(path, src, a_start, b_end, new)],
                         f"{prefix}{second.name} moved above {prefix}{first.name}"))
    return out


def _definition_time_names(func: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Names evaluated when ``def`` runs (defaults and annotations): moving their definition below would fail."""
    args = func.args
    nodes: list[ast.AST] = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
    nodes += [a.annotation for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
              if a is not None and a.annotation is not None]
    if func.returns is not None:
        nodes.append(func.returns)
    return {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name)}
