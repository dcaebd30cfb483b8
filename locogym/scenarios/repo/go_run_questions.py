"""``return_value`` and ``argument`` questions on real Go code: calls the project suggests, built and run.

The calls come from :mod:`.go_calls` (literal calls the project writes, seeded values for basic parameters) and
run sandboxed, twice, through :mod:`.go_runs`. A call is asked about when it gave a plain value the same twice
that no guess finds (not a bool, not an argument handed back), through at most :data:`MAX_RAN` project functions
of at most :data:`MAX_LINES` lines together. The evidence is what ran, read from the coverage profile. An
``argument`` question asks the first argument of a function the call reaches only through another one, as a note
at the start of that function printed it.

Keys are those of the Python questions, with a Go qualified name: ``("return_value", "path.go::F", args)`` and
``("argument", "path.go::F", "path.go::G", args)``. A question built again on a working set or an excerpt reuses
the outcome only when every function that ran, and the rest of its file, reads the same there.
"""

from __future__ import annotations

import weakref
from typing import Any

from locogym.scenarios.repo import go_calls, go_runs, ran_code
from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.question_base import Question, askable, describe, reads_for

MAX_RAN = 10
MAX_LINES = 200
_OUTCOMES: weakref.WeakKeyDictionary[CodeIndex, dict[go_runs.Call, go_runs.Outcome]] = weakref.WeakKeyDictionary()
_REMEMBERED: dict[go_runs.Call, list[tuple[dict[str, str], go_runs.Outcome]]] = {}
_VALUE_RULE = "Answer with the value as a literal (a number, a double-quoted string, true or false)."
_FOLLOW = ("On the way it runs other functions and methods of this project: follow every call (a function "
           "literal's body runs when it is called).")
_ALONE = "Work it out from its code and the package it is in."


def is_go_key(key: tuple[Any, ...]) -> bool:
    """A run-based key about Go code (its start is a Go qualified name)."""
    return len(key) > 1 and isinstance(key[1], str) and ".go::" in key[1]


def _shape(index: CodeIndex, files: dict[str, str], qual: str) -> go_calls.GoFunc | None:
    path = qual.partition("::")[0]
    return go_calls.all_functions(index, {path: files[path]}).get(qual) if path in files else None


def _call(func: go_calls.GoFunc, args: tuple[Any, ...], named: bool = True) -> str:
    """How the question states the call (without the function's name for a non-literal question), and what a
    result with an error means."""
    source = go_calls.call_source(func, args)
    shown = f"`{source}`" if named else \
        (f"with the arguments `{source[len(func.name) + 1:-1]}`" if args else "with no arguments")
    return f"{shown} (it returns a value and an error; the error is nil here, and the value is asked)" \
        if func.with_error else shown




def _askable_outcome(qual: str, args: tuple[Any, ...], outcome: go_runs.Outcome) -> bool:
    value, _, ran = outcome
    if isinstance(value, bool) or any(value == a and type(value) is type(a) for a in args):
        return False
    return 1 <= len(ran) <= MAX_RAN and sum(last - first + 1 for _, first, last, _ in ran) <= MAX_LINES and \
        any(name == qual for _, _, _, name in ran)


def outcomes(index: CodeIndex, files: dict[str, str]) -> dict[go_runs.Call, go_runs.Outcome]:
    """(function, arguments) -> outcome for every candidate call that ran alike twice and is askable, each
    remembered with the text of the functions that ran. Computed once per index."""
    cached = _OUTCOMES.get(index)
    if cached is not None:
        return cached
    calls = [(qual, args) for qual, found in go_calls.literal_calls(index, files).items()
             if askable(index, qual) for args in found]
    package_of = {p: f.package for p, f in index.facts.items() if p.endswith(".go") and not f.build_constrained}
    ran = go_runs.run_calls(files, go_calls.all_functions(index, files), calls, package_of) if calls else {}
    found = {}
    for call in calls:
        outcome = ran.get(call)
        signature = ran_code.signature(index, files, [r[3] for r in outcome[2]]) if outcome else None
        if outcome is not None and signature is not None and _askable_outcome(call[0], call[1], outcome):
            if (signature, outcome) not in _REMEMBERED.setdefault(call, []):
                _REMEMBERED[call].append((signature, outcome))
            found[call] = outcome
    _OUTCOMES[index] = found
    return found


