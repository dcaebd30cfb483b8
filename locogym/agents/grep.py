"""The model-free ``grep`` baseline: answers code questions with plain text search and no parser.

It is the floor a long-context agent must beat on a codebase: whatever it answers, a question did not need the
code to be understood, only searched. It uses the workspace tools every agent has (``grep``, ``read_file``)
and never the index-backed ones (``find_symbol``, ``find_references``, ``repo_map``), and reads code as lines
of text:

* definition — grep ``def|class|func|function NAME`` and answer the first file that declares it;
* call chain — find the start's declaration, read its body up to the next declaration, take the first call
  that is not a keyword or builtin, and repeat;
* setting — read the named module and take the last ``NAME = literal``, else follow ``from X import *``
  layers;
* callers — grep ``NAME(`` and name the declaration each hit sits in (indentation or braces, read as text);
* impact — the same, repeated on every caller found, keeping the public ones;
* value — look for the call written with the same arguments next to its value: ``f(args) == v``, a doctest
  ``>>> f(args)`` and its output line, a JS/TS test line ``expect(f(args)).toBe(v)`` or ``assert.equal(f(args),
  v)``, or the input among the expected values of the project's tests (it evaluates nothing); the argument a
  function receives on the way is left unanswered;
* dispatch — read the class's header for its bases (Python's parentheses, JS/TS ``extends``) and walk them,
  depth first and left to right, to the first class whose body declares the method; in Go, the struct's embedded
  fields as written, the same way;
* Go value — the call's text in the Go files, and the literal compared with it or written after it on the line
  (``if got := F(3); got != 5``, a test table's ``{F(3), "3 B"}``).

A non-literal question that quotes a docstring is found by grepping the quote; one that paraphrases (generated
code) matches nothing and is left unanswered. Envs without a ``grep`` tool, and questions of other shapes, get
a submit with no answer. Every episode ends with a submit.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any

from locogym.agents.scripted import ScriptedAgent, Step
from locogym.core.types import ToolCall

PAGE = 400  # lines per read_file call: a page stays well inside the tool's output budget
MAX_FILES_READ = 60  # an episode's reading budget, so an impact search over a large tree ends
_READ_LINE = re.compile(r"^\s*(\d+)\t(.*)$")
_READ_HEAD = re.compile(r"\(lines (\d+)-(\d+) of (\d+)\)")
_GREP_HIT = re.compile(r"^(.+?):(\d+): (.*)$")
_BACKTICK = re.compile(r"`([^`]+)`")
_QUOTED = re.compile(r"documented as “([^”]+)”")
_CALL = re.compile(r"(?<![\w.$#])((?:self\.|cls\.|this\.)?[A-Za-z_$][\w$.]*)\s*\(")
_NOT_CALLS = frozenset(
    {
        "if",
        "elif",
        "while",
        "for",
        "return",
        "not",
        "and",
        "or",
        "in",
        "def",
        "class",
        "print",
        "int",
        "str",
        "len",
        "super",
        "isinstance",
        "range",
        "list",
        "dict",
        "set",
        "tuple",
        "min",
        "max",
        "sum",
        "sorted",
        "enumerate",
        "zip",
        "map",
        "filter",
        "abs",
        "round",
        "float",
        "bool",
        "getattr",
        "setattr",
        "hasattr",
        "type",
        "repr",
        "open",
        "switch",
        "catch",
        "function",
        "func",
        "new",
        "typeof",
        "make",
        "append",
        "panic",
        "await",
        "async",
        "yield",
    }
)
_EXTENSIONS = {
    ".py": "python",
    ".go": "go",
    ".ts": "ts",
    ".tsx": "ts",
    ".js": "ts",
    ".mjs": "ts",
    ".cjs": "ts",
    ".jsx": "ts",
    ".rs": "rust",
    ".java": "java",
}
_PY_DEF = re.compile(r"^(\s*)(?:async\s+)?(def|class)\s+([A-Za-z_]\w*)")
_GO_DEF = re.compile(
    r"^func\s+(?:\(\s*\w*\s*\*?\s*([A-Za-z_]\w*)[^)]*\)\s*)?([A-Za-z_]\w*)|^type\s+([A-Za-z_]\w*)"
)
_BRACE_DEFS = (
    re.compile(r"^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)"),
    re.compile(r"^\s*(?:export\s+)?(?:default\s+)?(?:abstract\s+)?(?:class|interface)\s+([A-Za-z_$][\w$]*)"),
    re.compile(
        r"^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(?:async\s+)?"
        r"(?:function\b|\([^)]*\)\s*(?::[^=]+)?=>|[A-Za-z_$][\w$]*\s*=>)"
    ),
    re.compile(
        r"^\s*(?:(?:public|private|protected|static|async|override|readonly|get|set|pub|fn)\s+)*"
        r"#?([A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?\([^;]*\)\s*(?::\s*[^{;]+)?\{\s*$"
    ),
    re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+([A-Za-z_]\w*)"),
)
_GO_STATED = re.compile(r'^\)?\s*(?:;\s*\w+\s*)?(?:!=|==|,)\s*(-?\d[\w.+-]*|"(?:\\.|[^"\\])*"|\btrue\b|\bfalse\b)')
_GO_EMBEDDED = re.compile(r"^\s*\*?([A-Za-z_]\w*)\s*(?:`[^`]*`)?\s*(?://.*)?$")
_STRINGS = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')


def _language(path: str) -> str:
    for ext, lang in _EXTENSIONS.items():
        if path.endswith(ext):
            return lang
    return ""


def _glob_like(path: str) -> str:
    """Files of the same extension as ``path`` (every file when it has none)."""
    ext = path.rpartition(".")[2] if "." in path.rpartition("/")[2] else ""
    return f"**/*.{ext}" if ext else "**/*"


def _module_of(path: str) -> str:
    """A Python file's dotted module name, from its path alone (``src/`` layouts dropped)."""
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if parts and parts[0] == "src":
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _leaf(name: str) -> str:
    return re.split(r"::|\.", name.strip("`() "))[-1]


