"""``return_value`` and ``argument`` questions on TypeScript/JavaScript code: calls the project suggests, run.

The calls are those :mod:`.ts_calls` finds (literal arguments the project writes, defaults, ``number``/``string``
/``boolean`` annotations) of the functions modules export; they run under node, sandboxed, twice
(:mod:`.ts_node`). A call is asked about when it gave a plain value, the same twice, that no guess finds (not a
boolean, not an argument handed back), through at most :data:`MAX_RAN` project functions. The evidence is what
ran: every function (or method) of the index a probe saw entered — a callback or a local arrow function counts as
the named function around it — so no call on the way needs to be resolved statically. A function entered that
is in no named function (module-level code called back) makes the call unaskable: its code would not be shown.

Keys: ``("return_value", "path::name", args)`` and ``("argument", start, target, args)``, ``args`` a tuple.
Without node, the ``typescript`` package or a sandbox, nothing is asked (:func:`availability` says why).
"""

from __future__ import annotations

import json
import re
import weakref
from typing import Any

from locogym.scenarios.repo import ran_code, ts_calls, ts_node
from locogym.scenarios.repo.index import CodeIndex, Definition
from locogym.scenarios.repo.question_base import Question, askable, describe, reads_for

MAX_RAN = 10
MAX_LINES = 200
# the value; the first argument of each function entered (by qualified name, plain values only); the functions
# that ran as (path, first line, last line, qualified name)
Outcome = tuple[Any, dict[str, Any], list[tuple[str, int, int, str]]]
_OUTCOMES: weakref.WeakKeyDictionary[CodeIndex, dict[tuple[str, tuple[Any, ...]], Outcome]] = \
    weakref.WeakKeyDictionary()
_REMEMBERED: dict[ts_node.Call, list[tuple[dict[str, str], Outcome]]] = {}
_BY_PATH: weakref.WeakKeyDictionary[CodeIndex, dict[str, list[Definition]]] = weakref.WeakKeyDictionary()
VALUE_RULE = ("Answer with the value as a JSON literal (a number, a quoted string, true or false; an array as a "
              "JSON array).")
_FOLLOW = ("On the way it runs other functions of this project: follow every call (a callback, a local arrow "
           "function or a method that is called runs its body too).")
_ALONE = "Work it out from its code and the module it is in."


def availability() -> dict[str, str]:
    """What a task discloses about the runs: the node and typescript versions, or why the run-based kinds are
    not asked on TS/JS here (``missing``)."""
    return ts_node.toolchain()


def js_args(args: tuple[Any, ...]) -> str:
    return ", ".join(json.dumps(a) for a in args)


def _with_args(args: tuple[Any, ...]) -> str:
    if not args:
        return "with no arguments"
    return f"with the argument {js_args(args)}" if len(args) == 1 else f"with the arguments {js_args(args)}"


def _functions_of(index: CodeIndex, path: str) -> list[Definition]:
    by_path = _BY_PATH.get(index)
    if by_path is None:
        by_path = {}
        for d in index.definitions.values():
            if d.kind in {"function", "method"}:
                by_path.setdefault(d.path, []).append(d)
        _BY_PATH[index] = by_path
    return by_path.get(path, [])


def owner(index: CodeIndex, path: str, first: int, last: int) -> tuple[str, bool] | None:
    """The named function a probe's (first, last) lines belong to, and whether it is that function itself (the
    same last line, its name within the decorator lines above) rather than a callback inside it."""
    defs = _functions_of(index, path)
    exact = [d for d in defs if d.end_line == last and first <= d.line <= first + 3]
    if len(exact) == 1:
        d = exact[0]
    else:
        around = [d for d in defs if d.line <= first and last <= d.end_line]
        if not around:
            return None
        d = max(around, key=lambda x: (x.line, -x.end_line))
    return (d.qualname, bool(exact)) if askable(index, d.qualname) else None


def _mapped(index: CodeIndex, raw: ts_node.RawOutcome) -> Outcome | None:
    """A run's outcome in the index's names (``None`` when a function that ran is in none)."""
    value, firsts, entered = raw
    ran: dict[str, tuple[str, int, int, str]] = {}
    named: dict[str, Any] = {}
    for path, first, last in entered:
        found = owner(index, path, first, last)
        if found is None:
            return None
        qual, itself = found
        d = index.definitions[qual]
        ran.setdefault(qual, (d.path, d.line, d.end_line, qual))
        where = f"{path}:{first}:{last}"
        if itself and where in firsts and qual not in named:
            named[qual] = firsts[where]
    return value, named, sorted(ran.values())


def _askable_outcome(qual: str, args: tuple[Any, ...], outcome: Outcome) -> bool:
    value, _, ran = outcome
    if _handed_on(value, args):
        return False
    return 1 <= len(ran) <= MAX_RAN and sum(last - first + 1 for _, first, last, _ in ran) <= MAX_LINES and \
        any(name == qual for _, _, _, name in ran)




def _call(index: CodeIndex, qual: str, args: tuple[Any, ...]) -> ts_node.Call:
    d = index.definitions[qual]
    return d.path, d.name, tuple(args)


def outcomes(index: CodeIndex, files: dict[str, str]) -> dict[tuple[str, tuple[Any, ...]], Outcome]:
    """(function, arguments) -> what the call gave, for every suggested call that ran alike twice on ``files``
    and is askable; each is remembered with the text of the functions that ran. Computed once per index."""
    cached = _OUTCOMES.get(index)
    if cached is not None:
        return cached
    candidates = [(qual, args) for qual, calls in ts_calls.literal_calls(index, files).items() for args in calls]
    calls = [_call(index, qual, args) for qual, args in candidates]
    ran = ts_node.run_calls(files, calls) if calls else {}
    found = {}
    for (qual, args), call in zip(candidates, calls, strict=True):
        outcome = _mapped(index, ran[call]) if call in ran else None
        signature = ran_code.signature(index, files, [r[3] for r in outcome[2]]) if outcome else None
        if outcome is not None and signature is not None and _askable_outcome(qual, args, outcome):
            if (signature, outcome) not in _REMEMBERED.setdefault(call, []):
                _REMEMBERED[call].append((signature, outcome))
            found[(qual, args)] = outcome
    _OUTCOMES[index] = found
    return found


