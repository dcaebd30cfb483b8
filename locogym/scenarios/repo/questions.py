"""Code questions whose answers the index computes: definitions through re-exports, call-chain ends, setting
values after overrides, and the callers a signature change breaks.

Each question comes in two variants. *Literal*: it names the symbol it asks about. *Non-literal* (NoLiMa's
point): it describes the symbol with words that appear in none of the code's identifiers — from a second
paraphrase vocabulary for generated projects, or the docstring for real code — so that the agent has to find it by
meaning, not by matching names.

A question is built from a *key* (what it is about: a module and name, a function and hop count, ...) and an
index; building it again from the same key on another index (a working set, an edited workspace) gives the
question's answer there. That is how working-set selection and multi-session probes stay exact.
"""

from __future__ import annotations

import posixpath
import random
import re
from typing import Any

from locogym.core.types import ToolCall
from locogym.scenarios.repo import literal_runs, static_settings
from locogym.scenarios.repo.index import CodeIndex, Definition
from locogym.scenarios.repo.parsing import FileFacts
from locogym.scenarios.repo.question_base import (
    WHO_CALLS,
    Question,
    askable,
    describe,
    is_test_definition,
    is_test_path,
    name_words,
    reads_for,
)
from locogym.scenarios.repo.synthetic import describe_setting

QUESTION_KINDS = ("definition", "call_chain", "setting", "callers", "return_value", "impact", "argument",
                  "dispatch")
VARIANTS = ("literal", "nonliteral")
_CALLABLE = {"function", "method", "class"}


# ---------------------------------------------------------------------------------------------- definition
def definition_keys(index: CodeIndex) -> list[tuple[Any, ...]]:
    """(module, name) pairs bound by an import chain with at least one re-export before the definition."""
    keys = []
    for module in sorted(index.bindings):
        if is_test_path(index.modules.get(module, "")):
            continue
        facts = index.facts[index.modules[module]]
        for name, binding in sorted(index.bindings[module].items()):
            if binding[0] not in {"from", "alias"}:
                continue
            if facts.language != "python" and not _js_exported(facts, name):
                continue  # a JS/TS module exposes only what it exports
            if binding[0] == "alias" and facts.language == "python":
                continue
            target = index.resolve_name(module, name)
            if target in index.definitions and index.definitions[target].kind in _CALLABLE and askable(index, target):
                if len(index.resolve_chain(module, name)) >= 2 and index.definitions[target].path != \
                        index.modules.get(module):
                    keys.append(("definition", module, name))
        # names a package re-exports through ``from .x import *``: never spelled out in the package itself
        if not index.modules.get(module, "").endswith("__init__.py"):
            continue
        for star in index.stars.get(module, []):
            for name in sorted(_public_names(index, star)):
                if name in index.bindings[module]:
                    continue
                target = index.resolve_name(module, name)
                if target in index.definitions and index.definitions[target].kind in _CALLABLE:
                    keys.append(("definition", module, name))
    keys += _go_definition_keys(index)
    return sorted(set(keys))


def _js_exported(facts: FileFacts, name: str) -> bool:
    return name in facts.exports or any(imp.exported and any(alias == name for _, alias in imp.names)
                                        for imp in facts.imports)


def go_package_definition(index: CodeIndex, folder: str, name: str) -> Definition | None:
    """The one top-level declaration of ``name`` in the Go package of ``folder`` (test files aside), or ``None``
    (absent, or declared in several files — build-tag variants)."""
    found = [q for q in index.by_name.get(name, []) if posixpath.dirname(index.definitions[q].path) == folder
             and index.definitions[q].path.endswith(".go") and not index.definitions[q].path.endswith("_test.go")
             and index.definitions[q].parent is None and "." not in q.rpartition("::")[2]]
    return index.definitions[found[0]] if len(found) == 1 and askable(index, found[0]) else None


def _go_definition_keys(index: CodeIndex) -> list[tuple[Any, ...]]:
    """Exported top-level names of Go packages spread over several files: which file declares the name?"""
    files: dict[str, set[str]] = {}
    for path, facts in index.facts.items():
        if facts.language == "go" and not path.endswith("_test.go") and not is_test_path(path):
            files.setdefault(posixpath.dirname(path), set()).add(path)
    keys = []
    for folder, paths in sorted(files.items()):
        if len(paths) < 2:
            continue
        for path in sorted(paths):
            for d in index.facts[path].defs:
                if d.parent == -1 and not d.owner and d.name[:1].isupper() and d.kind in {"function", "type"} \
                        and go_package_definition(index, folder, d.name) is not None:
                    keys.append(("definition", folder, d.name))
    return keys


