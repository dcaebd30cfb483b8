"""The commits of a multi-session task on Go and TypeScript/JavaScript code (Python's are in :mod:`.session_edits`).

The same four facts move, the way such commits are written in these languages:

* ``setting`` — a constant's literal gets a new value, on the line that decides it (a Go ``const``/``var``
  initializer, a TS ``const`` or an object key); a line with more than one literal is not edited;
* ``definition`` — a Go declaration moves into a new file of its package (with the imports it uses, which the old
  file drops when nothing else there uses them); a TS function or class moves into a new module beside its own,
  which re-exports it (``export { f } from "./m_f"``) and imports it back when it still uses it;
* ``callers`` — a new function, added after the probed one in its file, calls it with its own parameters;
* ``call_chain`` — one call of the chain goes through a new forwarding function (a Go wrapper with the callee's
  signature beside the callee; a TS wrapper typed ``Parameters<typeof f>`` beside the caller).

Every edit keeps the code compiling and behaving the same except for the setting it changes; an edit the file's
shape does not allow raises :class:`~.session_edits.EditNotPossible`.
"""

from __future__ import annotations

import json
import posixpath
import random
import re
from typing import Any

from locogym.scenarios.repo import questions, static_settings
from locogym.scenarios.repo.index import CodeIndex, Definition
from locogym.scenarios.repo.parsing import FileFacts
from locogym.scenarios.repo.session_edits import EditNotPossible, chain_call, changed_value, fresh_name, reroute_line

_LITERAL = re.compile(r'"(?:[^"\\\n])*"|\'(?:[^\'\\\n])*\'|`[^`]*`|(?<![\w.$])\d+(?:\.\d+)?(?![\w.$])'
                      r"|\b(?:true|false)\b")
_GO_IMPORT = re.compile(r'^\s*(?:import\s+)?(?P<alias>[\w.]+\s+)?"(?P<path>[^"]+)"\s*(//.*)?$')
_TS_FROM = re.compile(r"""\bfrom\s+(['"])(?P<spec>[^'"]+)\1""")
_TS_DECLARATION = re.compile(r"^(export\s+)?(async\s+)?(function\*?|class|abstract\s+class)\s")
_TS_TOP_NAME = re.compile(r"^(?:export\s+)?(?:declare\s+)?(?:const|let|var|function\*?|async\s+function|class|"
                          r"abstract\s+class|enum|type|interface)\s+([A-Za-z_$][\w$]*)", re.MULTILINE)
_TS_EXTENSIONS = (".ts", ".tsx", ".mts", ".js", ".jsx", ".mjs")


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _is_go(path: str) -> bool:
    return path.endswith(".go")


# ---------------------------------------------------------------------------------------------- setting
def _code_part(line: str) -> str:
    """The line without a trailing ``//`` comment (one that no string literal before it opens)."""
    cut = line.find("//")
    while cut >= 0:
        before = line[:cut]
        if before.count('"') % 2 == 0 and before.count("'") % 2 == 0 and before.count("`") % 2 == 0:
            return before
        cut = line.find("//", cut + 2)
    return line


def _parse_literal(text: str) -> Any:
    if text in {"true", "false"}:
        return text == "true"
    if text[0] in "\"'`":
        return text[1:-1]
    return float(text) if "." in text else int(text)


