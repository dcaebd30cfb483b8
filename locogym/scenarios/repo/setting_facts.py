"""Per-file facts about settings in Go and JavaScript/TypeScript: declarations, overrides and writes.

A setting question asks the value a name has once its package or module is loaded. That value is decided in the
file alone only for a literal; an alias, an arithmetic of other constants, a Go ``init`` override or a module-level
``config.key = ...`` spread it over several places, which is what makes the question worth asking. This module
records, from one file's syntax tree, what those places say — as small expression trees that
:mod:`locogym.scenarios.repo.static_settings` evaluates across files — and every place a name may be written
otherwise, so that the resolver can refuse what it cannot know (precision first).

Expressions are tuples, so they pickle into the index cache:

* ``("lit", value, kind)`` — kind ``int`` | ``float`` | ``string`` | ``bool`` (Go floats are exact fractions);
* ``("ref", qualifier, name)`` — another constant, ``qualifier`` a Go package name or ``""``;
* ``("env", variable, literal)`` — JS/TS ``process.env.X ?? literal`` (or ``||``): ``literal`` once loaded with an
  empty environment;
* ``("bin", op, left, right)`` and ``("neg", operand)`` — Go constant arithmetic;
* ``("object", entries, frozen)`` — a JS/TS object literal; entries ``("pair", key, expr, line)``,
  ``("spread", name, line)``, ``("opaque", key)`` (a method, an accessor or a ``function``, which may change the
  object through ``this``), ``("unknown",)`` (a computed key).

An expression the rules cannot read exactly is ``None``: the name is known, its value is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import tree_sitter as ts

Expr = tuple[Any, ...] | None

GO_BASIC_TYPES = {"int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr",
                  "byte", "float64", "string", "bool"}
_GO_BINARY = {"+", "-", "*", "/", "%", "<<", ">>", "|", "&", "^"}
_GO_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\",
                      '"': '"'}
_JS_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", "'": "'", '"': '"', "`": "`", "b": "\b",
                      "f": "\f", "v": "\v", "0": "\0"}
_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


@dataclass
class SettingFact:
    """A place that decides a setting's value.

    ``kind``: Go ``const`` / ``var`` (a package-level spec), ``init`` (an unconditional ``X = expr`` at the top of a
    ``func init()``; ``group`` numbers the init functions of the file), ``import`` (``import name "path"``: ``name``
    the alias, ``gotype`` the import path); JS/TS ``const`` (a top-level ``const``),
    ``let`` (a top-level ``let``/``var``: never a setting, but it shadows a global such as ``process``),
    ``export`` (``export { A as B }``: ``expr`` is the reference to ``A``), ``override`` (a module-level
    ``obj.key = literal``; ``name`` is ``obj.key``).
    """

    name: str
    line: int
    kind: str
    expr: Expr = None
    gotype: str = ""  # Go: the declared type ("" when untyped)
    group: int = 0


@dataclass
class SettingScan:
    """What one file says about settings: the deciding places and the names written or leaked elsewhere."""

    facts: list[SettingFact] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # names assigned, incremented, deleted or address-taken
    escaped: list[str] = field(default_factory=list)  # JS/TS: names whose object is handed on (may be mutated)
    constrained: bool = False  # Go: the file has a build constraint (``//go:build``): not in every build


def _text(node: ts.Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def _line(node: ts.Node) -> int:
    return node.start_point[0] + 1


# ------------------------------------------------------------------------------------------------------ Go
def _go_int(text: str) -> int | None:
    text = text.replace("_", "")
    try:
        if len(text) > 1 and text[0] == "0" and text[1].isdigit():
            return int(text[1:], 8)  # Go's legacy octal: 017
        return int(text, 0)
    except ValueError:
        return None


def _go_string(node: ts.Node) -> str | None:
    """An interpreted string literal's value; ``None`` for byte escapes (``\\x``, octal), whose value is bytes."""
    out = []
    for child in node.children:
        if child.type == "interpreted_string_literal_content":
            out.append(_text(child))
        elif child.type == "escape_sequence":
            esc = _text(child)[1:]
            if esc in _GO_SIMPLE_ESCAPES:
                out.append(_GO_SIMPLE_ESCAPES[esc])
            elif esc[:1] in {"u", "U"} and len(esc) in {5, 9}:
                out.append(chr(int(esc[1:], 16)))
            else:
                return None
    return "".join(out)