def _public_names(index: CodeIndex, module: str) -> set[str]:
    path = index.modules.get(module)
    exported = index.star_exports(module)
    if path is None or exported is None:
        return set()
    return {d.name for d in index.facts[path].defs if d.parent == -1 and d.name in exported}


def _build_go_definition(index: CodeIndex, key: tuple[Any, ...], variant: str) -> Question | None:
    _, folder, name = key
    d = go_package_definition(index, folder, name)
    if d is None:
        return None
    where = f"The Go package in the folder `{folder or '.'}`"
    if variant == "literal":
        text = f"{where} declares `{name}` in one of its files. Which file? Answer with the file path."
    else:
        desc = describe(index, d)
        if desc is None:
            return None
        text = f"{where} declares {desc} in one of its files. Which file? Answer with the file path."
    spans = [(d.path, d.line, d.end_line)]
    return Question("definition", variant, key, text, d.path, spans, reads_for(spans))


def build_definition(index: CodeIndex, key: tuple[Any, ...], variant: str, files: dict[str, str]) -> Question | None:
    _, module, name = key
    if module not in index.modules:
        return _build_go_definition(index, key, variant)
    target = index.resolve_name(module, name)
    if target is None or not askable(index, target):
        return None
    d = index.definitions[target]
    chain = index.resolve_chain(module, name)
    spans: list[tuple[str, int, int]] = []
    for hop_module, hop_name in chain[:-1]:
        path = index.modules.get(hop_module)
        if path is None:
            return None
        line = index.binding_line(hop_module, hop_name)
        if line:
            spans.append((path, line, line))
    spans.append((d.path, d.line, d.end_line))
    where = f"the module `{module}`" if index.facts[index.modules[module]].language == "python" else \
        f"the module `{index.modules[module]}`"
    if variant == "literal":
        text = (f"{where.capitalize()} exposes the name `{name}`. Follow its imports and re-exports to the actual "
                f"definition: which file defines it? Answer with the file path.")
    else:
        desc = describe(index, d)
        if desc is None:
            return None
        text = (f"One of the names that {where} imports or re-exports is {desc}. Follow the imports to its "
                "actual definition: which file defines it? Answer with the file path.")
    reads = reads_for(spans)
    return Question("definition", variant, key, text, d.path, spans, reads)


# ---------------------------------------------------------------------------------------------- call chain
def _sole_callee(index: CodeIndex, qual: str) -> str | None:
    callees = index.callees(qual)
    if len(callees) != 1 or not askable(index, callees[0]) or \
            index.definitions[callees[0]].kind not in {"function", "method"}:
        return None
    return None if index.may_call_unknown(qual) else callees[0]


def chain_from(index: CodeIndex, start: str, hops: int) -> list[str] | None:
    """``[start, f1, ..., f_hops]`` when every function before the last calls exactly one project function."""
    chain = [start]
    for _ in range(hops):
        nxt = _sole_callee(index, chain[-1])
        if nxt is None or nxt in chain:
            return None
        chain.append(nxt)
    return chain


def call_chain_keys(index: CodeIndex, hops: int) -> list[tuple[Any, ...]]:
    keys = []
    for qual, d in sorted(index.definitions.items()):
        if d.kind in {"function", "method"} and not is_test_definition(d) and askable(index, qual) and \
                chain_from(index, qual, hops) is not None:
            keys.append(("call_chain", qual, hops))
    return keys


def build_call_chain(index: CodeIndex, key: tuple[Any, ...], variant: str, files: dict[str, str]) -> Question | None:
    _, start, hops = key
    if start not in index.definitions:
        return None
    chain = chain_from(index, start, hops)
    if chain is None:
        return None
    spans = [(index.definitions[q].path, index.definitions[q].line, index.definitions[q].end_line) for q in chain]
    rule = (f"Each function on the way calls exactly one other function of this project. Follow {hops} calls: "
            f"which function or method is reached? Answer with its qualified name (package.module.function or "
            f"package.module.Class.method).")
    if variant == "literal":
        text = f"Start at `{start}`. {rule}"
    else:
        desc = describe(index, index.definitions[start])
        if desc is None:
            return None
        text = f"Start at {desc}. {rule}"
    reads = reads_for(spans, pad=0)
    return Question("call_chain", variant, key, text, chain[-1], spans, reads)


