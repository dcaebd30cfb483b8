"""Setting values in Go and JavaScript/TypeScript, resolved across files — only where the code fixes them.

Python settings are resolved by :meth:`CodeIndex.setting_value`; these rules cover the constructs of the other
languages, from the per-file facts of :mod:`locogym.scenarios.repo.setting_facts`:

* **Go** — a package-level ``const`` or ``var`` (any case) of a basic type, in a package other than ``main``.
  Its value is its initializer, evaluated exactly when it is made of literals and other constants (of the same
  package or ``pkg.Name`` of an imported project package, aliased or not) with ``+ - * / % << >> | & ^``; for a
  ``var``, a literal assignment at the top of the package's single ``func init()`` that assigns it overrides that
  (the last one wins). A ``var`` written anywhere else in the project (assigned, incremented, address taken —
  by any code, by name), assigned by two init functions or inside a branch or loop of one, a name declared in a
  file with a build constraint, and ``iota`` or conversions are not resolved.
* **JavaScript/TypeScript** (ES modules; a CommonJS file, one that uses ``exports`` or ``require``, takes no
  part) — a top-level ``const`` holding a literal, another such ``const``
  (``export const B = A``), an import (``import {A as C}``), a re-export (``export {A as B} from``, ``export *``)
  or a local ``export {A as B}``; and the literal keys of a ``const`` object literal (``Object.freeze`` and ``as
  const`` included) asked as ``obj.key``, with module-level ``obj.key = literal`` statements of its own module
  applied in order, and spreads of other such objects merged where they are written. An object whose name (or any
  alias of it) is assigned, updated or deleted through anywhere else, or — unless frozen — handed on as a value
  or holding methods (which may change it through ``this``), is not resolved; nor is a key after a computed key or
  an unresolvable spread.

A setting is *asked* only when its value is decided in at least two places (the points of the question), which
:func:`go_keys` and :func:`js_keys` check.
"""

from __future__ import annotations

import posixpath
import re
import weakref
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from locogym.scenarios.repo import static_calls
from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.parsing import FileFacts
from locogym.scenarios.repo.setting_facts import GO_BASIC_TYPES, SettingFact

_MAX_DEPTH = 32


@dataclass(frozen=True)
class Resolved:
    """A setting's value, the (path, line) places that decide it in the order they were followed, and lines that
    only show it (an object literal's key: its object's declaration is the deciding place). ``env`` names the
    environment variable whose default the value is ("" when none): the value holds with an empty environment."""

    value: Any
    places: tuple[tuple[str, int], ...]
    shown: tuple[tuple[str, int], ...] = ()
    env: str = ""


# ---------------------------------------------------------------------------------------------------- Go
@dataclass(frozen=True)
class _GoValue:
    cls: str  # int | float | string | bool
    value: Any  # int, Fraction, str or bool
    typed: str  # the Go type when typed, "" for an untyped constant
    places: tuple[tuple[str, int], ...]


def _go_package(index: CodeIndex, folder: str) -> list[FileFacts] | None:
    """The non-test files of the Go package in ``folder``; ``None`` when there is none, several packages share
    the folder, or it is ``main`` (which nothing can import to check it)."""
    files = [f for p, f in index.facts.items() if f.language == "go" and posixpath.dirname(p) == folder
             and not p.endswith("_test.go")]
    packages = {f.package for f in files}
    if len(packages) != 1 or packages == {"main"} or packages == {""}:
        return None
    return files


_GOOS = ("aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 solaris wasip1 "
         "windows zos").split()
_GOARCH = ("386 amd64 amd64p32 arm armbe arm64 arm64be loong64 mips mipsle mips64 mips64le mips64p32 mips64p32le "
           "ppc ppc64 ppc64le riscv riscv64 s390 s390x sparc sparc64 wasm").split()
_GO_CONSTRAINED_NAME = re.compile(rf"_({'|'.join(_GOOS)}|{'|'.join(_GOARCH)})(_({'|'.join(_GOARCH)}))?\.go$")


