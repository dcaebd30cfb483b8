"""The model-free policy of LoCo-RepoReview: test each touched function against its old version.

A reviewer without a model cannot judge a hunk by reading it, but it can do what a careful reviewer does when
unsure: run the old and the new code side by side. The policy writes the diff from the prompt and a small
checking script into a scratch folder of the workspace and runs the script with the ``run`` tool. The script

1. rebuilds each changed file's old text by undoing the diff's hunks on the new file;
2. reads every top-level function and method a change block touches, in the old and the new module;
3. calls both on inputs drawn from the parameter annotations (integers around the constants the function uses,
   strings, floats, booleans, small lists) and compares the results or the exceptions raised;
4. for a function that now behaves differently, undoes its change blocks one at a time to find the block whose
   reversal restores the old behaviour, and reports that block's line (a lone block is reported without the
   search, unless the function calls another changed function: then no block of its own may be to blame).

A change that comes with a description (the purpose tier) is read against it, and only in one way: a list item
(``-``, ``*`` or ``1.``) of the form ``` `name` (`path`): ... `OLD` becomes `NEW`.``` states an intended change.
A function the description names so is judged by its change blocks alone: unless one of them differs from the old
text by exactly that number, ``OLD`` replaced by ``NEW``, its first block is reported as differing from the
description. Any other function that behaves differently is reported as a regression (the block to blame).
Nothing else of the description is used: an intended change stated in other words (people phrase them many ways)
is not understood, so the policy reports it as a regression, and a change stated without a block in its function
(a rule applied in one place but not another) goes unseen. The parser is not widened to each phrasing the
generator happens to use: what a script can read without judgement is what this baseline shows.

Each reported line becomes a finding. Blocks outside functions (module constants, imports) are never reported,
and functions whose inputs it cannot make up are left alone, so it misses what its inputs do not exercise. Without
``run`` (or ``write_file``) it can check nothing and submits no findings. It only ever reads the prompt and tool
outputs, like any agent.
"""

from __future__ import annotations

import json
import re
from typing import Any

from locogym.agents.scripted import ScriptedAgent, Step
from locogym.core.types import ToolCall

SCRATCH = ".review-check"
_SUSPECT = re.compile(r"^SUSPECT (\[.*\])$", re.M)
_BLOCK = re.compile(r"^BLOCK (\[.*\])$", re.M)
_INTENT = re.compile(r"^(?:[-*]|\d+\.) `(\w+)` \(`([^`]+)`\): .*`(-?\d+)` becomes `(-?\d+)`\.$", re.M)
_NUMBER = re.compile(r"\d+|\S")
_DIFF = re.compile(r"```diff\n(.*?)```", re.S)