@dataclass
class Decl:
    """A declaration found by reading lines: where it starts and ends, its name and the names around it."""

    name: str
    chain: str  # enclosing declarations' names and its own, dot-joined (``Class.method``)
    start: int
    end: int
    keyword: str  # def, class, func, type, function ... as written


def _python_decls(lines: list[str]) -> list[Decl]:
    found: list[tuple[int, int, str, str]] = []  # (line, indent, name, keyword)
    for n, text in enumerate(lines, 1):
        m = _PY_DEF.match(text)
        if m:
            found.append((n, len(m.group(1)), m.group(3), m.group(2)))
    decls: list[Decl] = []
    stack: list[tuple[int, str]] = []
    for n, indent, name, keyword in found:
        while stack and stack[-1][0] >= indent:
            stack.pop()
        end = len(lines)
        for k in range(n, len(lines)):
            body = lines[k]
            if (
                body.strip()
                and not body.lstrip().startswith("#")
                and len(body) - len(body.lstrip()) <= indent
                and not body.lstrip().startswith((")", "]", "}"))
            ):
                end = k
                break
        while end > n and not lines[end - 1].strip():
            end -= 1  # blank lines before the next declaration are not part of this one
        chain = ".".join([s[1] for s in stack] + [name])
        decls.append(Decl(name, chain, n, end, keyword))
        stack.append((indent, name))
    return decls