def go_expr(node: ts.Node | None, locals_: frozenset[str] = frozenset()) -> Expr:
    """The expression tree of a Go constant expression, or ``None`` when it is not one the rules evaluate
    (calls and conversions, ``iota``, runes, names in ``locals_`` — a function's own variables)."""
    if node is None:
        return None
    kind = node.type
    if kind == "parenthesized_expression" and node.named_child_count == 1:
        return go_expr(node.named_children[0], locals_)
    if kind == "int_literal":
        value = _go_int(_text(node))
        return None if value is None else ("lit", value, "int")
    if kind == "float_literal":
        text = _text(node).replace("_", "")
        if text.lower().startswith("0x"):
            return None
        try:
            return ("lit", Fraction(text), "float")
        except (ValueError, ZeroDivisionError):
            return None
    if kind == "interpreted_string_literal":
        decoded = _go_string(node)
        return None if decoded is None else ("lit", decoded, "string")
    if kind == "raw_string_literal":
        return ("lit", _text(node)[1:-1].replace("\r", ""), "string")
    if kind in {"true", "false"}:
        return ("lit", kind == "true", "bool")
    if kind == "identifier":
        name = _text(node)
        if name in {"true", "false"} and name not in locals_:
            return ("lit", name == "true", "bool")
        return None if name in locals_ or name in {"iota", "nil", "_"} else ("ref", "", name)
    if kind == "selector_expression":
        operand, member = node.child_by_field_name("operand"), node.child_by_field_name("field")
        if operand is None or operand.type != "identifier" or _text(operand) in locals_:
            return None
        return ("ref", _text(operand), _text(member))
    if kind == "unary_expression":
        op = _text(node.child_by_field_name("operator"))
        inner = go_expr(node.child_by_field_name("operand"), locals_)
        if inner is None or op not in {"-", "+"}:
            return None
        return inner if op == "+" else ("neg", inner)
    if kind == "binary_expression":
        op = _text(node.child_by_field_name("operator"))
        left = go_expr(node.child_by_field_name("left"), locals_)
        right = go_expr(node.child_by_field_name("right"), locals_)
        if op not in _GO_BINARY or left is None or right is None:
            return None
        return ("bin", op, left, right)
    return None


def _go_specs(decl: ts.Node) -> list[ts.Node]:
    out = []
    for child in decl.named_children:
        if child.type in {"const_spec", "var_spec"}:
            out.append(child)
        elif child.type == "var_spec_list":
            out += [c for c in child.named_children if c.type == "var_spec"]
    return out


def _go_declarations(root: ts.Node, scan: SettingScan) -> None:
    for decl in root.named_children:
        if decl.type not in {"const_declaration", "var_declaration"}:
            continue
        kind = "const" if decl.type == "const_declaration" else "var"
        for spec in _go_specs(decl):
            names = [c for c in spec.children_by_field_name("name")]
            type_node = spec.child_by_field_name("type")
            values_node = spec.child_by_field_name("value")
            values = [c for c in values_node.named_children if c.type != "comment"] if values_node else []
            gotype = _text(type_node)
            # a const spec without values repeats the previous one (iota's use): not evaluated
            exprs: list[Expr] = [go_expr(v) for v in values] if len(values) == len(names) else [None] * len(names)
            if kind == "const" and not values:
                exprs = [None] * len(names)
            if values_node is not None and "iota" in _text(values_node):
                exprs = [None] * len(names)
            for name, expr in zip(names, exprs, strict=True):
                if kind == "var" and not values and gotype in GO_BASIC_TYPES:
                    expr = ("zero",)  # the zero value of its type
                scan.facts.append(SettingFact(name=_text(name), line=_line(name), kind=kind, expr=expr,
                                              gotype=gotype))


