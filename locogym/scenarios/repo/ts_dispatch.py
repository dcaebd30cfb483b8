"""``dispatch`` questions on TypeScript/JavaScript: which definition ``obj.m`` reaches on ``new Sub(...)``.

A method is looked up along the object's prototype chain: ``Sub``'s own methods, then those of the class it
``extends``, and so on. The question is asked when the answer is a class other than ``Sub``, in another file, and
``m`` is overridden along the chain (two classes on it at least define it), so the definitions of the name are
several and the right one is found only by following ``extends`` in order.

The chain must be known whole: every class on it extends a class of the project that the index resolves, up to
one that extends nothing or a built-in class (``Error``, ``Array``, ``Map``...; their instances' own properties,
``message`` or ``length``, are not asked about); no class on it declares ``m`` as a field or assigns ``this.m``
(an instance property shadows every prototype method), and ``m`` is not static. Where the class is exported and
its module loads, the gold is also checked by running (:func:`~locogym.scenarios.repo.ts_node.owners`): the
definition node's own prototype chain finds must be the answer, read from the function's text — so a method mixed
into a prototype shows — or the question is not asked. Where node cannot check it, a chain whose classes may get
members outside their bodies (a prototype written to, a class handed to a function such as ``mixin``) is not
asked either.
"""

from __future__ import annotations

import re
import weakref
from typing import Any

from locogym.scenarios.repo import ts_calls, ts_node
from locogym.scenarios.repo.index import CodeIndex, Definition
from locogym.scenarios.repo.question_base import Question, askable, describe, is_test_path, reads_for

MAX_DEPTH = 20
# Built-in classes a chain may end at: their prototypes hold no method of the project's, and the own properties
# their constructors give an instance (``message``, ``length``) are never asked about.
BUILTIN_ROOTS = frozenset({"Error", "TypeError", "RangeError", "SyntaxError", "Array", "Map", "Set", "Object"})
BUILTIN_OWN = frozenset({"message", "stack", "cause", "name", "length", "size"})
RULE = ("The definition that runs is the first one found along the object's prototype chain: the class itself, "
        "then the class it extends, then that class's base, and so on (a method inherited from a base counts as "
        "that base's). Answer with its qualified name (path::Class.method).")
_PARENTS: weakref.WeakKeyDictionary[CodeIndex, dict[str, list[str]]] = weakref.WeakKeyDictionary()
_KEYS: weakref.WeakKeyDictionary[CodeIndex, list[tuple[Any, ...]]] = weakref.WeakKeyDictionary()
_EXTENDS = re.compile(r"\bextends\b")


def _is_ts_class(index: CodeIndex, qual: str) -> bool:
    d = index.definitions.get(qual)
    facts = index.facts.get(d.path) if d is not None else None
    return d is not None and d.kind == "class" and facts is not None and facts.language in ts_calls.LANGUAGES


def _parents(index: CodeIndex) -> dict[str, list[str]]:
    """TS/JS class -> the project classes its ``extends`` resolves to (one, or several when ambiguous)."""
    found = _PARENTS.get(index)
    if found is None:
        found = {}
        for base, subs in index.subclasses.items():
            for sub in subs:
                if _is_ts_class(index, sub):
                    found.setdefault(sub, []).append(base)
        _PARENTS[index] = found
    return found


def _header(signature: str) -> str:
    """A class header without its type parameters and arguments (``extends`` in ``<T extends U>`` is a bound)."""
    head, previous = signature.split("{")[0], ""
    while head != previous:
        head, previous = re.sub(r"<[^<>]*>", "", head), head
    return head


def _extends_builtin(d: Definition) -> bool:
    named = re.search(r"\bextends\s+([\w$.]+)", _header(d.signature))
    return named is not None and named.group(1) in BUILTIN_ROOTS


def chain(index: CodeIndex, cls: str) -> list[str] | None:
    """``cls`` and the classes it extends, in lookup order, or ``None`` when a link is not a known project class
    (an installed or unresolved base, a mixin call, an ambiguous name)."""
    out = [cls]
    while len(out) <= MAX_DEPTH:
        d = index.definitions[out[-1]]
        if not _EXTENDS.search(_header(d.signature)):
            return out
        bases = _parents(index).get(out[-1], [])
        if not bases and _extends_builtin(d):
            return out
        if len(bases) != 1 or not askable(index, bases[0]) or not _is_ts_class(index, bases[0]) or bases[0] in out:
            return None
        out.append(bases[0])
    return None


