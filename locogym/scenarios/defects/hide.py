"""Withholding the failing tests from the agent's workspace.

The agent gets the symptom, not the test that pins it: the test functions that fail because of the injected
defects are cut out of their files (decorators included; a class left empty gets ``pass``). The rest of the suite
stays runnable. The grader always runs the complete original suite, so the withheld tests still decide success.
"""

from __future__ import annotations

import ast
import re

from locogym.scenarios.defects.edits import SourceText

_PARAMS = re.compile(r"\[.*\]$")


def _target(nodeid: str) -> tuple[str, list[str]]:
    """(file path, [Class, ..., function]) of a pytest node id; parameters stripped."""
    path, *names = nodeid.split("::")
    if names:
        names[-1] = _PARAMS.sub("", names[-1])
    return path, names


def withhold_tests(files: dict[str, str], nodeids: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Return (files with those tests cut out, original text of every file that was changed).

    Node ids whose file is missing or whose function cannot be found are left alone (nothing to hide).
    """
    wanted: dict[str, set[tuple[str, ...]]] = {}
    for nodeid in nodeids:
        path, names = _target(nodeid)
        if path in files and names:
            wanted.setdefault(path, set()).add(tuple(names))
    visible = dict(files)
    originals: dict[str, str] = {}
    for path, targets in sorted(wanted.items()):
        text = files[path]
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        src = SourceText(text)
        cuts: list[tuple[int, int, str]] = []  # (first line, last line, replacement)
        _collect(tree.body, (), targets, src, cuts)
        if not cuts:
            continue
        lines = list(src.lines)
        for first, last, replacement in sorted(cuts, reverse=True):
            lines[first - 1:last] = [replacement] if replacement else []
        visible[path] = "".join(lines)
        originals[path] = text
    return visible, originals


def _collect(body: list[ast.stmt], prefix: tuple[str, ...], targets: set[tuple[str, ...]], src: SourceText,
             cuts: list[tuple[int, int, str]]) -> None:
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (*prefix, node.name) in targets:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            cuts.append((first, node.end_lineno or node.lineno, ""))
        elif isinstance(node, ast.ClassDef):
            inner = (*prefix, node.name)
            before = len(cuts)
            _collect(node.body, inner, targets, src, cuts)
            removed = {(c[0], c[1]) for c in cuts[before:]}
            remaining = [s for s in node.body
                         if (min([s.lineno, *(d.lineno for d in getattr(s, "decorator_list", []))]),
                             s.end_lineno or s.lineno) not in removed]
            if len(cuts) > before and not remaining:
                first, last, _ = cuts[before]
                cuts[before] = (first, last, src.indent_of(node.body[0].lineno) + "pass\n")
