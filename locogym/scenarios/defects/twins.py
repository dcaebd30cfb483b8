"""Benign twins of the mutation operators: behaviour-preserving edits that look like the bugs.

A reviewer who only pattern-matches the diff must not be able to tell a defect from harmless work, so for every
defect operator of :mod:`~locogym.scenarios.defects.mutations` there is an edit of the same surface shape that
keeps behaviour:

=====================  ============================================================================
defect                 benign twin
=====================  ============================================================================
comparison             operands swapped with the mirrored operator (``a < b`` -> ``b > a``); an
                       equivalent integer bound (``n > 3`` -> ``n >= 4``)
off_by_one             an explicit start (``range(n)`` -> ``range(0, n)``, ``s[:k]`` -> ``s[0:k]``)
swapped_args           arguments passed by keyword, reordered; ``max``/``min`` arguments swapped;
                       commutative operands swapped (``head + tail`` -> ``tail + head``)
wrong_constant         constants factored or folded (``v * 3 + 12`` -> ``(v + 4) * 3``, ``x * 2`` ->
                       ``x + x``); the bound of a redundant guard, or a constant of dead code, moved by
                       one (:mod:`~locogym.scenarios.defects.redundant`)
removed_guard          a guard and the return after it folded into one conditional return; a redundant
                       guard (implied by an earlier one, or returning what follows it returns) deleted; a
                       guard moved below the next one where no input takes both to different results (the
                       diff deletes it in one place)
inverted_condition     the complement negated (``if n > 3`` -> ``if not (n <= 3)``); branches flipped
                       with the complement
dropped_except         the handled exception widened to its base class where nothing else raises
=====================  ============================================================================

Whether a twin really keeps behaviour depends on types (``a + b`` is not commutative on strings), so every twin
is checked before it is used: the project's tests must pass and a differential run of the touched functions
(:mod:`~locogym.scenarios.defects.behaviour`) must find no change. Twins are :class:`Refactor` objects, so the
review generator treats them like every other benign edit.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Callable, Iterator

from locogym.scenarios.defects.edits import Edit, SourceText
from locogym.scenarios.defects.intents import INTENT_STEPS
from locogym.scenarios.defects.mutations import changed_constant
from locogym.scenarios.defects.redundant import (
    Guard,
    condition_interval,
    guard_chain,
    int_literal,
    intersect,
    is_dead,
    is_redundant,
)
from locogym.scenarios.defects.refactors import Refactor, RefactorKind, make_refactor

_MIRROR = {ast.Lt: ">", ast.LtE: ">=", ast.Gt: "<", ast.GtE: "<=", ast.Eq: "==", ast.NotEq: "!="}
_COMPLEMENT = {ast.Lt: ">=", ast.LtE: ">", ast.Gt: "<=", ast.GtE: "<", ast.Eq: "!=", ast.NotEq: "=="}
_COMPLEMENT_MIRRORED = {ast.Lt: "<=", ast.LtE: "<", ast.Gt: ">=", ast.GtE: ">", ast.Eq: "!=", ast.NotEq: "=="}
# (operator of the twin, how the constant moves): n > 3 <-> n >= 4, n < 3 <-> n <= 2
_BOUND = {ast.Gt: (">=", 1), ast.GtE: (">", -1), ast.Lt: ("<=", -1), ast.LtE: ("<", 1)}
_BASES = {"ZeroDivisionError": "ArithmeticError", "OverflowError": "ArithmeticError", "KeyError": "LookupError",
          "IndexError": "LookupError", "FileNotFoundError": "OSError", "UnicodeDecodeError": "ValueError"}


def find_twins(path: str, text: str, signatures: dict[str, list[str]] | None = None) -> list[Refactor]:
    """Every benign twin in one Python file, in source order.

    ``signatures`` maps a project function's name to its positional parameter names (names defined once in the
    project), so calls to it can pass their arguments by keyword.
    """
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    finder = _TwinFinder(path, SourceText(text), signatures or {})
    for func, qualname in _functions(tree):
        finder.visit_function(func, qualname)
    unique = {r.id: r for r in finder.found}
    return sorted(unique.values(), key=lambda r: (r.edits[0].start, r.kind))


def project_signatures(files: dict[str, str]) -> dict[str, list[str]]:
    """Positional parameter names of the project's top-level functions whose name is defined only once."""
    seen: dict[str, list[str] | None] = {}
    for text in files.values():
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args
                plain = not (args.vararg or args.kwarg or args.posonlyargs or args.kwonlyargs)
                seen[node.name] = [a.arg for a in args.args] if node.name not in seen and plain else None
    return {name: params for name, params in seen.items() if params}


