"""Running calls of a real project's functions with literal arguments, to get questions' gold by execution.

A real project is not written for this: importing it may need its installed dependencies, a call may raise, loop,
or give a value that changes between runs. So a call here either gives a *plain* value twice over or gives
nothing, and nothing means the question is not asked — never a guessed answer:

* the project's Python files are written to a scratch folder that comes first on the module path of a fresh
  interpreter (``-I``: no user site, no environment variables, hash randomisation on); the interpreter's own
  installed packages come after it, so that the project's dependencies import, but a module of the project's own
  packages loaded from anywhere but the scratch folder (a file missing from a partial tree, a compiled extension)
  fails the run as a whole;
* all the candidate calls of a tree run in one process, each under a timer (:data:`CALL_TIMEOUT_S`); then again
  in a second process, in another scratch folder, in the reverse order. A call counts only when both gave the
  same outcome;
* the value must be plain (:func:`plain`), so that it is written and compared one way;
* a call that runs a function of an installed package (a dependency) is not asked about either: its answer
  depends on code the project's files do not show (the standard library's is common knowledge);
* while a call runs, the standard streams are sealed (what a call reads of them, or writes, depends on how the
  process was started, not on the project's files), and an audit hook (PEP 578) stops every event but
  importing, compiling and reading the project's and the interpreter's files (:data:`ALLOWED_EVENTS`): a call
  that would write a file, read another one, open a socket, start a process or sleep is not run to its end,
  and not asked about. A trace hook notes
  the project functions that ran (the question's evidence) and the first argument each got from a call in the
  project's code (a method's first after ``self`` or ``cls``; a call by the import system is not the project's).

Outcomes are remembered per process, by the tree and the calls run.
"""

from __future__ import annotations

import ast
import math
import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from locogym.core.types import stable_hash

BATCH_TIMEOUT_S = 120  # one process importing the project and running every candidate call
CALL_TIMEOUT_S = 1.0  # one call of a batch: a call that needs longer is not one to work out by reading
MAX_TEXT = 80  # characters of a string answer: a value one writes, not a blob one copies
MAX_ITEMS = 8  # items of a tuple or list answer
Call = tuple[str, str, tuple[Any, ...]]  # module, function name, positional arguments
# the value; the first argument each project function got on the way; the project functions that ran, as
# (path, first line, last line, qualified name); for each of them, the project functions that called it
Outcome = tuple[Any, dict[str, Any], list[tuple[str, int, int, str]], dict[str, list[str]]]
# Audit events a call may raise (PEP 578): importing, compiling, attribute hooks, reading the project's and the
# interpreter's own files (what an import reads). Anything else — reading another file,
# writing a file, a socket, a process, an environment variable, a sleep — stops the call, which is then not asked.
ALLOWED_EVENTS = frozenset({
    "builtins.id", "code.__new__", "compile", "exec", "function.__new__", "import", "marshal.load",
    "marshal.loads", "object.__delattr__", "object.__getattr__", "object.__setattr__", "os.listdir", "os.scandir",
    "sys._getframe", "sys._getframemodulename",
})
_BATCHES: dict[str, dict[Call, Outcome]] = {}

