"""The differential oracle: the patched function must behave like the original on inputs no test quotes.

Tests check a handful of inputs; a patch can pass them by special-casing exactly those (``if value == 85:
return 521``), by answering with the value a test expects, or by returning an object that claims to equal
anything. For every injected defect the gym knows the original function, so grading compares behaviours
directly, in two processes that never see each other's results (the programs are in
:mod:`~locogym.scenarios.defects.differential_child`):

1. **Reference**, on the pristine project, before any of the agent's code is in the sandbox: the original
   function's code replaces the defective one's, the defect's tests run with a profiler that pickles the
   arguments of every call (the function's own test inputs), a seeded standard-library mutator derives nearby
   inputs (integers ±1, doubled, negated; strings emptied, extended, reversed; sequences shortened, extended,
   reversed; flags flipped; one argument at a time), and the original and the defective function (as the task
   shipped it) are called on each, under a time limit. An input on which the original does not agree with
   itself (randomness, time, identity) or runs past the limit is dropped; an input *reveals* the defect when
   the defective function answers it differently.
2. **Patched**, after the graded test run, in a process of its own: it receives only the inputs, calls
   whatever the patch put at the function's name (a function, a callable object, a ``*args`` wrapper alike),
   and reports its answers.

Every answer crosses the process boundary in canonical plain form (exact builtin types; objects by type name
and attributes, never by their own ``__eq__``): the value, the exception type, and the arguments afterwards
(for functions that work in place). The grader compares the forms. A patch fails for a defect when it answers
a revealing input unlike the original, or gives no answer (its process died, hung, or lost the function). A
difference on an input that does not reveal the defect (an equivalent rewrite that treats out-of-domain input
differently) is recorded, not failed.

Whether a defect can be judged depends on the reference alone, which runs no code of the agent's: a function
the reference cannot rebuild or never sees called, or whose inputs reveal nothing, is ``unchecked`` whatever
the patch does, and its credit then rests on the hidden tests alone
(:mod:`~locogym.scenarios.defects.verdict`).
"""

from __future__ import annotations

import ast
import secrets
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import orjson
from pydantic import BaseModel, Field

from locogym.sandboxes.base import Sandbox
from locogym.scenarios.defects.differential_child import PATCHED, REFERENCE
from locogym.scenarios.defects.sealed import exec_untrusted
from locogym.scenarios.defects.testrun import sandbox_python

