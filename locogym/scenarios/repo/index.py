"""The code index: definitions, references, imports and a resolved call graph over a whole code base.

Built from per-file :class:`~locogym.scenarios.repo.parsing.FileFacts` (cached by content, and per repository
and commit on disk — see :mod:`locogym.scenarios.repo.cache`), then resolved across files:

* Python names are resolved like the interpreter binds them: local definitions, ``import a.b as c``,
  ``from .x import y as z`` (relative and absolute), star imports and re-exports through package
  ``__init__`` files, followed to the defining module; ``self.m()`` / ``cls.m()`` go to the enclosing class (or
  its bases); ``Class()`` calls the class.
* JavaScript/TypeScript follow named imports and ``export ... from`` re-exports between relative paths.
* Go, Java and Rust calls resolve by name: same file, then same folder, then a name unique in the project.

Every question of the ``qa`` tasks and every probe is answered from this index, never from keywords, so the
oracle can be checked on any source — synthetic or real.

Qualified names: Python ``pkg.mod.Class.method`` (module from the file path, ``src/`` stripped, ``__init__``
dropped); other languages ``path/to/file.ext::Class.method``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from locogym.scenarios.repo import static_calls
from locogym.scenarios.repo.parsing import DefFact, FileFacts

_JS_EXTS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs")
_SRC_ROOTS = ("src", "lib", "python")


@dataclass(frozen=True)
class Definition:
    """A definition with its qualified name and file span (1-based inclusive lines)."""

    qualname: str
    name: str
    kind: str
    path: str
    line: int
    end_line: int
    doc: str = ""
    signature: str = ""
    parent: str | None = None
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reference:
    """A use of a name: a call site (resolved ``target`` when known), an import, or a plain identifier."""

    name: str
    path: str
    line: int
    kind: str  # call | import | use
    scope: str | None = None  # qualified name of the enclosing definition (None at module level)
    target: str | None = None


def module_name(path: str) -> str:
    """The Python module of a file path: ``src/pkg/a/__init__.py`` -> ``pkg.a``;
    ``tests/test_x.py`` -> ``tests.test_x``."""
    stem = path[:-4] if path.endswith(".pyi") else path[:-3] if path.endswith(".py") else path
    parts = [p for p in stem.split("/") if p]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    if len(parts) > 1 and parts[0] in _SRC_ROOTS:
        parts = parts[1:]
    return ".".join(parts)


def _js_module(path: str) -> str:
    for ext in _JS_EXTS:
        if path.endswith(ext):
            return path[: -len(ext)]
    return path


class CodeIndex:
    """A resolved index of a code base. Build it with :meth:`build` (cached) or from facts with ``CodeIndex(facts)``.

    Everything is computed eagerly at construction and kept in plain dicts, so queries are cheap and the index
    can be rebuilt after an edit by re-extracting only the edited files (facts are cached by content).
    """

    def __init__(self, facts: Iterable[FileFacts]) -> None:
        every = {f.path: f for f in sorted(facts, key=lambda f: f.path)}
        # a stub next to its module describes it; the module is where things are defined
        self.facts: dict[str, FileFacts] = {p: f for p, f in every.items()
                                            if not (p.endswith(".pyi") and p[:-1] in every)}
        self.definitions: dict[str, Definition] = {}
        self.ambiguous: set[str] = set()  # qualified names two definitions share (overloads, cfg variants)
        self.subclasses: dict[str, set[str]] = {}  # class -> its direct subclasses in the project
        self.by_name: dict[str, list[str]] = {}
        self.modules: dict[str, str] = {}  # python module / js module key -> path
        self._def_qual: dict[tuple[str, int], str] = {}
        self.calls: dict[str, list[tuple[str, str, int]]] = {}  # caller -> [(callee, path, line)] in order
        self.callers_of: dict[str, list[tuple[str, str, int]]] = {}  # callee -> [(caller, path, line)]
        self.unresolved_calls = 0
        self.unresolved_by_caller: dict[str, list[str]] = {}  # caller -> call expressions left unresolved
        self.unresolved_names: dict[str, int] = {}  # last name part of unresolved calls -> count
        self.bindings: dict[str, dict[str, tuple[str, str]]] = {}
        self.stars: dict[str, list[str]] = {}
        self._index_definitions()
        self._index_bindings()
        self._index_subclasses()
        self._resolve_calls()

    # ------------------------------------------------------------------ construction
    @classmethod
    def build(cls, files: dict[str, str], *, name: str = "", commit: str = "", use_cache: bool = True) -> CodeIndex:
        """Index ``files`` (path -> text); files of unknown languages are skipped.

        With ``name`` and ``commit``, the facts are also stored on disk per (repository, commit), so the second
        build of the same tree reads them back instead of parsing (see :mod:`locogym.scenarios.repo.cache`).
        """
        from locogym.scenarios.repo.cache import bulk_build, file_facts

        facts = file_facts(files, name=name, commit=commit, use_cache=use_cache)
        with bulk_build():
            return cls(facts)

    def _module_key(self, facts: FileFacts) -> str:
        return module_name(facts.path) if facts.language == "python" else _js_module(facts.path)

    def _qual(self, facts: FileFacts, index: int) -> str:
        parts = []
        i = index
        js = facts.language in {"javascript", "typescript"}
        while i >= 0:
            d = facts.defs[i]
            parts.append(f"{d.owner}.{d.name}" if js and d.owner else d.name)  # an object literal's method
            i = d.parent
        inner = ".".join(reversed(parts))
        if facts.defs[index].owner and facts.language == "go":  # methods belong to their receiver's type
            inner = f"{facts.defs[index].owner}.{inner}"
        if facts.language == "python":
            module = module_name(facts.path)
            return f"{module}.{inner}" if module else inner
        return f"{facts.path}::{inner}"

    def _index_definitions(self) -> None:
        for path, facts in self.facts.items():
            if facts.language == "python" or facts.language in {"javascript", "typescript"}:
                self.modules.setdefault(self._module_key(facts), path)
        for key in self._twin_js_modules():
            del self.modules[key]
        for path, facts in self.facts.items():
            for i, d in enumerate(facts.defs):
                qual = self._qual(facts, i)
                merged = self._merged_interface(qual, d)
                if merged == "skip":
                    self._def_qual[(path, i)] = qual
                    continue
                if qual in self.definitions and merged != "replace":
                    earlier = next((e for j, e in enumerate(facts.defs) if self._def_qual.get((path, j)) == qual),
                                   None)  # None: the other one is in another file of the same module name
                    if facts.language != "python" or d.conditional or earlier is None or earlier.conditional:
                        # overloads, platform variants (``if PYPY: def f``): neither is certainly the answer
                        self.ambiguous.add(qual)
                        self._def_qual[(path, i)] = qual
                        continue
                    self.by_name[d.name].remove(qual)  # python rebinds: the later definition wins
                parent = self._qual(facts, d.parent) if d.parent >= 0 else None
                self.definitions[qual] = Definition(qualname=qual, name=d.name, kind=d.kind, path=path, line=d.line,
                                                    end_line=d.end_line, doc=d.doc, signature=d.signature,
                                                    parent=parent, params=tuple(d.params))
                if merged != "replace":
                    self.by_name.setdefault(d.name, []).append(qual)
                self._def_qual[(path, i)] = qual

    def _merged_interface(self, qual: str, d: DefFact) -> str:
        """TypeScript declaration merging: an ``interface`` and a ``class`` of one name in one module are one
        class (the interface adds types, no code that runs). ``"replace"`` when the class comes after its
        interface, ``"skip"`` for an interface after its class, ``""`` otherwise."""
        earlier = self.definitions.get(qual)
        if earlier is None or qual in self.ambiguous or not earlier.path.endswith((".ts", ".tsx", ".mts", ".cts")):
            return ""
        if (earlier.kind, d.kind) == ("interface", "class"):
            return "replace"
        return "skip" if (earlier.kind, d.kind) == ("class", "interface") else ""

    def _twin_js_modules(self) -> set[str]:
        """JS/TS module keys that more than one file has (``compile.js`` and ``compile.cjs``: a package shipping
        an ES-module and a CommonJS build side by side). Which file an import or a bare name means there is not
        known statically, so such modules bind no names: their calls stay unresolved and nothing is asked
        through them, rather than one twin's bindings answering for the other's code."""
        seen: dict[str, int] = {}
        for facts in self.facts.values():
            if facts.language in {"javascript", "typescript"}:
                key = self._module_key(facts)
                seen[key] = seen.get(key, 0) + 1
        return {key for key, count in seen.items() if count > 1}

    # ------------------------------------------------------------------ name binding (python, js/ts)
    def _abs_module(self, facts: FileFacts, module: str, level: int) -> str:
        if level == 0:
            return module
        here = module_name(facts.path)
        package = here if facts.path.endswith("__init__.py") else here.rpartition(".")[0]
        for _ in range(level - 1):
            package = package.rpartition(".")[0]
        return f"{package}.{module}" if module and package else (module or package)

    def _js_target(self, spec: str) -> str | None:
        bare = _js_module(spec)  # TypeScript sources import ``./x.js`` for ``x.ts``
        for candidate in dict.fromkeys([spec, bare, f"{spec}/index", f"{bare}/index"]):
            if candidate in self.modules:
                return candidate
        return None

    def _index_bindings(self) -> None:
        """Per module: local name -> ("def", qualname) | ("module", module) | ("from", "module\\0name")."""
        for path, facts in self.facts.items():
            if facts.language not in {"python", "javascript", "typescript"}:
                continue
            module = self._module_key(facts)
            if facts.language != "python" and module not in self.modules:
                continue  # a twin module (see ``_twin_js_modules``)
            binds: dict[str, tuple[str, str]] = {}
            stars: list[str] = []
            events: list[tuple[int, int, str, tuple[str, str] | None, str | None]] = []
            for i, d in enumerate(facts.defs):
                if d.parent == -1 and not d.owner:  # an object literal's method binds no name
                    events.append((d.line, 1, d.name, ("def", self._def_qual[(path, i)]), None))
            for imp in facts.imports:
                if facts.language == "python":
                    target = self._abs_module(facts, imp.module, imp.level)
                    if imp.binds_module:
                        for _, alias in imp.names:
                            bound = imp.module if alias != imp.module.split(".")[0] else alias
                            events.append((imp.line, 0, alias, ("module", bound), None))
                        continue
                    if imp.star:
                        events.append((imp.line, 0, "", None, target))
                    for name, alias in imp.names:
                        sub = f"{target}.{name}" if target else name
                        if sub in self.modules:
                            events.append((imp.line, 0, alias, ("module", sub), None))
                        else:
                            events.append((imp.line, 0, alias, ("from", f"{target}\0{name}"), None))
                else:
                    js_target = self._js_target(imp.module)
                    if js_target is None:
                        continue
                    if imp.binds_module:
                        events.append((imp.line, 0, imp.binds_module, ("module", js_target), None))
                    if imp.star:
                        events.append((imp.line, 0, "", None, js_target))
                    for name, alias in imp.names:
                        events.append((imp.line, 0, alias, ("from", f"{js_target}\0{name}"), None))
            for assign in facts.assigns:
                if not assign.literal:
                    events.append((assign.line, 2, assign.name, ("alias", assign.alias), None))
            for _, _, name, binding, star in sorted(events, key=lambda e: (e[0], e[1])):
                if star is not None:
                    stars.append(star)
                elif binding is not None:
                    binds[name] = binding
            self.bindings[module] = binds
            self.stars[module] = stars

    def resolve_name(self, module: str, name: str, _seen: frozenset[str] = frozenset()) -> str | None:
        """The qualified name of the definition (or the module) that ``name`` means at the top of ``module``.

        Follows imports, aliases, re-exports and star imports; returns ``None`` when the name leaves the code
        base (a library) or cannot be bound statically.
        """
        key = f"{module}\0{name}"
        if key in _seen or len(_seen) > 64:
            return None
        seen = _seen | {key}
        binding = self.bindings.get(module, {}).get(name)
        if binding is not None:
            kind, value = binding
            if kind in {"def", "module"}:
                return value
            if kind == "alias":
                return self.resolve_name(module, value, seen)
            target, _, imported = value.partition("\0")
            return self.resolve_name(target, imported, seen)
        for star in reversed(self.stars.get(module, [])):
            exported = self.star_exports(star)
            if exported is None:
                return None  # the star module computes ``__all__``: what it exports is not known statically
            if name not in exported:
                continue
            found = self.resolve_name(star, name, seen)
            if found is not None:
                return found
        if module not in self.bindings and f"{module}.{name}" in self.modules:
            return f"{module}.{name}"
        return None

    def star_exports(self, module: str) -> set[str] | None:
        """The names ``from module import *`` binds: its literal ``__all__``, else every name bound at its top that
        does not start with ``_``; ``None`` when ``__all__`` is computed or extended (not known statically).

        JS/TS ``export *`` re-exports every export, so there it is every bound name."""
        path = self.modules.get(module)
        if path is None:
            return set()
        facts = self.facts[path]
        bound = set(self.bindings.get(module, {}))
        if facts.language != "python":
            return bound | {n for s in self.stars.get(module, []) for n in (self.star_exports(s) or set())}
        declared = [a for a in facts.assigns if a.name == "__all__"]
        if any(not a.literal or not isinstance(a.value, (list, tuple)) for a in declared) or \
                any(c.expr.startswith("__all__.") for c in facts.calls):
            return None
        if declared:
            return {str(n) for n in declared[-1].value}
        names = {n for n in bound if not n.startswith("_")}
        names |= {a.name for a in facts.assigns if not a.name.startswith("_")}
        for star in self.stars.get(module, []):
            names |= {n for n in (self.star_exports(star) or set()) if not n.startswith("_")}
        return names

    def resolve_chain(self, module: str, name: str) -> list[tuple[str, str]]:
        """The (module, name) hops from a name to its definition: the re-export path, first to last."""
        hops = [(module, name)]
        for _ in range(64):
            binding = self.bindings.get(module, {}).get(name)
            if binding is None:
                nxt = next(((s, name) for s in reversed(self.stars.get(module, []))
                            if name in (self.star_exports(s) or set()) and self.resolve_name(s, name) is not None),
                           None)
                if nxt is None:
                    break
                module, name = nxt
            elif binding[0] == "from":
                target, _, imported = binding[1].partition("\0")
                module, name = target, imported
            elif binding[0] == "alias":
                name = binding[1]
            else:
                break
            hops.append((module, name))
        return hops

    def _index_subclasses(self) -> None:
        """Direct subclasses of every project class whose base resolves (Python and JS/TS), for virtual calls."""
        for path, facts in self.facts.items():
            for i, d in enumerate(facts.defs):
                for base in d.bases:
                    resolved = self._resolve_python_expr(facts, -1, base) if facts.language == "python" else \
                        self._resolve_js_expr(facts, -1, base)
                    if resolved is not None:
                        self.subclasses.setdefault(resolved, set()).add(self._def_qual[(path, i)])

    def overridden_below(self, cls_qual: str, member: str) -> bool:
        """Whether a (transitive) subclass of ``cls_qual`` in the project redefines ``member``."""
        stack, seen = list(self.subclasses.get(cls_qual, ())), set()
        while stack:
            sub = stack.pop()
            if sub in seen:
                continue
            seen.add(sub)
            if f"{sub}.{member}" in self.definitions:
                return True
            stack.extend(self.subclasses.get(sub, ()))
        return False

    # ------------------------------------------------------------------ calls
    def _class_member(self, cls_qual: str, member: str, depth: int = 0) -> str | None:
        candidate = f"{cls_qual}.{member}"
        if candidate in self.definitions:
            return candidate
        cls = self.definitions.get(cls_qual)
        if cls is None or depth > 8:
            return None
        facts = self.facts[cls.path]
        index = next((i for i, d in enumerate(facts.defs) if self._def_qual[(cls.path, i)] == cls_qual), None)
        if index is None:
            return None
        for base in facts.defs[index].bases:
            base_qual = self._resolve_python_expr(facts, -1, base)
            if base_qual is not None and base_qual in self.definitions:
                found = self._class_member(base_qual, member, depth + 1)
                if found is not None:
                    return found
        return None

    def _enclosing_class(self, facts: FileFacts, scope: int) -> str | None:
        """The class whose instance ``self`` / ``this`` is in definition ``scope``; ``None`` where a JS
        ``function`` or object-literal method in between binds its own ``this``."""
        i = scope
        while i >= 0:
            if facts.defs[i].kind == "class":
                return self._def_qual[(facts.path, i)]
            if facts.defs[i].rebinds_this:
                return None
            i = facts.defs[i].parent
        return None

    def _resolve_python_expr(self, facts: FileFacts, scope: int, expr: str) -> str | None:
        parts = expr.split(".")
        head = parts[0]
        if head in {"self", "cls"} and len(parts) == 2:
            return self._virtual_member(facts, scope, parts[1])
        found, current = self._enclosing_binding(facts, scope, head)
        if not found:
            current = self.resolve_name(module_name(facts.path), head)
        for part in parts[1:]:
            if current is None:
                return None
            if current in self.modules:
                current = self.resolve_name(current, part)
            elif current in self.definitions and self.definitions[current].kind == "class":
                current = self._class_member(current, part)
            else:
                return None
        return current if current in self.definitions else None

    def _virtual_member(self, facts: FileFacts, scope: int, member: str) -> str | None:
        """``self.m()`` / ``this.m()``: the enclosing class's ``m`` (or its base's), unless a subclass overrides
        it — then the call may reach either, so it is not resolved. Private ``#m`` cannot be overridden."""
        if scope >= 0 and facts.defs[scope].kind == "class":
            return None  # ``self`` in a class body is not an instance
        cls = self._enclosing_class(facts, scope)
        if cls is None:
            return None
        found = self._class_member(cls, member)
        if found is None or (not member.startswith("#") and self.overridden_below(cls, member)):
            return None
        return found

    def _enclosing_binding(self, facts: FileFacts, scope: int, head: str) -> tuple[bool, str | None]:
        """How the enclosing functions bind ``head``: ``(True, qualname)`` for a nested definition, ``(True,
        None)`` for a parameter or local variable (unknown value), ``(False, None)`` when they do not bind it.

        Class bodies are skipped (their names are not visible inside their methods), except the class body the
        call itself is written in.
        """
        i = scope
        while i >= 0:
            d = facts.defs[i]
            if d.kind != "class" or i == scope:
                candidate = f"{self._def_qual[(facts.path, i)]}.{head}"
                if candidate in self.definitions and (i == scope or self.definitions[candidate].kind != "method"):
                    return True, candidate
                if head in d.locals:
                    return True, None
            i = d.parent
        return False, None

    def _resolve_js_expr(self, facts: FileFacts, scope: int, expr: str) -> str | None:
        parts = expr.split(".")
        if parts[0] == "this" and len(parts) == 2:
            return self._virtual_member(facts, scope, parts[1])
        found, current = self._enclosing_binding(facts, scope, parts[0])
        if not found:
            current = self.resolve_name(_js_module(facts.path), parts[0])
        for part in parts[1:]:
            if current is None:
                return None
            current = self.resolve_name(current, part) if current in self.modules else self._class_member(current, part)
        return current if current in self.definitions else None

    def resolve_call(self, facts: FileFacts, scope: int, expr: str) -> str | None:
        """The definition a call expression in ``facts`` (inside definition ``scope``) reaches, or ``None``."""
        if facts.language == "python":
            return self._resolve_python_expr(facts, scope, expr)
        if facts.language in {"javascript", "typescript"}:
            return self._resolve_js_expr(facts, scope, expr)
        found = static_calls.resolve(self, facts, scope, expr)
        return None if found in self.ambiguous else found

    def _resolve_calls(self) -> None:
        for path, facts in self.facts.items():
            for call in facts.calls:
                target = self.resolve_call(facts, call.scope, call.expr)
                caller = self._def_qual[(path, call.scope)] if call.scope >= 0 else module_name(path) if \
                    facts.language == "python" else f"{path}::<module>"
                if target is None and static_calls.go_external(self, facts, call.scope, call.expr):
                    continue  # standard-library code: no project function is called here
                if target is None:
                    self.unresolved_calls += 1
                    self.unresolved_by_caller.setdefault(caller, []).append(call.expr)
                    leaf = call.expr.rsplit(".", 1)[-1]
                    self.unresolved_names[leaf] = self.unresolved_names.get(leaf, 0) + 1
                    continue
                self.calls.setdefault(caller, []).append((target, path, call.line))
                self.callers_of.setdefault(target, []).append((caller, path, call.line))

    # ------------------------------------------------------------------ queries
    def scope_qualname(self, path: str, scope: int) -> str | None:
        """The qualified name of definition number ``scope`` of file ``path`` (``None`` for module level)."""
        return self._def_qual.get((path, scope)) if scope >= 0 else None

    def find_definitions(self, name: str) -> list[Definition]:
        """Definitions whose name, qualified name, or ``module.name`` / ``path::name`` (re-exports followed) is
        ``name``, sorted by path and line."""
        quals = list(self.by_name.get(name, []))
        if not quals and name in self.definitions:
            quals = [name]
        for sep in ("::", "."):
            if quals or sep not in name:
                continue
            module, _, attr = name.rpartition(sep)
            key = module if module in self.modules else self._module_of_path().get(module, module)
            target = self.resolve_name(key, attr)
            if target in self.definitions:
                quals = [target]
        return sorted((self.definitions[q] for q in quals), key=lambda d: (d.path, d.line))

    def _module_of_path(self) -> dict[str, str]:
        """File path -> module key (``src/app.ts`` -> ``src/app``), for names written as ``path::name``."""
        return {path: key for key, path in self.modules.items()}

    def callees(self, qualname: str) -> list[str]:
        """Distinct project functions ``qualname`` calls, in order of first call."""
        out: list[str] = []
        for callee, _, _ in self.calls.get(qualname, []):
            if callee not in out and callee != qualname:
                out.append(callee)
        return out

    def callers(self, qualname: str) -> list[str]:
        """Distinct definitions (or modules) that call ``qualname`` directly, sorted."""
        return sorted({caller for caller, _, _ in self.callers_of.get(qualname, []) if caller != qualname})

    def binding_line(self, module: str, name: str) -> int:
        """The line of the import (named or star) that brings ``name`` into ``module`` (0 when none does)."""
        path = self.modules.get(module)
        if path is None:
            return 0
        facts = self.facts[path]
        named = [imp.line for imp in facts.imports if any(alias == name for _, alias in imp.names)]
        if named:
            return named[-1]
        chain = self.resolve_chain(module, name)
        if len(chain) < 2:
            return 0
        for imp in reversed(facts.imports):
            target = self._abs_module(facts, imp.module, imp.level) if facts.language == "python" else \
                self._js_target(imp.module)
            if imp.star and target == chain[1][0]:
                return imp.line
        return 0

    def may_call_unknown(self, qualname: str) -> bool:
        """Whether ``qualname`` has a call left unresolved whose name is also defined in the project.

        Such a call *might* reach project code (``obj.save()`` with ``save`` defined somewhere), so questions
        that claim to know every project call of ``qualname`` avoid it.
        """
        if any(expr.rsplit(".", 1)[-1] in self.by_name for expr in self.unresolved_by_caller.get(qualname, [])):
            return True
        d = self.definitions.get(qualname)
        if d is None or not self.facts[d.path].macro_names:
            return False
        return any(name in self.by_name and any(d.line <= ln <= d.end_line for ln in lines)
                   for name, lines in self.facts[d.path].macro_names.items())

    def callers_complete(self, qualname: str) -> bool:
        """Whether every call that might reach ``qualname`` (same name) was resolved, so its callers are exact.

        A name also written inside a Rust macro (where calls are not parsed) is never complete.
        """
        name = self.definitions[qualname].name if qualname in self.definitions else qualname.rsplit(".", 1)[-1]
        if self.unresolved_names.get(name, 0):
            return False
        return not any(name in f.macro_names for f in self.facts.values())

    def call_sites(self, qualname: str) -> list[tuple[str, str, int]]:
        """``(caller, path, line)`` of every resolved call of ``qualname``."""
        return list(self.callers_of.get(qualname, []))

    def references(self, name: str) -> list[Reference]:
        """Every occurrence of identifier ``name`` (calls with their scope and resolved target, imports, other
        uses), plus the resolved calls of definitions named ``name`` made under another name (an import alias or
        a re-export's alias), sorted by path and line."""
        out = self._spelled_references(name)
        seen = {(r.path, r.line) for r in out if r.kind == "call"}
        for qual in self.by_name.get(name, []):
            for caller, path, line in self.callers_of.get(qual, []):
                if (path, line) not in seen:
                    seen.add((path, line))
                    scope = caller if caller in self.definitions else None
                    out.append(Reference(name, path, line, "call", scope, qual))
        return sorted(out, key=lambda r: (r.path, r.line, r.kind))

    def _spelled_references(self, name: str) -> list[Reference]:
        out: list[Reference] = []
        for path, facts in self.facts.items():
            lines = facts.idents.get(name)
            if not lines:
                continue
            call_lines: dict[int, tuple[str | None, str | None]] = {}
            for call in facts.calls:
                if call.expr.rsplit(".", 1)[-1] == name:
                    scope = self._def_qual[(path, call.scope)] if call.scope >= 0 else None
                    call_lines[call.line] = (scope, self.resolve_call(facts, call.scope, call.expr))
            import_lines = {imp.line for imp in facts.imports}
            def_lines = {d.line for d in facts.defs if d.name == name}
            for line in lines:
                if line in def_lines and line not in call_lines:
                    continue
                if line in call_lines:
                    scope, target = call_lines[line]
                    out.append(Reference(name, path, line, "call", scope, target))
                else:
                    out.append(Reference(name, path, line, "import" if line in import_lines else "use"))
        return out

    def setting_value(self, module: str, name: str, _depth: int = 0,
                      trail: list[tuple[str, int]] | None = None) -> tuple[bool, Any, str, int]:
        """The value a module-level setting has once ``module`` is imported: ``(found, value, path, line)``.

        Python only. The last binding of ``name`` in ``module`` wins (a literal assignment, an alias of another
        setting, an import from another module); a name not bound there comes through the module's star imports,
        the latest first — the Django settings pattern ``from .defaults import *`` followed by overrides.
        """
        if _depth > 64 or module not in self.modules:
            return False, None, "", 0
        path = self.modules[module]
        facts = self.facts[path]
        last_assign = None
        for assign in facts.assigns:
            if assign.name == name:
                last_assign = assign
        binding = self.bindings.get(module, {}).get(name)
        import_line = 0
        if binding is not None and binding[0] == "from":
            import_line = max((imp.line for imp in facts.imports if any(a == name for _, a in imp.names)), default=0)
        if last_assign is not None and last_assign.line >= import_line:
            if trail is not None:
                trail.append((path, last_assign.line))
            if last_assign.literal:
                return True, last_assign.value, path, last_assign.line
            return self._setting_in_scope(module, last_assign.alias, last_assign.line, _depth + 1, trail)
        if binding is not None and binding[0] == "from":
            if trail is not None and import_line:
                trail.append((path, import_line))
            target, _, imported = binding[1].partition("\0")
            return self.setting_value(target, imported, _depth + 1, trail)
        for star in reversed(self.stars.get(module, [])):
            found = self.setting_value(star, name, _depth + 1, trail)
            if found[0]:
                return found
        return False, None, "", 0

    def setting_env(self, path: str, line: int) -> str:
        """The environment variable an ``os.environ.get`` default at ``path:line`` stands for ("" if none)."""
        facts = self.facts.get(path)
        return next((a.env for a in facts.assigns if a.line == line), "") if facts is not None else ""

    def _setting_in_scope(self, module: str, name: str, before_line: int, depth: int,
                          trail: list[tuple[str, int]] | None = None) -> tuple[bool, Any, str, int]:
        """Value of ``name`` as seen at ``before_line`` of ``module`` (for ``A = B`` aliases)."""
        if depth > 64:
            return False, None, "", 0
        path = self.modules[module]
        earlier = [a for a in self.facts[path].assigns if a.name == name and a.line < before_line]
        if earlier:
            last = earlier[-1]
            if trail is not None:
                trail.append((path, last.line))
            if last.literal:
                return True, last.value, path, last.line
            return self._setting_in_scope(module, last.alias, last.line, depth + 1, trail)
        binding = self.bindings.get(module, {}).get(name)
        imported_at = [imp.line for imp in self.facts[path].imports if any(a == name for _, a in imp.names)]
        if binding is not None and binding[0] == "from" and imported_at and max(imported_at) < before_line:
            # ``from .defaults import BASE`` then ``X = BASE``
            if trail is not None:
                trail.append((path, max(imported_at)))
            target, _, imported = binding[1].partition("\0")
            return self.setting_value(target, imported, depth + 1, trail)
        for star in reversed(self.stars.get(module, [])):
            found = self.setting_value(star, name, depth + 1, trail)
            if found[0]:
                return found
        return False, None, "", 0

    def setting_names(self, module: str) -> list[str]:
        """Names a module defines or receives as settings (upper-case module-level names), sorted."""
        names: set[str] = set()
        stack, seen = [module], set()
        while stack:
            current = stack.pop()
            if current in seen or current not in self.modules:
                continue
            seen.add(current)
            names.update(a.name for a in self.facts[self.modules[current]].assigns if a.name.isupper())
            names.update(n for n, b in self.bindings.get(current, {}).items() if b[0] == "from" and n.isupper())
            stack.extend(self.stars.get(current, []))
        return sorted(names)

    def stats(self) -> dict[str, int]:
        """Counts for benchmarks and the docs."""
        return {"files": len(self.facts), "lines": sum(f.lines for f in self.facts.values()),
                "definitions": len(self.definitions),
                "calls_resolved": sum(len(v) for v in self.calls.values()), "calls_unresolved": self.unresolved_calls}