# argv: folder, site folders (os.pathsep-joined), project packages (comma-joined), the timer; stdin: a literal
# list of calls. Prints one literal list: per call, None (it raised, timed out, was stopped, or ran code of an
# installed package, which the project's files do not show) or
# [value, firsts, ran]: firsts maps each project function called on the way by project code to its first argument
# the first time (a method's first after ``self`` or ``cls``), ran lists the project functions that ran as [path, first
# line, last line, qualified name], and callers maps each project function that ran to the project functions
# that called it (a comprehension's or lambda's call counts as the function's around it).
_RUNNER = (
    "import ast, importlib, os, signal, sys\n"
    "folder, sites, own = sys.argv[1], sys.argv[2], set(sys.argv[3].split(','))\n"
    "sys.path[:0] = [folder]\n"
    "sys.path += [p for p in sites.split(os.pathsep) if p]\n"
    "calls = ast.literal_eval(sys.stdin.read())\n"
    "PLAIN = (int, float, str, bool)\n"
    "ALLOWED = {" + ", ".join(repr(e) for e in sorted(ALLOWED_EVENTS)) + "}\n"
    "SITES = tuple(p + os.sep for p in sites.split(os.pathsep) if p)\n"
    "READABLE = tuple(p + os.sep for p in [folder, sys.prefix, sys.base_prefix, *sites.split(os.pathsep)] if p)\n"
    "WRITES = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC\n"
    "state = {'on': False, 'stopped': False}\n"
    "def audit(event, args):\n"
    "    if not state['on'] or event in ALLOWED:\n"
    "        return\n"
    "    if event == 'open' and str(args[0]).startswith(READABLE) and (\n"
    "            isinstance(args[1], str) and not set(args[1]) & set('wax+') or\n"
    "            args[1] is None and not (args[2] or 0) & WRITES):\n"
    "        return\n"
    "    state['stopped'] = True\n"
    "    raise RuntimeError('not run here: ' + event)\n"
    "sys.addaudithook(audit)\n"
    "class Sealed:\n"
    "    def __getattr__(self, name):\n"
    "        state['stopped'] = True\n"
    "        raise RuntimeError('not run here: the standard streams')\n"
    "class Late(BaseException): pass\n"
    "def late(*_): raise Late()\n"
    "signal.signal(signal.SIGALRM, late)\n"
    "def scalar(v):\n"
    "    try:\n"
    "        return type(v) in PLAIN and ast.literal_eval(repr(v)) == v\n"
    "    except Exception:\n"
    "        return False\n"
    "def shown(v):\n"
    "    if isinstance(v, (tuple, list)):\n"
    "        items = [x for x in v if scalar(x)]\n"
    "        return (list if isinstance(v, list) else tuple)(items) if len(items) == len(v) else None\n"
    "    return v if scalar(v) else None\n"
    "def named(frame):\n"
    "    parts = [p for p in frame.f_code.co_qualname.split('.') if not p.startswith('<')]\n"
    "    return str(frame.f_globals.get('__name__')) + '.' + '.'.join(parts)\n"
    "def own_frame(frame):\n"
    "    return frame is not None and frame.f_code.co_filename.startswith(folder + os.sep)\n"
    "out = []\n"
    "for module, name, args in calls:\n"
    "    firsts, ran, foreign, by = {}, {}, [], {}\n"
    "    def tracer(frame, event, arg):\n"
    "        code = frame.f_code\n"
    "        if event == 'call' and code.co_filename.startswith(SITES):\n"
    "            foreign.append(code.co_filename)\n"
    "        if event != 'call' or not code.co_filename.startswith(folder + os.sep) or code.co_name[0] == '<':\n"
    "            return None\n"
    "        where = str(frame.f_globals.get('__name__')) + '.' + code.co_qualname.replace('.<locals>', '')\n"
    "        if own_frame(frame.f_back):\n"
    "            by.setdefault(where, set()).add(named(frame.f_back))\n"
    "        if where not in ran:\n"
    "            last = max(line for _, _, line in code.co_lines() if line)\n"
    "            path = os.path.relpath(code.co_filename, folder).replace(os.sep, '/')\n"
    "            ran[where] = [path, code.co_firstlineno, last, where]\n"
    "            skip = 1 if code.co_varnames[:1] in (('self',), ('cls',)) else 0\n"
    "            if code.co_argcount > skip and own_frame(frame.f_back):\n"
    "                firsts[where] = shown(frame.f_locals.get(code.co_varnames[skip]))\n"
    "        return None\n"
    "    sys.stdin = sys.stdout = sys.stderr = Sealed()\n"
    "    state['stopped'] = False\n"
    "    try:\n"
    "        function = getattr(importlib.import_module(module), name)\n"
    "        signal.setitimer(signal.ITIMER_REAL, float(sys.argv[4]))\n"
    "        sys.settrace(tracer)\n"
    "        state['on'] = True\n"
    "        value = function(*args)\n"
    "        state['on'] = False\n"
    "        sys.settrace(None)\n"
    "        signal.setitimer(signal.ITIMER_REAL, 0)\n"
    "        done = not state['stopped'] and not foreign\n"
    "        callers = {k: sorted(v) for k, v in by.items()}\n"
    "        out.append([shown(value), firsts, sorted(ran.values()), callers] if done else None)\n"
    "    except BaseException:\n"
    "        state['on'] = False\n"
    "        sys.settrace(None)\n"
    "        signal.setitimer(signal.ITIMER_REAL, 0)\n"
    "        out.append(None)\n"
    "    sys.stdin, sys.stdout, sys.stderr = sys.__stdin__, sys.__stdout__, sys.__stderr__\n"
    "for loaded in list(sys.modules.values()):\n"
    "    name, where = str(getattr(loaded, '__name__', '')), getattr(loaded, '__file__', None) or ''\n"
    "    if name.split('.')[0] in own and where and not os.path.abspath(where).startswith(folder + os.sep):\n"
    "        sys.exit('the project module %s was loaded from outside the project: %s' % (name, where))\n"
    "sys.__stdout__.write(repr(out))\n"
)


