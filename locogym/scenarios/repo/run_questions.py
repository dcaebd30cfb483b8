"""``return_value`` and ``argument`` questions on real Python code: calls the project itself suggests, run.

Generated projects are asked about ``f(value: int) -> int`` functions (:mod:`.reasoning`). Real code is asked
about the calls :mod:`.literal_calls` finds — literal arguments the project writes, defaults, annotations — of
top-level functions. Every candidate call of a tree is run (:mod:`.literal_runs`); one is asked about when it
ran the same twice through at most :data:`MAX_RAN` project functions; ``return_value`` asks it when its value is
plain and no guess finds it (not a bool, not an argument handed back). The evidence is what ran: every project
function the call went through, noted by a trace hook, so no call on the way needs to be resolved statically.
``argument`` asks the first argument a function or method got on the way (a method's first after ``self``),
whatever the call's own value: of one reached only through another function, or of one the start calls itself
with a value it works out.

Keys: ``("return_value", qualname, args)`` and ``("argument", start, target, args)``, with ``args`` a tuple
(a generated project's keys carry one integer instead).
"""

from __future__ import annotations

import ast
import functools
import platform
import re
import sys
import weakref
from typing import Any

from locogym.scenarios.repo import literal_calls, literal_runs, ran_code
from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.question_base import Question, askable, describe, reads_for

MAX_RAN = 10  # project functions a call may go through: enough to cross files, few enough to follow by reading
MAX_LINES = 200  # lines of those functions together
_OUTCOMES: weakref.WeakKeyDictionary[CodeIndex, dict[tuple[str, tuple[Any, ...]], literal_runs.Outcome]] = \
    weakref.WeakKeyDictionary()
# call -> (the text of each function that ran, the outcome) for every tree it was run on in this process
_REMEMBERED: dict[literal_runs.Call, list[tuple[dict[str, str], literal_runs.Outcome]]] = {}
_DUNDER = re.compile(r"^__\w+__$")
_VALUE_RULE = (
    "Answer with the value as a Python literal (a number, a quoted string, True or False; a tuple or list as a "
    "Python tuple or list)."
)
_FOLLOW = (
    "On the way it runs other functions of this project: follow every call (a call of a nested or local "
    "function runs that function's body too)."
)
_ALONE = "Work it out from its code and the module it is in."


def call_text(qual: str, args: tuple[Any, ...]) -> str:
    """The call as Python source: ``pkg.mod.f(3, 'utf-8')``."""
    return f"{qual}({', '.join(repr(a) for a in args)})"


def _with_args(args: tuple[Any, ...]) -> str:
    if not args:
        return "with no arguments"
    return f"with the argument {args[0]!r}" if len(args) == 1 else \
        f"with the arguments {', '.join(repr(a) for a in args)}"


def _call(index: CodeIndex, qual: str, args: tuple[Any, ...]) -> literal_runs.Call:
    return qual.rpartition(".")[0], index.definitions[qual].name, tuple(args)


def _readable(qual: str, outcome: literal_runs.Outcome) -> bool:
    """The call ran ``qual`` through few enough project functions, and lines, to follow by reading."""
    ran = outcome[2]
    return 1 <= len(ran) <= MAX_RAN and sum(last - first + 1 for _, first, last, _ in ran) <= MAX_LINES and \
        any(name == qual for _, _, _, name in ran)


@functools.lru_cache(maxsize=1)
def _host_facts() -> tuple[str, ...]:
    """How this machine spells its interpreter's and C library's versions, its platform and architecture."""
    info = sys.version_info
    facts = {platform.python_version(), f"{info.major}.{info.minor}", sys.platform, platform.machine(),
             repr(tuple(info)), repr(tuple(info)[:3]), repr(list(info)), repr(list(info)[:3])}
    libc = platform.libc_ver()[1]
    return tuple(sorted(f for f in facts | {libc} if f))


def host_bound(value: Any) -> bool:
    """Whether a value spells a fact of the machine the code ran on (the interpreter's or the C library's
    version, the platform): the code reads it from the host, so its files alone do not give it."""
    shown = repr(value)
    text = value if isinstance(value, str) else shown
    return any(fact == text or fact == shown or (len(fact) > 3 and fact in text) for fact in _host_facts())


