"""AST mutation operators: the plausible bugs a defect task can inject.

Each operator looks at one node inside a function body and proposes zero or more :class:`Mutation` candidates;
each candidate is a single :class:`~locogym.scenarios.defects.edits.Edit`, so the diff is exactly the bug and the
inverse edit is the fix. Candidates are enumerated in source order (deterministic), and a seed picks among them
later (:mod:`locogym.scenarios.defects.inject`); whether a candidate is *kept* is decided by running the tests.

The kinds mirror the bugs people actually write: a flipped comparison or boolean operator, an off-by-one in a
range or slice bound, swapped arguments, a removed guard or early return, a wrong constant, dropped exception
handling, the wrong variable of the same type, and an inverted condition.
"""

from __future__ import annotations

import ast
import hashlib
import io
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from locogym.scenarios.defects.edits import Edit, SourceText

MutationKind = Literal["comparison", "boolean", "off_by_one", "swapped_args", "removed_guard", "wrong_constant",
                       "dropped_except", "wrong_variable", "inverted_condition"]
MUTATION_KINDS: tuple[MutationKind, ...] = ("comparison", "boolean", "off_by_one", "swapped_args", "removed_guard",
                                            "wrong_constant", "dropped_except", "wrong_variable",
                                            "inverted_condition")

_COMPARE_FLIPS = {ast.Lt: ("<", "<="), ast.LtE: ("<=", "<"), ast.Gt: (">", ">="), ast.GtE: (">=", ">"),
                  ast.Eq: ("==", "!="), ast.NotEq: ("!=", "==")}
_ATOMIC = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant)
_EXITS = (ast.Return, ast.Raise, ast.Continue, ast.Break)


class Mutation(BaseModel):
    """One candidate defect: where it is, what it changes, and the edit that makes it."""

    id: str
    kind: MutationKind
    path: str
    function: str  # qualified name of the enclosing function
    function_line: int  # first line of the function's code object (its first decorator, or ``def``)
    line: int  # 1-based line of the change in the original file
    edit: Edit
    summary: str  # what changed, for records and reports (never shown to the agent)


def changed_constant(value: int) -> int:
    """The wrong value a changed-constant defect writes: one off, and never a factor of one (``x * 1`` would
    give the bug away) or zero."""
    return value + 1 if value <= 2 else value - 1


def is_test_path(path: str) -> bool:
    """Test modules and fixtures are never mutated (a bug belongs in the code under test)."""
    parts = path.split("/")
    name = parts[-1]
    return (name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
            or any(p in {"tests", "test", "testing"} for p in parts[:-1]))


@dataclass
class _Scope:
    qualname: str
    first_line: int
    node: ast.FunctionDef | ast.AsyncFunctionDef