def _functions(tree: ast.Module) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]]:
    for top in tree.body:
        if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef):
            yield top, top.name
        elif isinstance(top, ast.ClassDef):
            for node in top.body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield node, f"{top.name}.{node.name}"


def _same_tree(text: str, expected: ast.expr) -> bool:
    """True when ``text`` parses to ``expected`` (ignoring positions): guards against precedence mistakes."""
    try:
        parsed = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return False
    return ast.dump(parsed) == ast.dump(expected)


class _TwinFinder:
    def __init__(self, path: str, src: SourceText, signatures: dict[str, list[str]]) -> None:
        self.path = path
        self.src = src
        self.signatures = signatures
        self.found: list[Refactor] = []
        self.int_names: set[str] = set()
        self.parents: dict[int, ast.AST] = {}
        self.qualname = ""

    def add(self, kind: RefactorKind, edits: list[Edit], what: str) -> None:
        self.found.append(make_refactor(kind, self.path, edits, f"{self.qualname}: {what}"))

    def edit(self, start: int, end: int, new: str) -> Edit:
        return Edit(path=self.path, start=start, end=end, old=self.src.text[start:end], new=new)

    def replace(self, node: ast.AST, new: str) -> Edit:
        return self.edit(*self.src.span(node), new)

    def one_line(self, node: ast.AST) -> bool:
        return getattr(node, "lineno", 0) == getattr(node, "end_lineno", -1)

    # ------------------------------------------------------------------ traversal
    def visit_function(self, func: ast.FunctionDef | ast.AsyncFunctionDef, qualname: str) -> None:
        self.qualname = qualname
        args = [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]
        rebound = {n.id for n in ast.walk(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        self.int_names = {a.arg for a in args if a.annotation is not None and self.src.segment(a.annotation) == "int"
                          and a.arg not in rebound}
        self.block(func.body)
        self.parents = {id(child): parent for parent in ast.walk(func) for child in ast.iter_child_nodes(parent)}
        for node in ast.walk(func):
            if isinstance(node, ast.Compare) and len(node.ops) == 1 and self.one_line(node):
                self.comparison(node)
            elif isinstance(node, ast.BinOp) and self.one_line(node):
                self.arithmetic(node)
            elif isinstance(node, ast.Call) and self.one_line(node):
                self.call(node)
            elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice) and self.one_line(node):
                self.slice(node.slice)
            elif isinstance(node, ast.ExceptHandler) and isinstance(node.type, ast.Name):
                base = _BASES.get(node.type.id)
                if base:
                    self.add("widened_except", [self.replace(node.type, base)],
                             f"`except {node.type.id}` widened to `{base}`")

    def block(self, body: list[ast.stmt]) -> None:
        self.redundant_guards(body)
        for index, stmt in enumerate(body):
            following = body[index + 1] if index + 1 < len(body) else None
            if isinstance(stmt, ast.If):
                self.guard(stmt, following)
                self.block(stmt.body)
                self.block(stmt.orelse)
            elif isinstance(stmt, ast.For | ast.While | ast.With | ast.AsyncFor | ast.AsyncWith):
                self.block(stmt.body)
            elif isinstance(stmt, ast.Try):
                self.block(stmt.body)
            if following is not None:
                self.merged_guards(stmt, following)

    # ------------------------------------------------------------------ comparison and bounds
    def is_int(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.int_names
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"len", "int"}:
            return True
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.FloorDiv):
            return self.is_int(node.left) and (self.is_int(node.right) or int_literal(node.right) is not None) \
                or int_literal(node.left) is not None and self.is_int(node.right)
        return False

    def comparison(self, node: ast.Compare) -> None:
        op = type(node.ops[0])
        left, right = node.left, node.comparators[0]
        if op not in _MIRROR:
            return
        calls = sum(any(isinstance(n, ast.Call | ast.Await | ast.NamedExpr) for n in ast.walk(side))
                    for side in (left, right))
        if calls < 2:
            new = f"{self.src.segment(right)} {_MIRROR[op]} {self.src.segment(left)}"
            expected = ast.Compare(left=right, ops=[_op_of(_MIRROR[op])], comparators=[left])
            if _same_tree(new, expected):
                self.add("swapped_operands", [self.replace(node, new)], "comparison operands swapped")
        if op in _BOUND:
            constant, other, on_right = int_literal(right), left, True
            if constant is None:
                constant, other, on_right = int_literal(left), right, False
            if constant is not None and self.is_int(other):
                symbol, step = _BOUND[op]
                if not on_right:  # 3 < n is n > 3: the constant moves the other way
                    step = -step
                moved = constant + step
                new_const = str(moved) if moved >= 0 else f"-{-moved}"
                new = (f"{self.src.segment(other)} {symbol} {new_const}" if on_right
                       else f"{new_const} {symbol} {self.src.segment(other)}")
                self.add("equivalent_bound", [self.replace(node, new)], f"bound rewritten as `{new}`")

    def slice(self, node: ast.Slice) -> None:
        if node.lower is None and node.upper is not None and node.step is None:
            start, _ = self.src.span(node)
            if self.src.text[start:start + 1] == ":":
                self.add("explicit_bound", [self.edit(start, start, "0")], "slice start made explicit")

    # ------------------------------------------------------------------ arithmetic
    def arithmetic(self, node: ast.BinOp) -> None:
        left, right = node.left, node.right
        text = self.src.segment(node)
        if self.commutes(node):
            symbol = "*" if isinstance(node.op, ast.Mult) else "+"
            a, b = self.src.segment(right), self.src.segment(left)
            for wrap_a, wrap_b in ((False, False), (False, True), (True, False), (True, True)):
                new = f"{f'({a})' if wrap_a else a} {symbol} {f'({b})' if wrap_b else b}"
                if _same_tree(new, ast.BinOp(left=right, op=node.op, right=left)):
                    self.add("swapped_operands", [self.replace(node, new)], f"`{text}` written as `{new}`")
                    break
        # v * a + b  ->  (v + b / a) * a, when a divides b
        if isinstance(node.op, ast.Add | ast.Sub) and isinstance(left, ast.BinOp) and isinstance(left.op, ast.Mult):
            factor, offset = int_literal(left.right), int_literal(right)
            if factor and offset is not None and factor > 1 and offset % factor == 0 and offset:
                sign = "+" if isinstance(node.op, ast.Add) else "-"
                base = self.src.segment(left.left)
                if isinstance(left.left, ast.BinOp):
                    base = f"({base})"
                new = f"({base} {sign} {offset // factor}) * {factor}"
                self.add("folded_constant", [self.replace(node, new)], f"`{text}` factored as `{new}`")
        # v + 37 -> v + 36 + 1: one number of the line moves by one, as a changed-constant defect's does
        offset = int_literal(right) if isinstance(node.op, ast.Add | ast.Sub) else None
        if offset is not None and offset >= 2 and isinstance(right, ast.Constant):
            sign = "+" if isinstance(node.op, ast.Add) else "-"
            _, start = self.src.span(left)
            self.add("folded_constant", [self.edit(start, self.src.span(right)[1],
                                                   f" {sign} {offset - 1} {sign} 1")],
                     f"`{text}` written with `{offset - 1} {sign} 1`")
        factor = int_literal(right) if isinstance(node.op, ast.Mult) else None
        if isinstance(left, ast.Name) and factor is not None and factor >= 2:
            splits = [f"{left.id} + {left.id}" if factor == 2 else f"{left.id} * {factor - 1} + {left.id}",
                      f"{left.id} * {factor + 1} - {left.id}"]  # the factor moves up, as a changed constant's can
            parent = self.parents.get(id(node))
            for new in splits:
                if not (isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Add) and parent.left is node):
                    new = f"({new})"
                self.add("folded_constant", [self.replace(node, new)], f"`{text}` split as `{new}`")

    def commutes(self, node: ast.BinOp) -> bool:
        """Multiplication by an integer literal, or addition of numbers (names and calls are left to the check)."""
        literal = int_literal(node.left) is not None, int_literal(node.right) is not None
        if isinstance(node.op, ast.Mult):
            return literal[0] != literal[1]
        if not isinstance(node.op, ast.Add) or all(literal):
            return False
        return all(self.is_int(side) or int_literal(side) is not None or isinstance(side, ast.Name | ast.Call)
                   for side in (node.left, node.right))

    # ------------------------------------------------------------------ calls
    def call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name is None or any(isinstance(a, ast.Starred) for a in node.args):
            return
        if name == "range" and len(node.args) == 1 and not node.keywords:
            start, _ = self.src.span(node.args[0])
            self.add("explicit_bound", [self.edit(start, start, "0, ")], "range start made explicit")
        elif name in {"max", "min"} and len(node.args) == 2 and not node.keywords:
            a, b = (self.src.segment(x) for x in node.args)
            start, end = self.src.span(node.args[0])[0], self.src.span(node.args[1])[1]
            self.add("reordered_arguments", [self.edit(start, end, f"{b}, {a}")], f"`{name}` arguments reordered")
        elif isinstance(func, ast.Name | ast.Attribute) and name in self.signatures and node.args \
                and not node.keywords and len(node.args) <= len(self.signatures[name]):
            params = self.signatures[name]
            if params[0] in {"self", "cls"}:
                return
            pairs = [f"{p}={self.src.segment(a)}" for p, a in zip(params, node.args, strict=False)]
            if len(pairs) > 1:
                pairs = pairs[1:] + pairs[:1]
            start, end = self.src.span(node.args[0])[0], self.src.span(node.args[-1])[1]
            self.add("reordered_arguments", [self.edit(start, end, ", ".join(pairs))],
                     f"`{name}` called with keyword arguments")

    # ------------------------------------------------------------------ guards
    def guard(self, node: ast.If, following: ast.stmt | None) -> None:
        test = node.test
        text = self.src.segment(test)
        negated = f"not {text}" if isinstance(test, ast.Name | ast.Attribute | ast.Call) else f"not ({text})"
        complements: list[str] = []
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _COMPLEMENT \
                and self.one_line(test):
            op = type(test.ops[0])
            left, right = self.src.segment(test.left), self.src.segment(test.comparators[0])
            if self.is_int(test.left) or self.is_int(test.comparators[0]) or op in (ast.Eq, ast.NotEq):
                complements = [f"{left} {_COMPLEMENT[op]} {right}", f"{right} {_COMPLEMENT_MIRRORED[op]} {left}"]
                for complement in complements:
                    self.add("negated_condition", [self.replace(test, f"not ({complement})")],
                             f"condition written as `not ({complement})`")
        if not self.flippable(node, following) or not self.one_line(test):
            return
        assert isinstance(following, ast.Return) and following.value is not None
        body = node.body[0]
        assert isinstance(body, ast.Return) and body.value is not None
        for condition in [*complements[:1], negated]:
            self.flipped(node, following, condition)
        a, b = self.src.segment(body.value), self.src.segment(following.value)
        start, _ = self.src.line_span(node.lineno, node.lineno)
        _, end = self.src.line_span(following.lineno, following.end_lineno or following.lineno)
        indent = self.src.indent_of(node.lineno)
        for new in (f"{indent}return {a} if {text} else {b}\n",
                    *(f"{indent}return {b} if {c} else {a}\n" for c in complements[:1])):
            if len(new) <= 100:
                self.add("conditional_return", [self.edit(start, end, new)], "guard folded into a conditional return")

    def flippable(self, node: ast.If, following: ast.stmt | None) -> bool:
        """``if C: return A`` directly followed by ``return B``, each on its own lines."""
        return (not node.orelse and len(node.body) == 1 and isinstance(node.body[0], ast.Return)
                and node.body[0].value is not None and isinstance(following, ast.Return)
                and following.value is not None and self.one_line(node.test) and self.one_line(node.body[0])
                and self.one_line(following) and self.src.owns_lines(node) and self.src.owns_lines(following))

    def flipped(self, node: ast.If, following: ast.stmt, complement: str) -> None:
        body = node.body[0]
        assert isinstance(body, ast.Return) and isinstance(following, ast.Return)
        outer, inner = self.src.indent_of(node.lineno), self.src.indent_of(body.lineno)
        new = (f"{outer}if {complement}:\n{inner}{self.src.segment(following)}\n"
               f"{outer}{self.src.segment(body)}\n")
        start, _ = self.src.line_span(node.lineno, node.lineno)
        _, end = self.src.line_span(following.lineno, following.end_lineno or following.lineno)
        self.add("flipped_branches", [self.edit(start, end, new)], f"branches flipped around `{complement}`")

    def merged_guards(self, first: ast.stmt, second: ast.stmt) -> None:
        """``if A: X`` then ``if B: X`` (same single exit) become ``if A or B: X``."""
        if not (isinstance(first, ast.If) and isinstance(second, ast.If)) or first.orelse or second.orelse:
            return
        if len(first.body) != 1 or len(second.body) != 1 or not isinstance(first.body[0], ast.Return | ast.Raise):
            return
        if self.src.segment(first.body[0]) != self.src.segment(second.body[0]) or not self.one_line(first.test) \
                or not self.one_line(second.test) or not self.src.owns_lines(first) or not self.src.owns_lines(second):
            return
        tests = []
        for t in (first.test, second.test):
            text = self.src.segment(t)
            tests.append(f"({text})" if isinstance(t, ast.BoolOp | ast.IfExp | ast.NamedExpr) else text)
        outer = self.src.indent_of(first.lineno)
        new = f"{outer}if {tests[0]} or {tests[1]}:\n{self.src.indent_of(first.body[0].lineno)}" \
              f"{self.src.segment(first.body[0])}\n"
        start, _ = self.src.line_span(first.lineno, first.lineno)
        _, end = self.src.line_span(second.lineno, second.end_lineno or second.lineno)
        self.add("merged_guards", [self.edit(start, end, new)], "two guards with the same exit merged")


    def redundant_guards(self, body: list[ast.stmt]) -> None:
        """Delete a guard that never decides the result, or move its bound (or a dead guard's constants) by one;
        move a guard below the next one when no integer takes both to different results."""
        chain = guard_chain(body, self.int_names)
        if chain is None:
            return
        guards, fallback = chain
        for first, second in zip(guards, guards[1:], strict=False):
            a, b = first.node, second.node
            if not all(self.src.owns_lines(n) and self.one_line(n.test) for n in (a, b)) or \
                    (first.result != second.result and intersect(first.interval, second.interval) is not None):
                continue
            start, middle = self.src.line_span(a.lineno, a.end_lineno or a.lineno)
            between, end = self.src.line_span(b.lineno, b.end_lineno or b.lineno)
            text = self.src.text
            if text[middle:between].strip():
                continue  # something other than blank lines between them
            self.add("moved_guard", [self.edit(start, end, text[middle:end] + text[start:middle])],
                     f"guard `if {self.src.segment(a.test)}:` moved below `if {self.src.segment(b.test)}:`")
        for index, guard in enumerate(guards):
            node = guard.node
            if (not (self.src.owns_lines(node) and self.one_line(node.test))
                    or not is_redundant(guards, fallback, index)):
                continue
            start, end = self.src.line_span(node.lineno, node.end_lineno or node.lineno)
            self.add("removed_redundant_guard", [self.edit(start, end, "")],
                     f"guard `if {self.src.segment(node.test)}:` that never decides the result removed")
            self.wrapped_in_not(guards, fallback, index)
            value = int_literal(guard.constant)
            if value is not None and value >= 0:
                self.retuned_bound(guards, fallback, index, value)
            if is_dead(guards, index):
                for const in ast.walk(node.body[0]):
                    if isinstance(const, ast.Constant) and type(const.value) is int and const.value >= 0:
                        moved = changed_constant(const.value)
                        self.add("retuned_constant", [self.replace(const, str(moved))],
                                 f"constant of an unreachable return changed to {moved}")
                        shifted = self.intent_step(const, lambda _: True) if const.value >= 2 else None
                        if shifted is not None:
                            self.add("shifted_constant", [self.replace(const, str(shifted))],
                                     f"constant of an unreachable return changed to {shifted}")

    def retuned_bound(self, guards: list[Guard], fallback: str, index: int, value: int) -> None:
        """The bound of a redundant guard moved by one (a changed-constant defect's step) and by an intended
        change's step, each where the guard stays redundant."""
        guard = guards[index]

        def stays_redundant(moved: int) -> bool:
            found = condition_interval(guard.node.test, self.int_names, moved)
            return found is not None and is_redundant(guards, fallback, index, found[0])

        moved = changed_constant(value)
        if stays_redundant(moved):
            self.add("retuned_constant", [self.replace(guard.constant, str(moved))],
                     f"bound of a redundant guard moved to {moved}")
        shifted = self.intent_step(guard.constant, stays_redundant) if value >= 2 else None
        if shifted is not None:
            self.add("shifted_constant", [self.replace(guard.constant, str(shifted))],
                     f"bound of a redundant guard moved to {shifted}")

    def intent_step(self, const: ast.expr, allowed: Callable[[int], bool]) -> int | None:
        """The literal ``const`` moved by a step an intended change takes (2 to 5 either way, at least 1), the
        first the guard allows in an order fixed by the literal's place: an intended change's number moves by
        such steps, and a faulty intent's too, so a number moved that far must not be theirs alone."""
        value = int_literal(const)
        assert value is not None
        start = int(hashlib.sha256(f"{self.path}:{self.src.span(const)[0]}".encode()).hexdigest(), 16)
        steps = INTENT_STEPS[start % len(INTENT_STEPS):] + INTENT_STEPS[:start % len(INTENT_STEPS)]
        return next((value + s for s in steps if value + s >= 1 and allowed(value + s)), None)

    def wrapped_in_not(self, guards: list[Guard], fallback: str, index: int) -> None:
        """``if C:`` -> ``if not (C):`` with ``C`` unchanged, the inverted condition's very look, where the
        guard decides nothing either way (it returns what the code after it returns on both sides)."""
        test = guards[index].node.test
        if isinstance(test, ast.UnaryOp):
            return
        found = condition_interval(ast.UnaryOp(op=ast.Not(), operand=test), self.int_names)
        if found is not None and is_redundant(guards, fallback, index, found[0]):
            text = self.src.segment(test)
            self.add("negated_condition", [self.replace(test, f"not ({text})")],
                     f"condition of a guard that decides nothing written as `not ({text})`")


