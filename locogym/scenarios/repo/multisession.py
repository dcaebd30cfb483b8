"""The ``multisession`` task generator: 3 to 6 sessions on one workspace, probes planted in the first session and
asked again in every later one, after commits that change some of the answers.

Between sessions the environment applies that session's commits to the workspace (recorded in
``Task.meta["session_patches"]``: path -> new content). Each commit changes one probed fact the way real
commits do:

* ``setting`` — a settings layer gains an override (``NAME = new value``);
* ``definition`` — a re-exported function is extracted into its own module and the re-export now points there;
* ``callers`` — a new feature module adds a function that calls the probed function;
* ``call_chain`` — one call on the chain is routed through a new forwarding function (one more hop).

Every commit keeps the code's behaviour, so the project's own test suite still passes after each of them.

Some sessions also carry an unrelated settings commit (a change that moves no probed answer). Every probe's truth
is computed from the index of the workspace as it is in that session, never from the edit's intent, and
``Probe.changed_since_last`` marks the answers that moved. Context is reset between sessions; files and notes
persist — an agent that trusts stale notes answers inconsistently.

All of this is the task's core, planned without the length (:func:`plan_sessions`): on a synthetic project's core,
or on the probes' files of a real tree. The context at a length (:mod:`.context`) is accepted only when every
session's probes, rebuilt on it after that session's commits, ask the same with the same answers.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from locogym.core.errors import ConfigError, TaskRefused
from locogym.core.ladder import core_hash
from locogym.core.types import Evidence, Probe, ScenarioConfig, SessionSpec, Task, ToolCall, stable_hash
from locogym.scenarios.repo import context, loading, questions, workset
from locogym.scenarios.repo.common import (
    FIRST_RUNG,
    HOPS,
    TOOL_NAMES,
    ProbesGold,
    core_config,
    core_rng,
    evidence_of,
    is_synthetic,
    order_rng,
    same_question,
    submit_value,
    task_id,
)
from locogym.scenarios.repo.index import CodeIndex, module_name
from locogym.scenarios.repo.qa import needed_files
from locogym.scenarios.repo.sources import SourceTree
from locogym.scenarios.repo.synthetic import NOUNS, VERBS

PROBE_KINDS = ("setting", "definition", "callers", "call_chain")
PROBE_SHARE = 0.75  # on a real source, the probes' files fit in this share of the first rung
_FROM_LINE = re.compile(r"^from\s+(\S+)\s+import\s+([^()#]+?)\s*(#.*)?$")


class EditNotPossible(Exception):
    """The chosen commit cannot be made on this workspace (another is tried)."""


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _fresh_name(index: CodeIndex, files: dict[str, str], rng: random.Random) -> str:
    for _ in range(200):
        name = f"{rng.choice(sorted(VERBS))}_{rng.choice(sorted(NOUNS))}_{rng.choice(sorted(NOUNS))}"
        if name not in index.by_name and not any(name in t for t in files.values()):
            return name
    raise EditNotPossible("no fresh name")


def edit_setting(index: CodeIndex, files: dict[str, str], key: tuple[Any, ...],
                 rng: random.Random) -> tuple[dict[str, str], str]:
    _, module, name = key
    if module not in index.modules or index.facts[index.modules[module]].language != "python":
        raise EditNotPossible("settings are edited in Python settings modules only")
    found, value, _, _ = index.setting_value(module, name)
    if not found:
        raise EditNotPossible("setting not found")
    if isinstance(value, bool):
        new: Any = not value
    elif isinstance(value, int):
        new = rng.choice([v for v in (2, 4, 6, 12, 25, 40, 75, 150, 300, 600) if v != value])
    elif isinstance(value, float):
        new = round(value * 2 + 0.5, 3)
    else:
        new = f"{value}-b" if not value.endswith("-b") else value[:-2]
    path = index.modules[module]
    text = files[path].rstrip("\n") + f"\n{name} = {new!r}\n"
    return {path: text}, f"settings: adjust {module.rsplit('.', 1)[-1]} overrides"


def _single_line_imports(index: CodeIndex, path: str, lines: list[str]) -> list[str]:
    out = []
    for imp in index.facts[path].imports:
        text = lines[imp.line - 1]
        if _FROM_LINE.match(text) or re.match(r"^import\s+[\w., ]+(\s+as\s+\w+)?\s*(#.*)?$", text):
            out.append(text)
    return list(dict.fromkeys(out))


def _repoint(index: CodeIndex, files: dict[str, str], module: str, name: str, folder: str,
             new_leaf: str) -> dict[str, str]:
    """Re-point the last one-line relative re-export of ``name`` at the new module (``{}`` when there is none)."""
    chain = index.resolve_chain(module, name)
    if len(chain) < 2:
        return {}
    hop_module, hop_name = chain[-2]
    hop_path = index.modules.get(hop_module, "")
    if not hop_path.endswith("__init__.py") or hop_path.rsplit("/", 1)[0] != folder:
        return {}
    imp = next((i for i in index.facts[hop_path].imports if any(a == hop_name for _, a in i.names)), None)
    hop_lines = _lines(files[hop_path])
    match = _FROM_LINE.match(hop_lines[imp.line - 1]) if imp is not None and imp.level == 1 else None
    if imp is None or match is None:
        return {}
    entries = [e.strip() for e in match.group(2).split(",")]
    moved = [e for e in entries if re.split(r"\s+as\s+", e)[-1].strip() == hop_name]
    if not moved:
        return {}
    kept = [e for e in entries if e not in moved]
    replacement = [f"from {match.group(1)} import {', '.join(kept)}"] if kept else []
    replacement.append(f"from .{new_leaf} import {moved[0]}")
    hop_lines[imp.line - 1:imp.line] = replacement
    return {hop_path: "\n".join(hop_lines)}


def edit_definition(index: CodeIndex, files: dict[str, str], key: tuple[Any, ...],
                    rng: random.Random) -> tuple[dict[str, str], str]:
    """Extract the re-exported definition into a new module beside it.

    The old module imports it back at its end, so every importer (named or star) keeps working; when the last
    re-export is a one-line relative import in the package's ``__init__`` it is re-pointed at the new module, as
    a careful refactor would. The new module copies the old one's imports and imports the old module's own names
    it uses (safe: the old module is always initialised first).
    """
    _, module, name = key
    target = index.resolve_name(module, name)
    if target not in index.definitions:
        raise EditNotPossible("no definition")
    d = index.definitions[target]
    if d.parent is not None or not d.path.endswith(".py") or d.path.endswith("__init__.py") or "/" not in d.path:
        raise EditNotPossible("only top-level definitions of package modules are moved")
    folder, leaf = d.path.rsplit("/", 1)
    stem = leaf[:-3]
    new_leaf = f"{stem}_{re.sub(r'[^a-z0-9]', '', d.name.lower())[:20] or 'part'}"
    new_path = f"{folder}/{new_leaf}.py"
    if new_path in files:
        raise EditNotPossible("target module exists")
    src_lines = _lines(files[d.path])
    body_text = "\n".join(src_lines[d.line - 1:d.end_line])
    facts = index.facts[d.path]
    own = {other.name for other in facts.defs if other.parent == -1} | {a.name for a in facts.assigns}
    siblings = sorted(n for n in own - {d.name} if re.search(rf"\b{re.escape(n)}\b", body_text))
    header = [h for h in _single_line_imports(index, d.path, src_lines) if "__future__" not in h]
    if siblings:
        header.append(f"from .{stem} import {', '.join(siblings)}")
    new_text = (f'"""{d.name.replace("_", " ").capitalize()}, extracted from {stem}."""\n\n'
                "from __future__ import annotations\n\n" + "".join(h + "\n" for h in header)
                + "\n\n" + body_text + "\n")
    remaining = src_lines[:d.line - 1] + src_lines[d.end_line:]
    old_text = "\n".join(remaining).rstrip("\n") + f"\n\nfrom .{new_leaf} import {d.name}  # noqa: E402,F401 - moved\n"
    patch = {d.path: old_text, new_path: new_text}
    if not siblings:  # re-pointing would import the new module first, before the names it needs exist
        patch.update(_repoint(index, files, module, name, folder, new_leaf))
    return patch, f"refactor: move {d.name} into its own module"


def edit_callers(index: CodeIndex, files: dict[str, str], key: tuple[Any, ...],
                 rng: random.Random) -> tuple[dict[str, str], str]:
    """Add a feature module (imported by nothing, so no import cycle) whose new function calls the probed one."""
    _, qual = key
    d = index.definitions.get(qual)
    if d is None or d.kind != "function" or d.parent is not None or not d.path.endswith(".py"):
        raise EditNotPossible("only module-level functions get new callers")
    name = _fresh_name(index, files, rng)
    folder = d.path.rsplit("/", 1)[0] if "/" in d.path else ""
    path = f"{folder}/{name.split('_', 1)[1]}.py" if folder else f"{name.split('_', 1)[1]}.py"
    if path in files:
        raise EditNotPossible("feature module exists")
    code = (f'"""{name.replace("_", " ").capitalize()}: a small feature built on {d.name}."""\n\n'
            f"from {module_name(d.path)} import {d.name}\n\n\n"
            f"def {name}(*args, **kwargs):\n"
            f'    """{name.replace("_", " ").capitalize()}."""\n'
            f"    return {d.name}(*args, **kwargs)\n")
    return {path: code}, f"feature: add {name}"


def edit_call_chain(index: CodeIndex, files: dict[str, str], key: tuple[Any, ...],
                    rng: random.Random) -> tuple[dict[str, str], str]:
    """Route one call of the chain through a new forwarding function: same behaviour, one more hop."""
    _, start, hops = key
    chain = questions.chain_from(index, start, hops)
    if chain is None:
        raise EditNotPossible("no chain")
    j = rng.randrange(hops)
    fn = index.definitions[chain[j]]
    callee = index.definitions[chain[j + 1]]
    facts = index.facts[fn.path]
    calls = [c for c in facts.calls if index.scope_qualname(fn.path, c.scope) == chain[j]
             and index.resolve_call(facts, c.scope, c.expr) == chain[j + 1]]
    if len(calls) != 1 or calls[0].expr.split(".")[0] in {"self", "cls"}:
        raise EditNotPossible("not exactly one module-level call site")
    lines = _lines(files[fn.path])
    line = lines[calls[0].line - 1]
    expr = calls[0].expr
    if line.count(f"{expr}(") != 1:
        raise EditNotPossible("ambiguous call text")
    wrapper = f"{callee.name}_traced"
    if wrapper in index.by_name or any(f"def {wrapper}(" in t for t in files.values()):
        raise EditNotPossible("wrapper exists")
    lines[calls[0].line - 1] = line.replace(f"{expr}(", f"{wrapper}(")
    text = "\n".join(lines).rstrip("\n") + (
        f"\n\n\ndef {wrapper}(*args, **kwargs):\n"
        f'    """Forward to {callee.name}; a seam for tracing the call."""\n'
        f"    return {expr}(*args, **kwargs)\n")
    return {fn.path: text}, f"refactor: trace the call from {fn.name} to {callee.name}"


def _editable(index: CodeIndex, files: dict[str, str], key: tuple[Any, ...]) -> bool:
    try:
        EDITS[key[0]](index, files, key, random.Random(0))
    except EditNotPossible:
        return False
    return True


EDITS = {"setting": edit_setting, "definition": edit_definition, "callers": edit_callers,
         "call_chain": edit_call_chain}


def _probe_prompt(session: int, total: int, messages: list[str], asked: list[tuple[str, questions.Question]]) -> str:
    head = (f"This is session {session + 1} of {total} on the repository in the workspace. Your context is cleared "
            "between sessions; the files and your notes (notes_write / notes_read) persist. Do not modify the code "
            "in this task.")
    if messages:
        head += f"\n\nSince your last session, {len(messages)} commit(s) were merged:\n" + "\n".join(
            f"- {m}" for m in messages)
    body = "\n".join(f"[{pid}] {q.text}" for pid, q in asked)
    example = ", ".join(f'"{pid}": ...' for pid, _ in asked)
    return (f"{head}\n\nAnswer every question below, checking the code as it is now. Call submit with a JSON object "
            f"that maps each question id to its answer: {{{example}}}.\n\n{body}")


def _session_evidence(needed_in: dict[tuple[str, int, int], set[int]]) -> list[Evidence]:
    """The probes' spans, each tagged with the sessions that ask about it, so stopping is judged per session."""
    return [ev.model_copy(update={"locator": {**ev.locator, "session": sorted(needed_in[span])}})
            for span, ev in zip(sorted(needed_in), evidence_of(list(needed_in)), strict=True)]


