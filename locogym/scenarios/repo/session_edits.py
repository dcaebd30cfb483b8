"""The commits a multi-session task lands between sessions, one per probed fact, for Python code.

Each edit takes the workspace's index and files and a probe's key, and returns the patch (path -> new content)
and a commit message; it raises :class:`EditNotPossible` when this workspace does not allow it (another probe's
commit is tried). Every edit keeps the code's behaviour, so the project's own tests still pass after it:

* ``setting`` — a settings layer gains an override (``NAME = new value``);
* ``definition`` — a re-exported function is extracted into its own module and the re-export now points there;
* ``callers`` — a new feature module adds a function that calls the probed function;
* ``call_chain`` — one call on the chain is routed through a new forwarding function (one more hop).

Go and TypeScript/JavaScript code get the same four commits, written in those languages
(:mod:`.session_edits_static`); the generator picks by the language of the file the key is about
(:func:`key_language`).
"""

from __future__ import annotations

import random
import re
from typing import Any

from locogym.scenarios.repo import questions
from locogym.scenarios.repo.index import CodeIndex, Definition, module_name
from locogym.scenarios.repo.synthetic import NOUNS, VERBS

_FROM_LINE = re.compile(r"^from\s+(\S+)\s+import\s+([^()#]+?)\s*(#.*)?$")
_IMPORT_LINE = re.compile(r"^import\s+[\w., ]+(\s+as\s+\w+)?\s*(#.*)?$")
_NEW_INTS = (2, 4, 6, 12, 25, 40, 75, 150, 300, 600)


class EditNotPossible(Exception):
    """The chosen commit cannot be made on this workspace (another is tried)."""


def _lines(text: str) -> list[str]:
    return text.split("\n")


def fresh_name(index: CodeIndex, files: dict[str, str], rng: random.Random, camel: bool = False) -> str:
    """A name no file of the project (the workspace and the whole source) uses: ``verb_noun_noun``, or
    ``verbNounNoun`` for Go and TypeScript."""
    for _ in range(200):
        words = [rng.choice(sorted(VERBS)), rng.choice(sorted(NOUNS)), rng.choice(sorted(NOUNS))]
        name = words[0] + "".join(w.capitalize() for w in words[1:]) if camel else "_".join(words)
        if name not in index.by_name and not any(name in t for t in files.values()):
            return name
    raise EditNotPossible("no fresh name")


