"""Withholding the failing tests from the agent's workspace.

The agent gets the symptom, not the test that pins it: the test functions that fail because of the injected
defects are cut out of their files (decorators included; a class left empty gets ``pass``). The rest of the suite
stays runnable. The grader always runs the complete original suite, so the withheld tests still decide success.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterator

from locogym.scenarios.defects.edits import SourceText
from locogym.scenarios.defects.mutations import is_test_path

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
    wanted = _wanted(files, nodeids)
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


# ------------------------------------------------------------------------------------------------ without trace
def withhold_without_trace(files: dict[str, str], nodeids: list[str], decoys: set[str],
                           keep: Collection[str] = ()) -> dict[str, str]:
    """Files with the tests cut out so that nothing points at what was cut: the tests of ``nodeids`` and, as
    decoys, every test function that names one of ``decoys`` (the functions a change touches, say, so the tests
    of harmless edits go the same way as a defect's).

    A cut takes the blank lines after the test with it (before it, at the end of a file), so no gap is left; a
    class left without tests goes entirely; an imported name that only the cut tests used leaves its import (the
    whole statement when nothing is left of it). Every test module is treated alike, whether it lost a test or
    not. Test functions named in ``keep`` (the tests the change itself updates) stay, unless ``nodeids`` name them.
    """
    wanted = _wanted(files, nodeids)
    visible = dict(files)
    for path, text, tree in test_modules(files):
        spans = _test_spans(tree, wanted.get(path, set()), decoys, keep)
        if spans:
            visible[path] = _tidy_imports(text, _cut_lines(text, spans)).rstrip("\n") + "\n"
    return visible


def test_modules(files: dict[str, str]) -> Iterator[tuple[str, str, ast.Module]]:
    """(path, text, parsed tree) of every test module that parses, in path order."""
    for path, text in sorted(files.items()):
        if not path.endswith(".py") or not is_test_path(path):
            continue
        try:
            yield path, text, ast.parse(text)
        except SyntaxError:
            continue


def imported_and_used_names(files: dict[str, str]) -> tuple[set[str], set[str]]:
    """(names a test module imports and never uses, names any test module uses): what a reader of the visible tests
    sees. An import no test uses would point at a withheld test; the leak bench and its tests check there is none."""
    unused: set[str] = set()
    used: set[str] = set()
    for _path, _text, tree in test_modules(files):
        imported = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        here = names_in(tree)
        unused |= imported - here
        used |= here
    return unused, used


def _wanted(files: dict[str, str], nodeids: list[str]) -> dict[str, set[tuple[str, ...]]]:
    """The test functions each node id names, by file (ids of missing files or without a function left out)."""
    wanted: dict[str, set[tuple[str, ...]]] = {}
    for nodeid in nodeids:
        path, names = _target(nodeid)
        if path in files and names:
            wanted.setdefault(path, set()).add(tuple(names))
    return wanted


def names_in(node: ast.AST) -> set[str]:
    """Every name and attribute a piece of code uses."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | \
        {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def _first_line(node: ast.stmt) -> int:
    return min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])


def _test_spans(tree: ast.Module, targets: set[tuple[str, ...]], decoys: set[str],
                keep: Collection[str]) -> list[tuple[int, int]]:
    """Line spans (first, last) of the test functions to cut, a class's whole span when all its tests go."""
    spans: list[tuple[int, int]] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            if (node.name,) in targets or (node.name not in keep and names_in(node) & decoys):
                spans.append((_first_line(node), node.end_lineno or node.lineno))
        elif isinstance(node, ast.ClassDef):
            tests = [s for s in node.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)
                     and s.name.startswith("test")]
            cut = [s for s in tests if (node.name, s.name) in targets or names_in(s) & decoys]
            if cut and len(cut) == len(tests) and len(tests) == len(node.body):
                spans.append((_first_line(node), node.end_lineno or node.lineno))
            else:
                spans += [(_first_line(s), s.end_lineno or s.lineno) for s in cut]
    return spans


def _cut_lines(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` without the line spans, each with the blank lines that follow it (or, at the end of the file or
    of a class body, those before it)."""
    lines = text.splitlines(keepends=True)
    for first, last in sorted(spans, reverse=True):
        after = last
        while after < len(lines) and not lines[after].strip():
            after += 1
        indent = len(lines[first - 1]) - len(lines[first - 1].lstrip())
        ends_scope = after == len(lines) or len(lines[after]) - len(lines[after].lstrip()) < indent
        if ends_scope:
            before = first - 1
            while before > 0 and not lines[before - 1].strip():
                before -= 1
            del lines[before:last]
        else:
            del lines[first - 1:after]
    return "".join(lines)


def _tidy_imports(before: str, after: str) -> str:
    """``after`` without the imported names that ``before`` used and ``after`` no longer does."""
    try:
        old_tree, new_tree = ast.parse(before), ast.parse(after)
    except SyntaxError:
        return after
    gone = _used(old_tree) - _used(new_tree)
    lines = after.splitlines(keepends=True)
    for node in sorted((n for n in new_tree.body if isinstance(n, ast.Import | ast.ImportFrom)),
                       key=lambda n: -n.lineno):
        names = [a for a in node.names if (a.asname or a.name.partition(".")[0]) not in gone]
        if len(names) == len(node.names):
            continue
        first, last = node.lineno, node.end_lineno or node.lineno
        lines[first - 1:last] = [_import_line(node, names, multiline=last > first)] if names else []
    return "".join(lines)


def _used(tree: ast.Module) -> set[str]:
    imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    rest = [n for n in tree.body if n not in imports]
    return set().union(*(names_in(n) for n in rest)) if rest else set()


def _import_line(node: ast.Import | ast.ImportFrom, names: list[ast.alias], multiline: bool) -> str:
    parts = [f"{a.name} as {a.asname}" if a.asname else a.name for a in names]
    if isinstance(node, ast.Import):
        return f"import {', '.join(parts)}\n"
    head = f"from {'.' * node.level}{node.module or ''} import "
    if multiline:
        return head + "(\n" + "".join(f"    {p},\n" for p in parts) + ")\n"
    return head + ", ".join(parts) + "\n"
