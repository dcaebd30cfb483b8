"""Which calls of a real Go project's functions a value question may ask about, read from the syntax alone.

A call is asked about only with arguments the project itself suggests, as for Python (:mod:`.literal_calls`):

* the arguments of a call written in the project's non-test files whose every argument is a plain literal — an
  integer, a float, a string (interpreted or raw) or ``true``/``false``;
* seeded values for a function whose every parameter has a basic built-in type: integers for the integer types,
  a bool for ``bool``, and for ``string`` one of the short one-word string literals its own file writes.

Only top-level functions (no receiver, no type parameters) with one result of a basic built-in type are called,
so the value has one spelling. The shapes read here also tell :mod:`.go_runs` where each function's body opens
and which first parameter it may note while a call runs.
"""

from __future__ import annotations

import ast
import functools
import random
from dataclasses import dataclass
from typing import Any

import tree_sitter as ts

from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.parsing import language
from locogym.scenarios.repo.question_base import is_test_path

MAX_ARGS = 4
MAX_PER_FUNCTION = 3
INTS = frozenset({"int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
                  "uintptr", "byte", "rune"})
BASIC = INTS | {"bool", "string", "float32", "float64"}
PARAMETERS = BASIC | {"[]byte"}


@dataclass(frozen=True)
class GoFunc:
    """A Go function or method declaration: where it is, its parameters and results, where its body opens."""

    name: str
    path: str
    line: int
    end_line: int
    receiver: str  # the receiver's type name, "" for a function
    params: tuple[tuple[str, str], ...]  # (name, type); "" for an unnamed parameter
    results: tuple[str, ...]
    body_open: int  # byte offset just after the body's "{"; -1 without a body
    generic: bool
    variadic: bool

    @property
    def callable(self) -> bool:
        """A top-level function whose parameters are basic (or ``[]byte``, written from a string) and whose result
        is one basic value, or a basic value and an error: a call of it can be written and its value printed as a
        plain literal."""
        return not self.receiver and not self.generic and not self.variadic and self.body_open > 0 and \
            self.results[:1] in {(r,) for r in BASIC} and self.results[1:] in {(), ("error",)} and \
            all(name and kind in PARAMETERS for name, kind in self.params)

    @property
    def with_error(self) -> bool:
        """It returns a value and an error (the value is asked about when the error is nil)."""
        return self.results[1:] == ("error",)


def is_go_source(path: str) -> bool:
    """A Go file of the project's build: not a test, not test data, not vendored code."""
    parts = path.split("/")
    return path.endswith(".go") and not path.endswith("_test.go") and not is_test_path(path) and \
        "testdata" not in parts and "vendor" not in parts


def node_text(node: ts.Node | None) -> str:
    return "" if node is None or node.text is None else node.text.decode("utf-8", "replace")


@functools.lru_cache(maxsize=512)
def parse(text: str) -> ts.Tree:
    """The Go syntax tree of a file's text (cached)."""
    return ts.Parser(language("go")).parse(text.encode("utf-8"))


def _params(node: ts.Node | None) -> tuple[list[tuple[str, str]], bool]:
    out, variadic = [], False
    for decl in node.named_children if node is not None else []:
        variadic = variadic or decl.type == "variadic_parameter_declaration"
        kind = node_text(decl.child_by_field_name("type"))
        names = decl.children_by_field_name("name")
        out += [(node_text(n), kind) for n in names] if names else [("", kind)]
    return out, variadic


def _results(node: ts.Node | None) -> tuple[str, ...]:
    if node is None:
        return ()
    if node.type != "parameter_list":
        return (node_text(node),)
    params, _ = _params(node)
    return tuple(kind for _, kind in params)


def _receiver(node: ts.Node) -> str:
    receiver, _ = _params(node.child_by_field_name("receiver"))
    return receiver[0][1].lstrip("*").split("[")[0] if receiver else ""


def functions(path: str, text: str) -> list[GoFunc]:
    """Every function and method declaration of a Go file, in order."""
    out = []
    for node in parse(text).root_node.named_children:
        if node.type not in {"function_declaration", "method_declaration"}:
            continue
        params, variadic = _params(node.child_by_field_name("parameters"))
        body = node.child_by_field_name("body")
        out.append(GoFunc(node_text(node.child_by_field_name("name")), path, node.start_point[0] + 1,
                          node.end_point[0] + 1, _receiver(node) if node.type == "method_declaration" else "",
                          tuple(params), _results(node.child_by_field_name("result")),
                          body.start_byte + 1 if body is not None else -1,
                          node.child_by_field_name("type_parameters") is not None, variadic))
    return out


def literal_value(node: ts.Node) -> tuple[bool, Any]:
    """``(True, value)`` for a plain Go literal argument, else ``(False, None)``."""
    text = node_text(node)
    try:
        if node.type == "int_literal":
            digits = text.replace("_", "")
            is_octal = len(digits) > 1 and digits[0] == "0" and digits[1].isdigit()
            return True, int(digits, 8) if is_octal else int(digits, 0)
        if node.type == "float_literal":
            return True, float(text.replace("_", ""))
        if node.type == "unary_expression" and node_text(node.child_by_field_name("operator")) == "-":
            ok, value = literal_value(node.child_by_field_name("operand"))  # type: ignore[arg-type]
            return (True, -value) if ok and isinstance(value, (int, float)) else (False, None)
        if node.type == "interpreted_string_literal":
            value = ast.literal_eval(text)
            return _printable(value), value
        if node.type == "raw_string_literal":
            return _printable(text[1:-1]), text[1:-1]
    except (ValueError, SyntaxError):
        return False, None
    if node.type in {"true", "false"}:
        return True, node.type == "true"
    return False, None