DEFAULT_MAX_INPUTS = 80
CALL_TIMEOUT_S = 2.0
MAX_CAPTURED = 40
MAX_INPUT_BYTES = 16 * 1024
CHECK_TIMEOUT_S = 120.0
_ENV = {"PYTHONHASHSEED": "0", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


class DifferentialTarget(BaseModel):
    """One defective function to check: where it lives and the source of its original definition."""

    id: str
    module: str
    qualname: str
    original: str  # the original ``def`` (decorators removed, dedented)
    defective: str  # the same ``def`` with the defect, as the task shipped it
    decorated: bool  # the original had decorators: compare the functions underneath them
    seed: int = 0


class DifferentialVerdict(BaseModel):
    """What the differential check found for one defect."""

    id: str
    status: Literal["checked", "unchecked"]  # unchecked: the reference could not judge this defect
    reason: str = ""
    captured: int = 0
    checked: int = 0  # inputs on which the original gave a stable result in time
    revealing: int = 0  # of those, inputs on which the defective function differs from the original
    still_defective: int = 0  # revealing inputs on which the patched function differs from the original
    elsewhere: int = 0  # other inputs on which the patched function differs from the original (recorded only)
    examples: list[str] = Field(default_factory=list)

    @property
    def defect_remains(self) -> bool:
        """The patched function still behaves unlike the original where the defect shows."""
        return self.still_defective > 0


class ReferenceInput(BaseModel):
    """One input the reference judged: its pickle, where it came from, and the original's plain answer."""

    data: str  # base64 of the pickled (args, kwargs)
    origin: Literal["test", "mutated"]
    expect: Any  # the original's answer in plain form
    revealing: bool  # the defective function answers it differently
    shown: str  # the call, for the verdict's examples


class Reference(BaseModel):
    """What the reference established for one defect, before any of the agent's code ran."""

    target: DifferentialTarget
    reason: str = ""
    captured: int = 0
    inputs: list[ReferenceInput] = Field(default_factory=list)
    reported: bool = True  # False: the reference program stopped before reporting on this target

    @property
    def judgeable(self) -> bool:
        return any(i.revealing for i in self.inputs)


def module_name(path: str) -> str:
    """``calc/core.py`` -> ``calc.core``; ``src/pkg/__init__.py`` -> ``pkg`` (src layouts import from ``src``)."""
    stem = path.removeprefix("src/").removesuffix(".py").removesuffix("/__init__")
    return stem.replace("/", ".")


def original_definition(text: str, qualname: str) -> tuple[str, bool] | None:
    """(source of the ``def`` without decorators, dedented; whether it had decorators) for a module-level
    function or method named by ``qualname``; None for nested functions, for methods that cannot be compiled
    outside their class body, or when it cannot be found."""
    if "<locals>" in qualname:
        return None
    node = find_definition(text, qualname)
    if not isinstance(node, ast.FunctionDef) or not _rebuildable(node, method="." in qualname):
        return None
    lines = text.splitlines(keepends=True)[node.lineno - 1:node.end_lineno]
    return textwrap.dedent("".join(lines)), bool(node.decorator_list)


def find_definition(text: str, qualname: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The ``def`` node of a module-level function or of a method (``Class.name``, nested classes alike)."""
    try:
        body: list[ast.stmt] = ast.parse(text).body
    except (SyntaxError, ValueError):
        return None
    *owners, name = qualname.split(".")
    for owner in owners:
        found = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == owner), None)
        if found is None:
            return None
        body = found.body
    return next((n for n in body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name), None)


def _rebuildable(node: ast.FunctionDef, method: bool) -> bool:
    """Whether the definition compiles to the same function outside its class body."""
    if any(isinstance(n, ast.Name) and n.id == "super" for n in ast.walk(node)):
        return False  # zero-argument super() needs the class cell of the original class body
    return not (method and any(isinstance(n, ast.Attribute) and n.attr.startswith("__")
                               and not n.attr.endswith("__") for n in ast.walk(node)))  # mangled private names


def run_reference(sandbox: Sandbox, targets: list[DifferentialTarget], tests: Iterable[str], *,
                  import_roots: Iterable[str] = (".",), args: Sequence[str] = (),
                  timeout: float = CHECK_TIMEOUT_S, max_inputs: int = DEFAULT_MAX_INPUTS) -> list[Reference]:
    """The reference step on the sandbox's workspace, which must hold the pristine project (see the module
    docstring); ``args`` pin pytest's configuration. A target the reference did not report on comes back with
    no inputs and the reason (not judgeable).

    Raises:
        SandboxUnavailable: the sandbox is gone.
    """
    if not targets:
        return []
    request = {"tests": sorted(set(tests)), "args": list(args), "targets": [t.model_dump() for t in targets],
               "max_inputs": max_inputs, "max_captured": MAX_CAPTURED, "call_timeout": CALL_TIMEOUT_S,
               "max_input_bytes": MAX_INPUT_BYTES, "preload": ["pytest"]}
    lines, why = _converse(sandbox, REFERENCE, request, import_roots, timeout)
    found: dict[str, Reference] = {}
    by_id = {t.id: t for t in targets}
    for words in lines:
        if len(words) == 2 and words[0] == "target":
            doc = orjson.loads(words[1])
            target = by_id.get(doc.get("id"))
            if target is not None:
                found.setdefault(target.id, Reference(target=target, reason=doc["reason"],
                                                      captured=doc["captured"], inputs=doc["inputs"]))
    return [found.get(t.id) or Reference(target=t, reason=why, reported=False) for t in targets]


def judge_patch(sandbox: Sandbox, references: list[Reference], *, import_roots: Iterable[str] = (".",),
                timeout: float = CHECK_TIMEOUT_S) -> list[DifferentialVerdict]:
    """Call the patched project's function on each reference's inputs in a process of its own and compare the
    plain answers with the original's (see the module docstring).

    Raises:
        SandboxUnavailable: the sandbox is gone.
    """
    judged = [r for r in references if r.judgeable]
    answers: dict[tuple[str, int], Any] = {}
    if judged:
        request = {"call_timeout": CALL_TIMEOUT_S, "targets": [
            {**r.target.model_dump(include={"id", "module", "qualname", "decorated"}),
             "inputs": [i.data for i in r.inputs]} for r in judged]}
        lines, _ = _converse(sandbox, PATCHED, request, import_roots, timeout)
        for words in lines:
            if words[0] == "answer" and len(words) == 2:
                ident, _, rest = words[1].partition(" ")
                index, _, form = rest.partition(" ")
                if index.isdigit():
                    answers.setdefault((ident, int(index)), _loads(form))
    return [_verdict(r, answers) if r.judgeable else
            DifferentialVerdict(id=r.target.id, status="unchecked", captured=r.captured,
                                checked=len(r.inputs),
                                reason=r.reason or "no input told the original from the defective function")
            for r in references]


def _verdict(reference: Reference, answers: dict[tuple[str, int], Any]) -> DifferentialVerdict:
    verdict = DifferentialVerdict(id=reference.target.id, status="checked", captured=reference.captured,
                                  checked=len(reference.inputs))
    for index, case in enumerate(reference.inputs):
        verdict.revealing += case.revealing
        got = answers.get((reference.target.id, index), ["no answer"])
        if got == case.expect:
            continue
        if not case.revealing:
            verdict.elsewhere += 1
            continue
        verdict.still_defective += 1
        if len(verdict.examples) < 3:
            verdict.examples.append(f"{case.shown} [{case.origin} input]: original {_brief(case.expect)}, "
                                    f"patched {_brief(got)}")
    return verdict


def _brief(form: Any) -> str:
    return orjson.dumps(form[:2] if isinstance(form, list) else form).decode()[:120]


def _loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return ["unreadable"]


def _converse(sandbox: Sandbox, program: str, request: dict[str, Any], import_roots: Iterable[str],
              timeout: float) -> tuple[list[list[str]], str]:
    """Run one of the programs over a sealed channel: (its lines with the token, as [word, rest]; why it
    stopped early, for the targets it did not report on)."""
    token = secrets.token_hex(16)
    request = {**request, "token": token, "fd": 100 + secrets.randbelow(800), "path": list(import_roots)}
    result = exec_untrusted(sandbox, [sandbox_python(sandbox), "-P", "-s", "-B", "-c", program],
                            timeout=timeout, env=_ENV, stdin=orjson.dumps(request) + b"\n")
    lines = []
    for line in (result.stdout if result is not None else "").splitlines():
        head, _, rest = line.partition(" ")
        if secrets.compare_digest(head, token):
            word, _, value = rest.partition(" ")
            lines.append([word, value] if value else [word])
    if result is None:
        return lines, "the checker's process took its sandbox's server down"
    if result.timed_out:
        return lines, "the check ran past its time limit"
    return lines, "the checker stopped before reporting"