def find_mutations(path: str, text: str) -> list[Mutation]:
    """Every mutation candidate in one Python file, in source order. Files that do not parse give none."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    finder = _Finder(path, SourceText(text))
    finder.visit_block(tree.body, prefix="", scope=None)
    unique: dict[str, Mutation] = {}
    for mutation in finder.found:
        unique.setdefault(mutation.id, mutation)
    return sorted(unique.values(), key=lambda m: (m.edit.start, m.edit.end, m.kind, m.edit.new))


class _Finder:
    def __init__(self, path: str, src: SourceText) -> None:
        self.path = path
        self.src = src
        self.found: list[Mutation] = []
        self._typed: dict[int, dict[str, str]] = {}

    # ------------------------------------------------------------------ traversal
    def visit_block(self, body: list[ast.stmt], prefix: str, scope: _Scope | None) -> None:
        for stmt in body:
            self.visit(stmt, prefix, scope, parent_body=body)

    def visit(self, node: ast.AST, prefix: str, scope: _Scope | None, parent_body: list[ast.stmt] | None = None,
              in_bound: bool = False) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            inner = _Scope(f"{prefix}{node.name}", first, node)
            self.visit_block(node.body, f"{prefix}{node.name}.<locals>.", inner)
            return
        if isinstance(node, ast.ClassDef):
            self.visit_block(node.body, f"{prefix}{node.name}.", scope)
            return
        if isinstance(node, ast.Lambda):
            return
        if scope is not None:
            for mutation in self.propose(node, scope, parent_body, in_bound):
                self.found.append(mutation)
        for field_name, value in ast.iter_fields(node):
            bound = isinstance(node, ast.Slice) or (
                isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range"
                and field_name == "args")
            if isinstance(value, list):
                block = value if value and all(isinstance(v, ast.stmt) for v in value) else None
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item, prefix, scope, parent_body=block, in_bound=bound)
            elif isinstance(value, ast.AST):
                self.visit(value, prefix, scope, parent_body=None, in_bound=bound)

    def propose(self, node: ast.AST, scope: _Scope, parent_body: list[ast.stmt] | None,
                in_bound: bool) -> Iterator[Mutation]:
        if isinstance(node, ast.Compare):
            yield from self.comparison(node, scope)
        elif isinstance(node, ast.BoolOp):
            yield from self.boolean(node, scope)
        elif isinstance(node, ast.Call):
            yield from self.range_bound(node, scope)
            yield from self.swapped_args(node, scope)
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            yield from self.slice_bound(node.slice, scope)
        elif isinstance(node, ast.If):
            yield from self.removed_guard(node, scope, parent_body)
            yield from self.inverted(node.test, scope)
        elif isinstance(node, ast.IfExp):
            yield from self.inverted(node.test, scope)
        elif isinstance(node, ast.Constant) and not in_bound:
            yield from self.wrong_constant(node, scope)
        elif isinstance(node, ast.Try):
            yield from self.dropped_except(node, scope, parent_body)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            yield from self.wrong_variable(node, scope)

    # ------------------------------------------------------------------ helpers
    def make(self, kind: MutationKind, scope: _Scope, start: int, end: int, new: str, summary: str) -> Mutation:
        old = self.src.text[start:end]
        digest = hashlib.sha256(f"{kind}|{self.path}|{start}|{end}|{new}".encode()).hexdigest()[:12]
        return Mutation(id=f"{kind}-{digest}", kind=kind, path=self.path, function=scope.qualname,
                        function_line=scope.first_line, line=self.src.line_of(start),
                        edit=Edit(path=self.path, start=start, end=end, old=old, new=new), summary=summary)

    def find_token(self, start: int, end: int, wanted: set[str]) -> tuple[int, int, str] | None:
        """The first operator/keyword token in ``wanted`` between two character offsets."""
        segment = self.src.text[start:end]
        line_starts = [0]
        for line in segment.splitlines(keepends=True):
            line_starts.append(line_starts[-1] + len(line))
        try:
            for tok in tokenize.generate_tokens(io.StringIO(segment).readline):
                if tok.string in wanted and tok.type in (tokenize.OP, tokenize.NAME):
                    offset = line_starts[tok.start[0] - 1] + tok.start[1]
                    return start + offset, start + offset + len(tok.string), tok.string
        except (tokenize.TokenError, IndentationError, SyntaxError):
            return None
        return None

    def shifted(self, node: ast.expr, delta: int) -> str | None:
        """The text of ``node`` moved by ``delta`` (+1 or -1) in a natural-looking way, or None."""
        text = self.src.segment(node)
        value = _int_value(node)
        if value is not None:
            return str(value + delta)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
            right = _int_value(node.right)
            if right is not None:
                signed = right if isinstance(node.op, ast.Add) else -right
                base = self.src.segment(node.left)
                total = signed + delta
                if total == 0:
                    return base
                return f"{base} + {total}" if total > 0 else f"{base} - {-total}"
        if isinstance(node, _ATOMIC + (ast.BinOp, ast.UnaryOp)) and "\n" not in text:
            return f"{text} + 1" if delta > 0 else f"{text} - 1"
        return None

    # ------------------------------------------------------------------ operators
    def comparison(self, node: ast.Compare, scope: _Scope) -> Iterator[Mutation]:
        left: ast.expr = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            flip = _COMPARE_FLIPS.get(type(op))
            if flip is not None:
                lo = self.src.span(left)[1]
                hi = self.src.span(right)[0]
                found = self.find_token(lo, hi, {flip[0]})
                if found is not None:
                    s, e, tok = found
                    yield self.make("comparison", scope, s, e, flip[1], f"comparison `{tok}` became `{flip[1]}`")
            left = right

    def boolean(self, node: ast.BoolOp, scope: _Scope) -> Iterator[Mutation]:
        old, new = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
        lo = self.src.span(node.values[0])[1]
        hi = self.src.span(node.values[1])[0]
        found = self.find_token(lo, hi, {old})
        if found is not None:
            yield self.make("boolean", scope, found[0], found[1], new, f"boolean `{old}` became `{new}`")

    def bound(self, node: ast.expr, scope: _Scope, what: str) -> Iterator[Mutation]:
        start, end = self.src.span(node)
        for delta in (1, -1):
            new = self.shifted(node, delta)
            if new is not None and new != self.src.text[start:end]:
                yield self.make("off_by_one", scope, start, end, new,
                                f"{what} `{self.src.text[start:end]}` became `{new}`")

    def range_bound(self, node: ast.Call, scope: _Scope) -> Iterator[Mutation]:
        if not (isinstance(node.func, ast.Name) and node.func.id == "range") or node.keywords:
            return
        if len(node.args) in (1, 2, 3) and not any(isinstance(a, ast.Starred) for a in node.args):
            stop = node.args[0] if len(node.args) == 1 else node.args[1]
            yield from self.bound(stop, scope, "range bound")

    def slice_bound(self, node: ast.Slice, scope: _Scope) -> Iterator[Mutation]:
        for part, what in ((node.upper, "slice end"), (node.lower, "slice start")):
            if part is not None:
                yield from self.bound(part, scope, what)
                return

    def swapped_args(self, node: ast.Call, scope: _Scope) -> Iterator[Mutation]:
        args = node.args
        if len(args) < 2 or any(isinstance(a, ast.Starred) for a in args):
            return
        for first, second in zip(args, args[1:], strict=False):
            if not (isinstance(first, ast.Name | ast.Attribute) and isinstance(second, ast.Name | ast.Attribute)):
                continue
            a, b = self.src.segment(first), self.src.segment(second)
            if a == b or "\n" in a or "\n" in b:
                continue
            start, _ = self.src.span(first)
            mid_start, end = self.src.span(second)
            between = self.src.text[self.src.span(first)[1]:mid_start]
            yield self.make("swapped_args", scope, start, end, f"{b}{between}{a}",
                            f"arguments `{a}` and `{b}` swapped")
            return

    def removed_guard(self, node: ast.If, scope: _Scope, parent_body: list[ast.stmt] | None) -> Iterator[Mutation]:
        if node.orelse or not node.body or not isinstance(node.body[-1], _EXITS) or len(node.body) > 3:
            return
        if parent_body is None or len(parent_body) < 2 or not self.src.owns_lines(node):
            return
        start, end = self.src.line_span(node.lineno, node.end_lineno or node.lineno)
        guard = self.src.segment(node.test)
        yield self.make("removed_guard", scope, start, end, "", f"guard `if {guard}:` removed")

    def inverted(self, test: ast.expr, scope: _Scope) -> Iterator[Mutation]:
        text = self.src.segment(test)
        if isinstance(test, ast.Constant):
            return
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = test.operand
            new = self.src.segment(inner)
            if not isinstance(inner, _ATOMIC):
                new = f"({new})" if not (new.startswith("(") and new.endswith(")")) else new
        elif isinstance(test, _ATOMIC):
            new = f"not {text}"
        else:
            new = f"not ({text})"
        start, end = self.src.span(test)
        yield self.make("inverted_condition", scope, start, end, new, f"condition `{text}` inverted")

    def wrong_constant(self, node: ast.Constant, scope: _Scope) -> Iterator[Mutation]:
        start, end = self.src.span(node)
        text = self.src.text[start:end]
        if isinstance(node.value, bool):
            new = "False" if node.value else "True"
            yield self.make("wrong_constant", scope, start, end, new, f"constant `{text}` became `{new}`")
        elif isinstance(node.value, int) and text.isdigit():
            new = str(changed_constant(node.value))
            yield self.make("wrong_constant", scope, start, end, new, f"constant `{text}` became `{new}`")

    def dropped_except(self, node: ast.Try, scope: _Scope, parent_body: list[ast.stmt] | None) -> Iterator[Mutation]:
        if len(node.handlers) != 1 or node.orelse or node.finalbody or not self.src.owns_lines(node):
            return
        body = node.body
        outer = self.src.indent_of(node.lineno)
        inner = self.src.indent_of(body[0].lineno)
        if not inner.startswith(outer) or len(inner) <= len(outer):
            return
        first, last = body[0].lineno, body[-1].end_lineno or body[-1].lineno
        lines = self.src.lines[first - 1:last]
        if not all(line.startswith(inner) or not line.strip() for line in lines):
            return
        extra = len(inner) - len(outer)
        new = "".join(line[extra:] if line.strip() else line for line in lines)
        if not new.endswith("\n"):
            new += "\n"
        start, end = self.src.line_span(node.lineno, node.end_lineno or node.lineno)
        handler = node.handlers[0]
        caught = self.src.segment(handler.type) if handler.type is not None else "everything"
        yield self.make("dropped_except", scope, start, end, new, f"handling of {caught} dropped")

    def wrong_variable(self, node: ast.Name, scope: _Scope) -> Iterator[Mutation]:
        typed = self._typed.get(id(scope.node))
        if typed is None:
            typed = self._typed[id(scope.node)] = _typed_params(scope.node, self.src)
        own = typed.get(node.id)
        if own is None:
            return
        for other, annotation in typed.items():
            if other != node.id and annotation == own:
                start, end = self.src.span(node)
                yield self.make("wrong_variable", scope, start, end, other,
                                f"variable `{node.id}` replaced by `{other}` (both {annotation})")
                return


def _int_value(node: ast.expr) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant)
            and isinstance(node.operand.value, int) and not isinstance(node.operand.value, bool)):
        return -node.operand.value
    return None


def _typed_params(func: ast.FunctionDef | ast.AsyncFunctionDef, src: SourceText) -> dict[str, str]:
    """Parameters with an annotation, by name (``self`` and ``cls`` excluded); names rebound later are dropped."""
    args = func.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    typed = {a.arg: src.segment(a.annotation) for a in params
             if a.annotation is not None and a.arg not in {"self", "cls"}}
    for sub in ast.walk(func):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store | ast.Del):
            typed.pop(sub.id, None)
        elif isinstance(sub, ast.Global | ast.Nonlocal):
            for name in sub.names:
                typed.pop(name, None)
    return typed
