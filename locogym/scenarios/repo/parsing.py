"""Per-file facts from tree-sitter: definitions, call sites, imports, module-level assignments and identifiers.

One :class:`FileFacts` per source file, computed from that file alone (so it can be cached by content) and
resolved across files by :class:`~locogym.scenarios.repo.index.CodeIndex`. Grammars come from the installed
wheels (``tree-sitter-python``, ``-javascript``, ``-typescript``, ``-go``, ``-java``, ``-rust``); nothing is
downloaded. Extraction uses tree-sitter queries (matching runs in C), so a megabyte of code parses in well under
a second.
"""

from __future__ import annotations

import ast
import functools
import importlib
import posixpath
from dataclasses import dataclass, field
from typing import Any

import tree_sitter as ts

from locogym.core.errors import ConfigError
from locogym.scenarios.repo import go_types, setting_facts
from locogym.scenarios.repo.setting_facts import SettingFact


@dataclass
class DefFact:
    """A definition in one file. ``parent`` indexes the enclosing definition in the same file (-1 at top)."""

    name: str
    kind: str  # function | method | class | interface | struct | enum | trait | type | variable
    line: int
    end_line: int
    start: int
    end: int
    parent: int = -1
    doc: str = ""
    params: list[str] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)
    signature: str = ""
    owner: str = ""  # Go: the receiver's type; Rust impl blocks: the implementing type (without generics);
    # JS/TS: the object literal a method is written in (see ``_object_owner``)
    receiver: str = ""  # Go: the receiver variable's name (``s`` in ``func (s *T) M()``)
    var_types: dict[str, str] = field(default_factory=dict)  # Go: variables' types the syntax fixes (go_types)
    locals: list[str] = field(default_factory=list)  # parameters and local variables, which shadow outer names
    conditional: bool = False  # Python: defined inside an ``if``/``try``/loop body, so it may not be the one bound
    head: int = 0  # first line with its decorators (0: ``line``)
    rebinds_this: bool = False  # JS/TS: inside it, ``this`` is not the enclosing class's instance


@dataclass
class CallFact:
    """A call site: the callee as written (``f``, ``mod.f``, ``self.m``), its line and enclosing definition."""

    expr: str
    line: int
    scope: int  # index into defs, -1 for module level


@dataclass
class ImportFact:
    """An import binding. Python: ``module`` is absolute or relative with ``level`` dots; JS/TS: a path."""

    module: str
    names: list[tuple[str, str]] = field(default_factory=list)  # (imported name, local alias)
    star: bool = False
    level: int = 0
    line: int = 0
    binds_module: str = ""  # ``import a.b as c`` -> local name c bound to module a.b ("" otherwise)
    exported: bool = False  # JS/TS ``export ... from``


@dataclass
class AssignFact:
    """A module-level ``NAME = value``: a literal (``value`` holds it) or another name (``alias``)."""

    name: str
    line: int
    literal: bool
    value: Any = None
    alias: str = ""
    env: str = ""  # ``os.environ.get("NAME", default)``: the variable whose absence leaves ``value``


@dataclass
class FileFacts:
    path: str
    language: str
    defs: list[DefFact] = field(default_factory=list)
    calls: list[CallFact] = field(default_factory=list)
    imports: list[ImportFact] = field(default_factory=list)
    assigns: list[AssignFact] = field(default_factory=list)
    idents: dict[str, list[int]] = field(default_factory=dict)
    lines: int = 0
    error: str = ""
    package: str = ""  # Go: the package clause's name
    macro_names: dict[str, list[int]] = field(default_factory=dict)  # Rust: identifiers inside macro token trees
    exports: list[str] = field(default_factory=list)  # JS/TS: names the module exports (ES or CommonJS)
    settings: list[SettingFact] = field(default_factory=list)  # Go, JS/TS: places deciding a setting's value
    setting_writes: list[str] = field(default_factory=list)  # Go, JS/TS: names written outside those places
    setting_escapes: list[str] = field(default_factory=list)  # JS/TS: names whose object is handed on
    build_constrained: bool = False  # Go: a ``//go:build`` line limits the builds the file is part of
    var_types: dict[str, str] = field(default_factory=dict)  # Go: package-level variables' types (go_types)


# language -> (grammar wheel module, function returning the grammar); TSX is a superset of TypeScript
_GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"), "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_tsx"), "go": ("tree_sitter_go", "language"),
    "java": ("tree_sitter_java", "language"), "rust": ("tree_sitter_rust", "language"),
}