def _constrained(facts: FileFacts) -> bool:
    """Whether a Go file is left out of some builds: a ``//go:build`` line or a ``_GOOS``/``_GOARCH`` name."""
    return facts.build_constrained or bool(_GO_CONSTRAINED_NAME.search(posixpath.basename(facts.path)))


def _go_facts(files: list[FileFacts], name: str, kinds: set[str]) -> list[tuple[FileFacts, SettingFact]] | None:
    """The facts of ``name`` of the given kinds; ``None`` when a build-constrained file has one."""
    found = [(f, s) for f in files for s in f.settings if s.name == name and s.kind in kinds]
    return None if any(_constrained(f) for f, _ in found) else found


def _go_written(index: CodeIndex, name: str) -> bool:
    return any(name in f.setting_writes for p, f in index.facts.items()
               if f.language == "go" and not p.endswith("_test.go"))


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _go_binary(op: str, left: _GoValue, right: _GoValue) -> _GoValue | None:
    if left.typed and right.typed and left.typed != right.typed:
        return None
    typed = left.typed or right.typed
    places = left.places + right.places
    if left.cls == "string" and right.cls == "string":
        return _GoValue("string", left.value + right.value, typed, places) if op == "+" else None
    if {left.cls, right.cls} - {"int", "float"}:
        return None
    if typed and {left.cls, right.cls} == {"int", "float"}:
        return None  # an untyped float converted to a typed integer (or back): not worth the rules
    a, b = left.value, right.value
    if left.cls == "int" and right.cls == "int":
        if op in {"/", "%"} and b == 0:
            return None
        if op in {"<<", ">>"} and not 0 <= b < 512:
            return None
        ints = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: _trunc_div(a, b),
                "%": lambda: a - b * _trunc_div(a, b), "<<": lambda: a << b, ">>": lambda: a >> b,
                "|": lambda: a | b, "&": lambda: a & b, "^": lambda: a ^ b}
        return _GoValue("int", ints[op](), typed, places)
    a, b = Fraction(a), Fraction(b)
    if op == "/" and b == 0:
        return None
    floats = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b}
    return _GoValue("float", floats[op](), typed, places) if op in floats else None


def _go_eval(index: CodeIndex, facts: FileFacts, expr: Any, depth: int) -> _GoValue | None:
    if expr is None or depth > _MAX_DEPTH:
        return None
    head = expr[0]
    if head == "lit":
        return _GoValue(expr[2], expr[1], "", ())
    if head == "neg":
        inner = _go_eval(index, facts, expr[1], depth + 1)
        if inner is None or inner.cls not in {"int", "float"}:
            return None
        return _GoValue(inner.cls, -inner.value, inner.typed, inner.places)
    if head == "bin":
        left = _go_eval(index, facts, expr[2], depth + 1)
        right = _go_eval(index, facts, expr[3], depth + 1)
        return None if left is None or right is None else _go_binary(expr[1], left, right)
    if head == "ref":
        qualifier, name = expr[1], expr[2]
        folder = posixpath.dirname(facts.path) if not qualifier else _go_qualifier_folder(index, facts, qualifier)
        if folder is None:
            return None
        return _go_const(index, folder, name, depth + 1)
    return None


def _go_qualifier_folder(index: CodeIndex, facts: FileFacts, qualifier: str) -> str | None:
    """The project folder a package qualifier names: an import alias of the file (``import o "x/y/q"``), else an
    import whose package is called so (see :func:`static_calls._go_import_folder`)."""
    alias = [s.gotype for s in facts.settings if s.kind == "import" and s.name == qualifier]
    if not alias:
        return static_calls._go_import_folder(index, facts, qualifier)
    folders = {posixpath.dirname(p) for p, f in index.facts.items() if f.language == "go"}
    found = [folder for folder in folders if folder and (alias[0] == folder or alias[0].endswith("/" + folder))]
    return found[0] if len(found) == 1 else None