_SCRIPT = r'''
import ast, itertools, json, os, random, re, signal, sys, types

sys.path[:0] = [os.path.abspath("src"), os.path.abspath(".")]
HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
SPREAD = list(range(-10, 61, 7)) + [0, 1, 2, 100]


class Slow(Exception):
    pass


def alarm(signum, frame):
    raise Slow()


signal.signal(signal.SIGALRM, alarm)


def parse(diff):
    files = {}
    for part in re.split(r"^diff --git ", diff, flags=re.M)[1:]:
        lines = part.splitlines()
        path = lines[0].split(" b/", 1)[-1]
        hunks = []
        for line in lines[1:]:
            m = HUNK.match(line)
            if m:
                hunks.append({"new_start": int(m.group(3)), "lines": []})
            elif hunks and not line.startswith("\\"):
                hunks[-1]["lines"].append(line)
        files[path] = hunks
    return files


def blocks(hunks):
    """Change blocks: (first new line, new lines, old lines, new-file line span)."""
    out = []
    for h in hunks:
        n = h["new_start"]
        i, lines = 0, h["lines"]
        while i < len(lines):
            if lines[i][:1] not in "-+":
                n += 1
                i += 1
                continue
            old, new = [], []
            start = n
            while i < len(lines) and lines[i][:1] in "-+":
                (old if lines[i][0] == "-" else new).append(lines[i][1:])
                if lines[i][0] == "+":
                    n += 1
                i += 1
            out.append((start, new, old))
    return out


def undo(new_lines, chosen):
    """The file with the chosen blocks reverted (blocks in new-file order)."""
    out, pos = [], 1
    for start, new, old in chosen:
        out.extend(new_lines[pos - 1:start - 1])
        out.extend(old)
        pos = start + len(new)
    out.extend(new_lines[pos - 1:])
    return "\n".join(out) + "\n"


def module_name(path):
    name = path[4:] if path.startswith("src/") else path
    parts = name[:-3].split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


counter = itertools.count()


def load(path, text):
    name = module_name(path)
    module = types.ModuleType(name + "__v%d" % next(counter))
    module.__package__ = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    module.__file__ = os.path.abspath(path)
    sys.modules[module.__name__] = module
    exec(compile(text, path, "exec"), module.__dict__)
    return module


def values(hint, ints):
    hint = (hint if isinstance(hint, str) else getattr(hint, "__name__", str(hint))).replace(" ", "")
    return {"int": ints, "float": [x / 2 for x in ints], "bool": [False, True],
            "str": ["", "Ab", "  Two Words ", "7"], "list[int]": [[], [2], [5, -1, 3]],
            "list[str]": [[], ["a", "b"]]}.get(hint)


def calls(func, ints, skip):
    code = func.__code__
    names = list(code.co_varnames[:code.co_argcount])[skip:]
    hints = getattr(func, "__annotations__", {})
    defaults = func.__defaults__ or ()
    pools = []
    for i, name in enumerate(names):
        pool = values(hints[name], ints) if name in hints else None
        if pool is None:
            if i < len(names) - len(defaults):
                return None
            pool = [defaults[i - (len(names) - len(defaults))]]
        pools.append(pool)
    combos = list(itertools.islice(itertools.product(*pools), 5000))
    return random.Random(1).sample(combos, 150) if len(combos) > 150 else combos


def result(call):
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    try:
        return repr(call())
    except Slow:
        return "<slow>"
    except BaseException as exc:
        return "<raise %s>" % type(exc).__name__
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def behaviour(module, qualname, ints):
    owner, _, leaf = qualname.rpartition(".")
    target = getattr(module, owner, None) if owner else module
    func = getattr(target, leaf, None)
    if not hasattr(func, "__code__"):
        return None
    args = calls(func, ints, 1 if owner else 0)
    if args is None:
        return None
    if owner:
        init = getattr(target, "__init__", None)
        made = calls(init, ints, 1)[:2] if hasattr(init, "__code__") and calls(init, ints, 1) else [()]
        return [result(lambda i=i, a=a: getattr(target(*i), leaf)(*a)) for i in made for a in args]
    return [result(lambda a=a: func(*a)) for a in args]


def functions(text):
    tree = ast.parse(text)
    for top in tree.body:
        if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield top.name, top
        elif isinstance(top, ast.ClassDef):
            for node in top.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield top.name + "." + node.name, node


def changed_names(diff):
    """Names of the functions whose lines the diff changes (any file)."""
    names = set()
    for path, hunks in parse(diff).items():
        if path.endswith(".py") and os.path.exists(path):
            try:
                spans = functions(open(path, encoding="utf-8").read())
            except BaseException:
                continue
            for qualname, node in spans:
                if any(node.lineno <= c[0] <= node.end_lineno for c in blocks(hunks)):
                    names.add(qualname.rsplit(".", 1)[-1])
    return names


def calls_changed(text, qualname, changed):
    """True when the function calls (by name) a function the diff changes."""
    for name, node in functions(text):
        if name == qualname:
            called = {n.func.id if isinstance(n.func, ast.Name) else getattr(n.func, "attr", None)
                      for n in ast.walk(node) if isinstance(n, ast.Call)}
            return bool(called & (changed - {qualname.rsplit(".", 1)[-1]}))
    return False


def main():
    diff = open(sys.argv[1], encoding="utf-8").read()
    changed = changed_names(diff)
    for path, hunks in parse(diff).items():
        if not path.endswith(".py") or not os.path.exists(path):
            continue
        new_text = open(path, encoding="utf-8").read()
        new_lines = new_text.splitlines()
        changes = blocks(hunks)
        old_text = undo(new_lines, changes)
        try:
            old_mod, new_mod = load(path, old_text), load(path, new_text)
            spans = dict((q, (n.lineno, n.end_lineno)) for q, n in functions(new_text))
        except BaseException:
            continue
        for qualname, (lo, hi) in spans.items():
            mine = [c for c in changes if lo <= c[0] <= hi or (not c[1] and lo <= c[0] <= hi + 1)]
            if not mine:
                continue
            for change in mine:
                print("BLOCK " + json.dumps([path, change[0], qualname, change[2], change[1]]))
            ints = sorted(set(SPREAD + [int(x) + d for x in re.findall(r"\d+", "\n".join(
                new_lines[lo - 1:hi] + [l for c in mine for l in c[2]])) for d in (-1, 0, 1)]))
            before, after = behaviour(old_mod, qualname, ints), behaviour(new_mod, qualname, ints)
            if before is None or after is None or before == after:
                continue
            culprit = mine[0] if len(mine) == 1 and not calls_changed(old_text, qualname, changed) else None
            for change in mine:
                try:
                    trial = load(path, undo(new_lines, [change]))
                except BaseException:
                    continue
                if behaviour(trial, qualname, ints) == before:
                    culprit = change
                    break
            if culprit is None:
                continue  # none of its own blocks is to blame: it calls a function that changed
            print("SUSPECT " + json.dumps([path, culprit[0], qualname, culprit[2], culprit[1]]))


main()
'''