def _text(files: dict[str, str], d: Definition) -> str:
    return "\n".join(files.get(d.path, "").splitlines()[d.line - 1:d.end_line])


def _shadowed(files: dict[str, str], d: Definition, member: str) -> bool:
    """Whether class ``d`` gives its instances an own ``member`` (a field, ``this.member = ...``)."""
    name = re.escape(member)
    field = rf"(?m)^\s*(?:(?:public|private|protected|readonly|declare|override|accessor)\s+)*{name}\s*[?!]?\s*[=:;]"
    text = _text(files, d)
    return re.search(field, text) is not None or re.search(rf"\bthis\s*\.\s*{name}\s*=[^=]", text) is not None or \
        re.search(rf"defineProperty\(\s*this\s*,\s*['\"]{name}['\"]", text) is not None


def _is_static(files: dict[str, str], d: Definition) -> bool:
    line = files.get(d.path, "").splitlines()[d.line - 1:d.line]
    return bool(line) and re.match(r"\s*(?:\w+\s+)*static\b", line[0]) is not None


def resolve(index: CodeIndex, cls: str, member: str, files: dict[str, str]) -> str | None:
    """The definition ``new cls().member`` reaches, when askable (see the module docstring)."""
    line = chain(index, cls) if _is_ts_class(index, cls) and askable(index, cls) else None
    if line is None or member == "constructor" or \
            (member in BUILTIN_OWN and _extends_builtin(index.definitions[line[-1]])):
        return None
    defined = [f"{c}.{member}" for c in line if f"{c}.{member}" in index.definitions]
    if len(defined) < 2 or any(_shadowed(files, index.definitions[c], member) for c in line):
        return None
    target = defined[0]
    d = index.definitions[target]
    if target in index.ambiguous or d.kind != "method" or _is_static(files, d) or d.parent == cls or \
            d.path == index.definitions[cls].path:
        return None
    return target


def dispatch_keys(index: CodeIndex, files: dict[str, str] | None) -> list[tuple[Any, ...]]:
    """Every (class, method) askable on TS/JS classes of ``index``, checked by running once per index."""
    if files is None:
        return []
    if index not in _KEYS:
        _KEYS[index] = _checked(index, files, _keys(index, files))
    return list(_KEYS[index])


def _keys(index: CodeIndex, files: dict[str, str]) -> list[tuple[Any, ...]]:
    members: dict[str, set[str]] = {}
    for m in index.definitions.values():
        if m.kind == "method" and m.parent is not None:
            members.setdefault(m.parent, set()).add(m.name)
    keys = []
    for qual, d in sorted(index.definitions.items()):
        if not _is_ts_class(index, qual) or is_test_path(d.path) or d.parent is not None or \
                "abstract" in _header(d.signature).split("class")[0]:
            continue
        line = chain(index, qual) or []
        methods = sorted({m for c in line[1:] for m in members.get(c, ())})
        keys += [("dispatch", qual, m) for m in methods if resolve(index, qual, m, files) is not None]
    return keys


# ``C.prototype`` only read: a method borrowed (``C.prototype.m.call(this)``) or compared (``=== C.prototype.m``)
_PROTO_READ = re.compile(r"\s*\.\s*[\w$]+\s*(?:\.\s*(?:call|apply|bind)\s*\(|[!=]==)")
_PROTO = re.compile(r"([\w$]+)\s*\.\s*prototype\b")
# built-in prototypes: written to or not, they sit past a project class's chain, after the gold definition
_BUILTINS = frozenset({"Object", "Array", "Function", "String", "Number", "Boolean", "Symbol", "Promise", "Map", "Set",
                       "WeakMap", "WeakSet", "RegExp", "Date", "Error", "Math", "JSON", "Reflect"})


_PROTO_ASKED = re.compile(r"(?:isPrototypeOf|getPrototypeOf|getOwnPropertyNames|getOwnPropertyDescriptors?|"
                          r"hasOwnProperty)(?:\.call)?\(\s*[^()]*$")  # a prototype handed to a built-in that reads it