def _go_convert(value: _GoValue, gotype: str) -> _GoValue | None:
    """A value given the declared type ``gotype`` ("" keeps it): exact conversions only."""
    if not gotype:
        return value
    if gotype not in GO_BASIC_TYPES or (value.typed and value.typed != gotype):
        return None
    if gotype in {"string", "bool"}:
        return value if value.cls == gotype else None
    if value.cls not in {"int", "float"}:
        return None
    if gotype == "float64":
        return _GoValue("float", Fraction(value.value), gotype, value.places)
    number = Fraction(value.value)
    if number.denominator != 1 or (gotype.startswith("uint") or gotype == "byte") and number < 0:
        return None
    return _GoValue("int", int(number), gotype, value.places)


def _go_const(index: CodeIndex, folder: str, name: str, depth: int) -> _GoValue | None:
    files = _go_package(index, folder)
    found = _go_facts(files, name, {"const", "var"}) if files is not None else None
    if not found or len(found) != 1 or found[0][1].kind != "const":
        return None
    facts, fact = found[0]
    value = _go_eval(index, facts, fact.expr, depth + 1)
    value = _go_convert(value, fact.gotype) if value is not None else None
    return None if value is None else _GoValue(value.cls, value.value, value.typed,
                                               ((facts.path, fact.line),) + value.places)


def _go_zero(gotype: str) -> _GoValue | None:
    if gotype not in GO_BASIC_TYPES:
        return None
    cls = "string" if gotype == "string" else "bool" if gotype == "bool" else "float" if gotype == "float64" \
        else "int"
    zero: Any = {"string": "", "bool": False}.get(cls, 0)
    return _GoValue(cls, zero, gotype, ())


def _go_var(index: CodeIndex, folder: str, name: str) -> _GoValue | None:
    files = _go_package(index, folder)
    found = _go_facts(files, name, {"const", "var"}) if files is not None else None
    inits = _go_facts(files, name, {"init"}) if files is not None else None
    if not found or len(found) != 1 or found[0][1].kind != "var" or inits is None or _go_written(index, name):
        return None
    facts, fact = found[0]
    declared = _go_zero(fact.gotype) if fact.expr == ("zero",) else _go_eval(index, facts, fact.expr, 0)
    if declared is None:
        return None
    gotype = fact.gotype or declared.typed or {"int": "int", "float": "float64", "string": "string",
                                               "bool": "bool"}[declared.cls]
    declared = _go_convert(declared, gotype)
    if declared is None:
        return None
    here = ((facts.path, fact.line),)
    if len({(f.path, s.group) for f, s in inits}) > 1:
        return None  # two init functions assign it: their order is the build's file order
    if not inits:
        return _GoValue(declared.cls, declared.value, gotype, here + declared.places)
    init_facts, last = max(inits, key=lambda item: item[1].line)
    value = _go_eval(index, init_facts, last.expr, 0)
    value = _go_convert(value, gotype) if value is not None else None
    if value is None:
        return None
    others = tuple((f.path, s.line) for f, s in inits if s is not last)
    return _GoValue(value.cls, value.value, gotype, here + others + ((init_facts.path, last.line),) + value.places)


def _python_value(value: _GoValue) -> Any:
    return float(value.value) if value.cls == "float" else value.value


def go_setting(index: CodeIndex, folder: str, name: str) -> Resolved | None:
    """The value of the package-level ``name`` of the Go package in ``folder`` after initialisation."""
    files = _go_package(index, folder)
    found = _go_facts(files, name, {"const", "var"}) if files is not None else None
    if not found or len(found) != 1:
        return None
    value = _go_const(index, folder, name, 0) if found[0][1].kind == "const" else _go_var(index, folder, name)
    if value is None or (value.cls == "int" and not -2 ** 63 <= value.value < 2 ** 63):
        return None  # an untyped constant too large for any variable: it has no value at run time
    return Resolved(_python_value(value), tuple(dict.fromkeys(value.places)))


