"""The model-free policy of the codebase families: find the symbols a question names and read their code.

It reads only what a model would see (observations and tool outputs) and follows fixed rules per question:

* definition — ``find_symbol`` on the qualified name (the index follows re-exports) and answer its file;
* call chain — from the named function, read its body, take the first call, ``find_symbol`` it, N times;
* setting — read the settings module, take its last assignment, else follow its ``from X import *`` layers;
* callers — ``find_references`` and keep the call sites that resolve to the function.

Non-literal questions name no identifier. When they quote a docstring (real code), the policy greps for it and
reads the definition above the hit; the paraphrases of generated projects match nothing, so it leaves those
unanswered — the gap between the two variants is what they measure.

On patch tasks it runs the tests and reads the function the first failure names (it attempts no fix). Review
tasks have their own policy (:mod:`locogym.agents.heuristic.review`). Every episode ends with a submit.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from locogym.agents.scripted import ScriptedAgent, Step
from locogym.core.types import ToolCall

_DEF_LINE = re.compile(r"^(\S+) \((\w+)\) (\S+):(\d+)-(\d+)$")
_READ_LINE = re.compile(r"^\s*(\d+)\t(.*)$")
_REF_LINE = re.compile(r"^(\S+):(\d+) \[(\w+)(?: in (\S+))?(?: -> (\S+))?\] ")
_CALL = re.compile(r"(?<![\w.])((?:self\.|cls\.)?[A-Za-z_][\w.]*)\s*\(")
_BACKTICK = re.compile(r"`([^`]+)`")
_SKIP_CALLS = frozenset({"int", "str", "len", "print", "super", "isinstance", "range", "list", "dict", "set",
                         "tuple", "min", "max", "sum", "sorted", "enumerate", "zip", "map", "filter", "abs",
                         "round", "float", "bool", "getattr", "setattr", "hasattr", "type", "repr", "open",
                         "if", "while", "for", "return", "elif", "not", "and", "or", "in", "def", "class"})
_FAILED = re.compile(r"FAILED (\S+?)::(\S+)")
_WHERE = re.compile(r"where .+? = (?:[\w.]+\.)?([A-Za-z_]\w*)\(")
_QUOTED = re.compile(r"documented as “([^”]+)”")
_DEF_NAME = re.compile(r"\b(?:def|class|function|func|fn)\s+([A-Za-z_]\w*)")


def _errored(obs: str) -> bool:
    return obs.startswith("[error:")


def _definitions(obs: str) -> list[tuple[str, str, str, int, int]]:
    out = []
    for line in obs.splitlines():
        m = _DEF_LINE.match(line)
        if m:
            out.append((m.group(1), m.group(2), m.group(3), int(m.group(4)), int(m.group(5))))
    return out


def _read_lines(obs: str) -> list[tuple[int, str]]:
    return [(int(m.group(1)), m.group(2)) for m in map(_READ_LINE.match, obs.splitlines()[1:]) if m]


def parse_questions(obs: str) -> list[tuple[str | None, str]]:
    """The questions of a session prompt: ``[(probe id, text)]``, or ``[(None, text)]`` for a single question."""
    probes = re.findall(r"^\[([\w-]+)\] (.+)$", obs, flags=re.M)
    if probes:
        return [(pid, text) for pid, text in probes]
    match = re.search(r"^Question: (.+)$", obs, flags=re.M)
    return [(None, match.group(1))] if match else []


class Policy(ScriptedAgent):
    """Rule-based reading agent for the ``repo`` and ``repo_patch`` families."""

    name = "heuristic"

    def __init__(self) -> None:
        super().__init__()
        self._tools: set[str] = set()
        self._family = "repo"

    def reset(self, task_info: dict[str, Any]) -> None:
        super().reset(task_info)
        self._tools = {t["name"] for t in task_info.get("tools", [])}
        self._family = str(task_info.get("family", "repo"))

    # ------------------------------------------------------------------ sessions
    def script(self, obs: str) -> Step:
        if self._family == "repo_patch":
            yield from self._patch(obs)
            return
        answers: dict[str, Any] = {}
        asked = parse_questions(obs)
        for pid, text in asked:
            answers[pid or ""] = yield from self._answer(text)
        if len(asked) == 1 and asked[0][0] is None:
            answer = answers[""]
            yield ToolCall(name="submit", arguments={"answer": answer} if answer is not None else {})
            return
        yield ToolCall(name="submit", arguments={"answer": {k: v for k, v in answers.items() if v is not None}})

    def _answer(self, text: str) -> Step:
        names = _BACKTICK.findall(text)
        quoted = _QUOTED.search(text)
        if quoted and "which file defines it" in text:  # the documented definition's own file
            found = yield from self._documented(quoted.group(1))
            return found[0][2] if found else None
        if quoted and ("Follow " in text or "call it directly" in text):
            found = yield from self._documented(quoted.group(1))
            names = [found[0][0]] if found else []
        if "which file defines it" in text:
            return (yield from self._definition(names))
        if "Follow " in text and " calls" in text:
            match = re.search(r"Follow (\d+) calls", text)
            hops = int(match.group(1)) if match else 1
            return (yield from self._chain(names, hops))
        if "value" in text and "setting" in text:
            return (yield from self._setting(names))
        if "call it directly" in text:
            return (yield from self._callers(names))
        return None

    def _documented(self, doc: str) -> Step:
        """The definition whose docstring starts with ``doc``: grep the text, read above it, look the name up."""
        obs = yield ToolCall(name="grep", arguments={"pattern": re.escape(doc[:60])})
        hit = re.match(r"^(.+?):(\d+): ", obs) if not _errored(obs) else None
        if hit is None:
            return []
        path, line = hit.group(1), int(hit.group(2))
        comment = obs[hit.end():].lstrip().startswith(("/", "*", "#"))  # a doc comment sits above its definition
        start = max(1, line - 8)
        obs = yield ToolCall(name="read_file", arguments={"path": path, "offset": start, "limit": line - start + 4})
        defs = [(n, m.group(1)) for n, text in _read_lines(obs) for m in [_DEF_NAME.search(text)] if m]
        after = [name for n, name in defs if n > line]
        before = [name for n, name in defs if n <= line]
        name = (after[:1] if comment else before[-1:]) or after[:1] or before[-1:]
        if not name:
            return []
        found = yield from self._find(name[0])
        return [d for d in found if d[2] == path] or found

    # ------------------------------------------------------------------ question rules
    def _find(self, name: str) -> Step:
        obs = yield ToolCall(name="find_symbol", arguments={"name": name})
        return [] if _errored(obs) else _definitions(obs)

    def _definition(self, names: list[str]) -> Step:
        if len(names) < 2:
            return None
        module, name = names[0], names[1]
        found = yield from self._find(f"{module}.{name}")
        if not found:
            found = yield from self._find(name)
        return found[0][2] if found else None

    def _chain(self, names: list[str], hops: int) -> Step:
        if not names:
            return None
        current = names[0]
        found = yield from self._find(current)
        for _ in range(hops):
            if not found:
                return None
            qual, _, path, start, end = found[0]
            obs = yield ToolCall(name="read_file", arguments={"path": path, "offset": start,
                                                              "limit": max(1, end - start + 1)})
            callee = None
            for _, line in _read_lines(obs)[1:]:
                for expr in _CALL.findall(line.split("#", 1)[0]):
                    leaf = expr.rsplit(".", 1)[-1]
                    if leaf not in _SKIP_CALLS and leaf != qual.rsplit(".", 1)[-1]:
                        callee = leaf
                        break
                if callee:
                    break
            if callee is None:
                return None
            found = yield from self._find(callee)
        return found[0][0] if found else None

    def _setting(self, names: list[str]) -> Step:
        if len(names) < 2:
            return None
        return (yield from self._setting_in(names[0], names[1], depth=0))

    def _setting_in(self, module: str, name: str, depth: int) -> Step:
        if depth > 8:
            return None
        base = module.replace(".", "/")
        lines: list[tuple[int, str]] = []
        path = ""
        for candidate in (f"{base}/__init__.py", f"{base}.py", f"src/{base}/__init__.py", f"src/{base}.py"):
            obs = yield ToolCall(name="read_file", arguments={"path": candidate, "limit": 2000})
            if not _errored(obs):
                lines, path = _read_lines(obs), candidate
                break
        if not path:
            return None
        value_text = None
        stars = []
        for _, line in lines:
            m = re.match(rf"^{re.escape(name)}\s*=\s*(.+?)\s*(#.*)?$", line)
            if m:
                value_text = m.group(1)
            s = re.match(r"^from\s+(\S+)\s+import\s+\*", line)
            if s:
                stars.append(s.group(1))
        if value_text is not None:
            try:
                return ast.literal_eval(value_text)
            except (ValueError, SyntaxError):
                if re.fullmatch(r"[A-Za-z_]\w*", value_text):
                    return (yield from self._setting_in(module, value_text, depth + 1))
                return None
        package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
        for star in reversed(stars):
            target = star
            if star.startswith("."):
                dots = len(star) - len(star.lstrip("."))
                parent = package
                for _ in range(dots - 1):
                    parent = parent.rpartition(".")[0]
                target = f"{parent}.{star.lstrip('.')}"
            found = yield from self._setting_in(target, name, depth + 1)
            if found is not None:
                return found
        return None

    def _callers(self, names: list[str]) -> Step:
        if not names:
            return None
        qual = names[0]
        obs = yield ToolCall(name="find_references", arguments={"name": re.split(r"::|\.", qual)[-1]})
        if _errored(obs):
            return None
        callers = set()
        for line in obs.splitlines():
            m = _REF_LINE.match(line)
            if m and m.group(3) == "call" and m.group(5) == qual and m.group(4):
                callers.add(m.group(4))
        return sorted(callers) or None

    # ------------------------------------------------------------------ other families
    def _patch(self, obs: str) -> Step:
        """Run the tests, then read the function the first failure names; no fix is attempted."""
        report = obs
        if "run_tests" in self._tools:
            report += "\n" + (yield ToolCall(name="run_tests", arguments={}))
        elif "run" in self._tools:
            report += "\n" + (yield ToolCall(name="run", arguments={"cmd": "python3 -m pytest -x -q 2>&1 | tail -40"}))
        culprit = _WHERE.search(report)
        if culprit and "find_symbol" in self._tools:
            found = yield from self._find(culprit.group(1))
            if found and "read_file" in self._tools:
                _, _, path, start, end = found[0]
                yield ToolCall(name="read_file", arguments={"path": path, "offset": start,
                                                            "limit": max(1, end - start + 1)})
        else:
            failed = _FAILED.search(report)
            if failed and "read_file" in self._tools:
                yield ToolCall(name="read_file", arguments={"path": failed.group(1)})
        yield ToolCall(name="submit", arguments={})
