"""Call resolution for Go, Rust and Java: only the calls whose target the code itself fixes.

These languages dispatch many calls on the static type of a receiver, which a parser does not know. So a call is
resolved only when no type inference is needed, and left unresolved otherwise (questions that need every call of
a name then avoid that name):

* Go: ``f()`` — a top-level function of the same package (same folder and package clause), not shadowed by a
  parameter or local variable; ``pkg.F()`` — a function of a project package imported by path; ``r.M()`` on the
  method's own receiver ``r`` — a method declared on the receiver's type. Calls through interfaces, fields and
  other values stay unresolved.
* Rust: ``f()`` — a free function of the same module (or nested in an enclosing function); ``Self::f()`` /
  ``self.f()`` inside an inherent or trait impl, and ``Type::f()`` for a type defined in the same file — when
  the type's impl blocks define exactly one ``f``. Trait default methods, generic receivers and anything written
  inside a macro stay unresolved.
* Java: ``m()`` / ``this.m()`` inside a class — when the class declares exactly one ``m`` and no other class of the
  project declares a method ``m`` (so no override or overload can be meant).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any, Protocol

from locogym.scenarios.repo.parsing import FileFacts


class CodeIndex(Protocol):
    """What the rules read of :class:`locogym.scenarios.repo.index.CodeIndex` (which calls them), named here so the
    two modules do not import each other."""

    @property
    def facts(self) -> Mapping[str, FileFacts]: ...

    @property
    def definitions(self) -> Mapping[str, Any]: ...

    @property
    def by_name(self) -> Mapping[str, list[str]]: ...

    def scope_qualname(self, path: str, scope: int) -> str | None: ...

_RUST_TYPES = {"struct", "enum", "trait", "type"}


def resolve(index: CodeIndex, facts: FileFacts, scope: int, expr: str) -> str | None:
    """The qualified name a Go/Rust/Java call expression reaches, or ``None`` when it is not fixed statically."""
    if facts.language == "go":
        return _go(index, facts, scope, expr)
    if facts.language == "rust":
        return _rust(index, facts, scope, expr)
    if facts.language == "java":
        return _java(index, facts, scope, expr)
    return None


def _shadowed(facts: FileFacts, scope: int, name: str) -> bool:
    i = scope
    while i >= 0:
        if name in facts.defs[i].locals:
            return True
        i = facts.defs[i].parent
    return False


def _only(candidates: list[str]) -> str | None:
    return candidates[0] if len(set(candidates)) == 1 else None


# ---------------------------------------------------------------------------------------------------- Go
def _go_package_files(index: CodeIndex, folder: str, package: str) -> list[FileFacts]:
    return [f for p, f in index.facts.items()
            if f.language == "go" and posixpath.dirname(p) == folder and f.package == package]


def _go_top_level(index: CodeIndex, files: list[FileFacts], name: str, kind: str) -> str | None:
    found = [index.scope_qualname(f.path, i) for f in files for i, d in enumerate(f.defs)
             if d.parent == -1 and d.name == name and d.kind == kind and not d.owner]
    return _only([q for q in found if q is not None])


def _go(index: CodeIndex, facts: FileFacts, scope: int, expr: str) -> str | None:
    parts = expr.split(".")
    folder = posixpath.dirname(facts.path)
    if len(parts) == 1:
        if _shadowed(facts, scope, parts[0]):
            return None
        return _go_top_level(index, _go_package_files(index, folder, facts.package), parts[0], "function")
    if len(parts) != 2:
        return None
    head, member = parts
    if scope >= 0:
        method = facts.defs[scope]
        while method.parent >= 0:
            method = facts.defs[method.parent]
        if method.receiver == head and method.owner and head not in _reassigned(facts, scope, head):
            files = _go_package_files(index, folder, facts.package)
            found = [index.scope_qualname(f.path, i) for f in files for i, d in enumerate(f.defs)
                     if d.owner == method.owner and d.name == member and d.kind == "method"]
            return _only([q for q in found if q is not None])
    if _shadowed(facts, scope, head):
        return None
    target_folder = _go_import_folder(index, facts, head)
    if target_folder is None:
        return None
    files = [f for p, f in index.facts.items() if f.language == "go" and posixpath.dirname(p) == target_folder
             and not p.endswith("_test.go")]
    packages = {f.package for f in files}
    if len(packages) != 1:
        return None
    return _go_top_level(index, files, member, "function")


def _reassigned(facts: FileFacts, scope: int, name: str) -> set[str]:
    """``{name}`` when the method body rebinds its receiver variable (then its type is no longer certain)."""
    d = facts.defs[scope]
    return {name} if d.locals.count(name) > 1 else set()


def _go_import_folder(index: CodeIndex, facts: FileFacts, qualifier: str) -> str | None:
    """The project folder a package qualifier of ``facts`` names (through its import path), or ``None``."""
    folders = {posixpath.dirname(p) for p, f in index.facts.items() if f.language == "go"}
    for imp in facts.imports:
        path = imp.module
        for folder in folders:
            if folder and (path == folder or path.endswith("/" + folder)):
                package = {f.package for p, f in index.facts.items()
                           if posixpath.dirname(p) == folder and not p.endswith("_test.go")}
                if package == {qualifier}:
                    return folder
    return None


# ---------------------------------------------------------------------------------------------------- Rust
def _rust_module_of(facts: FileFacts, scope: int) -> int:
    i = scope
    while i >= 0 and facts.defs[i].kind != "module":
        i = facts.defs[i].parent
    return i


def _rust_impl_of(facts: FileFacts, scope: int) -> int:
    i = scope
    while i >= 0 and facts.defs[i].kind not in {"impl", "trait", "module"}:
        i = facts.defs[i].parent
    return i if i >= 0 and facts.defs[i].kind == "impl" else -1


def _rust_methods(index: CodeIndex, owner: str, member: str) -> str | None:
    types = [q for q in index.by_name.get(owner, []) if index.definitions[q].kind in _RUST_TYPES]
    if len(types) != 1:
        return None  # two types of that name: which one's impl is meant needs the module paths
    found = []
    for path, f in index.facts.items():
        if f.language != "rust":
            continue
        for i, d in enumerate(f.defs):
            if d.name == member and d.parent >= 0 and f.defs[d.parent].kind == "impl" and \
                    f.defs[d.parent].owner == owner:
                qual = index.scope_qualname(path, i)
                if qual is not None:
                    found.append(qual)
    return found[0] if len(found) == 1 else None


def _rust(index: CodeIndex, facts: FileFacts, scope: int, expr: str) -> str | None:
    parts = expr.split(".")
    if len(parts) == 1:
        name = parts[0]
        if _shadowed(facts, scope, name):
            return None
        i = scope
        while True:  # functions nested in enclosing functions, then the enclosing module's free functions
            parent = i
            found = [j for j, d in enumerate(facts.defs) if d.parent == parent and d.name == name
                     and d.kind == "function"]
            if found:
                return index.scope_qualname(facts.path, found[0]) if len(found) == 1 else None
            if i < 0 or facts.defs[i].kind == "module":
                return None
            i = facts.defs[i].parent
            while i >= 0 and facts.defs[i].kind in {"impl", "trait"}:
                i = facts.defs[i].parent
    if len(parts) != 2:
        return None
    head, member = parts
    impl = _rust_impl_of(facts, scope)
    if head in {"self", "Self"}:
        if impl < 0 or (head == "self" and _shadowed(facts, scope, "self")):
            return None
        return _rust_methods(index, facts.defs[impl].owner, member)
    module = _rust_module_of(facts, scope)
    local_type = any(d.name == head and d.kind in _RUST_TYPES and _rust_module_of(facts, j) == module
                     for j, d in enumerate(facts.defs))
    return _rust_methods(index, head, member) if local_type else None


# ---------------------------------------------------------------------------------------------------- Java
def _java(index: CodeIndex, facts: FileFacts, scope: int, expr: str) -> str | None:
    parts = expr.split(".")
    if len(parts) == 2 and parts[0] == "this":
        parts = parts[1:]
    if len(parts) != 1:
        return None
    name = parts[0]
    i = scope
    while i >= 0 and facts.defs[i].kind not in {"class", "enum", "interface"}:
        i = facts.defs[i].parent
    if i < 0:
        return None
    cls = index.scope_qualname(facts.path, i)
    everywhere = [q for q in index.by_name.get(name, []) if index.definitions[q].kind == "method"]
    if len(everywhere) != 1 or index.definitions[everywhere[0]].parent != cls:
        return None
    return everywhere[0]