def _go_locals(body: ts.Node) -> set[str]:
    """Names a function body declares (its own variables and constants shadow package-level ones)."""
    out: set[str] = set()
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type in {"short_var_declaration", "range_clause"} and \
                _text(node.child_by_field_name("operator")) != "=":
            left = node.child_by_field_name("left")
            out.update(_text(c) for c in (left.named_children if left is not None else []) if c.type == "identifier")
        elif node.type in {"var_spec", "const_spec", "parameter_declaration"}:
            out.update(_text(c) for c in node.children_by_field_name("name"))
        stack.extend(node.named_children)
    return out


def _go_init_overrides(root: ts.Node, scan: SettingScan) -> set[int]:
    """Record ``X = expr`` statements at the top of each ``func init()`` body; their node ids are returned so
    that the write scan does not count them again. An init with a ``return``, ``goto`` or label at its top may
    stop early: its assignments are plain writes."""
    taken: set[int] = set()
    group = 0
    for decl in root.named_children:
        if decl.type != "function_declaration" or _text(decl.child_by_field_name("name")) != "init":
            continue
        group += 1
        body = decl.child_by_field_name("body")
        statements = body.named_children if body is not None else []
        if statements and statements[0].type == "statement_list":
            statements = statements[0].named_children
        if any(s.type in {"return_statement", "goto_statement", "labeled_statement"} for s in statements):
            continue
        local_names = frozenset(_go_locals(body)) if body is not None else frozenset()
        for stmt in statements:
            if stmt.type != "assignment_statement" or _text(stmt.child_by_field_name("operator")) != "=":
                continue
            left, right = stmt.child_by_field_name("left"), stmt.child_by_field_name("right")
            targets = left.named_children if left is not None else []
            values = right.named_children if right is not None else []
            if len(targets) != 1 or len(values) != 1 or targets[0].type != "identifier":
                continue
            name = _text(targets[0])
            if name in local_names:
                continue  # the init's own variable, not the package's
            scan.facts.append(SettingFact(name=name, line=_line(stmt), kind="init",
                                          expr=go_expr(values[0], local_names), group=group))
            taken.add(stmt.id)
    return taken


def _go_target_name(node: ts.Node) -> str:
    """The name an assignment target writes: ``X`` for ``X``, ``X.f``, ``X[i]``, ``*X``; ``F`` for ``pkg.F``."""
    while node.type in {"parenthesized_expression", "index_expression", "unary_expression"} and node.named_children:
        node = node.child_by_field_name("operand") or node.named_children[0]
    if node.type == "selector_expression":
        operand = node.child_by_field_name("operand")
        if operand is not None and operand.type == "identifier":
            return f"{_text(operand)}\0{_text(node.child_by_field_name('field'))}"
        return _text(node.child_by_field_name("field"))
    return _text(node) if node.type == "identifier" else ""


def _go_writes(root: ts.Node, taken: set[int], scan: SettingScan) -> None:
    """Every assignment, ``++``/``--`` and ``&x`` of the file outside the recorded init overrides. A qualified
    write ``pkg.X = ...`` records both ``pkg.X``'s member ``X`` and the qualifier (conservatively, either)."""
    written: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        targets: list[ts.Node] = []
        if node.type == "assignment_statement" and node.id not in taken:
            left = node.child_by_field_name("left")
            targets = list(left.named_children) if left is not None else []
        elif node.type == "range_clause" and _text(node.child_by_field_name("operator")) == "=":
            left = node.child_by_field_name("left")
            targets = list(left.named_children) if left is not None else []
        elif node.type in {"inc_statement", "dec_statement"}:
            targets = list(node.named_children[:1])
        elif node.type == "unary_expression" and _text(node.child_by_field_name("operator")) == "&":
            operand = node.child_by_field_name("operand")
            targets = [operand] if operand is not None else []
        for target in targets:
            name = _go_target_name(target)
            written.update(p for p in name.split("\0") if p)
        stack.extend(node.named_children)
    scan.written = sorted(written)