def _askable_value(args: tuple[Any, ...], outcome: literal_runs.Outcome) -> bool:
    """The call's value is an answer no guess finds and the files give: plain, not a bool (a coin would be
    right half the time), not one of its arguments handed back, and no fact of the host (:func:`host_bound`)."""
    value = outcome[0]
    if not literal_runs.plain(value) or isinstance(value, bool) or host_bound(value):
        return False
    return not any(value == a and type(value) is type(a) for a in args)




def outcomes(index: CodeIndex, files: dict[str, str]) -> dict[tuple[str, tuple[Any, ...]], literal_runs.Outcome]:
    """(function, arguments) -> what the call gave, for every literal call of the project that ran alike twice on
    ``files`` through code short enough to read (its value may be no answer: see :func:`_askable_value`); each
    is remembered with the text of the functions that ran. Computed once per index."""
    cached = _OUTCOMES.get(index)
    if cached is not None:
        return cached
    candidates = [(qual, args) for qual, calls in literal_calls.literal_calls(index, files).items()
                  if askable(index, qual) for args in calls]
    calls = [_call(index, qual, args) for qual, args in candidates]
    ran = literal_runs.run_calls(files, calls) if calls else {}
    found = {}
    for (qual, args), call in zip(candidates, calls, strict=True):
        signature = ran_code.signature(index, files, [r[3] for r in ran[call][2]]) if call in ran else None
        if signature is not None and _readable(qual, ran[call]):
            if (signature, ran[call]) not in _REMEMBERED.setdefault(call, []):
                _REMEMBERED[call].append((signature, ran[call]))
            found[(qual, args)] = ran[call]
    _OUTCOMES[index] = found
    return found


def _outcome(index: CodeIndex, qual: str, args: tuple[Any, ...], files: dict[str, str]) -> literal_runs.Outcome | None:
    """One call's outcome: remembered from a tree where every function that ran reads the same as in ``files``
    (a working set, an excerpt), else run on ``files``."""
    call = _call(index, qual, args)
    for signature, outcome in _REMEMBERED.get(call, []):
        if ran_code.reads_the_same(index, files, signature):
            return outcome
    return outcomes(index, files).get((qual, tuple(args)))


def literal_value_keys(index: CodeIndex, files: dict[str, str]) -> list[tuple[Any, ...]]:
    return [("return_value", qual, args) for (qual, args), outcome in sorted(outcomes(index, files).items(),
                                                                             key=repr)
            if _askable_value(args, outcome)]


def literal_argument_keys(index: CodeIndex, files: dict[str, str]) -> list[tuple[Any, ...]]:
    """(start, target, args): a project function or method the call reaches whose first argument there (after
    ``self``/``cls``) was plain and is not in sight at the start: reached only through another function, or
    called by the start itself with a value it computes (see :func:`_route`)."""
    keys = []
    for (start, args), outcome in sorted(outcomes(index, files).items(), key=repr):
        keys += [("argument", start, target, args) for target in sorted(outcome[1])
                 if _route(index, files, start, target, args, outcome) is not None]
    return keys


def asked_parameter(index: CodeIndex, target: str) -> str | None:
    """The parameter an ``argument`` question asks about: the first, or a method's first after ``self``/``cls``
    (the one the run notes)."""
    params = list(index.definitions[target].params)
    if index.definitions[target].kind == "method" and params[:1] in (["self"], ["cls"]):
        params = params[1:]
    return params[0] if params and params[0].isidentifier() else None


def _inputs(index: CodeIndex, files: dict[str, str], start: str, args: tuple[Any, ...]) -> list[Any]:
    """What the start's parameters hold when it is called with ``args``: those, then the literal defaults of the
    parameters left out."""
    d = index.definitions[start]
    try:
        node = ast.parse("\n".join(files[d.path].splitlines()[d.line - 1:d.end_line]).strip())
    except (SyntaxError, ValueError, RecursionError, MemoryError, KeyError):
        return list(args)
    func = node.body[0] if node.body and isinstance(node.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)) else None
    defaults = [*func.args.defaults, *(k for k in func.args.kw_defaults if k is not None)] if func else []
    out = list(args)
    for default in defaults:
        try:
            out.append(ast.literal_eval(default))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return out


