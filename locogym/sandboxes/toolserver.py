"""The in-sandbox tool server: one long-lived process that answers file and command requests.

Why it exists: starting a process per file tool call (``docker exec cat FILE``) costs tens of milliseconds; a
request to a server that is already running costs one message round trip. The same program serves every
backend (docker, bwrap, local), so file tools behave the same everywhere.

This module is shipped into the sandbox as source and run with ``python3 -I -S -c SOURCE``, so it must stay
**standard library only** and must not import anything from locogym. The host imports it too (for
:func:`glob_match`, :func:`grep_text`, :func:`parse_unified_diff` and :func:`apply_hunks`), which keeps one
implementation of glob, grep and patch semantics for every backend.

Protocol (both directions): a message is one JSON object on one line. When it has an integer ``"blob"`` field,
exactly that many raw bytes follow the newline (file contents, tar streams, command stdin), so large payloads
cost no base64. Requests are ``{"id", "op", ...arguments}``; replies are ``{"id", "ok": true, "result": {...}}``
or ``{"id", "ok": false, "error": {"type", "message", "errno"}}``. The first message the server writes is a
greeting with id 0 (its pid, uid, protocol version and workspace root).

Options: ``--root DIR`` (the workspace), ``--reap`` (after every command, and at start, kill every other process
of the sandbox except the server's ancestors: a command may not leave anything running; only for backends whose
process space belongs to the sandbox alone), ``--limits JSON`` (rlimits applied to each command), ``--home DIR``
(HOME and TMPDIR of commands).
"""

from __future__ import annotations

import fnmatch
import io
import json
import os
import re
import selectors
import signal
import stat
import subprocess
import sys
import tarfile
import threading
import time

PROTOCOL = 1
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"
SKIP_DIRS = frozenset({".git", "__pycache__", "node_modules", ".venv"})
BINARY_SNIFF = 8192
GREP_LINE_CHARS = 500
STOP_AFTER_FACTOR = 64  # a command writing this many times its output limit is stopped (endless output)
_RLIMITS = {"as": "RLIMIT_AS", "fsize": "RLIMIT_FSIZE", "nproc": "RLIMIT_NPROC", "cpu": "RLIMIT_CPU",
            "nofile": "RLIMIT_NOFILE", "core": "RLIMIT_CORE"}


class PathOutsideWorkspace(PermissionError):
    """Raised for paths that leave the workspace; the host maps it onto its own class of the same name."""


class PatchError(ValueError):
    """A patch is malformed or does not apply; the message names the file and hunk."""


# ----------------------------------------------------------------------------------------------- glob and grep
_GLOB_CACHE: dict[str, re.Pattern[str]] = {}


def _glob_regex(pattern: str) -> re.Pattern[str]:
    cached = _GLOB_CACHE.get(pattern)
    if cached is not None:
        return cached
    regex, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex, i = regex + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            regex, i = regex + ".*", i + 2
        elif pattern[i] == "*":
            regex, i = regex + "[^/]*", i + 1
        elif pattern[i] == "?":
            regex, i = regex + "[^/]", i + 1
        else:
            regex, i = regex + re.escape(pattern[i]), i + 1
    compiled = re.compile(regex, re.DOTALL)
    if len(_GLOB_CACHE) < 256:
        _GLOB_CACHE[pattern] = compiled
    return compiled


def glob_match(path: str, pattern: str) -> bool:
    """Glob match where ``**/`` may match zero or more folders and ``*`` stays within one folder.

    A pattern without ``/`` also matches a file's base name, so ``*.py`` finds Python files at any depth.
    """
    if _glob_regex(pattern).fullmatch(path) is not None:
        return True
    return "/" not in pattern and fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern)


def grep_text(data: bytes, regex: re.Pattern[str]) -> list[tuple[int, str]]:
    """(line number, line) pairs of a file's lines that match; binary files (NUL early on) have none."""
    if b"\x00" in data[:BINARY_SNIFF]:
        return []
    return [(n, line[:GREP_LINE_CHARS]) for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1)
            if regex.search(line)]