@functools.cache
def language(name: str) -> ts.Language:
    """The tree-sitter language object of an indexed language (from its installed grammar wheel)."""
    if name not in _GRAMMARS:
        raise ConfigError(f"No grammar for language {name!r}.",
                          fix=f"Index files of: {', '.join(sorted(_GRAMMARS))}.")
    module_name, attr = _GRAMMARS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"The tree-sitter grammar for {name} is not installed ({exc}).",
                          fix=f"pip install {module_name.replace('_', '-')}") from exc
    return ts.Language(getattr(module, attr)())


# Each language: definition patterns (@name inside @def.KIND), call patterns (@callee), identifiers.
_DEF_QUERIES: dict[str, str] = {
    "python": """
        (function_definition name: (identifier) @name) @def.function
        (class_definition name: (identifier) @name) @def.class
    """,
    "javascript": """
        (function_declaration name: (identifier) @name) @def.function
        (generator_function_declaration name: (identifier) @name) @def.function
        (class_declaration name: (identifier) @name) @def.class
        (method_definition name: [(property_identifier) (private_property_identifier)] @name) @def.method
        (variable_declarator name: (identifier) @name
            value: [(arrow_function) (function_expression) (generator_function)]) @def.function
    """,
    "typescript": """
        (function_declaration name: (identifier) @name) @def.function
        (class_declaration name: (type_identifier) @name) @def.class
        (generator_function_declaration name: (identifier) @name) @def.function
        (abstract_class_declaration name: (type_identifier) @name) @def.class
        (interface_declaration name: (type_identifier) @name) @def.interface
        (type_alias_declaration name: (type_identifier) @name) @def.type
        (enum_declaration name: (identifier) @name) @def.enum
        (method_definition name: [(property_identifier) (private_property_identifier)] @name) @def.method
        (variable_declarator name: (identifier) @name
            value: [(arrow_function) (function_expression) (generator_function)]) @def.function
    """,
    "go": """
        (function_declaration name: (identifier) @name) @def.function
        (method_declaration name: (field_identifier) @name) @def.method
        (type_spec name: (type_identifier) @name) @def.type
    """,
    "java": """
        (class_declaration name: (identifier) @name) @def.class
        (interface_declaration name: (identifier) @name) @def.interface
        (enum_declaration name: (identifier) @name) @def.enum
        (record_declaration name: (identifier) @name) @def.class
        (method_declaration name: (identifier) @name) @def.method
        (constructor_declaration name: (identifier) @name) @def.method
    """,
    "rust": """
        (function_item name: (identifier) @name) @def.function
        (struct_item name: (type_identifier) @name) @def.struct
        (enum_item name: (type_identifier) @name) @def.enum
        (trait_item name: (type_identifier) @name) @def.trait
        (impl_item type: [(type_identifier) (generic_type) (scoped_type_identifier)] @name) @def.impl
        (mod_item name: (identifier) @name) @def.module
    """,
}
_CALL_QUERIES: dict[str, str] = {
    "python": "(call function: [(identifier) (attribute)] @callee)",
    "javascript": "(call_expression function: [(identifier) (member_expression)] @callee) "
                  "(new_expression constructor: (identifier) @callee)",
    "typescript": "(call_expression function: [(identifier) (member_expression)] @callee) "
                  "(new_expression constructor: (identifier) @callee)",
    "go": "(call_expression function: [(identifier) (selector_expression)] @callee)",
    "java": "(method_invocation) @callee (object_creation_expression type: (type_identifier) @callee)",
    "rust": "(call_expression function: [(identifier) (scoped_identifier) (field_expression)] @callee)",
}
_IDENT_QUERIES: dict[str, str] = {
    "python": "(identifier) @id",
    "javascript": "[(identifier) (property_identifier)] @id",
    "typescript": "[(identifier) (property_identifier) (type_identifier)] @id",
    "go": "[(identifier) (field_identifier) (type_identifier)] @id",
    "java": "[(identifier) (type_identifier)] @id",
    "rust": "[(identifier) (field_identifier) (type_identifier)] @id",
}
# names a function binds for itself (parameters, local variables): a call of such a name is not a call of an outer
# definition of the same name, so it is left unresolved rather than guessed
_LOCAL_QUERIES: dict[str, str] = {
    "python": """
        (parameters (identifier) @n) (default_parameter name: (identifier) @n)
        (typed_parameter (identifier) @n) (typed_default_parameter name: (identifier) @n)
        (list_splat_pattern (identifier) @n) (dictionary_splat_pattern (identifier) @n)
        (assignment left: (identifier) @n) (assignment left: (pattern_list (identifier) @n))
        (assignment left: (tuple_pattern (identifier) @n))
        (for_statement left: (identifier) @n) (for_statement left: (pattern_list (identifier) @n))
        (as_pattern alias: (as_pattern_target (identifier) @n))
        (import_statement name: (dotted_name (identifier) @n))
        (import_from_statement name: (dotted_name (identifier) @n))
        (aliased_import alias: (identifier) @n)
        (global_statement (identifier) @n) (nonlocal_statement (identifier) @n)
    """,
    "javascript": """
        (formal_parameters (identifier) @n) (variable_declarator name: (identifier) @n)
        (assignment_pattern left: (identifier) @n) (shorthand_property_identifier_pattern) @n
        (array_pattern (identifier) @n) (rest_pattern (identifier) @n) (import_specifier) @n
        (arrow_function parameter: (identifier) @n) (catch_clause parameter: (identifier) @n)
    """,
    "typescript": """
        (required_parameter pattern: (identifier) @n) (optional_parameter pattern: (identifier) @n)
        (variable_declarator name: (identifier) @n) (assignment_pattern left: (identifier) @n)
        (shorthand_property_identifier_pattern) @n (array_pattern (identifier) @n) (rest_pattern (identifier) @n)
        (arrow_function parameter: (identifier) @n) (catch_clause parameter: (identifier) @n)
    """,
    "go": """
        (parameter_declaration name: (identifier) @n) (variadic_parameter_declaration name: (identifier) @n)
        (short_var_declaration left: (expression_list (identifier) @n)) (var_spec name: (identifier) @n)
        (const_spec name: (identifier) @n) (range_clause left: (expression_list (identifier) @n))
    """,
    "java": """
        (formal_parameter name: (identifier) @n) (variable_declarator name: (identifier) @n)
    """,
    "rust": """
        (let_declaration pattern: (identifier) @n) (parameter pattern: (identifier) @n)
        (closure_parameters (identifier) @n) (tuple_pattern (identifier) @n)
    """,
}
_IMPORT_QUERIES: dict[str, str] = {
    "python": "[(import_statement) (import_from_statement)] @import",
    "javascript": "[(import_statement) (export_statement)] @import",
    "typescript": "[(import_statement) (export_statement)] @import",
    "go": "(import_spec) @import",
    "java": "(import_declaration) @import",
    "rust": "(use_declaration) @import",
}