def _route(index: CodeIndex, files: dict[str, str], start: str, target: str, args: tuple[Any, ...],
           outcome: literal_runs.Outcome) -> str | None:
    """How the start's call gets to ``target`` when its argument there is a question — a value no guess finds
    (not a bool, not one of the start's own arguments): ``"through"`` (only through other project functions),
    ``"direct"`` (the start calls it with a value it works out, not a literal written in it), else ``None``."""
    name = index.definitions[target].name
    if target == start or target not in outcome[1] or not askable(index, target) or \
            asked_parameter(index, target) is None or (_DUNDER.match(name) and name != "__init__"):
        return None  # a special method other than ``__init__`` is called by the interpreter, not the code
    value = outcome[1][target]
    if isinstance(value, bool) or host_bound(value) or \
            any(value == a and type(value) is type(a) for a in _inputs(index, files, start, args)):
        return None  # a coin's guess, a fact of the host, or one of the start's own arguments handed on
    if start not in outcome[3].get(target, []):
        return "through"
    d = index.definitions[start]
    body = "\n".join(files.get(d.path, "").splitlines()[d.line - 1:d.end_line])
    return None if repr(value) in body or (isinstance(value, str) and value in body) else "direct"


def _spans(index: CodeIndex, outcome: literal_runs.Outcome) -> list[tuple[str, int, int]]:
    """Where the functions that ran are in this index's files (an excerpt moves them)."""
    return sorted({(index.definitions[q].path, index.definitions[q].line, index.definitions[q].end_line)
                   for _, _, _, q in outcome[2]})


def build_literal_value(index: CodeIndex, key: tuple[Any, ...], variant: str,
                        files: dict[str, str]) -> Question | None:
    _, qual, args = key
    d = index.definitions.get(qual)
    if d is None or not askable(index, qual) or d.parent is not None:
        return None
    found = _outcome(index, qual, tuple(args), files)
    if found is None or not _askable_value(tuple(args), found):
        return None
    how = _FOLLOW if len(found[2]) > 1 else _ALONE
    if variant == "literal":
        text = f"What does `{call_text(qual, tuple(args))}` return? {how} {_VALUE_RULE}"
    else:
        desc = describe(index, d)
        if desc is None:
            return None
        text = f"Call {desc} {_with_args(tuple(args))}. What does it return? {how} {_VALUE_RULE}"
    spans = _spans(index, found)
    return Question("return_value", variant, key, text, found[0], spans, reads_for(spans, pad=0))


def build_literal_argument(index: CodeIndex, key: tuple[Any, ...], variant: str,
                           files: dict[str, str]) -> Question | None:
    _, start, target, args = key
    d, t = index.definitions.get(start), index.definitions.get(target)
    if d is None or t is None or not askable(index, start) or d.parent is not None:
        return None
    found = _outcome(index, start, tuple(args), files)
    route = None if found is None else _route(index, files, start, target, tuple(args), found)
    if found is None or route is None:
        return None
    how = "It gets there only through other functions of this project." if route == "through" else \
        "It calls it itself, with a value it works out."
    rule = (f"{how} What is the value of its parameter `{asked_parameter(index, target)}` the first time it is "
            f"called? {_VALUE_RULE}")
    if variant == "literal":
        text = f"When `{call_text(start, tuple(args))}` runs, it calls `{target}` on the way. {rule}"
    else:
        start_desc, target_desc = describe(index, d), describe(index, t)
        if start_desc is None or target_desc is None:
            return None
        text = f"When {start_desc} is called {_with_args(tuple(args))}, it calls {target_desc} on the way. {rule}"
    spans = _spans(index, found)
    return Question("argument", variant, key, text, found[1][target], spans, reads_for(spans, pad=0))