# ------------------------------------------------------------------------------------------------------- patch
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def split_lines(text: str) -> list[str]:
    """Lines with their ends, split on ``\\n`` only (form feeds and lone ``\\r`` stay inside a line)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    return lines + [parts[-1]] if parts[-1] else lines


def _patch_path(header: str) -> str | None:
    name = header.split("\t", 1)[0].strip()
    if name == "/dev/null":
        return None
    if name.startswith('"') and name.endswith('"'):
        name = name[1:-1]
    if name[:2] in ("a/", "b/"):
        name = name[2:]
    return name


def parse_unified_diff(patch: str) -> list[tuple[str | None, str | None, list[tuple[int, list[str], list[str]]]]]:
    """Split a unified diff into (old path, new path, hunks); a hunk is (old start, old lines, new lines).

    Lines keep their line ends; ``\\ No newline at end of file`` strips the end of the line before it.
    """
    lines = split_lines(patch)
    files: list[tuple[str | None, str | None, list[tuple[int, list[str], list[str]]]]] = []
    i = 0
    while i < len(lines):
        if not (lines[i].startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ ")):
            i += 1
            continue
        old_path, new_path = _patch_path(lines[i][4:]), _patch_path(lines[i + 1][4:])
        i += 2
        hunks: list[tuple[int, list[str], list[str]]] = []
        while i < len(lines) and lines[i].startswith("@@"):
            found = _HUNK.match(lines[i])
            if found is None:
                raise PatchError(f"Malformed hunk header {lines[i].strip()!r}.")
            old_count = int(found.group(2) or "1")
            new_count = int(found.group(4) or "1")
            old: list[str] = []
            new: list[str] = []
            i += 1
            previous = ""
            while i < len(lines) and (len(old) < old_count or len(new) < new_count or lines[i].startswith("\\")):
                line = lines[i]
                tag, body = line[:1], line[1:]
                if tag == "\\":  # "\ No newline at end of file" belongs to the line before it
                    if previous in (" ", "-") and old:
                        old[-1] = old[-1].rstrip("\r\n")
                    if previous in (" ", "+") and new:
                        new[-1] = new[-1].rstrip("\r\n")
                elif tag == " " or line in ("\n", "\r\n"):
                    body = body if tag == " " else line
                    old.append(body)
                    new.append(body)
                    tag = " "
                elif tag == "-":
                    old.append(body)
                elif tag == "+":
                    new.append(body)
                else:
                    raise PatchError(f"Unexpected line {line.rstrip()!r} inside a hunk of {new_path or old_path}.")
                previous = tag
                i += 1
            if len(old) != old_count or len(new) != new_count:
                raise PatchError(f"A hunk of {new_path or old_path} is cut short: expected {old_count} old and "
                                 f"{new_count} new lines, found {len(old)} and {len(new)}.")
            hunks.append((int(found.group(1)), old, new))
        files.append((old_path, new_path, hunks))
    if not files:
        raise PatchError("No file headers (--- a/PATH, +++ b/PATH) found; give a unified diff.")
    return files


def _find_hunk(lines: list[str], old: list[str], start: int) -> int:
    """Where ``old`` occurs in ``lines``: at ``start`` if it fits, else the nearest offset; -1 when nowhere."""
    limit = len(lines) - len(old)
    for distance in range(0, max(limit, 0) + max(start, 0) + 2):
        for pos in (start - distance, start + distance) if distance else (start,):
            if 0 <= pos <= limit and lines[pos:pos + len(old)] == old:
                return pos
    return -1


def apply_hunks(path: str, text: str, hunks: list[tuple[int, list[str], list[str]]]) -> str:
    """Apply one file's hunks to its text (context must match exactly; an offset is allowed)."""
    lines = split_lines(text)
    delta = 0
    for number, (old_start, old, new) in enumerate(hunks, 1):
        want = max(old_start - 1, 0) + delta if old else old_start + delta
        pos = _find_hunk(lines, old, want) if old else min(max(want, 0), len(lines))
        if pos < 0:
            raise PatchError(f"Hunk {number} of {path} does not apply: its context lines (from line {old_start}) "
                             "are not in the file. Re-read the file and make the diff against its current text.")
        lines[pos:pos + len(old)] = new
        delta += pos - (old_start - 1 if old else old_start) + len(new) - len(old)
    return "".join(lines)