@functools.cache
def _queries(lang: str) -> tuple[ts.Query, ts.Query, ts.Query, ts.Query, ts.Query]:
    grammar = language(lang)
    return (ts.Query(grammar, _DEF_QUERIES[lang]), ts.Query(grammar, _CALL_QUERIES[lang]),
            ts.Query(grammar, _IMPORT_QUERIES[lang]), ts.Query(grammar, _IDENT_QUERIES[lang]),
            ts.Query(grammar, _LOCAL_QUERIES[lang]))


@functools.cache
def _parser(lang: str) -> ts.Parser:
    return ts.Parser(language(lang))


def _text(node: ts.Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def _python_doc(node: ts.Node) -> str:
    body = node.child_by_field_name("body")
    if body is None or body.named_child_count == 0:
        return ""
    first = body.named_children[0]
    if first.type == "expression_statement" and first.named_child_count and first.named_children[0].type == "string":
        raw = _text(first.named_children[0])
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            return ""
        return str(value).strip().splitlines()[0].strip() if str(value).strip() else ""
    return ""


def _comment_doc(node: ts.Node) -> str:
    """The comment right above a definition (JS/TS/Go/Java/Rust doc comments), first line, markers removed."""
    while node.parent is not None and node.parent.type in {"export_statement", "lexical_declaration",
                                                           "variable_declaration"}:
        node = node.parent  # ``/** doc */ export function f`` documents the export statement
    prev = node.prev_named_sibling
    if prev is None or "comment" not in prev.type or prev.end_point[0] + 1 < node.start_point[0]:
        return ""
    block = [prev]  # ``//`` and ``///`` comments are one node per line: climb to the first line of the block
    while True:
        above = block[0].prev_named_sibling
        if above is None or "comment" not in above.type or above.end_point[0] + 1 < block[0].start_point[0]:
            break
        block.insert(0, above)
    lines = [ln.strip().lstrip("/*!").rstrip("*/").strip() for c in block for ln in _text(c).splitlines()]
    lines = [ln.lstrip("* ").strip() for ln in lines if ln.strip("*/ !")]
    return lines[0] if lines else ""


def _params(node: ts.Node) -> list[str]:
    params = node.child_by_field_name("parameters")
    if params is None:
        return []
    names = []
    for child in params.named_children:
        if child.type == "identifier":
            names.append(_text(child))
            continue
        inner = child.child_by_field_name("name") or child.child_by_field_name("pattern")
        if inner is None:
            idents = [c for c in child.named_children if c.type == "identifier"]
            inner = idents[0] if idents else None
        if inner is not None:
            names.append(_text(inner))
    return names


def _signature(node: ts.Node, source: bytes) -> str:
    """The definition's header: its text up to the body, on one line."""
    body = node.child_by_field_name("body")
    end = body.start_byte if body is not None else node.end_byte
    head = source[node.start_byte:end].decode("utf-8", "replace")
    return " ".join(head.split()).rstrip(" :{")[:300]


def _decorated_from(node: ts.Node) -> int:
    """The first line of a definition's decorators (Python ``@``, Java/TS annotations), 0 when it has none."""
    parent = node.parent
    if parent is not None and parent.type == "decorated_definition":
        return parent.start_point[0] + 1
    return 0


def _conditional(node: ts.Node) -> bool:
    """Whether a Python definition sits in a block other than a module, class or function body."""
    parent = node.parent
    if parent is not None and parent.type == "decorated_definition":
        parent = parent.parent
    if parent is None or parent.type == "module":
        return False
    return not (parent.type == "block" and parent.parent is not None and
                parent.parent.type in {"class_definition", "function_definition"})


def _bases(lang: str, node: ts.Node) -> list[str]:
    """The base classes a class names: Python ``class C(A, m.B)``, JS/TS ``class C extends A``."""
    if lang == "python":
        sup = node.child_by_field_name("superclasses")
        return [] if sup is None else [_text(c) for c in sup.named_children if c.type in {"identifier", "attribute"}]
    if lang not in {"javascript", "typescript"}:
        return []
    for child in node.named_children:
        if child.type != "class_heritage":
            continue
        for sub in child.named_children:
            value = sub.child_by_field_name("value") if sub.type == "extends_clause" else sub
            if value is not None and value.type in {"identifier", "member_expression"}:
                return [_text(value)]
    return []


def _type_name(node: ts.Node | None) -> str:
    """The bare name of a type expression: ``*Stack[T]`` -> ``Stack``, ``fmt::Foo<T>`` -> ``Foo``."""
    while node is not None and node.type in {"pointer_type", "generic_type", "reference_type",
                                             "scoped_type_identifier"}:
        node = node.child_by_field_name("type") or node.child_by_field_name("name") or \
            (node.named_children[0] if node.named_children else None)
    return _text(node)


def _go_receiver(node: ts.Node) -> tuple[str, str]:
    """(receiver type name, receiver variable name) of a Go method declaration."""
    receiver = node.child_by_field_name("receiver")
    decl = receiver.named_children[0] if receiver is not None and receiver.named_children else None
    if decl is None:
        return "", ""
    return _type_name(decl.child_by_field_name("type")), _text(decl.child_by_field_name("name"))


def _rust_impl_name(node: ts.Node) -> tuple[str, str]:
    """An impl block's name in qualified names, and the implementing type's bare name.

    ``impl<T> Foo<T>`` is ``Foo<T>`` and ``impl fmt::Display for Foo`` is ``<Foo as fmt::Display>``, so methods of
    different impl blocks of one type keep distinct qualified names.
    """
    type_node, trait = node.child_by_field_name("type"), node.child_by_field_name("trait")
    shown = "".join(_text(type_node).split())
    if trait is not None:
        shown = f"<{shown} as {''.join(_text(trait).split())}>"
    return shown.replace("::", "."), _type_name(type_node)


def _defs(lang: str, root: ts.Node, source: bytes) -> list[DefFact]:
    query = _queries(lang)[0]
    found: list[tuple[ts.Node, ts.Node, str]] = []
    for _, caps in ts.QueryCursor(query).matches(root):
        names = caps.get("name")
        if not names:
            continue
        name = names[0]
        for key, nodes in caps.items():
            if key.startswith("def."):
                found.append((nodes[0], name, key[4:]))
    found.sort(key=lambda item: (item[0].start_byte, -item[0].end_byte))
    defs: list[DefFact] = []
    stack: list[int] = []
    for node, name_node, kind in found:
        while stack and defs[stack[-1]].end <= node.start_byte:
            stack.pop()
        parent = stack[-1] if stack else -1
        if kind == "function" and parent >= 0 and defs[parent].kind in {"class", "impl", "struct", "trait"}:
            kind = "method"
        bases = _bases(lang, node) if kind == "class" else []
        doc = _python_doc(node) if lang == "python" else _comment_doc(node)
        if lang == "go" and kind == "type" and node.parent is not None:
            doc = _comment_doc(node.parent)
        label, owner, receiver = _text(name_node), "", ""
        if lang == "go" and kind == "method":
            owner, receiver = _go_receiver(node)
        elif lang == "rust" and kind == "impl":
            label, owner = _rust_impl_name(node)
        elif lang in {"javascript", "typescript"} and kind == "method" and node.parent is not None \
                and node.parent.type == "object":
            owner = _object_owner(node.parent)
        defs.append(DefFact(name=label, kind=kind, line=node.start_point[0] + 1,
                            end_line=node.end_point[0] + 1, start=node.start_byte, end=node.end_byte, parent=parent,
                            doc=doc, params=_params(node), bases=bases, signature=_signature(node, source),
                            owner=owner, receiver=receiver, conditional=lang == "python" and _conditional(node),
                            head=_decorated_from(node), rebinds_this=_rebinds_this(lang, node, owner)))
        stack.append(len(defs) - 1)
    return defs


def _rebinds_this(lang: str, node: ts.Node, owner: str) -> bool:
    """JS/TS: whether ``this`` inside the definition is its own (a ``function``, or a method of an object literal)
    rather than the enclosing method's instance, as it stays in an arrow function."""
    if lang not in {"javascript", "typescript"}:
        return False
    if node.type == "variable_declarator":
        value = node.child_by_field_name("value")
        return value is not None and value.type in {"function_expression", "generator_function"}
    return bool(owner) or node.type in {"function_declaration", "generator_function_declaration"}


def _object_owner(obj: ts.Node) -> str:
    """The name an object literal is bound to (``traps`` in ``const traps = {get() {}}``; the key for a nested
    object; the assigned target for ``module.exports = {...}``), or ``<object>`` for an unnamed one.

    A method written in an object literal is a property of that object, never a name of the enclosing scope: its
    qualified name goes through the object, so ``get()`` elsewhere in the module is not a call of it, and it is not
    something the module exports.
    """
    node = obj
    while node.parent is not None and node.parent.type in {"as_expression", "satisfies_expression",
                                                           "parenthesized_expression"}:
        node = node.parent
    holder = node.parent
    if holder is None:
        return "<object>"
    if holder.type == "variable_declarator" and holder.child_by_field_name("value") == node:
        named = holder.child_by_field_name("name")
        if named is not None and named.type == "identifier":
            return _text(named)
    if holder.type == "pair" and holder.child_by_field_name("value") == node:
        key = holder.child_by_field_name("key")
        if key is not None and key.type in {"property_identifier", "identifier"}:
            return _text(key)
    if holder.type == "assignment_expression" and holder.child_by_field_name("right") == node:
        target = _text(holder.child_by_field_name("left"))
        if all(part.isidentifier() for part in target.replace("$", "_").split(".")):
            return target
    return "<object>"


def _scope_of(defs: list[DefFact], positions: list[int]) -> list[int]:
    """The innermost definition (index, or -1) enclosing each byte position; one sweep over sorted positions."""
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    out = [-1] * len(positions)
    stack: list[int] = []
    d = 0
    for i in order:
        pos = positions[i]
        while d < len(defs) and defs[d].start <= pos:
            while stack and defs[stack[-1]].end <= defs[d].start:
                stack.pop()
            stack.append(d)
            d += 1
        while stack and defs[stack[-1]].end <= pos:
            stack.pop()
        out[i] = stack[-1] if stack else -1
    return out


def _callee_text(lang: str, node: ts.Node) -> str:
    if lang == "java" and node.type == "method_invocation":
        obj, name = node.child_by_field_name("object"), node.child_by_field_name("name")
        return f"{_text(obj)}.{_text(name)}" if obj is not None else _text(name)
    text = _text(node)
    if lang == "rust":
        text = text.replace("::", ".")
    return "".join(text.split())


def _calls(lang: str, root: ts.Node, defs: list[DefFact]) -> list[CallFact]:
    nodes = ts.QueryCursor(_queries(lang)[1]).captures(root).get("callee", [])
    nodes.sort(key=lambda n: n.start_byte)
    scopes = _scope_of(defs, [n.start_byte for n in nodes])
    return [CallFact(expr=_callee_text(lang, n), line=n.start_point[0] + 1, scope=s)
            for n, s in zip(nodes, scopes, strict=True)]


def _python_imports(node: ts.Node) -> list[ImportFact]:
    line = node.start_point[0] + 1
    if node.type == "import_statement":
        out = []
        for child in node.named_children:
            if child.type == "dotted_name":
                full = _text(child)
                out.append(ImportFact(module=full, line=line, binds_module=full.split(".")[0],
                                      names=[(full.split(".")[0], full.split(".")[0])]))
            elif child.type == "aliased_import":
                full, alias = _text(child.child_by_field_name("name")), _text(child.child_by_field_name("alias"))
                out.append(ImportFact(module=full, line=line, binds_module=full, names=[(full, alias)]))
        return out
    module_node = node.child_by_field_name("module_name")
    raw = _text(module_node)
    level = len(raw) - len(raw.lstrip("."))
    fact = ImportFact(module=raw.lstrip("."), level=level, line=line)
    for child in node.named_children:
        if child == module_node:
            continue
        if child.type == "wildcard_import":
            fact.star = True
        elif child.type == "dotted_name":
            fact.names.append((_text(child), _text(child)))
        elif child.type == "aliased_import":
            fact.names.append((_text(child.child_by_field_name("name")), _text(child.child_by_field_name("alias"))))
    return [fact]


def _js_imports(path: str, node: ts.Node) -> list[ImportFact]:
    source = node.child_by_field_name("source")
    if source is None:
        return []
    spec = _text(source).strip("'\"`")
    if spec.startswith("."):
        spec = posixpath.normpath(posixpath.join(posixpath.dirname(path), spec))
    fact = ImportFact(module=spec, line=node.start_point[0] + 1, exported=node.type == "export_statement")
    stack = [(c, node) for c in node.named_children]
    while stack:
        sub, parent = stack.pop(0)
        if sub.type in {"import_clause", "named_imports", "export_clause"}:
            stack.extend((c, sub) for c in sub.named_children)
            continue
        if sub.type in {"import_specifier", "export_specifier"}:
            name = _text(sub.child_by_field_name("name"))
            alias = _text(sub.child_by_field_name("alias")) or name
            fact.names.append((name, alias))
        elif sub.type in {"namespace_import", "namespace_export"}:  # `export * as ns from` exports one name
            ident = [c for c in sub.named_children if c.type == "identifier"]
            if ident:
                fact.binds_module = _text(ident[0])
        elif sub.type == "identifier" and parent.type == "import_clause":
            fact.names.append(("default", _text(sub)))
    if node.type == "export_statement" and not fact.names and not fact.binds_module \
            and "*" in _text(node).split("from")[0]:
        fact.star = True
    return [fact]


def _generic_import(lang: str, node: ts.Node) -> list[ImportFact]:
    text = " ".join(_text(node).split())
    if lang == "go":
        path_node = node.child_by_field_name("path")
        alias = _text(node.child_by_field_name("name"))  # ``name "path"``: the package is bound to ``name``
        return [ImportFact(module=_text(path_node).strip('"'), line=node.start_point[0] + 1, binds_module=alias)]
    text = text.removeprefix("import ").removeprefix("use ").removeprefix("pub use ").rstrip(";").strip()
    text = text.removeprefix("static ").replace("::", ".")
    return [ImportFact(module=text, line=node.start_point[0] + 1, star=text.endswith("*"))]


def _binds_module_name(node: ts.Node) -> bool:
    """Whether a Python import binds a module-level name at run time: not inside a function or class (a local
    name there), not under ``if TYPE_CHECKING:`` (seen by type checkers only)."""
    parent = node.parent
    while parent is not None:
        if parent.type in {"function_definition", "class_definition"}:
            return False
        if parent.type == "if_statement" and "TYPE_CHECKING" in _text(parent.child_by_field_name("condition")):
            return False
        parent = parent.parent
    return True


def _imports(lang: str, path: str, root: ts.Node) -> list[ImportFact]:
    nodes = ts.QueryCursor(_queries(lang)[2]).captures(root).get("import", [])
    nodes.sort(key=lambda n: n.start_byte)
    out: list[ImportFact] = []
    for node in nodes:
        if lang == "python":
            if not _binds_module_name(node):
                continue
            out += _python_imports(node)
        elif lang in {"javascript", "typescript"}:
            out += _js_imports(path, node)
        else:
            out += _generic_import(lang, node)
    return out


_ENV_GETTERS = {"os.environ.get", "environ.get", "os.getenv", "getenv"}


def _env_default(node: ts.Node) -> tuple[str, Any] | None:
    """``os.environ.get("NAME", literal)`` / ``os.getenv("NAME", literal)``: (NAME, literal), else ``None``."""
    if node.type != "call" or _text(node.child_by_field_name("function")) not in _ENV_GETTERS:
        return None
    args = node.child_by_field_name("arguments")
    values = [c for c in args.named_children if c.type != "comment"] if args is not None else []
    if len(values) != 2 or any(v.type == "keyword_argument" for v in values):
        return None
    try:
        name, default = ast.literal_eval(_text(values[0])), ast.literal_eval(_text(values[1]))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return (name, default) if isinstance(name, str) else None


def _assigns(root: ts.Node) -> list[AssignFact]:
    """Python module-level ``NAME = literal`` and ``NAME = OTHER`` (in file order)."""
    out = []
    for stmt in root.named_children:
        if stmt.type != "expression_statement" or not stmt.named_child_count:
            continue
        node = stmt.named_children[0]
        if node.type == "augmented_assignment" and _text(node.child_by_field_name("left")) == "__all__":
            out.append(AssignFact(name="__all__", line=node.start_point[0] + 1, literal=False))  # not a literal list
            continue
        if node.type != "assignment":
            continue
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None or left.type != "identifier":
            continue
        line = node.start_point[0] + 1
        if right.type == "identifier":
            out.append(AssignFact(name=_text(left), line=line, literal=False, alias=_text(right)))
            continue
        env = _env_default(right)
        if env is not None:
            out.append(AssignFact(name=_text(left), line=line, literal=True, value=env[1], env=env[0]))
            continue
        try:
            value = ast.literal_eval(_text(right))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            if _text(left) == "__all__":  # computed: which names a star import takes is not known statically
                out.append(AssignFact(name="__all__", line=line, literal=False))
            continue
        out.append(AssignFact(name=_text(left), line=line, literal=True, value=value))
    return out


def _idents(lang: str, root: ts.Node) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for node in ts.QueryCursor(_queries(lang)[3]).captures(root).get("id", []):
        out.setdefault(_text(node), []).append(node.start_point[0] + 1)
    return {k: sorted(set(v)) for k, v in sorted(out.items())}


def _locals(lang: str, root: ts.Node, defs: list[DefFact]) -> None:
    """Record on each definition the names its parameters and local variables bind."""
    nodes = ts.QueryCursor(_queries(lang)[4]).captures(root).get("n", [])
    nodes.sort(key=lambda n: n.start_byte)
    for node, scope in zip(nodes, _scope_of(defs, [n.start_byte for n in nodes]), strict=True):
        if scope >= 0:
            name = _text(node.child_by_field_name("alias") or node.child_by_field_name("name") or node) \
                if node.type == "import_specifier" else _text(node)
            if name not in defs[scope].locals:
                defs[scope].locals.append(name)


def _macro_names(root: ts.Node) -> dict[str, list[int]]:
    """Rust identifiers inside macro token trees (invocations and ``macro_rules!`` bodies), by line.

    Calls written there are invisible to the parser, so no question may claim to know every call of such a name.
    """
    query = ts.Query(language("rust"), "(token_tree (identifier) @id)")
    out: dict[str, list[int]] = {}
    for node in ts.QueryCursor(query).captures(root).get("id", []):
        out.setdefault(_text(node), []).append(node.start_point[0] + 1)
    return {k: sorted(set(v)) for k, v in sorted(out.items())}


def _require_spec(node: ts.Node | None) -> str | None:
    """The path of ``require("./x")`` when ``node`` is such a call with a relative path."""
    if node is None or node.type != "call_expression" or _text(node.child_by_field_name("function")) != "require":
        return None
    args = node.child_by_field_name("arguments")
    strings = [c for c in args.named_children if c.type == "string"] if args is not None else []
    spec = _text(strings[0]).strip("'\"`") if len(strings) == 1 and args is not None and \
        args.named_child_count == 1 else ""
    return spec if spec.startswith(".") else None


def _commonjs(path: str, root: ts.Node) -> tuple[list[ImportFact], list[str], list[AssignFact]]:
    """CommonJS at the top of a module: ``const {a, b: c} = require("./x")`` / ``const m = require("./x")`` as
    imports; ``exports.a = a``, ``module.exports.a = b`` and ``module.exports = {a, b: c}`` as exports (an export
    under another name is an alias binding)."""
    imports: list[ImportFact] = []
    exports: list[str] = []
    aliases: list[AssignFact] = []
    for stmt in root.named_children:
        line = stmt.start_point[0] + 1
        if stmt.type in {"lexical_declaration", "variable_declaration"}:
            for decl in stmt.named_children:
                spec = _require_spec(decl.child_by_field_name("value"))
                name = decl.child_by_field_name("name")
                if spec is None or name is None:
                    continue
                spec = posixpath.normpath(posixpath.join(posixpath.dirname(path), spec))
                fact = ImportFact(module=spec, line=line)
                if name.type == "identifier":
                    fact.binds_module = _text(name)
                elif name.type == "object_pattern":
                    for part in name.named_children:
                        if part.type == "shorthand_property_identifier_pattern":
                            fact.names.append((_text(part), _text(part)))
                        elif part.type == "pair_pattern" and part.child_by_field_name("value") is not None and \
                                part.child_by_field_name("value").type == "identifier":  # type: ignore[union-attr]
                            fact.names.append((_text(part.child_by_field_name("key")),
                                               _text(part.child_by_field_name("value"))))
                imports.append(fact)
        if stmt.type != "expression_statement" or not stmt.named_child_count:
            continue
        node = stmt.named_children[0]
        if node.type != "assignment_expression":
            continue
        left, right = _text(node.child_by_field_name("left")), node.child_by_field_name("right")
        if right is None:
            continue
        pairs: list[tuple[str, str]] = []
        for prefix in ("module.exports.", "exports."):
            if left.startswith(prefix) and "." not in left[len(prefix):]:
                pairs.append((left[len(prefix):], _text(right) if right.type == "identifier" else ""))
                break
        if left == "module.exports" and right.type == "object":
            for part in right.named_children:
                if part.type == "shorthand_property_identifier":
                    pairs.append((_text(part), _text(part)))
                elif part.type == "pair":
                    value = part.child_by_field_name("value")
                    pairs.append((_text(part.child_by_field_name("key")),
                                  _text(value) if value is not None and value.type == "identifier" else ""))
        for exported, local in pairs:
            exports.append(exported)
            if local and local != exported:
                aliases.append(AssignFact(name=exported, line=line, literal=False, alias=local))
    return imports, exports, aliases


def _es_exports(root: ts.Node) -> list[str]:
    """Names an ES module exports from its own bindings (``export function f``, ``export {a as b}``)."""
    out: list[str] = []
    for stmt in root.named_children:
        if stmt.type != "export_statement" or stmt.child_by_field_name("source") is not None:
            continue
        decl = stmt.child_by_field_name("declaration")
        if decl is not None:
            named = decl.child_by_field_name("name")
            if named is not None:
                out.append(_text(named))
            out += [_text(d.child_by_field_name("name")) for d in decl.named_children
                    if d.type == "variable_declarator" and d.child_by_field_name("name") is not None]
        for clause in (c for c in stmt.named_children if c.type == "export_clause"):
            for spec in clause.named_children:
                out.append(_text(spec.child_by_field_name("alias") or spec.child_by_field_name("name")))
    return out


def _default_export(root: ts.Node) -> list[AssignFact]:
    """``export default class X``, ``export default function x`` or ``export default X``: the module's ``default``
    names ``X``, so ``import X from "./m"`` (under any local name) resolves to it."""
    out: list[AssignFact] = []
    for stmt in root.named_children:
        if stmt.type != "export_statement" or not any(c.type == "default" for c in stmt.children):
            continue
        decl = stmt.child_by_field_name("declaration") or stmt.child_by_field_name("value")
        named = decl.child_by_field_name("name") if decl is not None and decl.type != "identifier" else decl
        if named is not None and named.type in {"identifier", "type_identifier"}:
            out.append(AssignFact(name="default", line=stmt.start_point[0] + 1, literal=False, alias=_text(named)))
    return out


def _go_package(root: ts.Node) -> str:
    clause = next((c for c in root.named_children if c.type == "package_clause"), None)
    return _text(clause.named_children[0]) if clause is not None and clause.named_children else ""


@functools.cache
def _js_names_query(lang: str) -> ts.Query:
    return setting_facts.js_names_query(language(lang))


def _add_settings(facts: FileFacts, scan: setting_facts.SettingScan) -> None:
    facts.settings, facts.setting_writes, facts.setting_escapes = scan.facts, scan.written, scan.escaped
    facts.build_constrained = scan.constrained


def _go_var_types(root: ts.Node, facts: FileFacts) -> None:
    """The variable types the syntax fixes in every top-level Go function and method, and at package level."""
    facts.var_types = go_types.declared_types(root, top_level=True)
    for d in facts.defs:
        node = root.descendant_for_byte_range(d.start, d.end) if d.parent == -1 else None
        if node is not None and node.type in {"function_declaration", "method_declaration"}:
            d.var_types = go_types.declared_types(node)


def extract(path: str, text: str, lang: str) -> FileFacts:
    """Facts of one file. Syntax errors are tolerated (tree-sitter recovers); the facts say so in ``error``."""
    source = text.encode("utf-8", "surrogatepass")
    tree = _parser(lang).parse(source)
    root = tree.root_node
    defs = _defs(lang, root, source)
    facts = FileFacts(path=path, language=lang, defs=defs, calls=_calls(lang, root, defs),
                      imports=_imports(lang, path, root), assigns=_assigns(root) if lang == "python" else [],
                      idents=_idents(lang, root), lines=text.count("\n") + (0 if text.endswith("\n") else 1))
    _locals(lang, root, defs)
    if lang == "go":
        facts.package = _go_package(root)
        _go_var_types(root, facts)
        _add_settings(facts, setting_facts.go_scan(root))
    if lang == "rust":
        facts.macro_names = _macro_names(root)
    if lang in {"javascript", "typescript"}:
        imports, exports, aliases = _commonjs(path, root)
        facts.imports = sorted(facts.imports + imports, key=lambda imp: imp.line)
        facts.exports = sorted(set(exports + _es_exports(root)))
        facts.assigns += aliases + _default_export(root)
        _add_settings(facts, setting_facts.js_scan(root, _js_names_query(lang)))
    if root.has_error:
        facts.error = "syntax errors (recovered)"
    return facts