@dataclass
class SessionsCore:
    """The core of a multi-session task: the probed keys, the commits and every session's questions."""

    files: dict[str, str]  # the files the core was planned on (the workspace's own at the first rung)
    needed: list[str]  # the files the first session's probes need
    keys: list[tuple[Any, ...]]
    variants: dict[tuple[Any, ...], str]
    patches: dict[str, dict[str, str]] = field(default_factory=dict)  # session -> path -> new content
    messages: dict[str, list[str]] = field(default_factory=dict)
    asked: list[list[questions.Question]] = field(default_factory=list)  # per session, one per key


def _pick_probes(full: CodeIndex, tree: SourceTree, rng: random.Random, hops: int) -> list[questions.Question]:
    """One probe per kind that can be asked, preferring a fact a commit can move, then one that needs little text.

    On a real source the probes must fit the first rung's share together: the ones no commit can move go first,
    the largest first, until they do (a task needs at least one probe a commit moves).
    """
    sizes = workset.file_tokens(tree.files)
    budget = PROBE_SHARE * FIRST_RUNG
    picked: list[tuple[bool, int, questions.Question]] = []  # (a commit can move it, its files' size, probe)
    for kind in PROBE_KINDS:
        options = questions.pick(full, kind, rng.choice(questions.VARIANTS), tree.files, rng, hops,
                                 limit=8 if tree.origin == "synthetic" else 24)
        rated = [(_editable(full, tree.files, q.key), sum(sizes[p] for p in needed_files(full, q)), q)
                 for q in options]
        fitting = [r for r in rated if r[1] <= budget] if tree.origin != "synthetic" else rated
        if fitting:  # any fact still probes consistency, even one no commit moves
            picked.append(min(fitting, key=lambda r: (not r[0], r[1])))
    if tree.origin != "synthetic":
        while len(picked) >= 2 and sum(sizes[p] for p in _needed(full, [r[2] for r in picked])) > budget:
            picked.remove(min(picked, key=lambda r: (r[0], -r[1])))
    return [r[2] for r in picked]