def judge(report: str, stated: dict[tuple[str, str], tuple[str, str]]) -> list[dict[str, Any]]:
    """Findings from the script's report, read against the description's ``stated`` changes ((path, function)
    -> (old number, new number)): a stated function is judged by its blocks alone (none made exactly as stated:
    its first block is reported), any other function by its behaviour (a block to blame: reported)."""
    findings: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()

    def report_once(path: str, line: int, why: str) -> None:
        if (path, line) not in seen:
            seen.add((path, line))
            findings.append({"path": path, "line": line, "description": why})

    blocks: dict[tuple[str, str], list[list[Any]]] = {}
    for found in _BLOCK.findall(report):
        path, line, qualname, old_lines, new_lines = json.loads(found)
        blocks.setdefault((path, qualname.rsplit(".", 1)[-1]), []).append([line, old_lines, new_lines])
    for key, (old, new) in sorted(stated.items()):
        mine = blocks.get(key, [])
        if mine and not any(as_described(o, n, old, new) for _, o, n in mine):
            report_once(key[0], int(mine[0][0]), "the change differs from what the description states")
    for found in _SUSPECT.findall(report):
        path, line, qualname, _, _ = json.loads(found)
        if (path, qualname.rsplit(".", 1)[-1]) not in stated:
            report_once(path, int(line), "a behaviour change the description does not state")
    return findings


def as_described(old_lines: list[str], new_lines: list[str], old: str, new: str) -> bool:
    """True when a block's only change is the description's number ``old`` replaced by ``new``: the block, with
    that one number swapped back, is the old text."""
    before = _NUMBER.findall("\n".join(old_lines))
    after = _NUMBER.findall("\n".join(new_lines))
    if len(before) != len(after):
        return False
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    return changed == [(old, new)]


class Policy(ScriptedAgent):
    """Differential-testing reviewer: one scratch write of the diff and the script, one run, one submit."""

    name = "heuristic"

    def __init__(self) -> None:
        super().__init__()
        self._tools: set[str] = set()

    def reset(self, task_info: dict[str, Any]) -> None:
        super().reset(task_info)
        self._tools = {t["name"] for t in task_info.get("tools", [])}

    def finish(self, value: Any) -> ToolCall:
        return ToolCall(name="submit", arguments={"answer": []})

    def script(self, obs: str) -> Step:
        diff = _DIFF.search(obs)
        findings: list[dict[str, Any]] = []
        if diff and {"run", "write_file"} <= self._tools:
            yield ToolCall(name="write_file", arguments={"path": f"{SCRATCH}/change.diff", "content": diff.group(1)})
            yield ToolCall(name="write_file", arguments={"path": f"{SCRATCH}/check.py", "content": _SCRIPT})
            report = yield ToolCall(name="run", arguments={
                "cmd": f"python3 {SCRATCH}/check.py {SCRATCH}/change.diff", "timeout": 300})
            findings = judge(report, dict(((path, name), (old, new)) for name, path, old, new in _INTENT.findall(obs)))
        yield ToolCall(name="submit", arguments={"answer": findings})