def _literal_text(value: Any, go: bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def _retarget_literal(line: str, rng: random.Random, go: bool) -> str:
    """``line`` with its only literal replaced by another value of the same type."""
    code = _code_part(line)
    found = list(_LITERAL.finditer(code))
    if len(found) != 1 or found[0].group().startswith("`"):
        raise EditNotPossible("not exactly one plain literal on the line")
    match = found[0]
    new = _literal_text(changed_value(_parse_literal(match.group()), rng), go)
    return line[:match.start()] + new + line[match.end():]


def edit_setting(index: CodeIndex, files: dict[str, str], key: tuple[Any, ...],
                 rng: random.Random) -> tuple[dict[str, str], str]:
    """Give the literal that decides the setting another value, on the last line of its trail that holds one."""
    _, where, name = key
    js = where in index.modules
    found = static_settings.js_setting(index, where, name) if js else static_settings.go_setting(index, where, name)
    if found is None:
        raise EditNotPossible("setting not found")
    for path, line in reversed(found.places):
        lines = _lines(files[path])
        try:
            lines[line - 1] = _retarget_literal(lines[line - 1], rng, _is_go(path))
        except EditNotPossible:
            continue
        return {path: "\n".join(lines)}, f"settings: adjust the defaults in {posixpath.basename(path)}"
    raise EditNotPossible("no line of the setting's trail holds one plain literal")


# ---------------------------------------------------------------------------------------------- definition
def _doc_start(lines: list[str], line: int) -> int:
    """The first line of the comment block right above ``line`` (``line`` when there is none)."""
    start = line
    while start > 1 and lines[start - 2].strip().startswith(("//", "/*", "*")):
        start -= 1
    if start > 1 and lines[start - 2].lstrip().startswith("@"):
        raise EditNotPossible("a decorated declaration")
    return start


def _used_in(facts: FileFacts, name: str, start: int, end: int) -> tuple[bool, bool]:
    """Whether ``name`` is used inside lines ``start..end``, and outside them."""
    used = facts.idents.get(name, [])
    return any(start <= n <= end for n in used), any(not start <= n <= end for n in used)


def _go_imports(facts: FileFacts, lines: list[str]) -> list[tuple[int, str, str]]:
    """(line, local name, import text) of every import spec written one to a line."""
    out = []
    for imp in facts.imports:
        match = _GO_IMPORT.match(lines[imp.line - 1])
        if match is None:
            raise EditNotPossible("an import spec shares its line")
        alias = (match.group("alias") or "").strip()
        path = match.group("path")
        if alias in {".", "_"} or path == "C":
            raise EditNotPossible("dot, blank or cgo imports")
        parts = path.split("/")
        local = alias or (parts[-2] if len(parts) > 1 and re.fullmatch(r"v\d+", parts[-1]) else parts[-1])
        local = local.split(".")[0].replace("-", "_")
        out.append((imp.line, local, f'{alias + " " if alias else ""}"{path}"'))
    return out


def _go_qualifier_used(lines: list[str], local: str, start: int, end: int) -> tuple[bool, bool]:
    """Whether the package name ``local`` qualifies something (``time.Duration``, ``fmt.Sprintf(``) in the code of
    lines ``start..end``, and elsewhere in the file (comments aside; the parser's identifiers leave out the
    package names of qualified types)."""
    pattern = re.compile(rf"(?<![\w.]){re.escape(local)}\.")
    used = [n for n, text in enumerate(lines, 1) if pattern.search(_code_part(text))]
    return any(start <= n <= end for n in used), any(not start <= n <= end for n in used)


def _go_declaration(index: CodeIndex, folder: str, name: str, files: dict[str, str]) -> tuple[Definition, int]:
    d = questions.go_package_definition(index, folder, name)
    if d is None or index.facts[d.path].build_constrained:
        raise EditNotPossible("no single declaration in a normal build")
    lines = _lines(files[d.path])
    if not lines[d.line - 1].startswith(("func ", "type ")):
        raise EditNotPossible("declared in a group")
    return d, _doc_start(lines, d.line)


def _go_move(index: CodeIndex, files: dict[str, str], key: tuple[Any, ...]) -> tuple[dict[str, str], str]:
    _, folder, name = key
    d, start = _go_declaration(index, folder, name, files)
    facts = index.facts[d.path]
    lines = _lines(files[d.path])
    new_path = posixpath.join(folder, f"{posixpath.basename(d.path)[:-3]}_{name.lower()}.go")
    if new_path in files:
        raise EditNotPossible("target file exists")
    taken, dropped = [], set()
    for line, local, spec in _go_imports(facts, lines):
        inside, outside = _go_qualifier_used(lines, local, start, d.end_line)
        if inside:
            taken.append(spec)
            if not outside:
                dropped.add(line)
    header = f"package {facts.package}\n\n"
    if taken:
        header += "import (\n" + "".join(f"\t{s}\n" for s in taken) + ")\n\n"
    new_text = header + "\n".join(lines[start - 1:d.end_line]) + "\n"
    kept = [text for n, text in enumerate(lines, 1) if not start <= n <= d.end_line and n not in dropped]
    return {d.path: re.sub(r"\n{3,}", "\n\n", "\n".join(kept)), new_path: new_text}, d.name


def _ts_import_statement(lines: list[str], facts: FileFacts, imp: Any) -> tuple[str, bool]:
    """The raw module specifier of an import, and whether it imports types only."""
    head = lines[imp.line - 1]
    for n in range(imp.line - 1, min(len(lines), imp.line + 60)):
        match = _TS_FROM.search(lines[n])
        if match:
            return match.group("spec"), head.lstrip().startswith("import type")
    raise EditNotPossible("import without a readable specifier")


def _ts_imports_used(facts: FileFacts, lines: list[str], start: int, end: int) -> list[str]:
    """Import statements for the names the moved lines use, from the old module's own imports."""
    out = []
    for imp in facts.imports:
        if imp.exported:
            continue
        spec, types_only = _ts_import_statement(lines, facts, imp)
        keyword = "import type" if types_only else "import"
        if imp.binds_module and _used_in(facts, imp.binds_module, start, end)[0]:
            out.append(f'{keyword} * as {imp.binds_module} from "{spec}"')
        clause = _import_clause([(n, a) for n, a in imp.names if _used_in(facts, a, start, end)[0]])
        if clause:
            out.append(f'{keyword} {clause} from "{spec}"')
    return out


def _import_clause(named: list[tuple[str, str]]) -> str:
    """``D, { a, b as c }`` for the (imported name, local name) pairs; ``""`` for none."""
    default = [a for n, a in named if n == "default"]
    rest = [n if n == a else f"{n} as {a}" for n, a in named if n != "default"]
    return ", ".join(default + ([f"{{ {', '.join(rest)} }}"] if rest else []))


def _ts_siblings(facts: FileFacts, text: str, d: Definition, start: int) -> list[str]:
    """The old module's own top-level names the moved lines use (imported back from it)."""
    own = {f.name for f in facts.defs if f.parent == -1 and f.name != d.name}
    own |= {m.group(1) for m in _TS_TOP_NAME.finditer(text)} - {d.name}
    siblings = sorted(n for n in own if _used_in(facts, n, start, d.end_line)[0])
    if siblings and (d.kind != "function" or not set(siblings) <= set(facts.exports)):
        raise EditNotPossible("the moved code needs names its module does not export, or runs on import")
    return siblings


def _ts_spec(path: str, lines: list[str], stem: str) -> str:
    """How the module's relative imports name a module beside it (``./x`` or ``./x.js``)."""
    written_js = any(re.search(r"""from\s+['"]\.{1,2}/[^'"]+\.js['"]""", line) for line in lines)
    return f"./{stem}.js" if written_js or path.endswith((".js", ".mjs")) else f"./{stem}"


def _ts_target(index: CodeIndex, files: dict[str, str], key: tuple[Any, ...]) -> tuple[Definition, int]:
    _, module, name = key
    target = index.resolve_name(module, name)
    d = index.definitions.get(target or "")
    if d is None or d.parent is not None or d.kind not in {"function", "class"} or d.path.endswith(".d.ts") \
            or not d.path.endswith(_TS_EXTENSIONS):
        raise EditNotPossible("only top-level functions and classes of TS/JS modules are moved")
    lines = _lines(files[d.path])
    if not _TS_DECLARATION.match(lines[d.line - 1]):
        raise EditNotPossible("not a plain declaration")
    return d, _doc_start(lines, d.line)


def _ts_move(index: CodeIndex, files: dict[str, str], key: tuple[Any, ...]) -> tuple[dict[str, str], str]:
    d, start = _ts_target(index, files, key)
    facts = index.facts[d.path]
    lines = _lines(files[d.path])
    base = posixpath.basename(d.path)
    stem, ext = base.split(".", 1)[0], base[len(base.split(".", 1)[0]):]
    new_stem = f"{stem}_{re.sub(r'[^A-Za-z0-9]', '', d.name)}"
    new_path = posixpath.join(posixpath.dirname(d.path), new_stem + ext)
    if new_path in files:
        raise EditNotPossible("target module exists")
    header = _ts_imports_used(facts, lines, start, d.end_line)
    siblings = _ts_siblings(facts, files[d.path], d, start)
    if siblings:
        header.append(f'import {{ {", ".join(siblings)} }} from "{_ts_spec(d.path, lines, stem)}"')
    new_text = "".join(h + "\n" for h in header) + ("\n" if header else "") + \
        "\n".join(lines[start - 1:d.end_line]) + "\n"
    spec = _ts_spec(d.path, lines, new_stem)
    stays = []
    if lines[d.line - 1].startswith("export "):
        stays.append(f'export {{ {d.name} }} from "{spec}"')
    if _used_in(facts, d.name, start, d.end_line)[1]:
        stays.append(f'import {{ {d.name} }} from "{spec}"')
    kept = lines[:start - 1] + stays + lines[d.end_line:]
    return {d.path: "\n".join(kept), new_path: new_text}, d.name


def edit_definition(index: CodeIndex, files: dict[str, str], key: tuple[Any, ...],
                    rng: random.Random) -> tuple[dict[str, str], str]:
    """Move the declaration into a file of its own beside its old one."""
    go = key[1] not in index.modules
    patch, moved = _go_move(index, files, key) if go else _ts_move(index, files, key)
    return patch, f"refactor: move {moved} into its own {'file' if go else 'module'}"


# ---------------------------------------------------------------------------------------------- callers
def _go_signature(d: Definition) -> tuple[str, str, str]:
    """(parameter list, results, call arguments) of a Go function's signature."""
    rest = d.signature.removeprefix(f"func {d.name}")
    if not rest.startswith("("):
        raise EditNotPossible("generic or unreadable signature")
    depth = 0
    for n, ch in enumerate(rest):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            params, results = rest[:n + 1], rest[n + 1:].strip()
            break
    else:
        raise EditNotPossible("unbalanced signature")
    names = list(d.params)
    if (params.strip("() ") and not names) or "_" in names or \
            not all(re.search(rf"\b{re.escape(p)}\b", params) for p in names):
        raise EditNotPossible("unnamed parameters")
    args = ", ".join(names) + ("..." if "..." in params and names else "")
    return params, results, args


def _go_forwarder(name: str, target: str, d: Definition, doc: str) -> str:
    params, results, args = _go_signature(d)
    body = f"return {target}({args})" if results else f"{target}({args})"
    return f"\n// {name} {doc}\nfunc {name}{params} {results + ' ' if results else ''}{{\n\t{body}\n}}\n"


def _ts_forwarder(name: str, target: str, path: str, doc: str, exported: bool) -> str:
    head = "export function" if exported else "function"
    if path.endswith((".js", ".jsx", ".mjs")):
        return f"\n/** {doc} */\n{head} {name}(...args) {{\n  return {target}(...args)\n}}\n"
    return (f"\n/** {doc} */\n{head} {name}(...args: Parameters<typeof {target}>): ReturnType<typeof {target}> "
            f"{{\n  return {target}(...args)\n}}\n")


def _append_after(files: dict[str, str], path: str, end_line: int, code: str) -> dict[str, str]:
    lines = _lines(files[path])
    lines[end_line:end_line] = code.rstrip("\n").split("\n")
    return {path: "\n".join(lines)}


def edit_callers(index: CodeIndex, files: dict[str, str], key: tuple[Any, ...],
                 rng: random.Random) -> tuple[dict[str, str], str]:
    """Add a function right after the probed one that calls it with its own parameters."""
    d = index.definitions.get(key[1])
    if d is None or d.kind != "function" or d.parent is not None or "." in d.qualname.rpartition("::")[2]:
        raise EditNotPossible("only top-level functions get new callers")
    name = fresh_name(index, files, rng, camel=True)
    doc = f"is a small feature built on {d.name}." if _is_go(d.path) else f"A small feature built on {d.name}."
    code = _go_forwarder(name, d.name, d, doc) if _is_go(d.path) else \
        _ts_forwarder(name, d.name, d.path, doc, exported=True)
    return _append_after(files, d.path, d.end_line, code), f"feature: add {name}"


# ---------------------------------------------------------------------------------------------- call chain
def edit_call_chain(index: CodeIndex, files: dict[str, str], key: tuple[Any, ...],
                    rng: random.Random) -> tuple[dict[str, str], str]:
    """Route one call of the chain through a new forwarding function: same behaviour, one more hop."""
    fn, callee, call = chain_call(index, key, rng)
    if "." in call.expr or callee.parent is not None or "." in callee.qualname.rpartition("::")[2]:
        raise EditNotPossible("only direct calls of top-level functions are rerouted")
    wrapper = f"traced{callee.name[:1].upper()}{callee.name[1:]}"
    if wrapper in index.by_name:
        raise EditNotPossible("wrapper exists")
    lines = reroute_line(files, fn, call, wrapper)
    patch = {fn.path: "\n".join(lines)}
    if _is_go(fn.path):  # beside the callee, whose file imports what its signature names
        doc = f"forwards to {callee.name}; a seam for tracing the call."
        patch.update(_append_after({**files, **patch}, callee.path, callee.end_line,
                                   _go_forwarder(wrapper, call.expr, callee, doc)))
    else:
        doc = f"Forward to {callee.name}; a seam for tracing the call."
        patch.update(_append_after(patch, fn.path, fn.end_line,
                                   _ts_forwarder(wrapper, call.expr, fn.path, doc, exported=False)))
    return patch, f"refactor: trace the call from {fn.name} to {callee.name}"


EDITS = {"setting": edit_setting, "definition": edit_definition, "callers": edit_callers,
         "call_chain": edit_call_chain}