_PROTO_REACHED = re.compile(r"\.__proto__\b|\[\s*['\"`](?:__proto__|prototype)['\"`]\s*\]|setPrototypeOf")


def _prototype_uses(files: dict[str, str]) -> list[str]:
    """The receivers of every ``X.prototype`` the project's sources (tests aside) use other than to read a
    method (a write, an ``Object.assign`` into it, the prototype stored away), plus ``"__proto__"`` where one may
    be reached by other means (``obj.__proto__``, ``setPrototypeOf``, ``obj["prototype"]``)."""
    out = []
    for path, text in sorted(files.items()):
        if not path.endswith(ts_node.SOURCE_SUFFIXES) or is_test_path(path):
            continue
        for m in _PROTO.finditer(text):
            before = text[max(0, m.start() - 80):m.start()]
            if not re.search(r"[!=]==\s*$", before) and not _PROTO_ASKED.search(before) and \
                    not _PROTO_READ.match(text, m.end()):
                out.append(m.group(1))
        if _PROTO_REACHED.search(text):
            out.append("__proto__")
    return out


def _patched(files: dict[str, str], line: list[str], index: CodeIndex) -> bool:
    """Whether a class of the chain may get members outside its body: its prototype used other than to read a
    method, or the class handed to a function (``mixin(C, ...)``, ``Factory.addGetterSetter(C, ...)``) while
    some code writes to a prototype it does not name (``cls.prototype[m] = ...``, ``__proto__``)."""
    names = {index.definitions[c].name for c in line}
    uses = _prototype_uses(files)
    if names & set(uses):
        return True
    classes = {d.name for d in index.definitions.values() if d.kind == "class"}
    unnamed = [r for r in uses if r not in classes and r not in _BUILTINS]
    if not unnamed:
        return False
    handed = re.compile(rf"\(\s*(?:{'|'.join(re.escape(n) for n in sorted(names))})\s*[,)]")
    return any(handed.search(text) for path, text in files.items()
               if path.endswith(ts_node.SOURCE_SUFFIXES) and not is_test_path(path))


def _confirmed(index: CodeIndex, target: str, where: str | None) -> bool | None:
    """Whether node's answer (``path:first:last`` of the definition it found) is ``target``; ``None`` when node
    could not say."""
    if not where:
        return None
    path, first, last = where.rsplit(":", 2)
    d = index.definitions[target]
    return path == d.path and int(first) <= d.line <= int(first) + 3 and int(last) == d.end_line


def _checked(index: CodeIndex, files: dict[str, str], keys: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The keys node confirms by finding the same definition along the prototype chain; where node cannot run
    them (a module that does not load, a class not exported), those whose chain gets no member from outside a
    class body (:func:`_patched`), on the static answer alone."""
    asks = [(index.definitions[cls].path, index.definitions[cls].name, member) for _, cls, member in keys]
    found = ts_node.owners(files, asks) if asks else {}
    kept = []
    for key, ask in zip(keys, asks, strict=True):
        target = resolve(index, key[1], key[2], files) or ""
        confirmed = _confirmed(index, target, found.get(ask))
        if confirmed or (confirmed is None and not _patched(files, chain(index, key[1]) or [], index)):
            kept.append(key)
    return kept


def build_dispatch(index: CodeIndex, key: tuple[Any, ...], variant: str, files: dict[str, str]) -> Question | None:
    _, cls, member = key
    target = resolve(index, cls, member, files)
    if target is None:
        return None
    d = index.definitions[cls]
    if variant == "literal":
        head = (f"An object is created as `new {d.name}(...)`, with the class `{d.name}` that `{d.path}` declares, "
                f"and then `obj.{member}` is used (called, or read as a property).")
    else:
        desc = describe(index, d)
        if desc is None:
            return None
        head = f"An object of {desc} is created with `new`, and then `obj.{member}` is used (called, or read as a " \
               "property)."
    text = f"{head} Which definition of `{member}` runs? {RULE}"
    line = chain(index, cls) or []
    defined = [f"{c}.{member}" for c in line if f"{c}.{member}" in index.definitions]
    spans = sorted({(index.definitions[q].path, index.definitions[q].line, index.definitions[q].line)
                    for q in [*line, *defined]})
    return Question("dispatch", variant, key, text, target, spans, reads_for(spans))