def _package_start(root: ts.Node) -> int:
    clause = next((c for c in root.named_children if c.type == "package_clause"), None)
    return clause.start_byte if clause is not None else 0


def _go_import_aliases(root: ts.Node, scan: SettingScan) -> None:
    for decl in root.named_children:
        if decl.type != "import_declaration":
            continue
        stack = list(decl.named_children)
        while stack:
            node = stack.pop()
            if node.type == "import_spec_list":
                stack.extend(node.named_children)
            elif node.type == "import_spec" and node.child_by_field_name("name") is not None:
                name = node.child_by_field_name("name")
                if name is not None and name.type == "package_identifier":
                    scan.facts.append(SettingFact(name=_text(name), line=_line(node), kind="import",
                                                  gotype=_text(node.child_by_field_name("path")).strip('"`')))


def go_scan(root: ts.Node) -> SettingScan:
    """Package-level ``const``/``var`` specs, ``init`` overrides, import aliases and writes of one Go file."""
    scan = SettingScan()
    _go_import_aliases(root, scan)
    scan.constrained = any(c.type == "comment" and re.match(r"^//(go:build |\s*\+build )", _text(c))
                           for c in root.named_children if c.start_byte < _package_start(root))
    _go_declarations(root, scan)
    taken = _go_init_overrides(root, scan)
    _go_writes(root, taken, scan)
    return scan


# ------------------------------------------------------------------------------------------------------ JS/TS
def _js_number(text: str) -> int | float | None:
    text = text.replace("_", "")
    if text.endswith("n") or (len(text) > 1 and text[0] == "0" and text[1].isdigit()):
        return None  # BigInt; legacy octal
    try:
        if text[:2].lower() in {"0x", "0o", "0b"}:
            return int(text, 0)
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() and abs(value) < 2 ** 53 else value


def _js_string(node: ts.Node) -> str | None:
    parts = []
    for child in node.named_children:
        if child.type == "string_fragment":
            parts.append(_text(child))
        elif child.type == "escape_sequence":
            esc = _text(child)[1:]
            if esc not in _JS_SIMPLE_ESCAPES:
                return None
            parts.append(_JS_SIMPLE_ESCAPES[esc])
        else:
            return None  # a template substitution
    return "".join(parts)


def _unwrap(node: ts.Node | None) -> ts.Node | None:
    while node is not None and node.type in {"as_expression", "satisfies_expression", "parenthesized_expression"} \
            and node.named_children:
        node = node.named_children[0]
    return node


def js_literal(node: ts.Node | None) -> Expr:
    """A JS/TS literal (string, number, boolean, negated number) as an expression tree, else ``None``."""
    node = _unwrap(node)
    if node is None:
        return None
    if node.type in {"string", "template_string"}:
        value = _js_string(node)
        return None if value is None else ("lit", value, "string")
    if node.type == "number":
        number = _js_number(_text(node))
        return None if number is None else ("lit", number, "float" if isinstance(number, float) else "int")
    if node.type in {"true", "false"}:
        return ("lit", node.type == "true", "bool")
    if node.type == "unary_expression" and _text(node.child_by_field_name("operator")) == "-":
        inner = js_literal(node.child_by_field_name("argument"))
        if inner is not None and inner[2] in {"int", "float"}:
            return ("lit", -inner[1], inner[2])
    return None


def _js_env_read(node: ts.Node | None) -> str:
    """The variable a ``process.env.X`` / ``process.env["X"]`` read names ("" for anything else)."""
    node = _unwrap(node)
    if node is None or node.type not in {"member_expression", "subscript_expression"}:
        return ""
    owner = _unwrap(node.child_by_field_name("object"))
    if owner is None or _text(owner).replace(" ", "") != "process.env":
        return ""
    if node.type == "member_expression":
        prop = node.child_by_field_name("property")
        return _text(prop) if prop is not None and prop.type == "property_identifier" else ""
    index = _unwrap(node.child_by_field_name("index"))
    value = _js_string(index) if index is not None and index.type == "string" else None
    return value or ""