# ---------------------------------------------------------------------------------------------------- the server
class Server:
    """Dispatches requests against one workspace root. Every ``op_*`` method is one request type."""

    def __init__(self, root: str, reap: bool, limits: dict[str, int], home: str) -> None:
        self.root = os.path.realpath(root)
        self.reap = reap
        self.limits = limits
        self.home = home

    # --------------------------------------------------------------- paths
    def _inside(self, path: str) -> bool:
        return path == self.root or path.startswith(self.root.rstrip("/") + "/")

    def resolve(self, rel: str) -> str:
        """Absolute path of a workspace path; raises PathOutsideWorkspace for ``..`` and outward symlinks."""
        if not isinstance(rel, str) or "\x00" in rel or rel.startswith("/"):
            raise PathOutsideWorkspace(f"{rel!r} is not a path relative to the workspace.")
        joined = os.path.normpath(os.path.join(self.root, rel))
        if not self._inside(joined):
            raise PathOutsideWorkspace(f"{rel!r} leaves the workspace.")
        real = os.path.realpath(joined)
        if not self._inside(real):
            raise PathOutsideWorkspace(f"{rel!r} leads outside the workspace through a symbolic link.")
        return real

    def rel(self, absolute: str) -> str:
        return os.path.relpath(absolute, self.root) if absolute != self.root else ""

    # ------------------------------------------------------------ commands
    def _limit_child(self) -> None:
        import resource  # only in the child, after fork

        for key, value in self.limits.items():
            name = _RLIMITS.get(key)
            if name is not None:
                resource.setrlimit(getattr(resource, name), (value, value))

    def op_exec(self, req: dict, blob: bytes | None) -> tuple[dict, None]:
        argv = req["argv"]
        if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
            raise ValueError("argv must be a non-empty list of strings")
        timeout = float(req.get("timeout", 30.0))
        limit = int(req.get("output_limit", 256 * 1024))
        cwd = self.resolve(req.get("cwd") or ".")
        if not os.path.isdir(cwd):
            raise NotADirectoryError(f"the working folder {req.get('cwd')!r} is not a folder of the workspace")
        env = {"PATH": DEFAULT_PATH, "HOME": self.home, "TMPDIR": self.home, "LANG": "C.UTF-8",
               "LC_ALL": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
        env.update({str(k): str(v) for k, v in (req.get("env") or {}).items()})
        start = time.monotonic()
        try:
            proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE if blob else subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                    close_fds=True, preexec_fn=self._limit_child if self.limits else None)
        except (FileNotFoundError, NotADirectoryError):
            return _exec_result(127, b"", f"{argv[0]}: command not found\n".encode(), start), None
        except PermissionError as exc:
            return _exec_result(126, b"", f"{argv[0]}: {exc.strerror}\n".encode(), start), None
        except OSError as exc:  # e.g. the pids limit refused the fork
            return _exec_result(126, b"", f"{argv[0]}: could not start: {exc}\n".encode(), start), None
        if blob:
            threading.Thread(target=_feed, args=(proc.stdin, blob), daemon=True).start()
        out, err, timed_out, stopped = _collect(proc, start + timeout, limit)
        if not (timed_out or stopped):
            try:  # the pipes can close a moment before the process exits (programs that close stdout at exit)
                proc.wait(timeout=max(start + timeout - time.monotonic(), 0.001))
            except subprocess.TimeoutExpired:
                timed_out = True
        _kill_group(proc.pid)
        code = proc.wait()
        if self.reap:
            reap_strays()
        result = _exec_result(code, out.data, err.data, start)
        result["stdout"] += out.marker("stdout", stopped)
        result["stderr"] += err.marker("stderr", stopped)
        result["timed_out"] = timed_out
        result["truncated"] = out.cut > 0 or err.cut > 0
        return result, None

    # --------------------------------------------------------------- files
    def op_read(self, req: dict, blob: bytes | None) -> tuple[dict, bytes]:
        path = self.resolve(req["path"])
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
        try:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                raise IsADirectoryError(f"{req['path']!r} is a folder; list it instead.")
            if not stat.S_ISREG(info.st_mode):
                raise PermissionError(f"{req['path']!r} is not a regular file.")
            chunks = []
            while True:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(fd)
        data = b"".join(chunks)
        return {"size": len(data)}, data

    def op_write(self, req: dict, blob: bytes | None) -> tuple[dict, None]:
        rel = req["path"]
        path = self.resolve(rel)
        if path == self.root or os.path.isdir(path):
            raise IsADirectoryError(f"{rel!r} is a folder.")
        parent = os.path.dirname(path)
        os.makedirs(parent, exist_ok=True)
        if not self._inside(os.path.realpath(parent)):
            raise PathOutsideWorkspace(f"{rel!r} leads outside the workspace through a symbolic link.")
        mode = int(req.get("mode", 0o644))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
        try:
            view = memoryview(blob or b"")
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        return {"size": len(blob or b"")}, None

    def op_delete(self, req: dict, blob: bytes | None) -> tuple[dict, None]:
        rel = req["path"]
        joined = os.path.normpath(os.path.join(self.root, rel))
        path = self.resolve(rel) if not os.path.islink(joined) else joined  # a link itself may be removed
        if not self._inside(path) or path == self.root:
            raise PathOutsideWorkspace(f"{rel!r} leaves the workspace.")
        if os.path.isdir(path) and not os.path.islink(path):
            raise IsADirectoryError(f"{rel!r} is a folder.")
        os.unlink(path)
        return {}, None

    def op_list(self, req: dict, blob: bytes | None) -> tuple[dict, None]:
        path = self.resolve(req.get("path") or ".")
        entries = []
        with os.scandir(path) as scan:
            for entry in scan:
                entries.append(_entry(entry))
        entries.sort(key=lambda e: str(e[0]))
        return {"entries": entries}, None

    def op_stat(self, req: dict, blob: bytes | None) -> tuple[dict, None]:
        path = self.resolve(req.get("path") or ".")
        info = os.lstat(path)
        kind = _kind(info.st_mode)
        return {"type": kind, "size": info.st_size, "mtime": info.st_mtime, "mode": stat.S_IMODE(info.st_mode)}, None

    def walk(self, root_rel: str = "") -> list[str]:
        """Every regular file under a folder, relative to the workspace, sorted; skips VCS and cache folders."""
        out = []
        stack = [self.resolve(root_rel or ".")]
        while stack:
            folder = stack.pop()
            try:
                scan = list(os.scandir(folder))
            except OSError:
                continue
            for entry in scan:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIP_DIRS:
                        stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    out.append(self.rel(entry.path))
        out.sort()
        return out

    def op_glob(self, req: dict, blob: bytes | None) -> tuple[dict, None]:
        pattern, limit = req.get("pattern") or "**/*", int(req.get("limit", 10_000))
        return {"paths": [p for p in self.walk() if glob_match(p, pattern)][:limit]}, None

    def op_grep(self, req: dict, blob: bytes | None) -> tuple[dict, None]:
        try:
            regex = re.compile(req["pattern"], re.IGNORECASE if req.get("ignore_case") else 0)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {req['pattern']!r}: {exc}") from None
        path_glob, cap = req.get("glob") or "**/*", int(req.get("max_matches", 200))
        matches: list[list[object]] = []
        for rel in self.walk():
            if not glob_match(rel, path_glob):
                continue
            try:
                with open(os.path.join(self.root, rel), "rb") as handle:
                    data = handle.read()
            except OSError:
                continue
            for number, line in grep_text(data, regex):
                matches.append([rel, number, line])
                if len(matches) >= cap:
                    return {"matches": matches}, None
        return {"matches": matches}, None

    def op_clear(self, req: dict, blob: bytes | None) -> tuple[dict, None]:
        _clear(self.root)
        return {}, None

    def op_load(self, req: dict, blob: bytes | None) -> tuple[dict, None]:
        """Unpack a tar stream of regular files and folders into the workspace (optionally emptying it first)."""
        if req.get("clear"):
            _clear(self.root)
        count = 0
        with tarfile.open(fileobj=io.BytesIO(blob or b""), mode="r:") as archive:
            for member in archive:
                if not (member.isreg() or member.isdir()):
                    raise PermissionError(f"{member.name!r}: only regular files and folders can be loaded.")
                path = self.resolve(member.name)
                if member.isdir():
                    os.makedirs(path, exist_ok=True)
                    continue
                os.makedirs(os.path.dirname(path), exist_ok=True)
                source = archive.extractfile(member)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, member.mode & 0o755 or 0o644)
                try:
                    data = source.read() if source is not None else b""
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view):]
                finally:
                    os.close(fd)
                count += 1
        return {"files": count}, None

    def op_patch(self, req: dict, blob: bytes | None) -> tuple[dict, None]:
        """Apply a unified diff; every file is checked before any is written, so a failed patch changes nothing."""
        plan: list[tuple[str, str | None]] = []
        for old_path, new_path, hunks in parse_unified_diff(req["patch"]):
            target = new_path or old_path
            if target is None:
                raise PatchError("A file header has /dev/null on both sides.")
            absolute = self.resolve(target)
            if old_path is None:
                if os.path.exists(absolute):
                    raise PatchError(f"{target} already exists; the patch wants to create it.")
                text = ""
            else:
                source = self.resolve(old_path)
                try:
                    with open(source, encoding="utf-8", newline="") as handle:
                        text = handle.read()
                except FileNotFoundError:
                    raise PatchError(f"{old_path} does not exist; the patch changes it.") from None
                except UnicodeDecodeError:
                    raise PatchError(f"{old_path} is not UTF-8 text; it cannot be patched.") from None
            new_text = apply_hunks(target, text, hunks)
            if new_path is None:
                plan.append((self.resolve(old_path or target), None))
            else:
                if old_path is not None and old_path != new_path:
                    plan.append((self.resolve(old_path), None))
                plan.append((absolute, new_text))
        changed = []
        for absolute, content in plan:
            if content is None:
                os.unlink(absolute)
            else:
                os.makedirs(os.path.dirname(absolute), exist_ok=True)
                with open(absolute, "w", encoding="utf-8", newline="") as handle:
                    handle.write(content)
            changed.append(self.rel(absolute))
        return {"changed": changed}, None

    def op_ping(self, req: dict, blob: bytes | None) -> tuple[dict, None]:
        return {"pid": os.getpid()}, None