def _needed(index: CodeIndex, asked: list[questions.Question]) -> list[str]:
    return sorted({p for q in asked for p in needed_files(index, q)})


def _commit(core: SessionsCore, files: dict[str, str], index: CodeIndex, universe: dict[str, str],
            key: tuple[Any, ...], rng: random.Random) -> tuple[dict[str, str], CodeIndex, dict[str, str], str] | None:
    """The commit that changes ``key``'s fact, applied, when it keeps every probe askable (``None`` otherwise).
    Fresh names and new paths are checked against ``universe`` (the whole source), not the core's files alone."""
    try:
        patch, message = EDITS[key[0]](index, {**universe, **files}, key, rng)
    except EditNotPossible:
        return None
    trial = {**files, **patch}
    trial_index = CodeIndex.build(trial)
    if all(questions.build(trial_index, k, core.variants[k], trial) is not None for k in core.keys):
        return trial, trial_index, patch, message
    return None


def plan_sessions(tree: SourceTree, rng: random.Random, sessions: int, hops: int) -> SessionsCore:
    """Probes planted on the core, the commits between sessions, and every session's questions and answers.

    The core is the whole project on a synthetic source, and the probes' files on a real one (each probe must ask
    the same with the same answer there as on the whole tree). Commits change the core's files, and add files.
    """
    full = loading.index_for(tree)
    picked = _pick_probes(full, tree, rng, hops)
    if tree.origin == "synthetic":
        files, index = dict(tree.files), full
    else:
        files = {p: tree.files[p] for p in _needed(full, picked)}
        index = CodeIndex.build(files)
    keys = [q.key for q in picked if same_answer(q, questions.build(index, q.key, q.variant, files))]
    if len(keys) < 2:
        raise TaskRefused(f"Cannot plant two probes whose evidence fits {PROBE_SHARE * FIRST_RUNG:,.0f} tokens in "
                          f"{tree.name!r}.", fix="Use another seed or source='synthetic'.")
    core = SessionsCore(files=dict(files), needed=[], keys=keys, variants={q.key: q.variant for q in picked})
    universe = tree.files if tree.origin != "synthetic" else {}
    order = list(keys)
    rng.shuffle(order)
    for session in range(sessions):
        if session > 0:
            patch_all: dict[str, str] = {}
            messages: list[str] = []
            for attempt in range(len(order)):
                done = _commit(core, files, index, universe, order[(session - 1 + attempt) % len(order)], rng)
                if done is not None:
                    files, index, patch, message = done
                    patch_all.update(patch)
                    messages.append(message)
                    break
            if rng.random() < 0.5:  # an unrelated settings commit that moves no probed answer
                probed = {k[2] for k in keys if k[0] == "setting"}
                settings = [k for k in questions.setting_keys(index) if k[2] not in probed
                            and index.modules.get(k[1], "").endswith(".py")]
                if settings:
                    done = _commit(core, files, index, universe, rng.choice(settings), rng)
                    if done is not None:
                        files, index, patch, message = done
                        patch_all.update(patch)
                        messages.append(message)
            core.patches[str(session)] = patch_all
            core.messages[str(session)] = messages
        asked = [questions.build(index, key, core.variants[key], files) for key in keys]
        assert all(q is not None for q in asked)  # every commit was checked to keep every probe askable
        core.asked.append([q for q in asked if q is not None])
        if session == 0:
            core.needed = _needed(index, core.asked[0])
    return core


