"""Benign refactors: behaviour-preserving changes that make up the bulk of a review diff.

A reviewer has to tell defects from harmless edits, so the harmless edits must look like real work: a local
variable renamed, a return expression extracted into a helper, two adjacent functions reordered, a comment added.
Each refactor preserves behaviour by construction (renames touch only locals that no nested scope rebinds;
extracted expressions read only parameters and module names; reordered definitions are undecorated functions);
the review generator still runs the suite on the refactored project to confirm it.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import keyword
from typing import Literal

from pydantic import BaseModel

from locogym.scenarios.defects.edits import Edit, SourceText

RefactorKind = Literal["rename", "extract_helper", "reorder", "comment"]
_SYNONYMS = {"result": "outcome", "value": "amount", "total": "running_total", "partial": "interim",
             "count": "tally", "items": "entries", "data": "payload", "name": "label", "index": "position"}
_COMMENT_PHRASES = ("Work out the {words} from the inputs.", "Keep the {words} rule in one place.",
                    "The {words} step; see the module docstring.", "Compute the {words} before returning.")
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
            found.extend(_comments(path, src, func, qualname))
    found.extend(_reorders(path, src, tree.body, ""))
    return sorted(found, key=lambda r: (r.edits[0].start, r.kind))


def _make(kind: RefactorKind, path: str, edits: list[Edit], summary: str) -> Refactor:
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


def _fresh(base: str, taken: set[str]) -> str | None:
    candidate = _SYNONYMS.get(base, f"{base}_value")
    if candidate in taken or keyword.iskeyword(candidate) or candidate in _BUILTINS:
        candidate = f"{base}_local"
    return None if candidate in taken else candidate


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
    stored = []
    for stmt in func.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            stored.append(stmt.targets[0].id)
    out = []
    for old in dict.fromkeys(stored):
        if old in params or old in nested_names or old.startswith("_"):
            continue
        new = _fresh(old, taken)
        if new is None:
            continue
        occurrences = [n for n in ast.walk(func) if isinstance(n, ast.Name) and n.id == old]
        edits = [_edit(path, src, *src.span(n), new) for n in sorted(occurrences, key=lambda n: src.span(n))]
        out.append(_make("rename", path, edits, f"{qualname}: local `{old}` renamed to `{new}`"))
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
    helper = f"_{func.name.strip('_')}_result"
    if helper in taken or not src.owns_lines(top):
        return []
    chosen = [a for a in args if a.arg in used]
    signature = ", ".join(a.arg + (f": {src.segment(a.annotation)}" if a.annotation is not None else "")
                          for a in chosen)
    taken.add(helper)  # two methods with one name must not both define the same helper
    call = f"{helper}({', '.join(a.arg for a in chosen)})"
    insert_at = src.line_span(top.end_lineno or top.lineno, top.end_lineno or top.lineno)[1]
    text = f"\n\ndef {helper}({signature}):\n    return {src.segment(expr)}\n"
    edits = [_edit(path, src, *src.span(expr), call), _edit(path, src, insert_at, insert_at, text)]
    return [_make("extract_helper", path, edits, f"{qualname}: return expression extracted into `{helper}`")]


def _comments(path: str, src: SourceText, func: ast.FunctionDef | ast.AsyncFunctionDef,
              qualname: str) -> list[Refactor]:
    body = func.body
    first = body[1] if (len(body) > 1 and isinstance(body[0], ast.Expr)
                        and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)) else body[0]
    if first.lineno == func.lineno or not src.owns_lines(first):
        return []
    words = func.name.strip("_").replace("_", " ") or func.name
    phrase = _COMMENT_PHRASES[int(hashlib.sha256(qualname.encode()).hexdigest(), 16) % len(_COMMENT_PHRASES)]
    start = src.line_starts[first.lineno - 1]
    comment = f"{src.indent_of(first.lineno)}# {phrase.format(words=words)}\n"
    return [_make("comment", path, [_edit(path, src, start, start, comment)], f"{qualname}: comment added")]


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
        out.append(_make("reorder", path, [_edit(path, src, a_start, b_end, new)],
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
