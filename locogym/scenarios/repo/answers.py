"""Answer normalisation and exact scoring for code questions.

Four answer kinds, each with one canonical form, so a right answer scores 1 whatever its spelling and a wrong one
scores 0 (no keyword credit):

* ``path`` — a workspace file path: quotes, backticks, ``./`` and a leading ``/workspace/`` removed; a trailing
  ``:line`` or ``::symbol`` dropped.
* ``qualname`` — a qualified name: ``pkg/mod.py::Class.meth``, ``pkg/mod.py:Class.meth``, ``pkg.mod:Class.meth``
  and ``pkg.mod.Class.meth()`` all become ``pkg.mod.Class.meth`` for Python files (other languages keep
  ``path::Class.meth``).
* ``value`` — a literal: parsed as a Python literal when possible (``"30"`` and ``30`` differ from ``'30'`` only
  when the true value is a string); booleans accept true/false in any case; a tuple and a list of the same items
  are the same value (a gold tuple is stored as a JSON list).
* ``qualnames`` — a set of qualified names, given as a list or a comma/newline separated string.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from locogym.sandboxes.base import WORKSPACE
from locogym.scenarios.repo.index import module_name

_QUOTES = "`'\" "
_ROOT = WORKSPACE.rstrip("/") + "/"  # the sandbox's workspace folder, as absolute paths name it


def _strip(text: str) -> str:
    text = text.strip()
    while len(text) >= 2 and text[0] == text[-1] and text[0] in "`'\"":
        text = text[1:-1].strip()
    return text.strip("`").strip()


def norm_path(answer: Any) -> str:
    text = _strip(str(answer))
    text = text.split("::", 1)[0]
    text = re.sub(r":\d+(-\d+)?$", "", text)
    if text.startswith(_ROOT):
        text = text[len(_ROOT):]
    while text.startswith("./"):
        text = text[2:]
    return re.sub(r"/+", "/", text)


def norm_qualname(answer: Any) -> str:
    text = _strip(str(answer))
    text = re.sub(r"\(\s*\)$", "", text).strip()
    if text.startswith(_ROOT):
        text = text[len(_ROOT):]
    while text.startswith("./"):
        text = text[2:]
    path, sep, symbol = text.partition("::")
    if not sep:
        match = re.match(r"^([\w./-]+\.pyi?):([\w.]+)$", text)
        if match:
            path, sep, symbol = match.group(1), "::", match.group(2)
    if sep and path.endswith((".py", ".pyi")):
        module = module_name(path)
        return f"{module}.{symbol}" if module else symbol
    if sep:
        return f"{path}::{symbol}"
    return text.replace(":", ".")


def norm_value(answer: Any) -> Any:
    if isinstance(answer, (bool, int, float)) or answer is None:
        return answer
    text = str(answer).strip().strip("`").strip()
    if text.lower() in {"true", "false"}:
        return text.lower() == "true"
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        pass
    try:  # a JSON spelling, as TS/JS questions ask for: ``[true, false]``, ``null``
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def values_equal(answer: Any, gold: Any) -> bool:
    got = norm_value(answer)
    if isinstance(gold, bool) or isinstance(got, bool):
        return isinstance(got, bool) and isinstance(gold, bool) and got == gold
    if isinstance(gold, str):
        return str(got).strip() == gold
    if isinstance(gold, (list, tuple)):  # a tuple's gold is stored as a JSON list: either spelling is the value
        return isinstance(got, (list, tuple)) and len(got) == len(gold) and \
            all((type(a) is type(g) and a == g) or values_equal(a, g) for a, g in zip(got, gold, strict=True))
    return got == gold


def norm_qualnames(answer: Any) -> list[str]:
    if answer is None:
        return []
    items = answer if isinstance(answer, (list, tuple, set)) else re.split(r"[,\n;]+", str(answer).strip("[]"))
    return sorted({norm_qualname(i) for i in items if str(i).strip(_QUOTES)})


def normalise(kind: str, answer: Any) -> Any:
    """The canonical form of ``answer`` for an answer kind (``path``, ``qualname``, ``value``, ``qualnames``)."""
    if kind == "path":
        return norm_path(answer)
    if kind == "qualname":
        return norm_qualname(answer)
    if kind == "qualnames":
        return norm_qualnames(answer)
    return norm_value(answer)


def canonical(kind: str, answer: Any) -> Any:
    """A JSON-friendly canonical form of ``answer``, so that two spellings the grader accepts alike compare equal.

    Used to compare an agent's answers with each other (agreement across sessions, a stale repeat of an old
    truth); whether an answer is right stays :func:`is_correct`'s call. Values lose their spelling as well:
    ``30``, ``"30"`` and ``"30.0"`` are one number, ``'x'`` and ``x`` one string.
    """
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return None
    if kind != "value":
        return normalise(kind, answer)
    got = norm_value(answer)
    if isinstance(got, str):
        try:
            got = float(got.strip())
        except ValueError:
            return got.strip()
    if isinstance(got, float) and got.is_integer():
        return int(got)
    if isinstance(got, (bool, int, float)) or got is None:
        return got
    if isinstance(got, (set, frozenset)):
        return repr(sorted(got, key=repr))  # sets print in hash order, which changes between runs
    return repr(got)  # a tuple, list or dict literal: one string in Python's own spelling


def is_correct(kind: str, answer: Any, gold: Any) -> bool:
    """Exact match after normalisation; a missing answer is never correct."""
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return False
    if kind == "value":
        return values_equal(answer, gold)
    if kind == "qualnames":
        return norm_qualnames(answer) == sorted(gold)
    return normalise(kind, answer) == gold
