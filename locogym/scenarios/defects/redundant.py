"""Redundant guards: ``if`` statements whose deletion cannot change what a function returns.

A deleted guard is a classic defect (:mod:`~locogym.scenarios.defects.mutations`, ``removed_guard``), and so is a
changed threshold (``wrong_constant``). Both have harmless twins when the guard is redundant — implied by an
earlier guard (dead code), or returning on its inputs exactly what the code after it returns there anyway.
Deleting such a guard, or moving its bound while it stays redundant, looks like the defect in a diff and is not.

The proof is by integer intervals, so it only covers the shape it can prove: a block made of guards
``if <int name> <op> <int literal>: return <expr>`` (either operand order, or ``not (...)`` of one) followed by a
final ``return``. Returned expressions are compared as syntax trees. Every twin is still checked by the
differential run before it is used.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

Interval = tuple[int | None, int | None]  # inclusive bounds; None is unbounded
_FLIP = {ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE}


@dataclass
class Guard:
    """One ``if <condition>: return <expr>`` of a block, with the integers its condition holds for."""

    node: ast.If
    interval: Interval
    name: str
    constant: ast.expr  # the literal bound of the condition
    result: str  # ast dump of the returned expression


def int_literal(node: ast.expr) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and type(node.operand.value) is int:
        return -node.operand.value
    return None


def condition_interval(test: ast.expr, int_names: set[str], bound: int | None = None) -> tuple[Interval, str,
                                                                                                ast.expr] | None:
    """The integers ``test`` is true for, the name it tests and its literal (``bound`` replaces the literal)."""
    negate = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    if negate:
        assert isinstance(test, ast.UnaryOp)
        test = test.operand
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _FLIP):
        return None
    op: type[ast.cmpop] = type(test.ops[0])
    left, right = test.left, test.comparators[0]
    if isinstance(left, ast.Name) and left.id in int_names and int_literal(right) is not None:
        name, literal = left, right
    elif isinstance(right, ast.Name) and right.id in int_names and int_literal(left) is not None:
        name, literal, op = right, left, _FLIP[op]
    else:
        return None
    value = int_literal(literal) if bound is None else bound
    assert value is not None
    interval: Interval = {ast.Gt: (value + 1, None), ast.GtE: (value, None), ast.Lt: (None, value - 1),
                          ast.LtE: (None, value)}[op]
    if negate:
        interval = (None, interval[0] - 1) if interval[0] is not None else (interval[1] + 1, None)  # type: ignore[operator]
    return interval, name.id, literal


def intersect(a: Interval, b: Interval) -> Interval | None:
    lo = b[0] if a[0] is None else a[0] if b[0] is None else max(a[0], b[0])
    hi = b[1] if a[1] is None else a[1] if b[1] is None else min(a[1], b[1])
    return None if lo is not None and hi is not None and lo > hi else (lo, hi)


def _subtract(a: Interval, b: Interval) -> list[Interval]:
    if intersect(a, b) is None:
        return [a]
    out: list[Interval] = []
    if b[0] is not None and (a[0] is None or a[0] < b[0]):
        out.append((a[0], b[0] - 1))
    if b[1] is not None and (a[1] is None or a[1] > b[1]):
        out.append((b[1] + 1, a[1]))
    return out


def guard_chain(body: list[ast.stmt], int_names: set[str]) -> tuple[list[Guard], str] | None:
    """The guards of a block of guards followed by a final ``return``, and that return's dump; else None."""
    statements = list(body)
    if statements and isinstance(statements[0], ast.Expr) and isinstance(statements[0].value, ast.Constant):
        statements = statements[1:]  # the docstring
    if len(statements) < 2 or not isinstance(statements[-1], ast.Return) or statements[-1].value is None:
        return None
    guards = []
    for stmt in statements[:-1]:
        if not (isinstance(stmt, ast.If) and not stmt.orelse and len(stmt.body) == 1
                and isinstance(stmt.body[0], ast.Return) and stmt.body[0].value is not None):
            return None
        found = condition_interval(stmt.test, int_names)
        if found is None:
            return None
        interval, name, literal = found
        guards.append(Guard(stmt, interval, name, literal, ast.dump(stmt.body[0].value)))
    if len({g.name for g in guards}) != 1:
        return None
    return guards, ast.dump(statements[-1].value)


def is_redundant(guards: list[Guard], fallback: str, index: int, interval: Interval | None = None) -> bool:
    """True when guard ``index`` (with ``interval`` instead of its own, if given) never decides the result.

    On every integer it holds for that no earlier guard has taken, the guards after it (or the final return)
    return the same expression it does.
    """
    own = guards[index].interval if interval is None else interval
    left = [own]
    for earlier in guards[:index]:
        left = [part for piece in left for part in _subtract(piece, earlier.interval)]
    for later in guards[index + 1:]:
        if any(intersect(piece, later.interval) for piece in left) and later.result != guards[index].result:
            return False
        left = [part for piece in left for part in _subtract(piece, later.interval)]
    return not left or fallback == guards[index].result


def is_dead(guards: list[Guard], index: int) -> bool:
    """True when earlier guards take every integer guard ``index`` holds for (its body never runs)."""
    left = [guards[index].interval]
    for earlier in guards[:index]:
        left = [part for piece in left for part in _subtract(piece, earlier.interval)]
    return not left