def js_env_default(node: ts.Node | None) -> Expr:
    """``process.env.X ?? literal`` or ``process.env.X || literal`` as ``("env", "X", literal)``: with an empty
    environment the variable is ``undefined``, so both operators give the literal (they differ only for a variable
    set to ""). Any other use of ``process.env`` — a call, a parse, a ternary — is ``None``."""
    node = _unwrap(node)
    if node is None or node.type != "binary_expression" or \
            _text(node.child_by_field_name("operator")) not in {"??", "||"}:
        return None
    variable = _js_env_read(node.child_by_field_name("left"))
    fallback = js_literal(node.child_by_field_name("right"))
    return ("env", variable, fallback) if variable and fallback is not None else None


def _js_key(node: ts.Node | None) -> str:
    if node is None:
        return ""
    if node.type == "property_identifier":
        return _text(node)
    if node.type == "string":
        value = _js_string(node)
        return value if value is not None and _IDENT.match(value) and value != "__proto__" else ""
    return ""


def _js_object(node: ts.Node, frozen: bool) -> Expr:
    entries: list[tuple[Any, ...]] = []
    for child in node.named_children:
        if child.type == "pair":
            key_node = child.child_by_field_name("key")
            key = _js_key(key_node)
            if not key:
                # a computed key may be any key; a non-identifier key is never asked, but ``"__proto__"`` is special
                entries.append(("unknown",) if key_node is None or key_node.type == "computed_property_name"
                               or _text(key_node).strip("'\"") == "__proto__" else ("opaque", _text(key_node)))
                continue
            value = _unwrap(child.child_by_field_name("value"))
            if value is not None and value.type in {"function_expression", "function", "generator_function"}:
                entries.append(("opaque", key))  # a ``function`` sees the object as ``this``: it may change it
                continue
            expr = js_literal(value) or js_env_default(value)
            if expr is None and value is not None and value.type == "identifier":
                expr = ("ref", "", _text(value))
            entries.append(("pair", key, expr, _line(child)))
        elif child.type == "shorthand_property_identifier":
            entries.append(("pair", _text(child), ("ref", "", _text(child)), _line(child)))
        elif child.type == "spread_element":
            inner = _unwrap(child.named_children[0]) if child.named_children else None
            if inner is not None and inner.type == "identifier":
                entries.append(("spread", _text(inner), _line(child)))
            else:
                entries.append(("unknown",))
        elif child.type == "method_definition":
            entries.append(("opaque", _text(child.child_by_field_name("name"))))
        elif child.type != "comment":
            entries.append(("unknown",))
    return ("object", tuple(entries), frozen)


def _js_value(node: ts.Node | None) -> Expr:
    node = _unwrap(node)
    if node is None:
        return None
    if node.type == "object":
        return _js_object(node, False)
    if node.type == "call_expression" and _text(node.child_by_field_name("function")) == "Object.freeze":
        args = node.child_by_field_name("arguments")
        inner = [c for c in args.named_children if c.type != "comment"] if args is not None else []
        obj = _unwrap(inner[0]) if len(inner) == 1 else None
        return _js_object(obj, True) if obj is not None and obj.type == "object" else None
    if node.type == "identifier":
        return ("ref", "", _text(node))
    return js_literal(node) or js_env_default(node)