def _brace_end(lines: list[str], start: int) -> int:
    """The line closing the block opened on or after ``start`` (1-based), counting braces outside strings."""
    depth, opened = 0, False
    for k in range(start - 1, len(lines)):
        text = _STRINGS.sub('""', lines[k].split("//", 1)[0])
        for ch in text:
            if ch == "{":
                depth, opened = depth + 1, True
            elif ch == "}":
                depth -= 1
                if opened and depth == 0:
                    return k + 1
        if not opened and (text.rstrip().endswith(";") or k > start + 6):
            return k + 1 if text.rstrip().endswith(";") else start  # a one-line arrow, or no body
        if not opened and k + 1 < len(lines) and any(p.match(lines[k + 1]) for p in _BRACE_DEFS[:3]):
            return k + 1  # an overload's signature: the next declaration starts before any body
    return len(lines)


def _brace_decls(lines: list[str], language: str) -> list[Decl]:
    found: list[tuple[int, str, str, str]] = []  # (line, name, receiver, keyword)
    for n, text in enumerate(lines, 1):
        if language == "go":
            m = _GO_DEF.match(text)
            if m:
                found.append(
                    (n, m.group(2) or m.group(3), m.group(1) or "", "func" if m.group(2) else "type")
                )
            continue
        for pattern in _BRACE_DEFS:
            m = pattern.match(text)
            if (
                m
                and m.group(1) not in _NOT_CALLS
                and m.group(1) not in {"constructor"} | {"else", "do", "try"}
            ):
                found.append(
                    (
                        n,
                        m.group(1),
                        "",
                        text.split(m.group(1))[0].split()[-1] if text.split(m.group(1))[0].split() else "",
                    )
                )
                break
    decls: list[Decl] = []
    for n, name, receiver, keyword in found:
        end = _brace_end(lines, n)
        outer = [d.chain for d in decls if d.start < n and end <= d.end]
        prefix = receiver or (outer[-1] if outer else "")
        chain = f"{prefix}.{name}" if prefix else name
        decls.append(Decl(name, chain, n, end, keyword))
    return decls


def declarations(path: str, lines: list[str]) -> list[Decl]:
    """The declarations of a file, read from its lines by the shape of each language's declarations."""
    language = _language(path)
    if language == "python":
        return _python_decls(lines)
    return _brace_decls(lines, language) if language else []


def qualify(path: str, decl: Decl | None) -> str:
    """The qualified name a question expects: ``pkg.mod.Class.m`` for Python, ``path::Class.m`` otherwise; the
    module itself for a line outside every declaration."""
    if _language(path) == "python":
        module = _module_of(path)
        return f"{module}.{decl.chain}" if decl else module
    return f"{path}::{decl.chain if decl else '<module>'}"


def _literal(text: str) -> Any:
    """A value as written (``5``, ``'a'``), or the text itself when it is not a literal."""
    text = text.strip().rstrip(",")
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


def _js_literal(text: str) -> Any:
    """A JS value as written (``5``, ``'a'``, ``true``, ``[1, 2]``), or the text itself."""
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        return _literal(text)


def _is_test(path: str) -> bool:
    parts = path.split("/")
    return (
        any(p in {"test", "tests", "testing", "__tests__"} for p in parts[:-1])
        or parts[-1].startswith("test_")
        or parts[-1].endswith(("_test.go", ".test.ts", ".spec.ts", ".test.js"))
    )


def _public(path: str, chain: str, keyword: str) -> bool:
    """Public by its spelling: not a test, not nested in a function, no part of its name private."""
    parts = chain.split(".")
    if _is_test(path) or keyword in {"class", "type", "interface"}:
        return False
    if _language(path) == "go":
        return all(p[:1].isupper() for p in parts)
    return not any(p.startswith(("_", "#")) for p in parts)