def go_keys(index: CodeIndex) -> list[tuple[str, str]]:
    """(folder, name) of every Go setting decided in two places or more."""
    keys = []
    folders = sorted({posixpath.dirname(p) for p, f in index.facts.items() if f.language == "go"})
    for folder in folders:
        files = _go_package(index, folder)
        if files is None or _test_folder(folder):
            continue
        names = sorted({s.name for f in files for s in f.settings if s.kind in {"const", "var"}})
        for name in names:
            found = go_setting(index, folder, name)
            if found is not None and len(found.places) >= 2:
                keys.append((folder, name))
    return keys


def _test_folder(path: str) -> bool:
    """Test code, test data and vendored copies of other modules: not the project's own settings."""
    return any(p in {"test", "tests", "testing", "testdata", "vendor"} for p in path.split("/"))


# ---------------------------------------------------------------------------------------------------- JS/TS
@dataclass(frozen=True)
class _Const:
    module: str
    path: str
    fact: SettingFact
    places: tuple[tuple[str, int], ...]


def _js_facts(index: CodeIndex, module: str) -> FileFacts | None:
    """The facts of an ES module; ``None`` for CommonJS (``exports``/``require``), where a later
    ``module.exports.x = ...`` may replace what a name held, so no export there is taken as a setting."""
    path = index.modules.get(module)
    facts = index.facts.get(path) if path is not None else None
    if facts is None or facts.language not in {"javascript", "typescript"}:
        return None
    return None if "exports" in facts.idents or "require" in facts.idents else facts


def _import_line(facts: FileFacts, name: str) -> int:
    return max((imp.line for imp in facts.imports if any(alias == name for _, alias in imp.names)), default=0)


class _GiveUp(Exception):
    """A resolution took too many steps (import graphs of hundreds of star re-exports): not resolved."""


@dataclass
class _Walk:
    """One resolution of an export: the (module, name) requests on the current path — as ES's ResolveExport, a
    request met again is circular and resolves to nothing on that path — and a budget of steps."""

    path: set[tuple[str, str]]
    steps: int = 0


_STEP_BUDGET = 5000


def _js_export(index: CodeIndex, module: str, name: str, walk: _Walk | None = None) -> _Const | None:
    """The top-level ``const`` an export ``name`` of ``module`` finally names (aliases and re-exports followed).
    A query of its own (no ``walk``) is remembered per index."""
    if walk is not None:
        return _js_export_step(index, module, name, walk)
    memo = _uses(index).exports
    if (module, name) not in memo:
        try:
            memo[(module, name)] = _js_export_step(index, module, name, _Walk(set()))
        except _GiveUp:
            memo[(module, name)] = None
    return memo[(module, name)]


def _js_export_step(index: CodeIndex, module: str, name: str, walk: _Walk) -> _Const | None:
    key = (module, name)
    facts = _js_facts(index, module)
    if facts is None or key in walk.path:
        return None
    walk.steps += 1
    if walk.steps > _STEP_BUDGET:
        raise _GiveUp
    walk.path.add(key)
    try:
        return _js_export_in(index, module, facts, name, walk)
    finally:
        walk.path.discard(key)


