"""``dispatch`` questions (Python): which definition a method call on an object of a known class runs.

``obj = pkg.a.Sub(...)`` then ``obj.meth()``: the method found first along ``Sub``'s method resolution order —
``Sub`` itself, then its bases in Python's C3 order. The question names the class and the method and says so.

It is asked when the answer is a class other than ``Sub``, in another file, and the project's classes define the
method twice at least (along ``Sub``'s bases or elsewhere), so that the definitions of the name are several and
the right one is found only by following the bases in order. Constructors (``__init__``, ``__new__``) are not
asked: ``Sub(...)`` already ran them. The evidence is every class line of the order and every definition of the
method on it. The hierarchy must be known: every base of every class on the way is a class of the project (or
``object``, ``ABC``, ``Generic[...]``, which define no method of the project's), read from the file itself, or a
class of the interpreter's own (a builtin such as ``Exception``, or one imported from the standard library); the
gold is the C3 order of the project's classes. Where the project imports, the gold is also checked by running:
the interpreter's own ``__mro__`` must agree, or the question is not asked; a hierarchy with a class of the
interpreter's own (which may define the method first) is asked only when that run confirms it.
"""

from __future__ import annotations

import ast
import builtins
import functools
import re
import sys
import weakref
from typing import Any

from locogym.scenarios.repo import literal_runs
from locogym.scenarios.repo.index import CodeIndex, Definition
from locogym.scenarios.repo.question_base import Question, askable, describe, is_test_path, reads_for

NEUTRAL_BASES = frozenset({"object", "ABC", "abc.ABC", "Generic", "typing.Generic"})
STANDARD = "<standard>"  # a base class of the interpreter's own (see :func:`_standard`)
CONSTRUCTORS = frozenset({"__init__", "__new__"})  # already run by ``Sub(...)``: no question of what ``obj`` uses
_BASES: weakref.WeakKeyDictionary[CodeIndex, dict[str, list[str] | None]] = weakref.WeakKeyDictionary()
_KEYS: weakref.WeakKeyDictionary[CodeIndex, list[tuple[Any, ...]]] = weakref.WeakKeyDictionary()
_METHODS: weakref.WeakKeyDictionary[CodeIndex, dict[str, list[str]]] = weakref.WeakKeyDictionary()
RULE = (
    "The definition that runs is the first one found along the class's method resolution order: the class "
    "itself, then its base classes in Python's MRO order (a method inherited from a base counts as that base's). "
    "Answer with its qualified name (package.module.Class.method)."
)


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _class_node(d: Definition, files: dict[str, str]) -> ast.ClassDef | None:
    """A top-level class's node in its file (``None`` for a nested class, or a file that does not parse)."""
    tree = _parsed(files[d.path]) if d.path in files and d.parent is None else None
    return next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == d.name and
                 n.lineno <= d.line <= (n.end_lineno or n.lineno)), None) if tree else None


def _base(index: CodeIndex, path: str, base: ast.expr) -> str | None:
    """The project class a base expression names; ``""`` for a base that defines no project method;
    :data:`STANDARD` for a class of the interpreter's own (a builtin, or one the standard library defines)."""
    text = ast.unparse(base)
    if text in NEUTRAL_BASES or (isinstance(base, ast.Subscript) and ast.unparse(base.value) in NEUTRAL_BASES):
        return ""
    facts = index.facts.get(path)
    target = index.resolve_call(facts, -1, text) if facts and isinstance(base, (ast.Name, ast.Attribute)) else None
    if target is None:
        return STANDARD if _standard(index, path, base) else None
    if index.definitions[target].kind != "class" or target in index.ambiguous:
        return None
    return target


def _standard(index: CodeIndex, path: str, base: ast.expr) -> bool:
    """Whether a base the project does not define is the interpreter's own: a builtin class the module does not
    rebind (``Exception``, ``dict``), or a name imported from a standard-library module (``abc.ABCMeta``)."""
    node = base.value if isinstance(base, ast.Subscript) else base
    head = node
    while isinstance(head, ast.Attribute):
        head = head.value
    if not isinstance(head, ast.Name):
        return False
    facts = index.facts[path]
    binding = next((imp for imp in facts.imports if imp.binds_module and imp.binds_module.split(".")[0] == head.id
                    or any(alias == head.id for _, alias in imp.names)), None)
    if binding is not None:
        return binding.level == 0 and binding.module.split(".")[0] in sys.stdlib_module_names
    bound = any(d.name == head.id and d.parent == -1 for d in facts.defs) or \
        any(a.name == head.id for a in facts.assigns)
    return head is node and not bound and isinstance(getattr(builtins, head.id, None), type)


def direct_bases(index: CodeIndex, qual: str, files: dict[str, str]) -> list[str] | None:
    """The project classes ``qual`` names as bases, in order, or ``None`` when a base is not one (an installed
    or unresolved class, a keyword such as ``metaclass=``, a call)."""
    cache = _BASES.setdefault(index, {})
    if qual not in cache:
        d = index.definitions[qual]
        node = _class_node(d, files)
        bases = None if node is None or node.keywords else [_base(index, d.path, b) for b in node.bases]
        cache[qual] = None if bases is None or None in bases else [b for b in bases if b]
    return cache[qual]


def standard_bases(index: CodeIndex, line: list[str], files: dict[str, str]) -> bool:
    """Whether a class of an order found by :func:`mro` has a base of the interpreter's own, which the order
    leaves out: only the interpreter's ``__mro__`` can then confirm which definition comes first."""
    return any(STANDARD in (direct_bases(index, c, files) or []) for c in line)