# ----------------------------------------------------------------------------------------------- command helpers
class _Capture:
    """Keeps the first ``limit`` bytes of a stream and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = b""
        self.cut = 0

    def add(self, chunk: bytes) -> None:
        room = self.limit - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        self.cut += max(0, len(chunk) - max(room, 0))

    def marker(self, stream: str, stopped: bool) -> str:
        if not self.cut:
            return ""
        tail = " The command was stopped because it kept writing." if stopped else ""
        return f"\n[{stream} cut: {self.cut} more bytes were not shown (limit {self.limit} bytes).{tail}]\n"


def _feed(pipe, data: bytes) -> None:
    try:
        pipe.write(data)
    except OSError:
        pass
    finally:
        try:
            pipe.close()
        except OSError:
            pass


def _collect(proc: subprocess.Popen, deadline: float, limit: int) -> tuple[_Capture, _Capture, bool, bool]:
    """Read stdout and stderr until both close, the deadline passes, or the output never ends.

    When the command itself has exited, whatever it left running is killed at once, so a background child that
    holds the pipes open cannot stretch the call to its timeout.
    """
    assert proc.stdout is not None and proc.stderr is not None
    out, err = _Capture(limit), _Capture(limit)
    captures = {proc.stdout.fileno(): out, proc.stderr.fileno(): err}
    selector = selectors.DefaultSelector()
    for fd in captures:
        selector.register(fd, selectors.EVENT_READ)
    timed_out = stopped = False
    group_killed = False
    try:
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                _kill_group(proc.pid)
                break
            for key, _ in selector.select(min(remaining, 0.05)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fd)
                    continue
                captures[key.fd].add(chunk)
                if out.cut + err.cut > STOP_AFTER_FACTOR * limit:
                    stopped = True
                    _kill_group(proc.pid)
            if stopped:
                break
            if not group_killed and proc.poll() is not None:
                group_killed = True
                _kill_group(proc.pid)
                deadline = min(deadline, time.monotonic() + 1.0)
    finally:
        selector.close()
        proc.stdout.close()
        proc.stderr.close()
    return out, err, timed_out, stopped


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _ancestors() -> set[int]:
    chain, pid = {os.getpid()}, os.getpid()
    while pid > 1:
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            pid = int(fields[1])
        except (OSError, IndexError, ValueError):
            break
        chain.add(pid)
    chain.add(1)
    return chain


def reap_strays() -> int:
    """Kill every process the server may signal except itself and its ancestors; returns how many it hit."""
    keep, hit = _ancestors(), 0
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) not in keep:
            try:
                os.kill(int(name), signal.SIGKILL)
                hit += 1
            except (ProcessLookupError, PermissionError):
                pass
    return hit


def _exec_result(code: int, out: bytes, err: bytes, start: float) -> dict:
    return {"exit_code": code, "stdout": out.decode("utf-8", "replace"), "stderr": err.decode("utf-8", "replace"),
            "timed_out": False, "truncated": False, "duration_ms": (time.monotonic() - start) * 1000}


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    return "other"


def _entry(entry: os.DirEntry) -> list[object]:
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError:
        return [entry.name, "other", 0]
    return [entry.name, _kind(info.st_mode), info.st_size if stat.S_ISREG(info.st_mode) else 0]


def _clear(root: str) -> None:
    for entry in os.scandir(root):
        if entry.is_dir(follow_symlinks=False):
            _rmtree(entry.path)
        else:
            os.unlink(entry.path)


def _rmtree(path: str) -> None:
    for entry in os.scandir(path):
        if entry.is_dir(follow_symlinks=False):
            _rmtree(entry.path)
        else:
            os.unlink(entry.path)
    os.rmdir(path)


# --------------------------------------------------------------------------------------------------- main loop
def _read_exact(stream, size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) != size:
        raise EOFError
    return data


def _send(out, message: dict, blob: bytes | None) -> None:
    if blob is not None:
        message["blob"] = len(blob)
    out.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
    if blob:
        out.write(blob)
    out.flush()


def _error(exc: BaseException) -> dict:
    message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return {"type": type(exc).__name__, "message": message, "errno": getattr(exc, "errno", None)}


def serve(argv: list[str]) -> None:
    options = {"--root": ".", "--limits": "{}", "--home": "/tmp"}
    reap = "--reap" in argv
    for i, arg in enumerate(argv):
        if arg in options and i + 1 < len(argv):
            options[arg] = argv[i + 1]
    server = Server(options["--root"], reap, json.loads(options["--limits"]), options["--home"])
    stdin = sys.stdin.buffer
    stdout = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints must never corrupt the channel
    if reap:
        reap_strays()
    _send(stdout, {"id": 0, "ok": True, "result": {"protocol": PROTOCOL, "pid": os.getpid(), "uid": os.getuid(),
                                                  "root": server.root, "python": sys.version.split()[0]}}, None)
    while True:
        line = stdin.readline()
        if not line:
            return
        request_id = None
        try:
            request = json.loads(line)
            request_id = request.get("id")
            blob = _read_exact(stdin, int(request["blob"])) if "blob" in request else None
            handler = getattr(server, "op_" + str(request.get("op")), None)
            if handler is None:
                raise ValueError(f"unknown operation {request.get('op')!r}")
            result, out_blob = handler(request, blob)
            _send(stdout, {"id": request_id, "ok": True, "result": result}, out_blob)
        except EOFError:
            return
        except Exception as exc:  # every failure goes back to the host as a typed error
            _send(stdout, {"id": request_id, "ok": False, "error": _error(exc)}, None)


if __name__ == "__main__":
    serve(sys.argv[1:])