def _js_export_in(index: CodeIndex, module: str, facts: FileFacts, name: str, walk: _Walk) -> _Const | None:
    consts = [s for s in facts.settings if s.kind == "const" and s.name == name]
    if consts:
        return _Const(module, facts.path, consts[0], ((facts.path, consts[0].line),))
    alias = next((s for s in facts.settings if s.kind == "export" and s.name == name), None)
    if alias is not None and alias.expr is not None:
        found = _js_local(index, module, alias.expr[2], 10 ** 9, walk)
        return None if found is None else _Const(found.module, found.path, found.fact,
                                                 ((facts.path, alias.line),) + found.places)
    binding = index.bindings.get(module, {}).get(name)
    if binding is not None:
        return _js_follow(index, module, facts, name, binding, walk)
    # ``export * from`` of several modules exporting one name makes it ambiguous (ES leaves it out)
    hits = [(star, found) for star in index.stars.get(module, []) if name != "default"
            for found in [_js_export(index, star, name, walk)] if found is not None]
    if len({(h.path, h.fact.name) for _, h in hits}) != 1:
        return None
    star, found = hits[0]
    line = next((imp.line for imp in facts.imports if imp.star and index._js_target(imp.module) == star), 0)
    return _Const(found.module, found.path, found.fact, ((facts.path, line),) + found.places) if line else found


def _js_follow(index: CodeIndex, module: str, facts: FileFacts, name: str, binding: tuple[str, str],
               walk: _Walk | None) -> _Const | None:
    if binding[0] != "from":
        return None  # a function, a class, a namespace, a CommonJS alias: no constant
    target, _, imported = binding[1].partition("\0")
    found = _js_export(index, target, imported, walk)
    line = _import_line(facts, name)
    return None if found is None else _Const(found.module, found.path, found.fact,
                                             ((facts.path, line),) + found.places)


def _js_local(index: CodeIndex, module: str, name: str, before: int, walk: _Walk | None = None) -> _Const | None:
    """What a name used at line ``before`` of ``module`` refers to: a ``const`` declared above it, or an import."""
    facts = _js_facts(index, module)
    if facts is None:
        return None
    consts = [s for s in facts.settings if s.kind == "const" and s.name == name]
    if consts:
        return _Const(module, facts.path, consts[0], ((facts.path, consts[0].line),)) \
            if consts[0].line < before else None
    binding = index.bindings.get(module, {}).get(name)
    return _js_follow(index, module, facts, name, binding, walk) if binding is not None else None


def _js_scalar(index: CodeIndex, const: _Const, depth: int = 0) -> Resolved | None:
    expr = const.fact.expr
    return _js_expr(index, const.module, expr, const.fact.line, const.places, depth)


def _js_expr(index: CodeIndex, module: str, expr: Any, line: int, places: tuple[tuple[str, int], ...],
             depth: int) -> Resolved | None:
    if expr is None or depth > _MAX_DEPTH:
        return None
    if expr[0] == "lit":
        return Resolved(expr[1], places)
    if expr[0] == "env":
        return Resolved(expr[2][1], places, env=expr[1]) if _env_untouched(index, module) else None
    if expr[0] == "ref":
        found = _js_local(index, module, expr[2], line)
        if found is None:
            return None
        inner = _js_scalar(index, found, depth + 1)
        return None if inner is None else Resolved(inner.value, places + inner.places, inner.shown, inner.env)
    return None


def _env_untouched(index: CodeIndex, module: str) -> bool:
    """``process`` in ``module`` is Node's global (no import or declaration of that name) and no code of the code
    base assigns into ``process`` or hands ``process.env`` on (``Object.assign(process.env, ...)``, a dotenv-style
    loader): then an empty environment stays empty while the module loads."""
    facts = _js_facts(index, module)
    if facts is None or "process" in index.bindings.get(module, {}) or _import_line(facts, "process") or \
            any(s.name == "process" for s in facts.settings):
        return False
    uses = _uses(index)
    return "process" not in uses.written and "env" not in uses.escaped


def _js_object(index: CodeIndex, const: _Const, depth: int = 0) -> tuple[_Const, bool] | None:
    """The ``const`` object literal a name holds (through ``const b = a`` aliases) and whether it is frozen."""
    expr = const.fact.expr
    if expr is None or depth > _MAX_DEPTH:
        return None
    if expr[0] == "object":
        return const, bool(expr[2])
    if expr[0] == "ref":
        found = _js_local(index, const.module, expr[2], const.fact.line)
        if found is None:
            return None
        inner = _js_object(index, found, depth + 1)
        return None if inner is None else (_Const(inner[0].module, inner[0].path, inner[0].fact,
                                                  const.places + inner[0].places), inner[1])
    return None