def _outcome(index: CodeIndex, qual: str, args: tuple[Any, ...], files: dict[str, str]) -> Outcome | None:
    """One call's outcome: remembered from a tree where every function that ran reads the same as in ``files``
    (a working set, an excerpt), else run on ``files``."""
    if qual not in index.definitions:
        return None
    for signature, outcome in _REMEMBERED.get(_call(index, qual, args), []):
        if ran_code.reads_the_same(index, files, signature):
            return outcome
    return outcomes(index, files).get((qual, tuple(args)))


def is_ts(index: CodeIndex, qual: str) -> bool:
    d = index.definitions.get(qual)
    facts = index.facts.get(d.path) if d is not None else None
    return facts is not None and facts.language in ts_calls.LANGUAGES


def value_keys(index: CodeIndex, files: dict[str, str]) -> list[tuple[Any, ...]]:
    return [("return_value", qual, args) for qual, args in sorted(outcomes(index, files), key=repr)]


def _calls_by_name(files: dict[str, str], d: Definition, name: str) -> bool:
    """Whether ``d``'s own text writes a call of ``name`` (so the question's "only through other functions"
    would not hold even if the index left that call unresolved)."""
    body = "\n".join(files.get(d.path, "").splitlines()[d.line - 1:d.end_line])
    return re.search(rf"(?<![\w$]){re.escape(name)}\s*(<[^()]*>)?\s*\(", body) is not None


def argument_keys(index: CodeIndex, files: dict[str, str]) -> list[tuple[Any, ...]]:
    """(start, target, args): a named function the call enters only through another one, whose first argument
    there was plain."""
    keys = []
    for (start, args), (_, firsts, _) in sorted(outcomes(index, files).items(), key=repr):
        keys += [("argument", start, target, args) for target in sorted(firsts)
                 if _argument_target(index, files, start, target) and not _handed_on(firsts[target], args)]
    return keys


def _handed_on(value: Any, args: tuple[Any, ...]) -> bool:
    """Whether ``value`` is one of the call's own arguments (a guess finds it) or a boolean (a coin does)."""
    return isinstance(value, bool) or any(value == a and type(value) is type(a) for a in args)


def _argument_target(index: CodeIndex, files: dict[str, str], start: str, target: str) -> bool:
    t = index.definitions.get(target)
    return t is not None and target != start and askable(index, target) and bool(t.params) and \
        target not in index.callees(start) and not _calls_by_name(files, index.definitions[start], t.name)


def _flags(files: dict[str, str], spans: list[tuple[str, int, int]]) -> str:
    """What the run assumed of a build flag the evidence reads (``__DEV__``, which bundlers replace)."""
    if any("__DEV__" in files.get(path, "") for path, _, _ in spans):
        return "The build flag `__DEV__` is true. "
    return ""


def _spans(outcome: Outcome, index: CodeIndex) -> list[tuple[str, int, int]]:
    return sorted({(index.definitions[q].path, index.definitions[q].line, index.definitions[q].end_line)
                   for _, _, _, q in outcome[2]})


def build_value(index: CodeIndex, key: tuple[Any, ...], variant: str, files: dict[str, str]) -> Question | None:
    _, qual, args = key
    found = _outcome(index, qual, tuple(args), files) if askable(index, qual) else None
    if found is None:
        return None
    d = index.definitions[qual]
    spans = _spans(found, index)
    how = _flags(files, spans) + (_FOLLOW if len(found[2]) > 1 else _ALONE)
    if variant == "literal":
        text = (f"The module `{d.path}` exports the function `{d.name}`. What does the call "
                f"`{d.name}({js_args(tuple(args))})` return? {how} {VALUE_RULE}")
    else:
        desc = describe(index, d)
        if desc is None:
            return None
        text = f"Call {desc} {_with_args(tuple(args))}. What does it return? {how} {VALUE_RULE}"
    return Question("return_value", variant, key, text, found[0], spans, reads_for(spans, pad=0))


def build_argument(index: CodeIndex, key: tuple[Any, ...], variant: str, files: dict[str, str]) -> Question | None:
    _, start, target, args = key
    if not askable(index, start) or not _argument_target(index, files, start, target):
        return None
    found = _outcome(index, start, tuple(args), files)
    if found is None or target not in found[1] or _handed_on(found[1][target], tuple(args)):
        return None
    d, t = index.definitions[start], index.definitions[target]
    spans = _spans(found, index)
    rule = (f"{_flags(files, spans)}It gets there only through other functions of this project. What is the "
            f"value of its first parameter, `{t.params[0]}`, the first time it is called? {VALUE_RULE}")
    if variant == "literal":
        text = (f"When the call `{d.name}({js_args(tuple(args))})` of the function `{d.name}` that `{d.path}` "
                f"exports runs, it calls `{target}` on the way. {rule}")
    else:
        start_desc, target_desc = describe(index, d), describe(index, t)
        if start_desc is None or target_desc is None:
            return None
        text = f"When {start_desc} is called {_with_args(tuple(args))}, it calls {target_desc} on the way. {rule}"
    return Question("argument", variant, key, text, found[1][target], spans, reads_for(spans, pad=0))
