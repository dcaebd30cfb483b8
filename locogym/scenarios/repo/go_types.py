"""The static types of Go variables that the syntax alone fixes, so that ``v.M()`` can be resolved like a receiver.

A Go variable never changes type, so a method call on it reaches the method its declared type has — when the type
is a named, non-interface type of the project that declares that method itself (a method promoted from an
embedded field, or a field holding a function, is not followed). What this module reads, per function (its
parameters and locals, the receiver included) and per file (package-level ``var``):

* a parameter or ``var v T`` with a named type: ``T``, ``*T``, ``pkg.T``, ``*pkg.T`` (generic arguments dropped;
  the pointer is kept: a pointer's type cannot be an interface);
* ``v := &T{…}``, ``v := T{…}``, ``v := new(T)``, ``var v = …`` of those;
* ``v := F(…)`` / ``v := pkg.F(…)``: recorded as ``call:F`` — the type is the single result of the project
  function the call resolves to (:mod:`.static_calls` reads it from its signature).

A name declared twice in one function (in a nested block, a closure, a ``range`` or a multi-value assignment of
unknown shape) gets no type: which declaration a use means would need the scopes.
"""

from __future__ import annotations

import re

import tree_sitter as ts

_NAMED = re.compile(r"^(\*?[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)(?:\[.*\])?$")
UNKNOWN = ""


def named_type(text: str) -> str:
    """``T``, ``*T``, ``pkg.T`` or ``*pkg.T`` for a named type or a pointer to one (generic arguments dropped);
    ``""`` for any other type."""
    match = _NAMED.match(text.strip())
    return match.group(1) if match else UNKNOWN


def _text(node: ts.Node | None) -> str:
    return "" if node is None or node.text is None else node.text.decode("utf-8", "replace")


def expression_type(node: ts.Node) -> str:
    """The type an initializer fixes syntactically, ``call:F`` for a call to be resolved, or ``""``."""
    if node.type == "unary_expression" and _text(node.child_by_field_name("operator")) == "&":
        operand = node.child_by_field_name("operand")
        return expression_type(operand) if operand is not None and operand.type == "composite_literal" else UNKNOWN
    if node.type == "composite_literal":
        return named_type(_text(node.child_by_field_name("type")))
    if node.type == "call_expression":
        function = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if _text(function) == "new" and arguments is not None and arguments.named_child_count == 1:
            return named_type(_text(arguments.named_children[0]))
        if function is not None and function.type in {"identifier", "selector_expression"}:
            return f"call:{_text(function)}"
    return UNKNOWN


def _declare(found: dict[str, list[str]], name_node: ts.Node | None, type_text: str) -> None:
    if name_node is not None and name_node.type == "identifier":
        found.setdefault(_text(name_node), []).append(type_text)


def _parameters(node: ts.Node, found: dict[str, list[str]]) -> None:
    variadic = node.type == "variadic_parameter_declaration"
    type_text = UNKNOWN if variadic else named_type(_text(node.child_by_field_name("type")))
    for child in node.children_by_field_name("name"):
        _declare(found, child, type_text)


def _short_var(node: ts.Node, found: dict[str, list[str]]) -> None:
    left = node.child_by_field_name("left")
    right = node.child_by_field_name("right")
    names = left.named_children if left is not None else []
    values = right.named_children if right is not None else []
    for i, name in enumerate(names):
        _declare(found, name, expression_type(values[i]) if len(values) == len(names) else UNKNOWN)


def _var_spec(node: ts.Node, found: dict[str, list[str]]) -> None:
    names = node.children_by_field_name("name")
    declared = node.child_by_field_name("type")
    value = node.child_by_field_name("value")
    values = value.named_children if value is not None else []
    for i, name in enumerate(names):
        if declared is not None:
            _declare(found, name, named_type(_text(declared)))
        else:
            _declare(found, name, expression_type(values[i]) if len(values) == len(names) else UNKNOWN)


def _range(node: ts.Node, found: dict[str, list[str]]) -> None:
    left = node.child_by_field_name("left")
    for name in left.named_children if left is not None else []:
        _declare(found, name, UNKNOWN)


_DECLARATIONS = {"parameter_declaration": _parameters, "variadic_parameter_declaration": _parameters,
                 "short_var_declaration": _short_var, "var_spec": _var_spec, "range_clause": _range}


def _package_var_specs(root: ts.Node) -> list[ts.Node]:
    """The ``var_spec`` nodes of a file's package-level ``var`` declarations (grouped or not)."""
    out = []
    for declaration in (c for c in root.named_children if c.type == "var_declaration"):
        for child in declaration.named_children:
            out += [child] if child.type == "var_spec" else [s for s in child.named_children if s.type == "var_spec"]
    return out


def declared_types(node: ts.Node, top_level: bool = False) -> dict[str, str]:
    """Name -> type (or ``call:F``) of every variable declared once under ``node`` whose type the syntax fixes.
    With ``top_level``, only the package-level ``var`` specs directly under a source file are read."""
    found: dict[str, list[str]] = {}
    if top_level:
        for spec in _package_var_specs(node):
            _var_spec(spec, found)
    stack = [] if top_level else [node]
    while stack:
        current = stack.pop()
        handler = _DECLARATIONS.get(current.type)
        if handler is not None:
            handler(current, found)
        if current.type not in {"parameter_declaration", "variadic_parameter_declaration"}:
            stack.extend(current.named_children)
    return {name: types[0] for name, types in sorted(found.items()) if len(types) == 1 and types[0]}
