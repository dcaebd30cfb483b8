"""``dispatch`` questions on Go code: which method a call on a struct value reaches through embedded fields.

``v := &T{…}`` then ``v.M()``: when ``T`` declares no ``M`` itself, Go looks for it among ``T``'s embedded fields
breadth first — the shallowest depth at which a field or method named ``M`` exists wins, and two at the same depth
make the selector illegal. The question names the package folder, the struct and the method, and says so.

It is asked when the answer is a method of a struct of the same package in another file than ``T``, found at depth
one or more, and the package declares ``M`` on at least two types, so that the definitions of the name are several
and the right one is found only by following the embedded fields. The hierarchy must be known whole: every
embedded field on the way, down to the answer's depth, is a struct type of the same package (a pointer to one
included), read from the files; an embedded interface, a type of another package or any other type, at or above
that depth, and the question is not asked. ``bench/repo_gold.py`` checks the gold with ``go/types``.

Keys: ``("dispatch", "path/file.go::T", "M")``.
"""

from __future__ import annotations

import posixpath
import weakref
from dataclasses import dataclass
from typing import Any

from locogym.scenarios.repo.go_calls import is_go_source, node_text, parse, walk
from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.question_base import Question, askable, describe, reads_for

MAX_DEPTH = 4
_PLAIN_SHAPES = frozenset({"slice_type", "array_type", "map_type", "function_type", "channel_type", "pointer_type"})
RULE = ("Go selects the method as the language specifies: a method the struct type declares itself comes first; "
        "otherwise the shallowest embedded field (breadth first through embedded structs) that has a field or "
        "method of that name. Answer with the qualified name of the method declaration that runs "
        "(path/to/file.go::Type.Method).")


@dataclass(frozen=True)
class Struct:
    """A struct type of a Go package: its declaration and its fields (embedded ones by type name)."""

    name: str
    path: str
    line: int
    embedded: tuple[str, ...]  # type text of each embedded field, pointer stripped ("" for an unknown shape)
    fields: tuple[str, ...]  # names of the named fields


_STRUCTS: weakref.WeakKeyDictionary[CodeIndex, dict[str, dict[str, Struct | None]]] = weakref.WeakKeyDictionary()


def _struct(name: str, path: str, line: int, body: Any) -> Struct:
    embedded, fields = [], []
    for field in walk(body, "field_declaration"):
        names = field.children_by_field_name("name")
        if names:
            fields += [node_text(n) for n in names]
        else:
            embedded.append(node_text(field.child_by_field_name("type")).lstrip("*"))
    return Struct(name, path, line, tuple(embedded), tuple(fields))


def package_types(files: dict[str, str], folder: str) -> dict[str, Struct | None]:
    """Type name -> its shape in one package: a struct's fields, or none for a slice, map, function or basic
    type (which has methods but no fields); ``None`` for an interface, an alias, a type defined from another
    named type, a generic type, or a name declared twice."""
    found: dict[str, list[Struct | None]] = {}
    for path in sorted(p for p in files if is_go_source(p) and posixpath.dirname(p) == folder):
        for spec in walk(parse(files[path]).root_node, "type_spec"):
            if spec.parent is None or spec.parent.type != "type_declaration" or \
                    spec.parent.parent is None or spec.parent.parent.type != "source_file":
                continue
            name, body = node_text(spec.child_by_field_name("name")), spec.child_by_field_name("type")
            shape = None if body is None or spec.child_by_field_name("type_parameters") is not None else \
                _struct(name, path, spec.start_point[0] + 1, body) if body.type == "struct_type" else \
                Struct(name, path, spec.start_point[0] + 1, (), ()) if body.type in _PLAIN_SHAPES else None
            found.setdefault(name, []).append(shape)
        for alias in walk(parse(files[path]).root_node, "type_alias"):
            found.setdefault(node_text(alias.child_by_field_name("name")), []).append(None)
    return {name: shapes[0] if len(shapes) == 1 else None for name, shapes in found.items()}


def _types(index: CodeIndex, files: dict[str, str], folder: str) -> dict[str, Struct | None]:
    cache = _STRUCTS.setdefault(index, {})
    if folder not in cache:
        cache[folder] = package_types(files, folder)
    return cache[folder]


def _method(index: CodeIndex, struct: Struct, method: str) -> str | None:
    """The qualified name of ``method`` declared on ``struct`` in its package (any file), when there is one."""
    folder = posixpath.dirname(struct.path)
    found = [q for q in index.by_name.get(method, []) if q.rpartition("::")[2] == f"{struct.name}.{method}"
             and posixpath.dirname(index.definitions[q].path) == folder and q.partition("::")[0].endswith(".go")]
    return found[0] if len(found) == 1 and found[0] not in index.ambiguous else None