def _op_of(symbol: str) -> ast.cmpop:
    return {"<": ast.Lt(), "<=": ast.LtE(), ">": ast.Gt(), ">=": ast.GtE(), "==": ast.Eq(), "!=": ast.NotEq()}[symbol]



# the defect operator each look-alike imitates (the review generator draws look-alikes operator by operator)
IMITATES: dict[str, str] = {
    "swapped_operands": "comparison", "equivalent_bound": "comparison", "explicit_bound": "off_by_one",
    "reordered_arguments": "swapped_args", "folded_constant": "wrong_constant", "retuned_constant": "wrong_constant",
    "conditional_return": "removed_guard", "merged_guards": "removed_guard", "removed_redundant_guard": "removed_guard",
    "moved_guard": "removed_guard", "shifted_constant": "faulty_intent",
    "negated_condition": "inverted_condition", "flipped_branches": "inverted_condition",
    "widened_except": "dropped_except"}
TWIN_KINDS: frozenset[str] = frozenset(IMITATES)
# The look-alikes whose diff looks most like the defect itself, token for token: the same line changed the same way
# (a ``not (`` added, a guard's lines deleted, one number moved by one, a bound moved, a call's arguments moved).
SAME_LOOK: dict[str, frozenset[str]] = {
    "inverted_condition": frozenset({"negated_condition", "flipped_branches"}),
    "removed_guard": frozenset({"removed_redundant_guard", "moved_guard"}),
    "wrong_constant": frozenset({"retuned_constant"}), "comparison": frozenset({"equivalent_bound"}),
    "off_by_one": frozenset({"explicit_bound"}), "swapped_args": frozenset({"reordered_arguments"}),
    "dropped_except": frozenset({"widened_except"}), "faulty_intent": frozenset({"shifted_constant"})}
