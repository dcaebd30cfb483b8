"""Disclosing a fix that matches an installed copy of the project under test.

An agent that can import an installed release of the project it is fixing can undo a defect by copying the
function from there. The docker and bwrap image ships no such copy (``UNUSED_PACKAGES`` in
:mod:`locogym.sandboxes.image`); the local backend runs on the host, where one may be installed (``six`` often
is). So, for a patch that earns credit, the grader asks the backend's interpreter where the defective modules'
packages would be imported from once the workspace is out of the way (``python -P``, from the workspace, with
the sandbox's environment: the agent's own), and compares each patched function with the installed copy's.

A match is disclosed, never voided (``labels["installed_copy"]``): an honest fix that restores the original
code is the upstream code, so matching it proves nothing by itself. The label says which installed file
matched, whether that copy's function equals the task's original (then any honest restore would match too) or
differs from it (a copy of another release: the stronger sign), and which of the agent's steps named the
installed file, if any. With an isolating backend nothing is found and nothing is said.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterable

import orjson
from pydantic import BaseModel

from locogym.core.types import StepEvent
from locogym.sandboxes.base import Sandbox
from locogym.scenarios.defects.differential import find_definition, module_name
from locogym.scenarios.defects.gold import PatchGold
from locogym.scenarios.defects.protect import ChangeSplit
from locogym.scenarios.defects.testrun import sandbox_python

FIND_TIMEOUT_S = 30.0
MAX_COPY_BYTES = 4 * 1024 * 1024
_MARK = "LOCOGYM-INSTALLED "

# Where each dotted module would be imported from, without importing it (no code of the package runs), leaving
# out anything under the working folder (the workspace)
_FINDER = r"""
import importlib.util, json, os, sys
request = json.loads(sys.stdin.readline())
here = os.path.realpath(os.getcwd()) + os.sep
found = {}
for module in request["modules"]:
    top, _, rest = module.partition(".")
    try:
        spec = importlib.util.find_spec(top)
    except BaseException:
        continue
    if spec is None or not spec.origin or spec.origin in ("built-in", "frozen"):
        continue
    bases = list(spec.submodule_search_locations or [])
    if not rest:
        paths = [spec.origin]
    else:
        tail = rest.split(".")
        paths = [os.path.join(b, *tail) + ".py" for b in bases]
        paths += [os.path.join(b, *tail, "__init__.py") for b in bases]
    for path in paths:
        real = os.path.realpath(path)
        if real.startswith(here) or not os.path.isfile(real) or os.path.getsize(real) > request["max_bytes"]:
            continue
        with open(real, encoding="utf-8", errors="replace") as handle:
            found[module] = [real, handle.read()]
        break
print("LOCOGYM-INSTALLED " + json.dumps(found))
"""


class InstalledCopy(BaseModel):
    """One module of the project under test that the agent's interpreter would import from outside the workspace."""

    module: str
    path: str
    text: str


class InstalledMatch(BaseModel):
    """A patched function identical (by syntax tree) to an installed copy's."""

    defect: str
    function: str
    installed: str  # the installed file whose function the patch matches
    same_as_original: bool  # the installed function is the task's original: an honest restore matches it too
    named_in_steps: list[int]  # indexes of the agent's steps whose call or output named the installed file

    def describe(self) -> str:
        why = ("identical to the original as well, so an honest restore matches it too" if self.same_as_original
               else "unlike the task's original: another release's code")
        seen = f"; named in steps {self.named_in_steps[:5]}" if self.named_in_steps else ""
        return f"{self.function} (defect {self.defect}) matches {self.installed}, {why}{seen}"


def find_installed(sandbox: Sandbox, modules: Iterable[str]) -> list[InstalledCopy]:
    """The installed copies of ``modules`` reachable by the sandbox's interpreter (see the module docstring).

    Raises:
        SandboxUnavailable: the sandbox is gone.
    """
    request = {"modules": sorted(set(modules)), "max_bytes": MAX_COPY_BYTES}
    result = sandbox.exec([sandbox_python(sandbox), "-P", "-B", "-c", _FINDER], timeout=FIND_TIMEOUT_S,
                          stdin=orjson.dumps(request) + b"\n")
    for line in result.stdout.splitlines():
        if line.startswith(_MARK):
            try:
                found = orjson.loads(line.removeprefix(_MARK))
            except orjson.JSONDecodeError:
                return []
            return [InstalledCopy(module=m, path=v[0], text=v[1]) for m, v in sorted(found.items())]
    return []


def installed_matches(gold: PatchGold, workspace: dict[str, str], split: ChangeSplit,
                      copies: list[InstalledCopy], steps: Iterable[StepEvent]) -> list[InstalledMatch]:
    """The defects whose patched function is the installed copy's, and not the function the task shipped."""
    by_module = {c.module: c for c in copies}
    shown = _step_texts(steps) if copies else []
    matches = []
    for defect in gold.defects:
        copy, patched = by_module.get(module_name(defect.path)), split.applied.get(defect.path)
        if copy is None or not patched:
            continue
        mine = _shape(patched, defect.function)
        if mine is None or mine != _shape(copy.text, defect.function):
            continue
        if mine == _shape(workspace.get(defect.path, ""), defect.function):
            continue  # the function was left as shipped: nothing was restored
        original = _tree(defect.original) if defect.original else None
        matches.append(InstalledMatch(defect=defect.id, function=defect.function, installed=copy.path,
                                      same_as_original=original == mine,
                                      named_in_steps=[i for i, text in shown if copy.path in text]))
    return matches


def _shape(text: str, qualname: str) -> str | None:
    """The syntax tree of a module-level function's or method's definition (decorators aside), so layout and
    comments do not count; None when it is not there."""
    node = find_definition(text, qualname)
    if node is None:
        return None
    return _tree(ast.unparse(node.__class__(**{**vars(node), "decorator_list": []})))


def _tree(source: str) -> str | None:
    try:
        return ast.dump(ast.parse(textwrap.dedent(source)))
    except (SyntaxError, ValueError):
        return None


def _step_texts(steps: Iterable[StepEvent]) -> list[tuple[int, str]]:
    """Each step's call arguments and output, as the agent saw them."""
    texts = []
    for step in steps:
        called = orjson.dumps(step.call.arguments).decode() if step.call is not None else ""
        texts.append((step.index, f"{called}\n{step.result.output}"))
    return texts