# ---------------------------------------------------------------------------------------------- settings
def _star_closure(index: CodeIndex, module: str) -> list[str]:
    out, stack = [], [module]
    while stack:
        current = stack.pop()
        if current in out or current not in index.modules:
            continue
        out.append(current)
        stack.extend(index.stars.get(current, []))
    return out


def setting_trace(index: CodeIndex, module: str, name: str) -> list[tuple[str, int, int]]:
    """Every assignment of ``name`` (and of names it aliases) across ``module``'s star-import layers."""
    spans = []
    names, seen = [name], set()
    while names:
        current = names.pop()
        if current in seen:
            continue
        seen.add(current)
        for mod in _star_closure(index, module):
            path = index.modules[mod]
            for a in index.facts[path].assigns:
                if a.name == current:
                    spans.append((path, a.line, a.line))
                    if not a.literal:
                        names.append(a.alias)
    return sorted(set(spans))


def setting_spans(index: CodeIndex, module: str, name: str) -> list[tuple[str, int, int]]:
    """The lines that decide a setting's value: every layer's assignment and the imports and aliases followed."""
    trail: list[tuple[str, int]] = []
    index.setting_value(module, name, trail=trail)
    return sorted(set(setting_trace(index, module, name)) | {(p, ln, ln) for p, ln in trail})


def _setting_env(index: CodeIndex, module: str, name: str) -> str:
    found, _, path, line = index.setting_value(module, name)
    return index.setting_env(path, line) if found else ""


def setting_keys(index: CodeIndex) -> list[tuple[Any, ...]]:
    """Settings whose value is decided in more than one place. Python: (module, NAME) for upper-case settings —
    star-import layers with overrides, aliases, imports from another module — or an environment variable's
    default. Go: (package folder, name); JS/TS: (module, export or ``obj.key``), see
    :mod:`~locogym.scenarios.repo.static_settings`."""
    keys = []
    for module in sorted(index.bindings):
        path = index.modules.get(module, "")
        if not path.endswith((".py", ".pyi")) or is_test_path(path):
            continue
        for name in index.setting_names(module):
            found = index.setting_value(module, name)
            if not found[0] or not isinstance(found[1], (int, float, str, bool)) or not literal_runs.plain(found[1]):
                continue  # a multi-line or long string is a blob to copy, not a value to work out
            if len(setting_spans(index, module, name)) >= 2 or _setting_env(index, module, name):
                keys.append(("setting", module, name))
    keys += [("setting", folder, name) for folder, name in static_settings.go_keys(index)]
    keys += [("setting", module, name) for module, name in static_settings.js_keys(index, is_test_path)]
    return keys


_ASSIGNMENT = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*(:[^=]*)?=[^=]")
# Go and JS/TS: ``Name = v``, ``Name Type = v``, ``export const name: T = v``
_DECLARATION = re.compile(r"^\s*(export\s+)?((const|var|let)\s+)?[A-Za-z_$][A-Za-z0-9_$]*(\s+[\w.\[\]*]+)?\s*"
                          r"(:[^=]*)?=[^=]")


def _comment_above(files: dict[str, str], path: str, line: int, marker: str = "#") -> str:
    """The comment line right above the assignment at ``line`` when it describes that assignment alone: the next
    line is not another assignment (a comment heading a block of constants describes the block), and no other
    line of the code base carries the same comment. ``marker`` starts a comment (``#``, ``//``)."""
    lines = files.get(path, "").splitlines()
    if not (2 <= line <= len(lines)) or not lines[line - 2].lstrip().startswith(marker):
        return ""
    if line < len(lines) and (_ASSIGNMENT if marker == "#" else _DECLARATION).match(lines[line]):
        return ""
    if marker != "#" and line > 2 and lines[line - 3].lstrip().startswith(marker):
        return ""  # a doc comment of several lines: its last line alone is not a description
    comment = lines[line - 2].strip()
    if sum(ln.strip() == comment for text in files.values() for ln in text.splitlines()) != 1:
        return ""
    return comment.lstrip("# ").strip() if marker == "#" else comment.lstrip("/ ").strip()