def same_answer(a: questions.Question, b: questions.Question | None) -> bool:
    return b is not None and (a.text, submit_value(a)) == (b.text, submit_value(b))


def _keeps_sessions(core: SessionsCore, work: SourceTree) -> bool:
    """Whether every session's probes, rebuilt on the context with that session's commits, are the core's."""
    files = dict(work.files)
    for session, asked in enumerate(core.asked):
        if session:
            files.update(core.patches[str(session)])
        index = loading.index_for(work) if session == 0 and work.origin == "synthetic" else CodeIndex.build(files)
        for key, q in zip(core.keys, asked, strict=True):
            if not same_question(q, questions.build(index, key, core.variants[key], files)):
                return False
    return True


def _record(config: ScenarioConfig, tree: SourceTree, core: SessionsCore, probes: list[Probe]) -> dict[str, Any]:
    """What names the core (no length in it): probes, answers, commits, evidence and the core's files."""
    return {"task": "multisession", "sessions": len(core.asked),
            "probes": [[p.id, p.session, p.question, p.answer, p.changed_since_last] for p in probes],
            "commits": {s: {p: stable_hash(t) for p, t in sorted(patch.items())} for s, patch in core.patches.items()},
            "messages": core.messages,
            "evidence": [list(span) for span in sorted({span for qs in core.asked for q in qs for span in q.spans})],
            "files": {p: stable_hash(t) for p, t in sorted(core.files.items())} if tree.origin != "synthetic"
            else tree.meta.get("package"),
            "source": tree.commit if tree.origin != "synthetic" else tree.meta.get("package"),
            "depth": core_config(config).evidence_depth()}


