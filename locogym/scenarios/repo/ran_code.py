"""The code a run's outcome rests on, as a comparable signature.

A run-based question (``return_value``, ``argument``) is built on one view of a tree: the whole tree, a working
set, or files cut down to excerpts. Running again for every view is costly, so an outcome is reused on another
view only when every function that ran, and the module-level code of their files, reads the same there. The
signature below captures exactly that; excerpt marker lines are left out, since an excerpt writes them where the
whole file has other definitions, which the run never read.
"""

from __future__ import annotations

import re

from locogym.core.types import stable_hash
from locogym.scenarios.repo.index import CodeIndex

MODULE_SUFFIX = "::<module>"  # the key of a file's module-level code in a signature
_EXCERPT_MARK = re.compile(r"^\s*(?:#|//) \.\.\. \d+ lines of other definitions are not part of this excerpt$")


def _module_text(index: CodeIndex, path: str, text: str) -> str:
    """A hash of a file's lines outside its top-level definitions (imports, constants, module code), which an
    excerpt keeps as they are, without an excerpt's marker lines."""
    inside: set[int] = set()
    for d in index.facts[path].defs:
        if d.parent == -1:
            inside.update(range(d.head or d.line, d.end_line + 1))
    lines = text.splitlines()
    return stable_hash([ln for n, ln in enumerate(lines, 1) if n not in inside and not _EXCERPT_MARK.match(ln)])


def signature(index: CodeIndex, files: dict[str, str], names: list[str]) -> dict[str, str] | None:
    """The text of every function of ``names`` as ``files`` write it, and of the module code of their files
    (``None`` when one is not found there, or its name is ambiguous)."""
    out = {}
    for qual in names:
        d = index.definitions.get(qual)
        if d is None or qual in index.ambiguous or d.path not in files:
            return None
        out[qual] = stable_hash(files[d.path].splitlines()[d.line - 1:d.end_line])
        out[f"{d.path}{MODULE_SUFFIX}"] = _module_text(index, d.path, files[d.path])
    return out


def reads_the_same(index: CodeIndex, files: dict[str, str], remembered: dict[str, str]) -> bool:
    """Whether ``files`` reads the same as the view a remembered signature was taken on."""
    functions = [q for q in remembered if not q.endswith(MODULE_SUFFIX)]
    return signature(index, files, functions) == remembered