def changed_value(value: Any, rng: random.Random) -> Any:
    """Another value of the same type: what a commit that adjusts a setting sets it to."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return rng.choice([v for v in _NEW_INTS if v != value])
    if isinstance(value, float):
        return round(value * 2 + 0.5, 3)
    return f"{value}-b" if not value.endswith("-b") else value[:-2]


def edit_setting(index: CodeIndex, files: dict[str, str], key: tuple[Any, ...],
                 rng: random.Random) -> tuple[dict[str, str], str]:
    _, module, name = key
    found, value, _, _ = index.setting_value(module, name)
    if not found:
        raise EditNotPossible("setting not found")
    path = index.modules[module]
    text = files[path].rstrip("\n") + f"\n{name} = {changed_value(value, rng)!r}\n"
    return {path: text}, f"settings: adjust {module.rsplit('.', 1)[-1]} overrides"


def _single_line_imports(index: CodeIndex, path: str, lines: list[str]) -> list[str]:
    out = []
    for imp in index.facts[path].imports:
        text = lines[imp.line - 1]
        if _FROM_LINE.match(text) or _IMPORT_LINE.match(text):
            out.append(text)
    return list(dict.fromkeys(out))


def _reexport_hop(index: CodeIndex, module: str, name: str, folder: str) -> tuple[str, str] | None:
    """The package ``__init__`` of ``folder`` that last re-exports ``name`` on its way to the definition, with
    the name it binds there."""
    chain = index.resolve_chain(module, name)
    if len(chain) < 2:
        return None
    hop_module, hop_name = chain[-2]
    hop_path = index.modules.get(hop_module, "")
    if not hop_path.endswith("__init__.py") or hop_path.rsplit("/", 1)[0] != folder:
        return None
    return hop_path, hop_name


def _repoint(index: CodeIndex, files: dict[str, str], module: str, name: str, folder: str,
             new_leaf: str) -> dict[str, str]:
    """Re-point the last one-line relative re-export of ``name`` at the new module (``{}`` when there is none)."""
    hop = _reexport_hop(index, module, name, folder)
    if hop is None:
        return {}
    hop_path, hop_name = hop
    imp = next((i for i in index.facts[hop_path].imports if any(a == hop_name for _, a in i.names)), None)
    if imp is None or imp.level != 1:
        return {}
    hop_lines = _lines(files[hop_path])
    match = _FROM_LINE.match(hop_lines[imp.line - 1])
    if match is None:
        return {}
    entries = [e.strip() for e in match.group(2).split(",")]
    moved = [e for e in entries if re.split(r"\s+as\s+", e)[-1].strip() == hop_name]
    if not moved:
        return {}
    kept = [e for e in entries if e not in moved]
    replacement = [f"from {match.group(1)} import {', '.join(kept)}"] if kept else []
    replacement.append(f"from .{new_leaf} import {moved[0]}")
    hop_lines[imp.line - 1:imp.line] = replacement
    return {hop_path: "\n".join(hop_lines)}


def _movable(index: CodeIndex, module: str, name: str) -> Definition:
    target = index.resolve_name(module, name)
    if target not in index.definitions:
        raise EditNotPossible("no definition")
    d = index.definitions[target]
    if d.parent is not None or not d.path.endswith(".py") or d.path.endswith("__init__.py") or "/" not in d.path:
        raise EditNotPossible("only top-level definitions of package modules are moved")
    return d


def _extracted_module(index: CodeIndex, d: Definition, src_lines: list[str], stem: str) -> tuple[str, list[str]]:
    """The new module's text, and the old module's own names it imports back (its siblings)."""
    body_text = "\n".join(src_lines[d.line - 1:d.end_line])
    facts = index.facts[d.path]
    own = {other.name for other in facts.defs if other.parent == -1} | {a.name for a in facts.assigns}
    siblings = sorted(n for n in own - {d.name} if re.search(rf"\b{re.escape(n)}\b", body_text))
    header = [h for h in _single_line_imports(index, d.path, src_lines) if "__future__" not in h]
    if siblings:
        header.append(f"from .{stem} import {', '.join(siblings)}")
    text = (f'"""{d.name.replace("_", " ").capitalize()}, extracted from {stem}."""\n\n'
            "from __future__ import annotations\n\n" + "".join(h + "\n" for h in header) + "\n\n" + body_text + "\n")
    return text, siblings


def edit_definition(index: CodeIndex, files: dict[str, str], key: tuple[Any, ...],
                    rng: random.Random) -> tuple[dict[str, str], str]:
    """Extract the re-exported definition into a new module beside it.

    The old module imports it back at its end, so every importer (named or star) keeps working; when the last
    re-export is a one-line relative import in the package's ``__init__`` it is re-pointed at the new module, as
    a careful refactor would. The new module copies the old one's imports and imports the old module's own names
    it uses (safe: the old module is always initialised first).
    """
    _, module, name = key
    d = _movable(index, module, name)
    folder, leaf = d.path.rsplit("/", 1)
    stem = leaf[:-3]
    new_leaf = f"{stem}_{re.sub(r'[^a-z0-9]', '', d.name.lower())[:20] or 'part'}"
    new_path = f"{folder}/{new_leaf}.py"
    if new_path in files:
        raise EditNotPossible("target module exists")
    src_lines = _lines(files[d.path])
    new_text, siblings = _extracted_module(index, d, src_lines, stem)
    remaining = src_lines[:d.line - 1] + src_lines[d.end_line:]
    old_text = "\n".join(remaining).rstrip("\n") + f"\n\nfrom .{new_leaf} import {d.name}  # noqa: E402,F401 - moved\n"
    patch = {d.path: old_text, new_path: new_text}
    if not siblings:  # re-pointing would import the new module first, before the names it needs exist
        patch.update(_repoint(index, files, module, name, folder, new_leaf))
    return patch, f"refactor: move {d.name} into its own module"


def edit_callers(index: CodeIndex, files: dict[str, str], key: tuple[Any, ...],
                 rng: random.Random) -> tuple[dict[str, str], str]:
    """Add a feature module (imported by nothing, so no import cycle) whose new function calls the probed one."""
    _, qual = key
    d = index.definitions.get(qual)
    if d is None or d.kind != "function" or d.parent is not None or not d.path.endswith(".py"):
        raise EditNotPossible("only module-level functions get new callers")
    name = fresh_name(index, files, rng)
    folder = d.path.rsplit("/", 1)[0] if "/" in d.path else ""
    path = f"{folder}/{name.split('_', 1)[1]}.py" if folder else f"{name.split('_', 1)[1]}.py"
    if path in files:
        raise EditNotPossible("feature module exists")
    code = (f'"""{name.replace("_", " ").capitalize()}: a small feature built on {d.name}."""\n\n'
            f"from {module_name(d.path)} import {d.name}\n\n\n"
            f"def {name}(*args, **kwargs):\n"
            f'    """{name.replace("_", " ").capitalize()}."""\n'
            f"    return {d.name}(*args, **kwargs)\n")
    return {path: code}, f"feature: add {name}"


def chain_call(index: CodeIndex, key: tuple[Any, ...], rng: random.Random) -> tuple[Definition, Definition, Any]:
    """A hop of the chain to reroute: its caller, its callee and the one call site between them."""
    _, start, hops = key
    chain = questions.chain_from(index, start, hops)
    if chain is None:
        raise EditNotPossible("no chain")
    j = rng.randrange(hops)
    fn = index.definitions[chain[j]]
    facts = index.facts[fn.path]
    calls = [c for c in facts.calls if index.scope_qualname(fn.path, c.scope) == chain[j]
             and index.resolve_call(facts, c.scope, c.expr) == chain[j + 1]]
    if len(calls) != 1 or calls[0].expr.split(".")[0] in {"self", "cls", "this"}:
        raise EditNotPossible("not exactly one module-level call site")
    return fn, index.definitions[chain[j + 1]], calls[0]


def reroute_line(files: dict[str, str], fn: Definition, call: Any, wrapper: str) -> list[str]:
    """``fn``'s file with the call site now calling ``wrapper``."""
    lines = _lines(files[fn.path])
    line = lines[call.line - 1]
    if line.count(f"{call.expr}(") != 1:
        raise EditNotPossible("ambiguous call text")
    if any(re.search(rf"\b{re.escape(wrapper)}\b", t) for t in files.values()):
        raise EditNotPossible("wrapper exists")
    lines[call.line - 1] = line.replace(f"{call.expr}(", f"{wrapper}(")
    return lines