def generate_multisession(config: ScenarioConfig) -> Task:
    """A ``multisession`` task. Option ``sessions`` (3..6) fixes the number of sessions (random otherwise)."""
    seed_rng = core_rng(config)
    params = config.params
    sessions = int(params.get("sessions") or seed_rng.randint(3, 6))
    if not 3 <= sessions <= 6:
        raise ConfigError(f"sessions={sessions} is outside 3..6.", fix="Pass sessions= between 3 and 6.")
    hops = HOPS[config.difficulty]
    project_seed = seed_rng.getrandbits(63)
    tree = loading.synthetic_core(project_seed) if is_synthetic(params) else loading.real_source(params)
    if tree.language != "python":
        raise ConfigError(f"multisession tasks edit Python code; {tree.name!r} is {tree.language}.",
                          fix="Use task='qa' for this source, or a Python source.")
    if tree.origin != "synthetic":
        workset.check_source_size(workset.file_tokens(tree.files), config.length, tree.name)
    core = plan_sessions(tree, core_rng(config, tree.commit), sessions, hops)
    probes: list[Probe] = []
    specs: list[SessionSpec] = []
    needed_in: dict[tuple[str, int, int], set[int]] = {}  # span -> the sessions whose probes need it
    previous: dict[str, Any] = {}
    previous_spans: dict[str, list[tuple[str, int, int]]] = {}
    probe_kinds: dict[str, str] = {}
    for session, qs in enumerate(core.asked):
        asked: list[tuple[str, questions.Question]] = []
        plan: list[ToolCall] = [ToolCall(name="notes_read", arguments={})] if session else []
        answers: dict[str, Any] = {}
        for i, q in enumerate(qs):
            key_id = f"{q.kind}{i}"
            pid = f"s{session}-{key_id}"
            asked.append((pid, q))
            gold = submit_value(q)
            changed = key_id in previous and previous[key_id] != gold
            if session == 0 or changed or q.spans != previous_spans.get(key_id):
                plan += q.reads  # the oracle re-reads only what moved; its notes hold the rest
            previous_spans[key_id] = q.spans
            answers[pid] = gold
            for span in q.spans:
                needed_in.setdefault(span, set()).add(session)
            probe_kinds[key_id] = q.answer_kind
            probes.append(Probe(id=pid, session=session, question=q.text, key=key_id, answer=gold,
                                changed_since_last=changed))
            previous[key_id] = gold
        plan.append(ToolCall(name="notes_write", arguments={"content": orjson.dumps(
            {k.split("-", 1)[1]: v for k, v in answers.items()}).decode(), "mode": "replace"}))
        plan.append(ToolCall(name="submit", arguments={"answer": answers}))
        specs.append(SessionSpec(index=session, prompt=_probe_prompt(session, sessions,
                                                                     core.messages.get(str(session), []), asked),
                                 oracle_plan=plan))
    if not any(p.changed_since_last for p in probes):
        raise TaskRefused(f"No commit could move a probed answer in {tree.name!r} (seed {config.seed}).",
                          fix="Try another seed, or source='synthetic'.")
    if tree.origin == "synthetic":
        candidates = context.synthetic_contexts(tree, project_seed, config.length)
    else:
        candidates = context.real_contexts(config, tree, core.files, config.length)
    work, attempt = context.accept(candidates, lambda w: _keeps_sessions(core, w), seed=config.seed,
                                   length=config.length)
    sizes = workset.file_tokens(work.files)
    depth = core_config(config).evidence_depth()
    order, realised, each = workset.place_evidence(sorted(work.files), sizes, core.needed, depth, order_rng(config))
    gold = ProbesGold(probes={p.id: p.answer for p in probes}).model_dump(mode="json")
    name = core_hash(core_config(config), _record(config, tree, core, probes))
    meta = {"task": "multisession", "sessions": sessions, "probe_kinds": probe_kinds,
            "session_patches": core.patches, "session_commits": core.messages, "source": work.name,
            "commit": work.commit, "language": work.language, "file_order": order, "evidence_depth": each,
            "realised_depth": realised, "evidence_files": core.needed, "fill": attempt, "stop_slack": 2,
            "hops": hops,
            "probe_keys": {f"{k[0]}{i}": {"key": list(k), "variant": core.variants[k]}
                           for i, k in enumerate(core.keys)}}
    return Task(task_id=task_id("multisession", config, name), family="repo", prompt=specs[0].prompt,
                tool_names=list(TOOL_NAMES), workspace={p: work.files[p] for p in sorted(work.files)},
                gold=gold, question="\n".join(f"[{p.id}] {p.question}" for p in probes), core_hash=name,
                depth=depth, evidence=_session_evidence(needed_in), oracle_plan=specs[0].oracle_plan,
                sessions=specs, probes=probes, length_tokens=sum(sizes.values()), meta=meta)
