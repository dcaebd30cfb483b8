"""Which calls of a real project's functions a question may ask about: the arguments the project itself suggests.

Generated projects have one shape, ``def f(value: int) -> int``; real code has every shape. A call is asked
about only with arguments the project itself suggests, so that the call is one the code is meant to take:

* the arguments of a call written in the project (outside its tests) whose every argument is a plain literal —
  a number, a string, a bool, ``None``, or a small tuple of these (``f(3, "utf-8")``);
* no argument, for a function whose every parameter has a default;
* seeded values for the parameters without a default when each is annotated ``int``, ``bool`` or ``str`` (a
  string is one of the literals its own module writes).

What a call may do while it runs is checked when it runs (:mod:`.literal_runs`).
"""

from __future__ import annotations

import ast
import random
import weakref
from typing import Any

from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.question_base import is_test_path

MAX_ARGS = 4  # positional arguments of a call asked about: the call stays one line to read
MAX_PER_FUNCTION = 3  # literal calls kept per function, so that one function does not flood the keys
_PLAIN_TYPES = (int, float, str, bool, type(None))
_FOUND: weakref.WeakKeyDictionary[CodeIndex, dict[str, list[tuple[Any, ...]]]] = weakref.WeakKeyDictionary()


def _plain_literal(node: ast.expr) -> tuple[bool, Any]:
    """``(True, value)`` for a plain literal argument (a small tuple of them included), else ``(False, None)``."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None
    if isinstance(value, tuple) and len(value) <= 4 and all(isinstance(v, _PLAIN_TYPES) for v in value):
        return True, value
    if isinstance(value, str) and len(value) > 40:
        return False, None
    return isinstance(value, _PLAIN_TYPES), value


def _literal_args(call: ast.Call) -> tuple[Any, ...] | None:
    if call.keywords or len(call.args) > MAX_ARGS or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    values = []
    for arg in call.args:
        ok, value = _plain_literal(arg)
        if not ok:
            return None
        values.append(value)
    return tuple(values)


def _written_calls(index: CodeIndex, files: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    """Project function -> the literal argument tuples of the calls of it written outside the tests."""
    targets = {(path, line, callee) for caller in index.calls for callee, path, line in index.calls[caller]}
    by_site: dict[tuple[str, int, str], str] = {(p, ln, index.definitions[c].name): c for p, ln, c in targets}
    found: dict[str, list[tuple[Any, ...]]] = {}
    for path in sorted(index.facts):
        if not path.endswith(".py") or is_test_path(path) or path not in files:
            continue
        try:
            tree = ast.parse(files[path])
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            leaf = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            qual = by_site.get((path, node.lineno, leaf or ""))
            args = _literal_args(node) if qual else None
            if qual and args is not None and args not in found.setdefault(qual, []):
                found[qual].append(args)
    return found


def _module_strings(tree: ast.Module) -> list[str]:
    """The short one-word string literals of a module (sorted): inputs its own functions are written for."""
    found = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    return sorted(s for s in found if 0 < len(s) <= 30 and s.isprintable() and " " not in s)


def _annotated_value(annotation: ast.expr | None, rng: random.Random, strings: list[str]) -> tuple[bool, Any]:
    name = annotation.id if isinstance(annotation, ast.Name) else None
    if name == "int":
        return True, rng.randint(-20, 200)
    if name == "bool":
        return True, rng.random() < 0.5
    if name == "str" and strings:
        return True, rng.choice(strings)
    return False, None


def _signature_calls(index: CodeIndex, qual: str, files: dict[str, str]) -> list[tuple[Any, ...]]:
    """``()`` when every positional parameter has a default; else, when every one without a default is
    annotated ``int``, ``bool`` or ``str``, seeded values of those types (strings: the module's own literals)."""
    d = index.definitions[qual]
    try:
        tree = ast.parse(files[d.path])
    except (SyntaxError, ValueError, RecursionError, MemoryError, KeyError):
        return []
    node = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == d.name), None)
    if node is None or node.args.vararg or node.args.posonlyargs or \
            any(default is None for default in node.args.kw_defaults):
        return []
    required = node.args.args[:len(node.args.args) - len(node.args.defaults)]
    if not required:
        return [()]
    rng, strings = random.Random(f"literal-call:{qual}"), _module_strings(tree)
    calls = []
    for _ in range(2):
        values = [_annotated_value(arg.annotation, rng, strings) for arg in required]
        if all(ok for ok, _ in values):
            calls.append(tuple(v for _, v in values))
    return calls


def literal_calls(index: CodeIndex, files: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    """Top-level project functions (outside tests) -> argument tuples to call them with, sorted and capped."""
    cached = _FOUND.get(index)
    if cached is not None:
        return cached
    written = _written_calls(index, files)
    out: dict[str, list[tuple[Any, ...]]] = {}
    for qual, d in sorted(index.definitions.items()):
        if d.kind != "function" or d.parent is not None or not d.path.endswith(".py") or is_test_path(d.path):
            continue
        calls = sorted(set(written.get(qual, []) + _signature_calls(index, qual, files)), key=repr)
        if calls:
            out[qual] = calls[:MAX_PER_FUNCTION]
    _FOUND[index] = out
    return out