def _scalar(value: Any) -> bool:
    if isinstance(value, (bool, int)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and 0 < len(value) <= MAX_TEXT and value == value.strip() and \
        value.isprintable()


def plain(value: Any) -> bool:
    """Whether ``value`` is an answer with one spelling: an int, a finite float, a bool, a short one-line string
    with no surrounding blanks, or a short flat tuple or list of these (compared as a sequence)."""
    if isinstance(value, (tuple, list)):
        return 0 < len(value) <= MAX_ITEMS and all(_scalar(v) for v in value)
    return _scalar(value)


def _site_folders() -> str:
    """The interpreter's installed-package folders, searched after the project (for its dependencies)."""
    paths = sysconfig.get_paths()
    return os.pathsep.join(dict.fromkeys(p for p in (paths.get("purelib"), paths.get("platlib")) if p))


def _packages(files: dict[str, str]) -> str:
    """The top-level module names the project's files define."""
    tops = {p.split("/")[0].removesuffix(".py") for p in files if p.endswith(".py")}
    return ",".join(sorted(tops))


def _run_batch(root: str, files: dict[str, str], calls: list[Call]) -> list[Any] | None:
    argv = [sys.executable, "-I", "-B", "-c", _RUNNER, root, _site_folders(), _packages(files), str(CALL_TIMEOUT_S)]
    try:
        proc = subprocess.run(argv, input=repr(calls), capture_output=True, text=True, timeout=BATCH_TIMEOUT_S,
                              env={}, cwd=root)
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode != 0:
        return None
    try:
        found = ast.literal_eval(proc.stdout.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return found if isinstance(found, list) and len(found) == len(calls) else None


def _agreed(a: Any, b: Any) -> Outcome | None:
    """One call's outcome when both runs gave it alike. A value that is not plain (``None``, an object) is kept
    as ``None``: the call's value is then no answer, but the arguments seen on the way still are."""
    if a is None or b is None or repr(a) != repr(b):
        return None
    return (a[0] if plain(a[0]) else None, {k: v for k, v in a[1].items() if plain(v)}, [tuple(r) for r in a[2]],
            a[3])


def _write(root: str, py: dict[str, str]) -> None:
    for path, text in py.items():
        target = Path(root) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _in_scratch(py: dict[str, str], calls: list[Call]) -> list[Any] | None:
    """One batch run in a scratch folder of its own."""
    if not calls:
        return []
    with tempfile.TemporaryDirectory(prefix="locogym-run-") as tmp:
        root = str(Path(tmp).resolve())
        _write(root, py)
        return _run_batch(root, py, calls)


def run_calls(files: dict[str, str], calls: list[Call]) -> dict[Call, Outcome]:
    """The outcome of each call of ``calls`` on the Python files of ``files`` that ran alike twice — in two
    processes and two scratch folders, the second in the reverse order, so that a call whose value depends on
    what ran before it (a cache, a counter), on where it runs, on the clock or on chance disagrees. The value
    is ``None`` when it is not plain (:func:`plain`). Calls that raised, timed out, or disagreed are absent;
    a run that failed as a whole (an import error, a project module found elsewhere) gives nothing."""
    py = {p: t for p, t in sorted(files.items()) if p.endswith(".py")}
    key = stable_hash([py, [list(c) for c in calls]])
    if key in _BATCHES:
        return _BATCHES[key]
    forward = _in_scratch(py, calls)
    backward = _in_scratch(py, calls[::-1]) if forward else None
    outcomes: dict[Call, Outcome] = {}
    if forward is None or backward is None:
        forward = backward = [None] * len(calls)
    for call, a, b in zip(calls, forward, backward[::-1], strict=True):
        agreed = _agreed(a, b)
        if agreed is not None:
            outcomes[call] = agreed
    _BATCHES[key] = outcomes
    return outcomes


# argv: folder, site folders; stdin: a literal list of (module, class, member). Prints, per item, the module and
# qualified name of the first class of the class's __mro__ whose own namespace holds the member (None if none;
# "" when its module does not import here).
_OWNER_RUNNER = (
    "import ast, importlib, os, sys\n"
    "sys.path[:0] = [sys.argv[1]]\n"
    "sys.path += [p for p in sys.argv[2].split(os.pathsep) if p]\n"
    "out = []\n"
    "for module, name, member in ast.literal_eval(sys.stdin.read()):\n"
    "    try:\n"
    "        cls = getattr(importlib.import_module(module), name)\n"
    "    except Exception:\n"
    "        out.append('')\n"
    "        continue\n"
    "    owner = next((k for k in cls.__mro__ if member in vars(k)), None)\n"
    "    out.append(None if owner is None else owner.__module__ + '.' + owner.__qualname__ + '.' + member)\n"
    "print(repr(out))\n"
)


def owners(files: dict[str, str], asks: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], str | None] | None:
    """For each (module, class, member), the definition the interpreter's own ``__mro__`` finds first, by
    importing the project's Python files (its dependencies from the installed packages): ``None`` when no class
    holds it, ``""`` when the class's module does not import here; ``None`` for all when the run failed."""
    py = {p: t for p, t in sorted(files.items()) if p.endswith(".py")}
    with tempfile.TemporaryDirectory(prefix="locogym-mro-") as tmp:
        root = str(Path(tmp).resolve())
        _write(root, py)
        argv = [sys.executable, "-I", "-B", "-c", _OWNER_RUNNER, root, _site_folders()]
        try:
            proc = subprocess.run(argv, input=repr(asks), capture_output=True, text=True, timeout=BATCH_TIMEOUT_S,
                                  env={}, cwd=root)
        except subprocess.TimeoutExpired:
            return None
    try:
        found = ast.literal_eval(proc.stdout.strip()) if proc.returncode == 0 else None
    except (ValueError, SyntaxError):
        return None
    return dict(zip(asks, found, strict=True)) if isinstance(found, list) and len(found) == len(asks) else None