_LITERAL_RULE = "Answer with the value as a literal (a number, a quoted string, true or false)."


def _build_static_setting(index: CodeIndex, key: tuple[Any, ...], variant: str,
                          files: dict[str, str]) -> Question | None:
    """A Go or JS/TS setting question (see :mod:`~locogym.scenarios.repo.static_settings`)."""
    _, where, name = key
    js = where in index.modules
    found = static_settings.js_setting(index, where, name) if js else static_settings.go_setting(index, where, name)
    if found is None or not isinstance(found.value, (int, float, str, bool)) or \
            (len(set(found.places)) < 2 and not found.env):
        return None
    spans = sorted({(p, ln, ln) for p, ln in found.places + found.shown})
    if js:
        obj, _, member = name.partition(".")
        what = f"`{name}` (the key `{member}` of its exported object `{obj}`)" if member else f"its export `{name}`"
        head = f"Once the module `{index.modules[where]}` has been loaded, what is the value of"
    else:
        what = f"the package-level `{name}`"
        head = (f"In the Go package in the folder `{where or '.'}`, once the package has been initialized (its "
                "package-level variables set and its `init` functions run; a normal build, test files aside), what "
                "is the value of")
    rule = f"Assume no environment variable is set. {_LITERAL_RULE}" if found.env else _LITERAL_RULE
    if variant == "literal":
        text = f"{head} {what}? {rule}"
    else:
        path, line = found.places[0]
        comment = "" if "." in name else _comment_above(files, path, line, "//")
        if not comment or name_words(comment) & name_words(name) or len(comment) < 12:
            return None
        text = f"{head} the setting commented “{comment}”? {rule}"
    return Question("setting", variant, key, text, found.value, spans, reads_for(spans))


def build_setting(index: CodeIndex, key: tuple[Any, ...], variant: str, files: dict[str, str]) -> Question | None:
    _, module, name = key
    path = index.modules.get(module)
    if path is None or index.facts[path].language != "python":
        return _build_static_setting(index, key, variant, files)
    found, value, path, line = index.setting_value(module, name)
    if not found or not isinstance(value, (int, float, str, bool)) or not literal_runs.plain(value):
        return None
    spans = setting_spans(index, module, name)
    if (path, line, line) not in spans:
        spans.append((path, line, line))
    rule = "Answer with the value as a Python literal (a number, a quoted string, True or False)."
    if index.setting_env(path, line):
        rule = f"Assume no environment variable is set. {rule}"
    if variant == "literal":
        text = f"Once `{module}` has been imported, what is the value of the setting `{name}`? {rule}"
    else:
        desc = describe_setting(name)
        if desc is None:
            first = spans[0]
            comment = _comment_above(files, first[0], first[1])
            if not comment or name_words(comment) & name_words(name):
                return None
            desc = f"the setting commented “{comment}”"
        text = f"Once the active settings module `{module}` has been imported, what is {desc}? {rule}"
    reads = reads_for(sorted(set(spans)))
    return Question("setting", variant, key, text, value, sorted(set(spans)), reads)


# ---------------------------------------------------------------------------------------------- callers
def callers_keys(index: CodeIndex) -> list[tuple[Any, ...]]:
    keys = []
    for qual, d in sorted(index.definitions.items()):
        if d.kind not in {"function", "method"} or is_test_definition(d) or not askable(index, qual):
            continue
        callers = index.callers(qual)
        if 2 <= len(callers) <= 8 and all(askable(index, c) for c in callers) and index.callers_complete(qual):
            keys.append(("callers", qual))
    return keys


def build_callers(index: CodeIndex, key: tuple[Any, ...], variant: str, files: dict[str, str]) -> Question | None:
    _, qual = key
    if qual not in index.definitions:
        return None
    callers = index.callers(qual)
    if not askable(index, qual) or not callers or not all(askable(index, c) for c in callers) or \
            not index.callers_complete(qual):
        return None
    d = index.definitions[qual]
    spans = sorted({(path, line, line) for _, path, line in index.call_sites(qual)})
    rule = ("If it gained a new required parameter, which functions and methods call it directly and would break? "
            f"Include test functions. {WHO_CALLS} Answer with the list of their qualified names.")
    if variant == "literal":
        text = f"Consider `{qual}`. {rule}"
    else:
        desc = describe(index, d)
        if desc is None:
            return None
        text = f"Consider {desc}. {rule}"
    reads = [ToolCall(name="find_references", arguments={"name": d.name})]
    return Question("callers", variant, key, text, callers, spans, reads)