def _aliases(index: CodeIndex, obj: _Const) -> set[str]:
    """Every name the object is known by in the project: its own and each import or export alias of it."""
    names = {obj.fact.name}
    for module, binds in index.bindings.items():
        facts = _js_facts(index, module)
        if facts is None:
            continue
        for name, binding in binds.items():
            if binding[0] == "from" and name not in names:
                found = _js_follow(index, module, facts, name, binding, None)
                if found is not None and (found.path, found.fact.name) == (obj.path, obj.fact.name):
                    names.add(name)
        for s in facts.settings:
            if s.kind == "export" and s.expr is not None and s.name not in names:
                found = _js_export(index, module, s.name)
                if found is not None and (found.path, found.fact.name) == (obj.path, obj.fact.name):
                    names.add(s.name)
    return names


@dataclass
class _JsUses:
    """Per index, by name: where JS/TS code writes a member of it, hands it on, or overrides a key at top level."""

    written: set[str]
    escaped: set[str]
    overrides: dict[str, list[tuple[str, int]]]  # object name -> (path, line) of ``name.key = literal``
    aliases: dict[tuple[str, str], set[str]]  # (path, const name) -> names it is known by (filled on demand)
    exports: dict[tuple[str, str], _Const | None]  # (module, export) -> its const (filled on demand)


_USES: weakref.WeakKeyDictionary[CodeIndex, _JsUses] = weakref.WeakKeyDictionary()


def _uses(index: CodeIndex) -> _JsUses:
    found = _USES.get(index)
    if found is None:
        found = _JsUses(set(), set(), {}, {}, {})
        for path, facts in index.facts.items():
            if facts.language not in {"javascript", "typescript"}:
                continue
            found.written.update(facts.setting_writes)
            found.escaped.update(facts.setting_escapes)
            for s in facts.settings:
                if s.kind == "override":
                    found.overrides.setdefault(s.name.partition(".")[0], []).append((path, s.line))
        _USES[index] = found
    return found


def _js_untouched(index: CodeIndex, obj: _Const, frozen: bool) -> bool:
    """No code writes the object other than its own module's top-level literal overrides (none when frozen), and
    — unless frozen — none hands it on."""
    uses = _uses(index)
    key = (obj.path, obj.fact.name)
    if key not in uses.aliases:
        uses.aliases[key] = _aliases(index, obj)
    names = uses.aliases[key]
    if names & uses.written or (not frozen and names & uses.escaped):
        return False
    for name in names:
        for path, line in uses.overrides.get(name, []):
            if frozen or path != obj.path or name != obj.fact.name or line < obj.fact.line:
                return False
    return True


