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

from locogym.scenarios.repo import go_types
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
        in_function = _go_in_function(index, facts, scope, head, member)
        if in_function is not None:
            return in_function or None
    if _shadowed(facts, scope, head):
        return None
    package_var = _go_package_var(index, facts, head)
    if package_var is not None:
        return _go_method_of(index, package_var, -1, package_var.var_types[head], member)
    return _go_package_function(index, facts, head, member)


def _go_package_function(index: CodeIndex, facts: FileFacts, qualifier: str, member: str) -> str | None:
    """``pkg.F()``: the function ``F`` of the project package ``pkg`` that ``facts`` imports."""
    target_folder = _go_import_folder(index, facts, qualifier)
    if target_folder is None:
        return None
    files = [f for p, f in _go_folder_files(index, target_folder) if not p.endswith("_test.go")]
    if len({f.package for f in files}) != 1:
        return None
    return _go_top_level(index, files, member, "function")


def _go_in_function(index: CodeIndex, facts: FileFacts, scope: int, head: str, member: str) -> str | None:
    """``head.member()`` inside a function: a method of the receiver's type, or of the type the syntax fixes for a
    local or parameter ``head`` (``""``: such a variable, but no method found; ``None``: ``head`` is neither)."""
    method = facts.defs[scope]
    while method.parent >= 0:
        method = facts.defs[method.parent]
    if method.receiver == head and method.owner and head not in _reassigned(facts, scope, head):
        files = _go_package_files(index, posixpath.dirname(facts.path), facts.package)
        found = [index.scope_qualname(f.path, i) for f in files for i, d in enumerate(f.defs)
                 if d.owner == method.owner and d.name == member and d.kind == "method"]
        return _only([q for q in found if q is not None]) or ""
    if head in method.var_types:
        return _go_method_of(index, facts, scope, method.var_types[head], member) or ""
    return None


def _go_package_var(index: CodeIndex, facts: FileFacts, name: str) -> FileFacts | None:
    """The one file of ``facts``'s package that declares the package-level variable ``name`` with a type the
    syntax fixes (``None`` when none or several do, or another top-level name of the package is ``name``)."""
    files = _go_package_files(index, posixpath.dirname(facts.path), facts.package)
    declaring = [f for f in files if name in f.var_types]
    if len(declaring) != 1 or any(d.name == name and d.parent == -1 for f in files for d in f.defs):
        return None
    return declaring[0]


def _go_type_folder(index: CodeIndex, facts: FileFacts, type_name: str) -> tuple[str, str] | None:
    """(project folder, type name) of a named type written in ``facts`` (``T`` or ``pkg.T``, maybe ``*``)."""
    qualifier, _, name = type_name.lstrip("*").rpartition(".")
    if not qualifier:
        return posixpath.dirname(facts.path), name
    folder = _go_import_folder(index, facts, qualifier)
    return (folder, name) if folder is not None else None


_RESOLVING: set[tuple[str, int, str]] = set()  # the calls whose result type is being read, innermost last


def _go_result_type(index: CodeIndex, facts: FileFacts, scope: int, call: str) -> tuple[FileFacts, str] | None:
    """The file of the project function ``call`` resolves to, and its single named result type (``None`` for a
    call met again while it is being resolved: ``v := v.F()``-like cycles of typed variables have no answer)."""
    if (facts.path, scope, call) in _RESOLVING:
        return None
    _RESOLVING.add((facts.path, scope, call))
    try:
        target = _go(index, facts, scope, call)
    finally:
        _RESOLVING.discard((facts.path, scope, call))
    d = index.definitions.get(target) if target else None
    if d is None or d.kind != "function":
        return None
    params_end = _go_params_end(d.signature)
    result = go_types.named_type(d.signature[params_end:]) if params_end else ""
    return (index.facts[d.path], result) if result else None


def _go_params_end(signature: str) -> int:
    """Where a Go signature's parameter list ends (0 when it cannot be read)."""
    start = signature.find("(")
    depth = 0
    for i in range(max(start, 0), len(signature)):
        depth += {"(": 1, ")": -1}.get(signature[i], 0)
        if depth == 0:
            return i + 1 if start >= 0 else 0
    return 0


def _go_method_of(index: CodeIndex, facts: FileFacts, scope: int, type_text: str, member: str) -> str | None:
    """The method ``member`` that a value of ``type_text`` (written in ``facts``) calls: one the project's named,
    non-interface type declares itself (promoted methods and function-valued fields are not followed)."""
    written_in = facts
    if type_text.startswith("call:"):
        found = _go_result_type(index, facts, scope, type_text[5:])
        if found is None:
            return None
        written_in, type_text = found
    where = _go_type_folder(index, written_in, type_text)
    if where is None or not _go_declares_type(index, *where):
        return None
    folder, name = where
    found_methods = [index.scope_qualname(p, i) for p, f in _go_folder_files(index, folder)
                     for i, d in enumerate(f.defs) if d.owner == name and d.name == member and d.kind == "method"]
    return _only([q for q in found_methods if q is not None])


def _go_folder_files(index: CodeIndex, folder: str) -> list[tuple[str, FileFacts]]:
    return [(p, f) for p, f in index.facts.items() if f.language == "go" and posixpath.dirname(p) == folder]


def _go_declares_type(index: CodeIndex, folder: str, name: str) -> bool:
    """Whether the package in ``folder`` declares ``name`` once, as a type (test files aside)."""
    types = [d for p, f in _go_folder_files(index, folder) if not p.endswith("_test.go")
             for d in f.defs if d.parent == -1 and d.name == name and not d.owner]
    return len(types) == 1 and types[0].kind in {"type", "struct"}


def go_external(index: CodeIndex, facts: FileFacts, scope: int, expr: str) -> bool:
    """Whether a Go call ``q.F()`` can only run code of the standard library: ``q`` is a standard package
    (imported by a path with no domain that is no folder of the project), or a variable whose type the syntax
    fixes as a pointer to such a package's type (a pointer's type is never an interface, so its methods are that
    package's own). Such a call never reaches project code directly, so it leaves no question unaskable."""
    head, dot, _ = expr.partition(".")
    if facts.language != "go" or not dot or "." in expr[len(head) + 1:]:
        return False
    top = facts.defs[scope] if scope >= 0 else None
    while top is not None and top.parent >= 0:
        top = facts.defs[top.parent]
    if top is not None and head in top.var_types:
        qualifier, _, _ = top.var_types[head].rpartition(".")
        return top.var_types[head].startswith("*") and bool(qualifier) and _go_standard(index, facts,
                                                                                       qualifier.lstrip("*"))
    if (top is not None and top.receiver == head) or _shadowed(facts, scope, head) or head in facts.var_types:
        return False
    return _go_standard(index, facts, head)


def _go_standard(index: CodeIndex, facts: FileFacts, qualifier: str) -> bool:
    """Whether ``qualifier`` names, in ``facts``, a standard-library package no project folder could be."""
    for imp in facts.imports:
        local = imp.binds_module or imp.module.rsplit("/", 1)[-1]
        if local != qualifier:
            continue
        first = imp.module.split("/", 1)[0]
        folders = {posixpath.dirname(p) for p, f in index.facts.items() if f.language == "go"}
        return "." not in first and not any(f and (imp.module == f or imp.module.endswith("/" + f)) for f in folders)
    return False


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
