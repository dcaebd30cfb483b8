"""Running calls of a real Go project's functions, sandboxed, to get a question's gold by execution.

A call either gives a *plain* value twice over or gives nothing, and nothing means the question is not asked:

* the module is copied to a scratch folder without its tests (their imports may need modules that are not
  here); a ``go.mod`` is written when the project has none. In every package a call reaches, a one-statement note
  is put at the start of each function whose first parameter has a basic type, on the line its body opens (so no
  line moves): it prints the value the first time the function runs. A generated test file per package holds
  the calls, one ``case`` each;
* the test binary is built (``go test -c`` with a statement coverage profile over the whole module) and each call
  runs in a process of its own, with a time limit; the functions that ran are read from the coverage profile;
* building and running happen inside bubblewrap: no network, nothing writable but the scratch folder (and, while
  building, the toolchain's build cache), the module cache read-only and the module proxy off — a project whose
  dependencies are neither in the module cache nor vendored does not build, and is not asked about;
* everything runs again in a second scratch folder, in the reverse order; a call counts only when both runs gave
  the same value, the same first arguments and the same functions.

Without ``go`` or a working bubblewrap, nothing runs (:func:`unavailable` says why) and the kinds are not asked.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from locogym.core.types import stable_hash
from locogym.sandboxes.bwrap import SYSTEM_DIRS, probe_bwrap
from locogym.scenarios.repo.cache import cache_dir
from locogym.scenarios.repo.go_calls import BASIC, GoFunc, call_source, is_go_source
from locogym.scenarios.repo.literal_runs import plain

BUILD_TIMEOUT_S = 300
CALL_TIMEOUT_S = 2
Call = tuple[str, tuple[Any, ...]]  # qualified name of a Go function, positional arguments
Outcome = tuple[Any, dict[str, Any], list[tuple[str, int, int, str]]]
HARNESS = "zz_locogym_calls_test.go"
NOTES = "zz_locogym_notes.go"
_SRC = "/src"
_GOCACHE = "/gocache"
_LOG = logging.getLogger(__name__)
_BATCHES: dict[str, dict[Call, Outcome]] = {}
_PROFILE = re.compile(r"^(?P<file>.+\.go):(?P<first>\d+)\.\d+,(?P<last>\d+)\.\d+ \d+ (?P<count>\d+)$")
_HELPER = '''package {package}

import (
\t"encoding/hex"
\t"fmt"
\t"math"
\t"os"
\t"reflect"
\t"strconv"
\t"sync"
)

var locogymNoted sync.Map

func locogymShow(v interface{{}}) string {{
\tr := reflect.ValueOf(v)
\tswitch r.Kind() {{
\tcase reflect.Bool:
\t\treturn "B " + strconv.FormatBool(r.Bool())
\tcase reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
\t\treturn "I " + strconv.FormatInt(r.Int(), 10)
\tcase reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
\t\treturn "I " + strconv.FormatUint(r.Uint(), 10)
\tcase reflect.Float32, reflect.Float64:
\t\tif math.IsInf(r.Float(), 0) || math.IsNaN(r.Float()) {{
\t\t\treturn "?"
\t\t}}
\t\treturn "F " + strconv.FormatFloat(r.Float(), 'g', -1, r.Type().Bits())
\tcase reflect.String:
\t\treturn "S " + hex.EncodeToString([]byte(r.String()))
\t}}
\treturn "?"
}}

func locogymNote(name string, v interface{{}}) {{
\tif _, seen := locogymNoted.LoadOrStore(name, true); !seen {{
\t\tfmt.Fprintf(os.Stderr, "\\x00A %s %s\\n", name, locogymShow(v))
\t}}
}}

func locogymStart() {{
	fmt.Fprintf(os.Stderr, "\\x00C\\n")
}}

func locogymReport(v interface{{}}) {{
\tfmt.Fprintf(os.Stdout, "\\x00V %s\\n", locogymShow(v))
}}

func locogymReportValue(v interface{{}}, err error) {{
\tif err == nil {{
\t\tlocogymReport(v)
\t}}
}}
'''


@functools.cache
def toolchain() -> str | None:
    """The Go toolchain's version (``go1.19.8``), or ``None`` when there is none on the path."""
    go = shutil.which("go")
    if go is None:
        return None
    try:
        done = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True, timeout=60,
                              env={"PATH": os.environ.get("PATH", ""), "HOME": tempfile.gettempdir()})
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