def edit_call_chain(index: CodeIndex, files: dict[str, str], key: tuple[Any, ...],
                    rng: random.Random) -> tuple[dict[str, str], str]:
    """Route one call of the chain through a new forwarding function: same behaviour, one more hop."""
    fn, callee, call = chain_call(index, key, rng)
    wrapper = f"{callee.name}_traced"
    if wrapper in index.by_name:
        raise EditNotPossible("wrapper exists")
    lines = reroute_line(files, fn, call, wrapper)
    text = "\n".join(lines).rstrip("\n") + (
        f"\n\n\ndef {wrapper}(*args, **kwargs):\n"
        f'    """Forward to {callee.name}; a seam for tracing the call."""\n'
        f"    return {call.expr}(*args, **kwargs)\n")
    return {fn.path: text}, f"refactor: trace the call from {fn.name} to {callee.name}"


PYTHON_EDITS = {"setting": edit_setting, "definition": edit_definition, "callers": edit_callers,
                "call_chain": edit_call_chain}


def key_language(index: CodeIndex, key: tuple[Any, ...]) -> str:
    """The language of the file a probe's key is about (a Go package folder is no module of the index)."""
    if key[0] in {"setting", "definition"}:
        path = index.modules.get(key[1])
        return index.facts[path].language if path in index.facts else "go"
    d = index.definitions.get(key[1])
    if d is None:
        raise EditNotPossible("no definition")
    return index.facts[d.path].language