def _js_declarations(root: ts.Node, scan: SettingScan) -> set[int]:
    """Top-level ``const`` declarations, local ``export { A as B }`` and module-level ``obj.key = literal``."""
    taken: set[int] = set()
    for stmt in root.named_children:
        decl = stmt.child_by_field_name("declaration") if stmt.type == "export_statement" else stmt
        if decl is not None and decl.type in {"lexical_declaration", "variable_declaration"}:
            const = decl.type == "lexical_declaration" and _text(decl.child_by_field_name("kind")) == "const"
            for d in decl.named_children:
                name = d.child_by_field_name("name") if d.type == "variable_declarator" else None
                if name is not None and name.type == "identifier":
                    scan.facts.append(SettingFact(name=_text(name), line=_line(d), kind="const" if const else "let",
                                                  expr=_js_value(d.child_by_field_name("value")) if const else None))
        if stmt.type == "export_statement" and stmt.child_by_field_name("source") is None:
            for clause in (c for c in stmt.named_children if c.type == "export_clause"):
                for spec in clause.named_children:
                    local = _text(spec.child_by_field_name("name"))
                    alias = _text(spec.child_by_field_name("alias")) or local
                    if alias != local:
                        scan.facts.append(SettingFact(name=alias, line=_line(spec), kind="export",
                                                      expr=("ref", "", local)))
        if stmt.type == "expression_statement" and stmt.named_child_count:
            node = stmt.named_children[0]
            if node.type != "assignment_expression":
                continue
            left = node.child_by_field_name("left")
            if left is None or left.type != "member_expression":
                continue
            obj, prop = left.child_by_field_name("object"), left.child_by_field_name("property")
            value = js_literal(node.child_by_field_name("right"))
            if obj is not None and obj.type == "identifier" and prop is not None and \
                    prop.type == "property_identifier" and value is not None:
                scan.facts.append(SettingFact(name=f"{_text(obj)}.{_text(prop)}", line=_line(stmt), kind="override",
                                              expr=value))
                taken.add(left.id)
    return taken


_WRITE_PARENTS = {"assignment_expression", "augmented_assignment_expression"}
_IGNORED_PARENTS = {"import_specifier", "export_specifier", "namespace_import", "import_clause", "type_query",
                    "namespace_export"}


def _js_occurrence(node: ts.Node, taken: set[int]) -> str:
    """How an occurrence of a name uses it: ``read`` (a member read, a spread copy, its declaration, an import),
    ``write`` (assigned, or a member of it assigned, updated or deleted) or ``escape`` (handed on as a value)."""
    cur = node
    if node.type == "property_identifier":
        parent = node.parent
        if parent is None or parent.type != "member_expression" or parent.child_by_field_name("property") != node:
            return "read"  # an object key or a method name: not this name
        cur = parent
    top = cur
    while top.parent is not None and top.parent.type in {"member_expression", "subscript_expression"} and \
            top.parent.child_by_field_name("object") == top:
        top = top.parent
    parent = top.parent
    if parent is None:
        return "read"
    written = (parent.type in _WRITE_PARENTS and parent.child_by_field_name("left") == top) or \
        parent.type == "update_expression" or \
        (parent.type == "unary_expression" and _text(parent.child_by_field_name("operator")) == "delete")
    if written:
        # ``name.key = v`` changes the object; ``name = v`` rebinds a variable (a ``const`` cannot be: another
        # variable of that name), ``x.name = v`` another object's property
        return "read" if top is cur or top.id in taken else "write"
    if top is not cur:
        return "read"  # ``config.key`` read (or a method of it called: a scalar key has no mutating method)
    if parent.type in _IGNORED_PARENTS or parent.type == "spread_element":
        return "read"
    if parent.type == "variable_declarator" and parent.child_by_field_name("name") == cur:
        return "read"
    if parent.type == "member_expression" and parent.child_by_field_name("property") == cur:
        return "read"
    return "escape"


_JS_NAMES = "[(identifier) (property_identifier) (shorthand_property_identifier)] @n"


def js_scan(root: ts.Node, query: ts.Query) -> SettingScan:
    """Top-level settings of one JS/TS file and every name written or escaping in it (``query`` captures names)."""
    scan = SettingScan()
    taken = _js_declarations(root, scan)
    written: set[str] = set()
    escaped: set[str] = set()
    for node in ts.QueryCursor(query).captures(root).get("n", []):
        how = _js_occurrence(node, taken)
        if how == "write":
            written.add(_text(node))
        elif how == "escape":
            escaped.add(_text(node))
    scan.written, scan.escaped = sorted(written), sorted(escaped)
    return scan


def js_names_query(grammar: ts.Language) -> ts.Query:
    return ts.Query(grammar, _JS_NAMES)