# kinds that need the code followed across files (see :mod:`.reasoning`)
REASONING_KINDS = ("return_value", "impact", "argument")
BUILDERS = {"definition": build_definition, "call_chain": build_call_chain, "setting": build_setting,
            "callers": build_callers}


def question_keys(index: CodeIndex, kind: str, hops: int = 3,
                  files: dict[str, str] | None = None) -> list[tuple[Any, ...]]:
    """Every key a question of ``kind`` can be asked about in ``index`` (sorted, deterministic). The run-based
    kinds find the literal calls of real code in ``files`` (the texts ``index`` was built from), when given."""
    if kind == "definition":
        return definition_keys(index)
    if kind == "call_chain":
        return call_chain_keys(index, hops)
    if kind == "setting":
        return setting_keys(index)
    if kind == "dispatch":
        from locogym.scenarios.repo import dispatch, go_dispatch, ts_dispatch

        return (dispatch.dispatch_keys(index, files) + go_dispatch.dispatch_keys(index, files)
                + ts_dispatch.dispatch_keys(index, files))
    if kind in REASONING_KINDS:
        from locogym.scenarios.repo import reasoning  # builds on this module's pieces

        if kind == "impact":
            return reasoning.impact_keys(index)
        if kind == "return_value":
            return reasoning.return_value_keys(index, files) + _go_run_keys(index, kind, files)
        return reasoning.argument_keys(index, files) + _go_run_keys(index, kind, files)
    return callers_keys(index)


# ---------------------------------------------------------------------------------------------- Go hooks
def _go_run_keys(index: CodeIndex, kind: str, files: dict[str, str] | None) -> list[tuple[Any, ...]]:
    """Go ``return_value`` / ``argument`` keys (:mod:`.go_run_questions`): calls built and run, sandboxed."""
    if files is None or not any(p.endswith(".go") for p in index.facts):
        return []
    from locogym.scenarios.repo import go_run_questions

    return go_run_questions.value_keys(index, files) if kind == "return_value" else \
        go_run_questions.argument_keys(index, files)


def _go_build(index: CodeIndex, key: tuple[Any, ...], variant: str, files: dict[str, str]) -> Question | None:
    from locogym.scenarios.repo import go_run_questions

    builder = go_run_questions.build_value if key[0] == "return_value" else go_run_questions.build_argument
    return builder(index, key, variant, files)


def build(index: CodeIndex, key: tuple[Any, ...], variant: str, files: dict[str, str]) -> Question | None:
    """The question of ``key`` answered on ``index`` (``None`` when it cannot be asked there)."""
    if key[0] == "dispatch":
        from locogym.scenarios.repo import dispatch, go_dispatch, ts_dispatch

        if ".go::" in str(key[1]):
            return go_dispatch.build_dispatch(index, key, variant, files)
        if "::" in key[1]:  # a TS/JS class (Python names have no path)
            return ts_dispatch.build_dispatch(index, key, variant, files)
        return dispatch.build_dispatch(index, key, variant, files)
    if key[0] in {"return_value", "argument"} and ".go::" in str(key[1]):
        return _go_build(index, key, variant, files)
    if key[0] in REASONING_KINDS:
        from locogym.scenarios.repo import reasoning  # builds on this module's pieces

        builders = {"return_value": reasoning.build_return_value, "impact": reasoning.build_impact,
                    "argument": reasoning.build_argument}
        return builders[key[0]](index, key, variant, files)
    return BUILDERS[key[0]](index, key, variant, files)


def pick(index: CodeIndex, kind: str, variant: str, files: dict[str, str], rng: random.Random, hops: int = 3,
         limit: int = 64) -> list[Question]:
    """Up to ``limit`` buildable questions of ``kind``, in a seeded random order."""
    keys = question_keys(index, kind, hops, files)
    rng.shuffle(keys)
    out = []
    for key in keys:
        q = build(index, key, variant, files)
        if q is not None:
            out.append(q)
            if len(out) >= limit:
                break
    return out
