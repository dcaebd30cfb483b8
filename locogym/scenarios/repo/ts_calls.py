"""Which calls of a TypeScript/JavaScript project's exported functions a question may ask about.

As for Python (:mod:`.literal_calls`), a call is asked about only with arguments the project itself suggests:

* the arguments of a call the project writes outside its tests, every one a plain literal (a number, a string
  without substitutions, ``true``/``false``);
* no argument, for a function whose every parameter is optional or has a default;
* seeded values for the required parameters when each is typed ``number``, ``string``, ``boolean`` or a union
  of these and literals (``'get' | 'post'``) — by its annotation, or in JavaScript by its JSDoc ``@param`` — a
  string being one of the short literals its own file writes.

Only top-level functions a module exports (``export function f``, ``export const f = () => ...``) are called:
the call goes through what the module exposes, as a user of the project would make it.
"""

from __future__ import annotations

import json
import random
import re
import weakref
from typing import Any

import tree_sitter as ts

from locogym.scenarios.repo import parsing
from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.question_base import is_test_path

MAX_ARGS = 4
MAX_PER_FUNCTION = 3
MAX_STRING = 40
LANGUAGES = ("typescript", "javascript")
_FUNCTION_NODES = ("function_declaration", "arrow_function", "function_expression", "function")
_FOUND: weakref.WeakKeyDictionary[CodeIndex, dict[str, list[tuple[Any, ...]]]] = weakref.WeakKeyDictionary()


def _tree(text: str, lang: str) -> ts.Node:
    return ts.Parser(parsing.language(lang)).parse(text.encode("utf-8")).root_node


def _literal(node: ts.Node) -> tuple[bool, Any]:
    """``(True, value)`` for a plain literal argument, else ``(False, None)``."""
    text = node.text.decode("utf-8", "replace") if node.text is not None else ""
    if node.type in {"true", "false"}:
        return True, node.type == "true"
    if node.type == "unary_expression" and text.startswith("-") and node.named_child_count == 1 and \
            node.named_children[0].type == "number":
        ok, value = _literal(node.named_children[0])
        return ok, -value if ok else None
    if node.type == "number":
        try:
            value = json.loads(text)
        except ValueError:
            return False, None  # hex, octal, separators, bigint: one more spelling to normalise
        return isinstance(value, (int, float)), value
    if node.type == "string" and all(c.type in {"string_fragment", '"', "'"} for c in node.children):
        value = text[1:-1]
        return len(value) <= MAX_STRING and value.isprintable() and "\\" not in value, value
    return False, None


def _literal_args(call: ts.Node) -> tuple[Any, ...] | None:
    args = call.child_by_field_name("arguments")
    if args is None or args.type != "arguments" or len(args.named_children) > MAX_ARGS:
        return None
    values = []
    for arg in args.named_children:
        ok, value = _literal(arg)
        if not ok:
            return None
        values.append(value)
    return tuple(values)


def _callee_leaf(call: ts.Node) -> str:
    fn = call.child_by_field_name("function")
    if fn is not None and fn.type == "member_expression":
        fn = fn.child_by_field_name("property")
    return fn.text.decode("utf-8", "replace") if fn is not None and fn.text is not None else ""


def _nodes(root: ts.Node, types: tuple[str, ...]) -> list[ts.Node]:
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        if node.type in types:
            out.append(node)
        stack.extend(reversed(node.children))
    return out