def mro(index: CodeIndex, qual: str, files: dict[str, str], depth: int = 0) -> list[str] | None:
    """The C3 linearisation of a project class over project classes (``None``: unknown or inconsistent)."""
    found = direct_bases(index, qual, files)
    if found is None or depth > 20:
        return None
    bases = [b for b in found if b != STANDARD]
    lines = [mro(index, b, files, depth + 1) for b in bases]
    if any(line is None for line in lines):
        return None
    pending = [list(line) for line in lines if line] + [list(bases)]
    out = [qual]
    while any(pending):
        pending = [p for p in pending if p]
        head = next((p[0] for p in pending if not any(p[0] in q[1:] for q in pending)), None)
        if head is None:
            return None
        out.append(head)
        pending = [p[1:] if p[0] == head else p for p in pending]
    return out


def resolve(index: CodeIndex, cls: str, method: str, files: dict[str, str]) -> str | None:
    """The definition ``cls().method`` reaches, when askable (see the module docstring)."""
    d = index.definitions.get(cls)
    line = mro(index, cls, files) if d is not None and d.kind == "class" and askable(index, cls) else None
    owner = next((c for c in line or [] if f"{c}.{method}" in index.definitions), None)
    if line is None or owner is None or owner == cls or f"{owner}.{method}" in index.ambiguous:
        return None
    target = f"{owner}.{method}"
    return target if d is not None and index.definitions[target].path != d.path and \
        _defined_twice(index, method) and method not in CONSTRUCTORS and \
        not _set_on_instances(index, line, method, files) else None


def _set_on_instances(index: CodeIndex, line: list[str], method: str, files: dict[str, str]) -> bool:
    """Whether a class of the order assigns ``self.<method>``: an instance attribute would hide the method."""
    pattern = re.compile(rf"\bself\.{re.escape(method)}\s*(:[^=]*)?=[^=]")
    for cls in line:
        d = index.definitions[cls]
        body = files.get(d.path, "").splitlines()[d.line - 1:d.end_line]
        if any(pattern.search(text) for text in body):
            return True
    return False


def _defined_twice(index: CodeIndex, method: str) -> bool:
    """Whether classes of the project outside its tests define ``method`` twice at least (along the order or
    not), so that finding a definition of the name does not find the one that runs."""
    return sum(index.definitions[q].kind == "method" and not is_test_path(index.definitions[q].path)
               for q in index.by_name.get(method, [])) >= 2


def dispatch_keys(index: CodeIndex, files: dict[str, str] | None) -> list[tuple[Any, ...]]:
    """Every (class, method) askable in ``index``, checked once per index (the check imports the project)."""
    if files is None:
        return []
    if index not in _KEYS:
        _KEYS[index] = _keys(index, files)
    return list(_KEYS[index])


def _keys(index: CodeIndex, files: dict[str, str]) -> list[tuple[Any, ...]]:
    keys = []
    for qual, d in sorted(index.definitions.items()):
        if d.kind != "class" or not d.path.endswith(".py") or is_test_path(d.path) or d.parent is not None:
            continue
        line = mro(index, qual, files) or []
        methods = sorted({m.rpartition(".")[2] for c in line[1:] for m in _members(index, c)})
        keys += [("dispatch", qual, m) for m in methods if resolve(index, qual, m, files) is not None]
    return _checked(index, files, keys)


def _members(index: CodeIndex, cls: str) -> list[str]:
    """The methods a class defines in its own body (qualified names)."""
    by_class = _METHODS.get(index)
    if by_class is None:
        by_class = {}
        for qual, d in index.definitions.items():
            if d.kind == "method" and d.parent is not None:
                by_class.setdefault(d.parent, []).append(qual)
        _METHODS[index] = by_class
    return by_class.get(cls, [])


def _checked(index: CodeIndex, files: dict[str, str], keys: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The keys whose gold the interpreter's own MRO confirms, where the class's module imports here; where it
    does not, the static order stands when every base on the way is a project class read from its file (a
    hierarchy with a base of the interpreter's own is asked only when the run confirms it)."""
    asks = [(k[1].rpartition(".")[0], k[1].rpartition(".")[2], k[2]) for k in keys]
    owners = literal_runs.owners(files, asks) if asks else {}
    out = []
    for key, ask in zip(keys, asks, strict=True):
        ran = "" if owners is None else owners.get(ask, "")  # "": not run here (the run or the import failed)
        if ran == resolve(index, key[1], key[2], files) or \
                (ran == "" and not standard_bases(index, mro(index, key[1], files) or [], files)):
            out.append(key)
    return out


def build_dispatch(index: CodeIndex, key: tuple[Any, ...], variant: str, files: dict[str, str]) -> Question | None:
    _, cls, method = key
    target = resolve(index, cls, method, files)
    if target is None:
        return None
    d = index.definitions[cls]
    if variant == "literal":
        head = f"An object is created as `{cls}(...)`, and then `obj.{method}` is used (called, or read as a property)."
    else:
        desc = describe(index, d)
        if desc is None:
            return None
        head = f"An object of {desc} is created, and then `obj.{method}` is used (called, or read as a property)."
    text = f"{head} Which definition of `{method}` runs? {RULE}"
    line = mro(index, cls, files) or []
    defined = [f"{c}.{method}" for c in line if f"{c}.{method}" in index.definitions]
    spans = sorted({(index.definitions[c].path, index.definitions[c].line, index.definitions[c].line) for c in line}
                   | {(index.definitions[m].path, index.definitions[m].line, index.definitions[m].line)
                      for m in defined})
    return Question("dispatch", variant, key, text, target, spans, reads_for(spans))