def _printable(value: Any) -> bool:
    """A short string of printable ASCII: written the same way in Go and in Python."""
    return isinstance(value, str) and len(value) <= 40 and value.isascii() and value.isprintable()


def _literal_args(call: ts.Node) -> tuple[Any, ...] | None:
    arguments = call.child_by_field_name("arguments")
    args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
    if len(args) > MAX_ARGS or any(a.type == "variadic_argument" for a in args):
        return None
    values = [literal_value(a) for a in args]
    return tuple(v for _, v in values) if all(ok for ok, _ in values) else None


def _written_calls(index: CodeIndex, files: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    """Project function -> the literal argument tuples of the calls of it written in non-test Go files (a call
    is the project's function when the index resolved it at that line)."""
    sites = {(path, line, index.definitions[callee].name): callee for caller in index.calls
             for callee, path, line in index.calls[caller] if path.endswith(".go")}
    found: dict[str, list[tuple[Any, ...]]] = {}
    for path in sorted(p for p in files if is_go_source(p) and p in index.facts):
        for call in walk(parse(files[path]).root_node, "call_expression"):
            function = call.child_by_field_name("function")
            leaf = node_text(function).rpartition(".")[2]
            qual = sites.get((path, call.start_point[0] + 1, leaf))
            args = _literal_args(call) if qual else None
            if qual and args is not None and args not in found.setdefault(qual, []):
                found[qual].append(args)
    return found


def _file_strings(text: str) -> list[str]:
    """The short one-word string literals of a file (sorted): inputs its own functions are written for."""
    found = set()
    for node in walk(parse(text).root_node, "interpreted_string_literal"):
        ok, value = literal_value(node)
        if ok and 0 < len(value) <= 30 and " " not in value:
                found.add(value)
    return sorted(found)


def walk(node: ts.Node, kind: str) -> list[ts.Node]:
    """The nodes of type ``kind`` under ``node``."""
    out, stack = [], [node]
    while stack:
        current = stack.pop()
        if current.type == kind:
            out.append(current)
        stack.extend(current.named_children)
    return out


def _seeded(kind: str, rng: random.Random, strings: list[str]) -> tuple[bool, Any]:
    if kind in INTS:
        return True, rng.randint(0, 200) if kind.startswith(("u", "byte")) else rng.randint(-20, 200)
    if kind == "bool":
        return True, rng.random() < 0.5
    if kind in {"string", "[]byte"} and strings:
        return True, rng.choice(strings)
    return False, None


def _signature_calls(qual: str, func: GoFunc, text: str) -> list[tuple[Any, ...]]:
    if not func.params:
        return [()]
    rng, strings = random.Random(f"go-literal-call:{qual}"), _file_strings(text)
    calls = []
    for _ in range(2):
        values = [_seeded(kind, rng, strings) for _, kind in func.params]
        if all(ok for ok, _ in values):
            calls.append(tuple(v for _, v in values))
    return calls


def all_functions(index: CodeIndex, files: dict[str, str]) -> dict[str, GoFunc]:
    """Qualified name -> shape of every function and method of the project's non-test Go files that the index
    knows by that name alone."""
    out = {}
    for path in sorted(p for p in files if is_go_source(p) and p in index.facts):
        for func in functions(path, files[path]):
            qual = f"{path}::{func.receiver + '.' if func.receiver else ''}{func.name}"
            if qual in index.definitions and qual not in index.ambiguous:
                out[qual] = func
    return out


def go_literal(value: Any) -> str:
    """A plain value as Go source."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def call_source(func: GoFunc, args: tuple[Any, ...]) -> str:
    """The call as Go source: ``F(3, "utf-8")``, a ``[]byte`` parameter's string converted (``[]byte("ab")``)."""
    shown = [f"[]byte({go_literal(a)})" if kind == "[]byte" else go_literal(a)
             for (_, kind), a in zip(func.params, args, strict=True)]
    return f"{func.name}({', '.join(shown)})"


def callable_functions(index: CodeIndex, files: dict[str, str]) -> dict[str, GoFunc]:
    """Qualified name -> shape of every callable top-level function of the project's non-test Go files."""
    return {qual: func for qual, func in all_functions(index, files).items() if func.callable}


def literal_calls(index: CodeIndex, files: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    """Callable Go functions -> argument tuples to call them with (written calls and seeded ones), capped."""
    written = _written_calls(index, files)
    out = {}
    for qual, func in callable_functions(index, files).items():
        calls = sorted(set(written.get(qual, []) + _signature_calls(qual, func, files[func.path])), key=repr)
        if calls:
            out[qual] = calls[:MAX_PER_FUNCTION]
    return out