def _written_calls(index: CodeIndex, files: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    """Project function -> the literal argument tuples of the calls of it written outside the tests."""
    by_site = {(p, ln, index.definitions[c].name): c for caller in index.calls for c, p, ln in index.calls[caller]}
    found: dict[str, list[tuple[Any, ...]]] = {}
    for path, facts in sorted(index.facts.items()):
        if facts.language not in LANGUAGES or is_test_path(path) or path not in files:
            continue
        for call in _nodes(_tree(files[path], facts.language), ("call_expression",)):
            qual = by_site.get((path, call.start_point[0] + 1, _callee_leaf(call)))
            args = _literal_args(call) if qual else None
            if qual and args is not None and args not in found.setdefault(qual, []):
                found[qual].append(args)
    return found


def _module_strings(root: ts.Node) -> list[str]:
    """The short one-word string literals of a file (sorted): inputs its own functions are written for."""
    found = {v for n in _nodes(root, ("string",)) for ok, v in [_literal(n)]
             if ok and (n.parent is None or n.parent.type not in {"import_statement", "export_statement"})}
    return sorted(s for s in found if 0 < len(s) <= 30 and " " not in s)


def _function_node(root: ts.Node, line: int, name: str) -> ts.Node | None:
    """The function a top-level definition at ``line`` names: a declaration, or the arrow/function expression a
    ``const`` holds."""
    for node in _nodes(root, ("function_declaration", "variable_declarator")):
        if node.start_point[0] + 1 != line or node.child_by_field_name("name") is None:
            continue
        if node.child_by_field_name("name").text != name.encode("utf-8"):  # type: ignore[union-attr]
            continue
        if node.type == "function_declaration":
            return node
        value = node.child_by_field_name("value")
        return value if value is not None and value.type in _FUNCTION_NODES else None
    return None


def _members(type_text: str) -> list[Any] | None:
    """What a parameter's type lets a call pass: ``number``, ``string``, ``boolean`` (to be seeded) and literal
    members of a union (``'get' | 'post'``, ``0 | 1``); ``None`` for any other type (an object, a generic, an
    array, a named type the file alone does not define)."""
    if not type_text or any(c in type_text for c in "<>()[]{}&"):
        return None
    out: list[Any] = []
    for member in (m.strip() for m in type_text.strip().lstrip("|").split("|")):
        if member in {"number", "string", "boolean"}:
            out.append(member)
        elif member in {"undefined", "null", "void"}:
            continue
        elif member in {"true", "false"}:
            out.append(("literal", member == "true"))
        elif len(member) >= 2 and member[0] == member[-1] and member[0] in "'\"" and member[1:-1].isprintable():
            out.append(("literal", member[1:-1]))
        else:
            try:
                value = json.loads(member)
            except ValueError:
                return None
            if not isinstance(value, (int, float)):
                return None
            out.append(("literal", value))
    return out or None


def _param_type(param: ts.Node, jsdoc: dict[str, str]) -> str:
    """A parameter's type as written: its annotation, or in JavaScript its JSDoc ``@param {type} name``."""
    if param.type == "identifier":
        return jsdoc.get(param.text.decode("utf-8", "replace") if param.text is not None else "", "")
    annotation = param.child_by_field_name("type")
    pattern = param.child_by_field_name("pattern")
    if annotation is None or pattern is None or pattern.type != "identifier":
        return ""
    text = annotation.text.decode("utf-8", "replace") if annotation.text is not None else ""
    return text.lstrip(":").strip()


_JSDOC_PARAM = re.compile(r"@param\s+\{([^{}]+)\}\s+([A-Za-z_$][\w$]*)\s")


def _jsdoc(node: ts.Node) -> dict[str, str]:
    """Parameter name -> type, from the ``/** ... */`` comment right above a function (JavaScript's types)."""
    while node.parent is not None and node.parent.type in {"export_statement", "lexical_declaration",
                                                           "variable_declaration", "variable_declarator"}:
        node = node.parent
    prev = node.prev_named_sibling
    if prev is None or prev.type != "comment" or prev.text is None or not prev.text.startswith(b"/**"):
        return {}
    return {name: kind for kind, name in _JSDOC_PARAM.findall(prev.text.decode("utf-8", "replace") + "\n")}


def _required(node: ts.Node) -> list[ts.Node] | None:
    """The parameters a call must pass (``None`` when one is a rest or destructured parameter)."""
    params = node.child_by_field_name("parameters")
    if params is None:
        single = node.child_by_field_name("parameter")  # ``x => ...``
        return [single] if single is not None else []
    required = []
    for p in params.named_children:
        if p.type in {"comment", "optional_parameter", "assignment_pattern"}:
            continue
        if p.type == "required_parameter" and p.child_by_field_name("value") is not None:
            continue
        if p.type not in {"required_parameter", "identifier"}:
            return None
        required.append(p)
    return required


def _signature_calls(qual: str, node: ts.Node, strings: list[str]) -> list[tuple[Any, ...]]:
    """``()`` when no parameter is required; else seeded values when every required one has a type a value
    can be drawn from (an annotation, or JSDoc in JavaScript)."""
    required = _required(node)
    if required is None:
        return []
    if not required:
        return [()]
    jsdoc = _jsdoc(node)
    members = [_members(_param_type(p, jsdoc)) for p in required]
    if any(m is None for m in members):
        return []
    rng, calls = random.Random(f"ts-literal-call:{qual}"), []
    for _ in range(2):
        values = [_seeded(rng.choice(m), rng, strings) for m in members if m is not None]
        if all(ok for ok, _ in values):
            calls.append(tuple(v for _, v in values))
    return calls


def _seeded(kind: Any, rng: random.Random, strings: list[str]) -> tuple[bool, Any]:
    if isinstance(kind, tuple):
        return True, kind[1]
    if kind == "number":
        return True, rng.randint(-20, 200)
    if kind == "boolean":
        return True, rng.random() < 0.5
    if kind == "string" and strings:
        return True, rng.choice(strings)
    return False, None


def exported_functions(index: CodeIndex) -> list[str]:
    """The top-level functions TS/JS modules export, outside tests and declaration files (sorted)."""
    out = []
    for qual, d in sorted(index.definitions.items()):
        facts = index.facts.get(d.path)
        if facts is None or facts.language not in LANGUAGES or d.kind != "function" or d.parent is not None or \
                is_test_path(d.path) or ".d." in d.path.rpartition("/")[2] or qual in index.ambiguous:
            continue
        if d.name in facts.exports:
            out.append(qual)
    return out


def literal_calls(index: CodeIndex, files: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    """Exported TS/JS functions -> argument tuples to call them with, sorted and capped."""
    cached = _FOUND.get(index)
    if cached is not None:
        return cached
    written = _written_calls(index, files)
    roots: dict[str, ts.Node] = {}
    out: dict[str, list[tuple[Any, ...]]] = {}
    for qual in exported_functions(index):
        d = index.definitions[qual]
        if d.path not in files:
            continue
        if d.path not in roots:
            roots[d.path] = _tree(files[d.path], index.facts[d.path].language)
        node = _function_node(roots[d.path], d.line, d.name)
        seeded = _signature_calls(qual, node, _module_strings(roots[d.path])) if node is not None else []
        calls = sorted(set(written.get(qual, []) + seeded), key=repr)
        if calls:
            out[qual] = calls[:MAX_PER_FUNCTION]
    _FOUND[index] = out
    return out