class GrepAgent(ScriptedAgent):
    """Text search only: ``grep`` and ``read_file`` over the workspace, rules per question shape."""

    name = "grep"

    def __init__(self) -> None:
        super().__init__()
        self._tools: set[str] = set()
        self._files: dict[str, list[str]] = {}

    def reset(self, task_info: dict[str, Any]) -> None:
        super().reset(task_info)
        self._tools = {t["name"] for t in task_info.get("tools", [])}
        self._files = {}

    # ------------------------------------------------------------------ sessions
    def script(self, obs: str) -> Step:
        if not {"grep", "read_file"} <= self._tools:
            yield ToolCall(name="submit", arguments={})
            return
        probes = re.findall(r"^\[([\w-]+)\] (.+)$", obs, flags=re.M)
        single = re.search(r"^Question: (.+)$", obs, flags=re.M)
        if probes:
            answers = {}
            for pid, text in probes:
                answer = yield from self._answer(text)
                if answer is not None:
                    answers[pid] = answer
            yield ToolCall(name="submit", arguments={"answer": answers})
            return
        answer = (yield from self._answer(single.group(1))) if single else None
        yield ToolCall(name="submit", arguments={"answer": answer} if answer is not None else {})

    def _answer(self, text: str) -> Step:
        names = _BACKTICK.findall(text)
        quoted = _QUOTED.search(text)
        if quoted:
            found = yield from self._documented(quoted.group(1))
            if found is None:
                return None
            path, decl = found
            if "which file defines it" in text:
                return path
            names = [qualify(path, decl)]
        if "which file defines it" in text or "Which file?" in text:
            return (yield from self._definition(names, text))
        if "Follow " in text and " calls" in text:
            match = re.search(r"Follow (\d+) calls", text)
            return (yield from self._chain(names, int(match.group(1)) if match else 1))
        if "value" in text and "setting" in text:
            return (yield from self._setting(names))
        if "call it directly" in text:
            return (yield from self._callers(names))
        if "directly or through other functions" in text:
            return (yield from self._impact(names))
        if "the Go call" in text and "return?" in text:
            return (yield from self._go_value(names))
        if "Which method declaration runs?" in text:
            return (yield from self._go_dispatch(text))
        if "return?" in text:
            return (yield from self._value(names))
        dispatched = re.search(r"Which definition of `([^`]+)` runs", text)
        if dispatched and names:
            return (yield from self._dispatch(names[0].removesuffix("(...)").removeprefix("new "), dispatched.group(1)))
        return None

    # ------------------------------------------------------------------ reading text
    def _grep(self, pattern: str, glob: str = "**/*") -> Step:
        obs = yield ToolCall(name="grep", arguments={"pattern": pattern, "path_glob": glob})
        if obs.startswith("[error:") or obs.startswith("No line matches"):
            return []
        return [
            (m.group(1), int(m.group(2)), m.group(3)) for m in map(_GREP_HIT.match, obs.splitlines()) if m
        ]

    def _lines(self, path: str) -> Step:
        """A file's lines, read a page at a time (cached for the episode)."""
        if path in self._files:
            return self._files[path]
        if len(self._files) >= MAX_FILES_READ:
            return []
        lines: list[str] = []
        while True:
            obs = yield ToolCall(
                name="read_file", arguments={"path": path, "offset": len(lines) + 1, "limit": PAGE}
            )
            head = _READ_HEAD.search(obs.splitlines()[0]) if obs and not obs.startswith("[error:") else None
            got = [(int(m.group(1)), m.group(2)) for m in map(_READ_LINE.match, obs.splitlines()[1:]) if m]
            for n, t in got:
                if n == len(lines) + 1:
                    lines.append(t)
            if head is None or len(lines) >= int(head.group(3)) or not got:
                break
        self._files[path] = lines
        return lines

    def _documented(self, doc: str) -> Step:
        """The declaration whose doc line is ``doc``: the one around the hit (a Python docstring) or below
        it (a comment)."""
        hits = yield from self._grep(re.escape(doc[:60]))
        if not hits:
            return None
        path, line, text = hits[0]
        decls = declarations(path, (yield from self._lines(path)))
        if text.lstrip().startswith(("/", "*", "#")):
            below = [d for d in decls if d.start > line]
            return (path, below[0]) if below else None
        around = [d for d in decls if d.start <= line <= d.end]
        return (path, around[-1]) if around else None

    def _find(self, name: str, glob: str = "**/*") -> Step:
        """Declarations of ``name`` by the shape of a declaration line: ``[(path, Decl)]``, tests last."""
        leaf = re.escape(name)
        pattern = (
            rf"(def|class|function\*?|interface|type|fn)\s+{leaf}\b|^func\s+(\([^)]*\)\s*)?{leaf}\b|"
            rf"(const|let|var)\s+{leaf}\s*[:=]|^\s*(async\s+|static\s+|public\s+|private\s+)*#?{leaf}\s*\("
        )
        out = []
        for path, line, _ in (yield from self._grep(pattern, glob)):
            if not _language(path):
                continue
            decls = declarations(path, (yield from self._lines(path)))
            out += [(path, d) for d in decls if d.start == line and d.name == name]
        return sorted(out, key=lambda pd: (_is_test(pd[0]), pd[0], pd[1].start))

    # ------------------------------------------------------------------ question rules
    def _definition(self, names: list[str], text: str) -> Step:
        if not names:
            return None
        name = _leaf(names[-1])
        folder = re.search(r"in the folder `([^`]*)`", text)
        glob = (
            f"{folder.group(1)}/*.go"
            if folder and folder.group(1) not in {"", "."}
            else ("*.go" if folder else "**/*")
        )
        found = yield from self._find(name, glob)
        return found[0][0] if found else None

    def _locate(self, qual: str) -> Step:
        """The declaration a qualified name names, preferring the one whose path or module matches it."""
        found = yield from self._find(_leaf(qual))
        for path, decl in found:
            if qualify(path, decl).endswith(qual.split("::")[-1]) and (
                qual.startswith(path) or "::" not in qual
            ):
                return path, decl
        return found[0] if found else None

    def _chain(self, names: list[str], hops: int) -> Step:
        if not names:
            return None
        at = yield from self._locate(names[0])
        for _ in range(hops):
            if at is None:
                return None
            path, decl = at
            lines = yield from self._lines(path)
            callee = None
            for text in lines[decl.start : decl.end]:
                code = _STRINGS.sub(
                    '""', text.split("#", 1)[0] if path.endswith(".py") else text.split("//")[0]
                )
                calls = [_leaf(c) for c in _CALL.findall(code)]
                callee = next((c for c in calls if c not in _NOT_CALLS and c != decl.name), None)
                if callee:
                    break
            if callee is None:
                return None
            found = yield from self._find(callee)
            at = found[0] if found else None
        return qualify(*at) if at else None

    def _setting(self, names: list[str]) -> Step:
        if len(names) < 2:
            return None
        return (yield from self._setting_in(names[0], names[1], 0))

    def _setting_in(self, module: str, name: str, depth: int) -> Step:
        base = module.replace(".", "/")
        path = ""
        for candidate in (f"{base}/__init__.py", f"{base}.py", f"src/{base}/__init__.py", f"src/{base}.py"):
            lines = yield from self._lines(candidate)
            if lines:
                path = candidate
                break
        if not path or depth > 8:
            return None
        value, stars = None, []
        for line in lines:
            m = re.match(rf"^{re.escape(name)}\s*(?::[^=]+)?=\s*(.+?)\s*(#.*)?$", line)
            value = m.group(1) if m else value
            s = re.match(r"^from\s+(\S+)\s+import\s+\*", line)
            if s:
                stars.append(s.group(1))
        if value is not None:
            literal = re.fullmatch(r"-?\d+(\.\d+)?|True|False|'[^']*'|\"[^\"]*\"", value)
            if literal:
                return value.strip("'\"") if value[:1] in "'\"" else value
            alias = re.fullmatch(r"[A-Za-z_]\w*", value)
            return (yield from self._setting_in(module, value, depth + 1)) if alias else None
        package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
        for star in reversed(stars):
            dots = len(star) - len(star.lstrip("."))
            parent = package
            for _ in range(max(0, dots - 1)):
                parent = parent.rpartition(".")[0]
            target = f"{parent}.{star.lstrip('.')}" if dots else star
            found = yield from self._setting_in(target, name, depth + 1)
            if found is not None:
                return found
        return None

    def _call_sites(self, name: str, glob: str) -> Step:
        """The declarations whose lines hold ``name(`` (the declaration of ``name`` itself aside),
        qualified, in the files of ``glob``."""
        hits = yield from self._grep(rf"(?<![\w$]){re.escape(name)}\s*\(", glob)
        out: dict[str, tuple[str, str, str]] = {}
        for path, line, text in hits:
            decls = declarations(path, (yield from self._lines(path)))
            if any(d.start == line and d.name == name for d in decls) or text.lstrip().startswith(
                ("#", "//", "*")
            ):
                continue
            around = [
                d
                for d in decls
                if d.start <= line <= d.end
                and d.keyword not in {"class", "type"}
                and not d.keyword.endswith("class")
            ]
            inner = around[-1] if around else None
            out[qualify(path, inner)] = (path, inner.chain if inner else "", inner.keyword if inner else "")
        return out

    def _callers(self, names: list[str]) -> Step:
        if not names:
            return None
        at = yield from self._locate(names[0])
        found = yield from self._call_sites(_leaf(names[0]), _glob_like(at[0] if at else ""))
        callers = sorted(q for q, (_, chain, _) in found.items() if chain)
        return callers or None

    def _impact(self, names: list[str]) -> Step:
        if not names:
            return None
        at = yield from self._locate(names[0])
        glob = _glob_like(at[0] if at else "")
        seen: dict[str, tuple[str, str, str]] = {}
        todo = [_leaf(names[0])]
        while todo and len(seen) < 40:
            found = yield from self._call_sites(todo.pop(), glob)
            for qual, info in found.items():
                if qual not in seen and info[1]:
                    seen[qual] = info
                    todo.append(info[1].split(".")[-1])
        public = sorted(q for q, (path, chain, keyword) in seen.items() if _public(path, chain, keyword))
        return public or None

    def _value(self, names: list[str]) -> Step:
        """An expected value the code or its tests state for the same call, if any (nothing is evaluated): a
        line ``f(args) == value``, a doctest ``>>> f(args)`` and the line under it, or a test's input pair."""
        call = next((m for n in names if (m := re.fullmatch(r"(.+?)\((.*)\)", n))), None)
        if call is None:
            return None
        name, arg = _leaf(call.group(1)), call.group(2)
        expected = yield from self._js_expectation(name, arg)
        if expected is not None:
            return expected
        stated = yield from self._grep(rf"\b{re.escape(name)}\({re.escape(arg)}\)\s*(==|$)")
        for path, line, text in stated:
            if "==" in text:
                return _literal(text.rsplit("==", 1)[1])
            if text.lstrip().startswith(">>>"):
                lines = yield from self._lines(path)
                if line < len(lines) and lines[line].strip() and not lines[line].lstrip().startswith(">>>"):
                    return _literal(lines[line])
        tests = yield from self._grep(rf"def test_{re.escape(name)}\b")
        for path, line, _ in tests:
            lines = yield from self._lines(path)
            above = " ".join(lines[max(0, line - 4) : line - 1])
            pair = re.search(rf"\(\s*{re.escape(arg)}\s*,\s*(-?\d+)\s*\)", above)
            if pair:
                return int(pair.group(1))
        return None

    # ------------------------------------------------------------------ Go, read as text
    def _go_value(self, names: list[str]) -> Step:
        """A value the Go code or its tests state next to the same call: ``F(args) != v``, ``got == v``, or the
        first literal after the call on its line (a test table's row ``{F(3), "3 B"}``)."""
        call = next((n for n in names if re.fullmatch(r"[\w.]+\(.*\)", n)), None)
        if call is None:
            return None
        hits = yield from self._grep(rf"\b{re.escape(call)}", "**/*.go")
        for _, _, text in hits:
            after = text.split(call, 1)[1]
            stated = _GO_STATED.search(after)
            if stated:
                return _literal(stated.group(1))
        return None

    def _go_dispatch(self, text: str) -> Step:
        """Walk a Go struct's embedded fields as written, depth first, to the first type with the method."""
        struct, method = re.search(r"&(\w+)\{", text), re.search(r"`v\.(\w+)\(", text)
        folder = re.search(r"in the folder `([^`]*)`", text)
        if struct is None or method is None:
            return None
        glob = f"{folder.group(1)}/*.go" if folder and folder.group(1) not in {"", "."} else "*.go"
        todo, seen = [struct.group(1)], set()
        while todo:
            name = todo.pop(0)
            if name in seen:
                continue
            seen.add(name)
            own = [pd for pd in (yield from self._find(method.group(1), glob))
                   if pd[1].chain == f"{name}.{method.group(1)}"]
            if own:
                return qualify(*own[0])
            embedded = []
            for path, decl in [pd for pd in (yield from self._find(name, glob)) if pd[1].keyword == "type"][:1]:
                body = (yield from self._lines(path))[decl.start : decl.end - 1]
                embedded = [m.group(1) for m in map(_GO_EMBEDDED.match, body) if m]
            todo = embedded + todo
        return None

    def _js_expectation(self, name: str, arg: str) -> Step:
        """A JS/TS test's expectation for the same call, as one line states it: ``expect(f(3)).toBe(5)``,
        ``assert.equal(f(3), 5)``, ``t.is(f(3), 5)`` (strings in either quotes)."""
        for spelled in dict.fromkeys([arg, arg.replace('"', "'")]):
            call = rf"\b{re.escape(name)}\({re.escape(spelled)}\)"
            pattern = rf"{call}\)\s*\.(toBe|toEqual|toStrictEqual)\(|(equal|strictEqual|deepEqual|is)\(\s*{call}\s*,"
            for _, _, text in (yield from self._grep(pattern)):
                stated = re.search(rf"{call}(\)\s*\.\w+\(|\s*,)\s*(.+?)\)\s*;?\s*$", text)
                if stated:
                    return _js_literal(stated.group(2))
        return None

    def _class_bases(self, path: str, decl: Decl) -> Step:
        """The base class names written in a Python class's header (``class C(A, m.B):`` -> ``[A, B]``)."""
        lines = yield from self._lines(path)
        if _language(path) == "ts":  # ``class C extends B {``
            base = re.search(r"\bextends\s+([\w$.]+)", " ".join(lines[decl.start - 1 : decl.start + 2]).split("{")[0])
            return [_leaf(base.group(1))] if base else []
        header = " ".join(lines[decl.start - 1 : decl.start + 4]).split(":", 1)[0]
        inside = header.partition("(")[2].rpartition(")")[0]
        return [_leaf(b.split("[")[0]) for b in inside.split(",") if b.strip() and "=" not in b]

    def _dispatch(self, cls: str, method: str) -> Step:
        """Walk the class's bases as written, depth first and left to right, to the first class whose body
        declares the method (no order of resolution is computed beyond that)."""
        start = yield from self._locate(cls)
        todo, seen = ([start] if start else []), set()
        while todo:
            path, decl = todo.pop(0)
            if (path, decl.start) in seen:
                continue
            seen.add((path, decl.start))
            own = [d for d in declarations(path, (yield from self._lines(path)))
                   if d.chain == f"{decl.chain}.{method}"]
            if own:
                return qualify(path, own[0])
            found = []
            for base in (yield from self._class_bases(path, decl)):
                found += [pd for pd in (yield from self._find(base)) if pd[1].keyword == "class"][:1]
            todo = found + todo
        return None