@functools.cache
def _go_env() -> tuple[str, str]:
    """The toolchain's GOROOT and module cache (read-only inside the sandbox)."""
    done = subprocess.run(["go", "env", "GOROOT", "GOMODCACHE"], capture_output=True, text=True, timeout=60,
                          env={"PATH": os.environ.get("PATH", ""), "HOME": tempfile.gettempdir()})
    root, modcache = (done.stdout.split("\n") + ["", ""])[:2]
    return os.path.realpath(root.strip()), modcache.strip()


def unavailable() -> str | None:
    """Why Go calls cannot run here (``None`` when they can)."""
    if toolchain() is None:
        return "no Go toolchain on the PATH (install golang-go): Go run-based questions are not asked"
    reason = probe_bwrap()
    return f"no sandbox for Go runs ({reason}): Go run-based questions are not asked" if reason else None


@functools.cache
def _warn_once(reason: str) -> None:
    """Say once per process why Go run-based questions are not asked here."""
    _LOG.warning(reason)


def _sandbox(scratch: Path, command: list[str], env: dict[str, str], workdir: str, build: bool) -> list[str]:
    """bubblewrap around ``command``: the system read-only, the scratch folder at /src, no network."""
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--clearenv"]
    for name in SYSTEM_DIRS:
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), f"/{name}"]
        elif path.is_dir():
            args += ["--ro-bind", str(path), f"/{name}"]
    goroot, modcache = _go_env()
    args += ["--ro-bind", goroot, goroot]
    if build and modcache and Path(modcache).is_dir():
        args += ["--ro-bind", modcache, modcache]
    if build:
        gocache = cache_dir() / "go-build"
        gocache.mkdir(parents=True, exist_ok=True)
        args += ["--bind", str(gocache), _GOCACHE]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--bind", str(scratch), _SRC,
             "--chdir", f"{_SRC}/{workdir}".rstrip("/")]
    args += [item for key, value in sorted(env.items()) for item in ("--setenv", key, value)]
    return [*args, *command]


def _build_env() -> dict[str, str]:
    goroot, modcache = _go_env()
    return {"PATH": f"{goroot}/bin:/usr/bin:/bin", "HOME": "/tmp", "GOROOT": goroot, "GOCACHE": _GOCACHE,
            "GOMODCACHE": modcache or "/tmp/gomod", "GOPROXY": "off", "GOSUMDB": "off", "GOFLAGS": "-mod=mod",
            "GOTOOLCHAIN": "local", "GOWORK": "off", "CGO_ENABLED": "0", "GOTELEMETRY": "off"}


def module_path(files: dict[str, str]) -> str | None:
    """The module path ``go.mod`` declares (``None``: no ``go.mod`` at the root)."""
    text = files.get("go.mod")
    if text is None:
        return None
    match = re.search(r"^module\s+\"?([^\s\"]+)", text, re.MULTILINE)
    return match.group(1) if match else None


def package_names(files: dict[str, str], package_of: dict[str, str]) -> dict[str, str]:
    """Package folder -> its package name, for folders whose non-test files all name the same package (files
    built only with a build constraint aside: a generator's ``package main`` next to the library)."""
    names: dict[str, set[str]] = {}
    for path, name in package_of.items():
        if is_go_source(path) and path in files and name:
            names.setdefault(os.path.dirname(path), set()).add(name)
    return {folder: next(iter(found)) for folder, found in names.items() if len(found) == 1}


def _noted(text: str, funcs: list[tuple[str, GoFunc]]) -> str:
    """A file's text with a note at the start of the body of each function of ``funcs`` (same lines)."""
    data = text.encode("utf-8")
    for qual, func in sorted(funcs, key=lambda item: -item[1].body_open):
        name = func.params[0][0]
        note = f' locogymNote("{qual}", {name});'.encode()
        data = data[:func.body_open] + note + data[func.body_open:]
    return data.decode("utf-8")


def note_targets(funcs: dict[str, GoFunc]) -> dict[str, list[tuple[str, GoFunc]]]:
    """File -> the functions and methods whose first parameter is named and of a basic type (noted on entry)."""
    out: dict[str, list[tuple[str, GoFunc]]] = {}
    for qual, func in sorted(funcs.items()):
        if func.params and func.params[0][0] not in {"", "_"} and func.params[0][1] in BASIC and \
                not func.generic and func.body_open > 0:
            out.setdefault(func.path, []).append((qual, func))
    return out


def harness(package: str, cases: list[tuple[int, str, bool]]) -> str:
    """The generated test file of one package: case ``i`` makes call ``i`` (its Go source; with an error result
    or not) and reports its value (when the error is nil)."""
    lines = [f"package {package}", "", 'import (\n\t"os"\n\t"testing"\n)', "",
             "func TestLocogymCalls(t *testing.T) {", '\tswitch os.Getenv("LOCOGYM_CALL") {']
    for number, source, with_error in cases:
        report = "locogymReportValue" if with_error else "locogymReport"
        lines += [f'\tcase "{number}":', f"\t\tlocogymStart(); {report}({source})"]
    return "\n".join([*lines, "\t}", "}", ""])