def _js_keys_of(index: CodeIndex, obj: _Const, frozen: bool, depth: int) -> dict[str, Resolved | None] | None:
    """The object's keys as its literal builds them (spreads merged), overrides applied; a key mapped to ``None``
    exists but has no known value. ``None`` when the object is not resolved soundly at all."""
    if depth > _MAX_DEPTH or not _js_untouched(index, obj, frozen):
        return None
    entries = obj.fact.expr[1] if obj.fact.expr is not None else ()
    if not frozen and any(entry[0] == "opaque" for entry in entries):
        return None  # its own methods may change it through ``this`` whenever they are called
    keys: dict[str, Resolved | None] = {}
    for entry in entries:
        if entry[0] == "pair":
            value = _js_expr(index, obj.module, entry[2], obj.fact.line, obj.places, depth)
            if value is None and not frozen and entry[2] is not None and entry[2][0] == "ref":
                return None  # a name that is no constant may be a function: called as a method, it sees ``this``
            keys[entry[1]] = None if value is None else Resolved(value.value, value.places,
                                                                 value.shown + ((obj.path, entry[3]),), value.env)
        elif entry[0] == "opaque":
            keys[entry[1]] = None
        elif entry[0] == "spread":
            found = _js_local(index, obj.module, entry[1], obj.fact.line)
            inner = _js_object(index, found, depth + 1) if found is not None else None
            merged = _js_keys_of(index, inner[0], inner[1], depth + 1) if inner is not None else None
            if merged is None or _has_overrides(index, inner[0]):  # type: ignore[index]
                keys = {}
                keys["\0unknown"] = None
                continue
            if "\0unknown" in merged:
                keys = {"\0unknown": None}  # the spread object may carry any key: those before it are unknown
            spread_at = (obj.path, entry[2])
            keys.update({k: None if v is None else Resolved(v.value, obj.places + (spread_at,) + v.places, v.shown,
                                                            v.env)
                         for k, v in merged.items() if k != "\0unknown"})
        else:
            keys = {"\0unknown": None}
    facts = index.facts[obj.path]
    for s in facts.settings:
        obj_name, _, key = s.name.partition(".")
        if s.kind == "override" and obj_name == obj.fact.name and s.line > obj.fact.line:
            keys[key] = Resolved(s.expr[1], obj.places + ((obj.path, s.line),)) if s.expr is not None else None
    return keys


def _has_overrides(index: CodeIndex, obj: _Const) -> bool:
    return any(s.kind == "override" and s.name.partition(".")[0] == obj.fact.name
               for s in index.facts[obj.path].settings)


def js_setting(index: CodeIndex, module: str, name: str) -> Resolved | None:
    """The value of export ``name`` (or ``obj.key``) of a JS/TS module once it has been loaded."""
    head, _, key = name.partition(".")
    const = _js_export(index, module, head)
    if const is None:
        return None
    if not key:
        return _js_scalar(index, const)
    found = _js_object(index, const)
    if found is None:
        return None
    keys = _js_keys_of(index, found[0], found[1], 0)
    if keys is None or key not in keys:
        return None  # absent (or hidden behind a computed key / unknown spread)
    value = keys[key]
    if value is None:
        return None
    return Resolved(value.value, tuple(dict.fromkeys(value.places)), value.shown, value.env)


def _exported_names(index: CodeIndex, module: str) -> set[str]:
    """Names a module exports: its own, ``export ... from`` aliases, and those of its ``export *`` modules."""
    names: set[str] = set()
    stack, seen = [module], set()
    while stack:
        current = stack.pop()
        facts = _js_facts(index, current)
        if facts is None or current in seen:
            continue
        seen.add(current)
        own = set(facts.exports) | {alias for imp in facts.imports if imp.exported for _, alias in imp.names}
        names |= own if current == module else own - {"default"}
        stack.extend(index.stars.get(current, []))
    return names


def js_keys(index: CodeIndex, is_test_path: Any) -> list[tuple[str, str]]:
    """(module, name) of every JS/TS export setting (``NAME`` or ``obj.key``) decided in two places or more, or
    an environment variable's default."""
    keys = []
    for module, path in sorted(index.modules.items()):
        facts = index.facts.get(path)
        if facts is None or facts.language not in {"javascript", "typescript"} or is_test_path(path) or \
                path.endswith(".d.ts"):
            continue
        for name in sorted(_exported_names(index, module)):
            const = _js_export(index, module, name)
            if const is None:
                continue
            candidates = [name]
            found = _js_object(index, const)
            if found is not None:
                keys_of = _js_keys_of(index, found[0], found[1], 0) or {}
                candidates = [f"{name}.{k}" for k in sorted(keys_of) if not k.startswith("\0")]
            for candidate in candidates:
                resolved = js_setting(index, module, candidate)
                if resolved is not None and isinstance(resolved.value, (int, float, str, bool)) and \
                        (len(set(resolved.places)) >= 2 or resolved.env):
                    keys.append((module, candidate))
    return keys