def resolve(index: CodeIndex, files: dict[str, str], cls: str, method: str) -> tuple[str, list[Struct]] | None:
    """(the method ``T.M`` reaches, the structs walked on the way) when the embedding decides it, else ``None``."""
    path, _, name = cls.partition("::")
    types = _types(index, files, posixpath.dirname(path))
    start = types.get(name)
    if start is None or start.path != path or _method(index, start, method) or method in start.fields:
        return None
    walked, level = [start], [start]
    for _ in range(MAX_DEPTH):
        below = [types.get(e) if e.isidentifier() else None for s in level for e in s.embedded]
        if not below or any(b is None for b in below):
            return None
        structs = [b for b in below if b is not None]
        walked += structs
        hits = [s for s in structs if _method(index, s, method) or method in s.fields or method in s.embedded]
        if len(hits) > 1 or (hits and _method(index, hits[0], method) is None):
            return None  # ambiguous, or a field of that name wins
        if hits:
            return _method(index, hits[0], method) or "", walked
        level = structs
    return None


def dispatch_keys(index: CodeIndex, files: dict[str, str] | None) -> list[tuple[Any, ...]]:
    """Every (struct, method) askable in ``index`` (see the module docstring)."""
    if files is None:
        return []
    keys = []
    for qual, d in sorted(index.definitions.items()):
        if d.kind != "type" or not is_go_source(d.path) or "." in qual.partition("::")[2] or not askable(index, qual):
            continue
        struct = _types(index, files, posixpath.dirname(d.path)).get(d.name)
        methods = embedded_method_names(index, files, d.path, d.name) if struct else set()
        keys += [("dispatch", qual, m) for m in sorted(methods) if _askable(index, files, qual, m)]
    return keys


def embedded_method_names(index: CodeIndex, files: dict[str, str], path: str, name: str, depth: int = 0) -> set[str]:
    """The names of the methods declared on a type and on the types it embeds (to :data:`MAX_DEPTH` levels)."""
    struct = _types(index, files, posixpath.dirname(path)).get(name)
    if struct is None or depth >= MAX_DEPTH:
        return set()
    own = {d.name for q, d in index.definitions.items() if d.kind == "method"
           and posixpath.dirname(d.path) == posixpath.dirname(path) and q.rpartition("::")[2] == f"{name}.{d.name}"}
    return own | {m for e in struct.embedded for m in embedded_method_names(index, files, path, e, depth + 1)}


def _askable(index: CodeIndex, files: dict[str, str], cls: str, method: str) -> bool:
    found = resolve(index, files, cls, method)
    if found is None or not found[0] or not askable(index, found[0]):
        return False
    target = index.definitions[found[0]]
    folder = posixpath.dirname(target.path)
    declared = {q for q in index.by_name.get(method, []) if index.definitions[q].kind == "method"
                and posixpath.dirname(index.definitions[q].path) == folder}
    return target.path != cls.partition("::")[0] and len(declared) >= 2


def build_dispatch(index: CodeIndex, key: tuple[Any, ...], variant: str, files: dict[str, str]) -> Question | None:
    _, cls, method = key
    found = resolve(index, files, cls, method) if cls in index.definitions else None
    if found is None or not found[0] or index.definitions[found[0]].path == cls.partition("::")[0]:
        return None  # the other declarations of the method (keys need two) may lie outside a working set
    target, walked = found
    d = index.definitions[cls]
    folder = posixpath.dirname(d.path) or "."
    if variant == "literal":
        head = (f"In the Go package in the folder `{folder}`, a value is created as `v := &{d.name}{{}}` (the struct "
                f"declared in `{d.path}`), and then `v.{method}(…)` is called.")
    else:
        desc = describe(index, d)
        if desc is None:
            return None
        head = (f"In the Go package in the folder `{folder}`, a value of {desc} is created, and `v.{method}(…)` is "
                "called.")
    text = f"{head} Which method declaration runs? {RULE}"
    declared = [m for m in (_method(index, s, method) for s in walked) if m]
    lines = {(s.path, s.line) for s in walked} | \
        {(index.definitions[m].path, index.definitions[m].line) for m in declared}
    spans = sorted((path, line, line) for path, line in lines)
    return Question("dispatch", variant, key, text, target, spans, reads_for(spans))