def decode(text: str) -> tuple[bool, Any]:
    """A value as the notes print it (``I 3``, ``S 616263``, ...): ``(False, None)`` for anything else."""
    tag, _, body = text.partition(" ")
    try:
        if tag == "I":
            return True, int(body)
        if tag == "F":
            return True, float(body)
        if tag == "B":
            return body in {"true", "false"}, body == "true"
        if tag == "S":
            return True, bytes.fromhex(body).decode("utf-8")
    except ValueError:
        return False, None
    return False, None


def block_counts(profile: str, module: str) -> dict[tuple[str, int, str], int]:
    """(file in the project, first line, block) -> how often a coverage profile's block ran."""
    counts: dict[tuple[str, int, str], int] = {}
    for line in profile.splitlines():
        match = _PROFILE.match(line.strip())
        if match is not None and match["file"].startswith(module + "/"):
            block = (match["file"][len(module) + 1:], int(match["first"]), line.split(" ")[0])
            counts[block] = counts.get(block, 0) + int(match["count"])
    return counts


def ran_functions(profile: str, before: dict[tuple[str, int, str], int], module: str,
                  funcs: dict[str, GoFunc]) -> list[tuple[str, int, int, str]]:
    """The project functions whose blocks ran more often during the call than in a run that makes no call
    (``before``: what initializing the packages runs)."""
    by_path: dict[str, list[tuple[str, GoFunc]]] = {}
    for qual, func in funcs.items():
        by_path.setdefault(func.path, []).append((qual, func))
    ran = set()
    for (path, first, block), count in block_counts(profile, module).items():
        if count > before.get((path, first, block), 0):
            ran |= {(f.path, f.line, f.end_line, q) for q, f in by_path.get(path, [])
                    if f.line <= first <= f.end_line}
    return sorted(ran)


def first_arguments(stderr: str) -> dict[str, Any]:
    """Function -> the plain first argument noted the first time it ran during the call; a function that ran
    before the call started (while the packages were initialized) has no note of the call's own, and none here."""
    firsts: dict[str, Any] = {}
    earlier: set[str] = set()
    started = False
    for line in stderr.splitlines():
        started = started or line.endswith("\x00C")
        if "\x00A " in line:
            qual, _, shown = line.partition("\x00A ")[2].partition(" ")
            noted, first = decode(shown)
            if not started:
                earlier.add(qual)
            elif noted and plain(first) and qual not in earlier:
                firsts[qual] = first
    return firsts


def _outcome(shown: tuple[str, str, str], before: dict[tuple[str, int, str], int], module: str,
             funcs: dict[str, GoFunc]) -> Outcome | None:
    stdout, stderr, profile = shown
    reports = [ln.partition("\x00V ")[2] for ln in stdout.splitlines() if "\x00V " in ln]
    ok, value = decode(reports[0]) if len(reports) == 1 else (False, None)
    if not ok or not plain(value):
        return None
    return value, first_arguments(stderr), ran_functions(profile, before, module, funcs)


def _write_module(root: Path, files: dict[str, str], module: str | None, notes: dict[str, list[tuple[str, GoFunc]]],
                  packages: dict[str, str], cases: dict[str, list[tuple[int, str, bool]]]) -> None:
    for path, text in files.items():
        if path.endswith("_test.go"):
            continue
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_noted(text, notes[path]) if path in notes else text, encoding="utf-8")
    if module is None:
        (root / "go.mod").write_text("module project\n\ngo 1.16\n", encoding="utf-8")
    for folder, package in packages.items():
        (root / folder / NOTES).write_text(_HELPER.format(package=package), encoding="utf-8")
    for folder, found in cases.items():
        (root / folder / HARNESS).write_text(harness(packages[folder], found), encoding="utf-8")