def _outcome(index: CodeIndex, qual: str, args: tuple[Any, ...], files: dict[str, str]) -> go_runs.Outcome | None:
    """One call's outcome: remembered from a tree where every function that ran reads the same as in ``files``,
    else run on ``files``."""
    for signature, outcome in _REMEMBERED.get((qual, args), []):
        if ran_code.reads_the_same(index, files, signature):
            return outcome
    return outcomes(index, files).get((qual, args))


def value_keys(index: CodeIndex, files: dict[str, str]) -> list[tuple[Any, ...]]:
    return [("return_value", qual, args) for qual, args in sorted(outcomes(index, files), key=repr)]


def argument_keys(index: CodeIndex, files: dict[str, str]) -> list[tuple[Any, ...]]:
    """(start, target, args): a function or method the call reaches only through another one, whose first
    argument there was plain."""
    keys = []
    for (start, args), (_, firsts, _) in sorted(outcomes(index, files).items(), key=repr):
        direct = set(index.callees(start))
        keys += [("argument", start, target, args) for target in sorted(firsts)
                 if target != start and target not in direct and askable(index, target)]
    return keys


def _spans(index: CodeIndex, outcome: go_runs.Outcome) -> list[tuple[str, int, int]]:
    return sorted({(index.definitions[q].path, index.definitions[q].line, index.definitions[q].end_line)
                   for _, _, _, q in outcome[2]})


def _toolchain_note() -> str:
    return f"(The gold is what the code gives when built and run with {go_runs.toolchain()}.)"


def build_value(index: CodeIndex, key: tuple[Any, ...], variant: str, files: dict[str, str]) -> Question | None:
    _, qual, args = key
    d, func = index.definitions.get(qual), _shape(index, files, qual)
    if d is None or func is None or not func.callable or not askable(index, qual):
        return None
    found = _outcome(index, qual, tuple(args), files)
    if found is None:
        return None
    how = _FOLLOW if len(found[2]) > 1 else _ALONE
    if variant == "literal":
        text = f"In `{d.path}`, what does the Go call {_call(func, tuple(args))} return? {how}"
    else:
        desc = describe(index, d)
        if desc is None:
            return None
        text = f"Call {desc} (Go) {_call(func, tuple(args), named=False)}. What does it return? {how}"
    spans = _spans(index, found)
    return Question("return_value", variant, key, f"{text} {_VALUE_RULE} {_toolchain_note()}", found[0], spans,
                    reads_for(spans, pad=0))


def build_argument(index: CodeIndex, key: tuple[Any, ...], variant: str, files: dict[str, str]) -> Question | None:
    _, start, target, args = key
    d, t = index.definitions.get(start), index.definitions.get(target)
    if d is None or t is None or not askable(index, start) or not askable(index, target) or \
            target in index.callees(start):
        return None
    found = _outcome(index, start, tuple(args), files)
    func, called = _shape(index, files, target), _shape(index, files, start)
    if found is None or target not in found[1] or func is None or not func.params or called is None:
        return None
    rule = (f"It gets there only through other functions or methods of this project. What is the value of its "
            f"first parameter, `{func.params[0][0]}`, the first time it is called?")
    if variant == "literal":
        text = (f"When the Go call `{go_calls.call_source(called, tuple(args))}` (of `{d.path}`) runs, it calls "
                f"`{target}` on the way. {rule}")
    else:
        start_desc, target_desc = describe(index, d), describe(index, t)
        if start_desc is None or target_desc is None:
            return None
        text = (f"When {start_desc} (Go) is called {_call(called, tuple(args), named=False)}, it calls "
                f"{target_desc} on the way. {rule}")
    spans = _spans(index, found)
    return Question("argument", variant, key, f"{text} {_VALUE_RULE} {_toolchain_note()}", found[1][target],
                    spans, reads_for(spans, pad=0))