def _build(root: Path, folder: str, module: str) -> tuple[bool, str]:
    """``go test -c`` of one package inside the sandbox: (built, the compiler's messages)."""
    command = ["go", "test", "-c", "-tags=purego", "-o", f"{_SRC}/.bin/{stable_hash(folder)[:16]}", "-covermode=count",
               f"-coverpkg={module}/...", "."]
    try:
        done = subprocess.run(_sandbox(root, command, _build_env(), folder, build=True), capture_output=True,
                              text=True, timeout=BUILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return False, "the build timed out"
    return done.returncode == 0, done.stderr


def _failing_cases(messages: str, cases: list[tuple[int, str, bool]]) -> set[int]:
    """The calls whose lines of the generated test file the compiler rejected (a literal the type refuses)."""
    bad = {int(m) for m in re.findall(rf"{HARNESS}:(\d+):", messages)}
    # the header takes 9 lines (package, imports, the test's first two lines); each case two (the case, the call)
    return {number for i, (number, _, _) in enumerate(cases) if 10 + 2 * i in bad or 11 + 2 * i in bad}


def _run_case(root: Path, folder: str, number: int | str) -> tuple[str, str, str] | None:
    """One call (``"none"``: no call, only the packages initialized) run by the package's test binary:
    (its output, its notes, its coverage profile), or ``None`` when it failed or took too long."""
    binary = f"{_SRC}/.bin/{stable_hash(folder)[:16]}"
    profile = f".cover/{number}.out"
    command = [binary, "-test.run=^TestLocogymCalls$", f"-test.coverprofile={_SRC}/{profile}",
               f"-test.timeout={CALL_TIMEOUT_S}s"]
    try:
        done = subprocess.run(_sandbox(root, command, {"LOCOGYM_CALL": str(number), "HOME": "/tmp"}, folder,
                                       build=False), capture_output=True, text=True, timeout=CALL_TIMEOUT_S * 10)
    except subprocess.TimeoutExpired:
        return None
    written = root / profile
    if done.returncode != 0 or not written.exists():
        return None
    return done.stdout, done.stderr, written.read_text(encoding="utf-8", errors="replace")


def _one_run(files: dict[str, str], funcs: dict[str, GoFunc], packages: dict[str, str],
             cases: dict[str, list[tuple[int, str, bool]]], reverse: bool) -> dict[int, Outcome]:
    """Every case built and run in a scratch folder of its own (in reverse order with ``reverse``)."""
    module = module_path(files) or "project"
    notes = {p: found for p, found in note_targets(funcs).items() if os.path.dirname(p) in packages}
    out: dict[int, Outcome] = {}
    with tempfile.TemporaryDirectory(prefix="locogym-go-") as tmp:
        root = Path(tmp)
        _write_module(root, files, module_path(files), notes, packages, cases)
        (root / ".bin").mkdir()
        (root / ".cover").mkdir()
        for folder in sorted(cases, reverse=reverse):
            built, messages = _build(root, folder, module)
            bad = _failing_cases(messages, cases[folder]) if not built else set()
            if bad:  # drop the calls the compiler refused, once
                cases[folder] = [c for c in cases[folder] if c[0] not in bad]
                (root / folder / HARNESS).write_text(harness(packages[folder], cases[folder]), encoding="utf-8")
                built, messages = _build(root, folder, module)
            if not built:
                _LOG.info("Go package %r does not build offline here: %s", folder, messages.strip()[-300:])
                continue
            baseline = _run_case(root, folder, "none")
            if baseline is None:
                continue
            before = block_counts(baseline[2], module)
            for number, _, _ in sorted(cases[folder], reverse=reverse):
                shown = _run_case(root, folder, number)
                found = _outcome(shown, before, module, funcs) if shown else None
                if found is not None:
                    out[number] = found
    return out


def run_calls(files: dict[str, str], funcs: dict[str, GoFunc], calls: list[Call],
              package_of: dict[str, str]) -> dict[Call, Outcome]:
    """The outcome of each call that ran alike twice (see the module docstring); ``funcs`` are every function
    and method of the project's non-test Go files by qualified name, ``package_of`` each Go file's package."""
    if not calls:
        return {}
    reason = unavailable()
    if reason is not None:
        _warn_once(reason)
        return {}
    key = stable_hash([sorted(files.items()), [[q, list(a)] for q, a in calls], toolchain()])
    if key in _BATCHES:
        return _BATCHES[key]
    packages = package_names(files, package_of)
    cases: dict[str, list[tuple[int, str, bool]]] = {}
    for number, (qual, args) in enumerate(calls):
        folder = os.path.dirname(funcs[qual].path)
        if folder in packages:
            cases.setdefault(folder, []).append((number, call_source(funcs[qual], args), funcs[qual].with_error))
    first = _one_run(files, funcs, packages, {k: list(v) for k, v in cases.items()}, reverse=False)
    second = _one_run(files, funcs, packages, {k: list(v) for k, v in cases.items()}, reverse=True) if first else {}
    found = {calls[n]: outcome for n, outcome in first.items() if n in second and repr(second[n]) == repr(outcome)}
    _BATCHES[key] = found
    return found
