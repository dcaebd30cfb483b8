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
from dataclasses import dataclass, field
from typing import Any

import orjson

from locogym.core.errors import ConfigError, TaskRefused
from locogym.core.ladder import core_hash
from locogym.core.types import Evidence, Probe, ScenarioConfig, SessionSpec, Task, ToolCall, stable_hash
from locogym.scenarios.repo import context, loading, questions, session_edits, session_edits_static, workset
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
from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.qa import fit_files, kept_lines, needed_files
from locogym.scenarios.repo.session_edits import EditNotPossible
from locogym.scenarios.repo.sources import SourceTree

PROBE_KINDS = ("setting", "definition", "callers", "call_chain")
PROBE_SHARE = 0.75  # on a real source, the probes' files fit in this share of the first rung
COMMIT_LANGUAGES = ("python", "go", "typescript", "javascript")


def edit(index: CodeIndex, files: dict[str, str], key: tuple[Any, ...],
         rng: random.Random) -> tuple[dict[str, str], str]:
    """The commit that moves ``key``'s fact, written in the language of the code it is about."""
    language = session_edits.key_language(index, key)
    if language == "python":
        return session_edits.PYTHON_EDITS[key[0]](index, files, key, rng)
    if language in COMMIT_LANGUAGES:
        return session_edits_static.EDITS[key[0]](index, files, key, rng)
    raise EditNotPossible(f"no commits are written in {language}")


def _editable(index: CodeIndex, files: dict[str, str], key: tuple[Any, ...]) -> bool:
    try:
        edit(index, files, key, random.Random(0))
    except EditNotPossible:
        return False
    return True


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


def fit_core(tree: SourceTree, index: CodeIndex, asked: list[questions.Question], budget: float,
             cut: bool = True) -> dict[str, str] | None:
    """The probes' files within ``budget`` tokens: whole, or (with ``cut``) with the longest cut to excerpts
    (:mod:`.excerpts`) that keep every probe's lines; ``None`` when they do not fit."""
    return fit_files(index, {p: tree.files[p] for p in _needed(index, asked)}, kept_lines(index, asked), budget, cut)


def _options(full: CodeIndex, tree: SourceTree, kind: str, rng: random.Random, hops: int,
             cut: bool) -> list[tuple[bool, int, questions.Question]]:
    """The probes of ``kind`` to choose from: (a commit can move it, the tokens its files take, probe). The
    variant is drawn; on real code whose docs describe nothing, the literal one is asked instead."""
    synthetic = tree.origin == "synthetic"
    drawn = rng.choice(questions.VARIANTS)
    options = questions.pick(full, kind, drawn, tree.files, rng, hops, limit=8 if synthetic else 24)
    if not options and not synthetic:  # real code without describing docs is asked literally
        options = questions.pick(full, kind, "literal", tree.files, rng, hops, limit=24)
    rated = []
    for q in options:
        files = {p: tree.files[p] for p in needed_files(full, q)} if synthetic else \
            fit_core(tree, full, [q], PROBE_SHARE * FIRST_RUNG, cut)
        if files is not None:
            rated.append((_editable(full, tree.files, q.key), sum(workset.file_tokens(files).values()), q))
    return rated


def _pick_probes(full: CodeIndex, tree: SourceTree, rng: random.Random, hops: int,
                 cut: bool) -> list[questions.Question]:
    """One probe per kind that can be asked, preferring a fact a commit can move, then one that needs little text.

    On a real source the probes must fit the first rung's share together (files cut to excerpts where needed):
    the ones no commit can move go first, the largest first, until they do (a task needs at least one probe a
    commit moves).
    """
    picked: list[tuple[bool, int, questions.Question]] = []
    for kind in PROBE_KINDS:
        rated = _options(full, tree, kind, rng, hops, cut)
        if rated:  # any fact still probes consistency, even one no commit moves
            picked.append(min(rated, key=lambda r: (not r[0], r[1])))
    if tree.origin != "synthetic":
        while len(picked) >= 2 and fit_core(tree, full, [r[2] for r in picked], PROBE_SHARE * FIRST_RUNG,
                                            cut) is None:
            picked.remove(min(picked, key=lambda r: (r[0], -r[1])))
    return [r[2] for r in picked]


def _needed(index: CodeIndex, asked: list[questions.Question]) -> list[str]:
    return sorted({p for q in asked for p in needed_files(index, q)})


@dataclass
class _Workspace:
    """The core's files and index as they are after the commits so far; ``universe`` is the whole source, whose
    names and paths a commit must not reuse."""

    files: dict[str, str]
    index: CodeIndex
    universe: dict[str, str]


def _commit(core: SessionsCore, ws: _Workspace, key: tuple[Any, ...],
            rng: random.Random) -> tuple[dict[str, str], str] | None:
    """The commit that changes ``key``'s fact, applied to ``ws``, when it moves that fact's answer and keeps every
    probe askable (``None``, and ``ws`` untouched, otherwise)."""
    try:
        patch, message = edit(ws.index, {**ws.universe, **ws.files}, key, rng)
    except EditNotPossible:
        return None
    trial = {**ws.files, **patch}
    trial_index = CodeIndex.build(trial)
    variant = core.variants.get(key, "literal")
    before = questions.build(ws.index, key, variant, ws.files)
    after = questions.build(trial_index, key, variant, trial)
    if after is None or before is not None and submit_value(after) == submit_value(before):
        return None  # a commit that moves nothing (or leaves the fact unaskable) is not the commit wanted
    if any(questions.build(trial_index, k, core.variants[k], trial) is None for k in core.keys):
        return None
    ws.files, ws.index = trial, trial_index
    return patch, message


def _session_commits(core: SessionsCore, ws: _Workspace, order: list[tuple[Any, ...]], session: int,
                     rng: random.Random) -> None:
    """Land the commits before ``session``: one that moves a probed fact (the probes take turns), and half the
    time an unrelated settings commit that moves no probed answer."""
    patch_all: dict[str, str] = {}
    messages: list[str] = []
    for attempt in range(len(order)):
        done = _commit(core, ws, order[(session - 1 + attempt) % len(order)], rng)
        if done is not None:
            patch_all.update(done[0])
            messages.append(done[1])
            break
    if rng.random() < 0.5:
        probed = {k[2] for k in core.keys if k[0] == "setting"}
        settings = [k for k in questions.setting_keys(ws.index) if k[2] not in probed]
        if settings:
            done = _commit(core, ws, rng.choice(settings), rng)
            if done is not None:
                patch_all.update(done[0])
                messages.append(done[1])
    core.patches[str(session)] = patch_all
    core.messages[str(session)] = messages


def _core_of(tree: SourceTree, full: CodeIndex, picked: list[questions.Question], cut: bool) -> SessionsCore:
    """The probes that ask the same on the core's files as on the whole tree, planted on those files."""
    if tree.origin == "synthetic":
        files, index = dict(tree.files), full
    else:
        files = fit_core(tree, full, picked, PROBE_SHARE * FIRST_RUNG, cut) or {}
        index = CodeIndex.build(files)
    keys = [q.key for q in picked if same_answer(q, questions.build(index, q.key, q.variant, files))]
    if len(keys) < 2:
        raise TaskRefused(f"Cannot plant two probes whose evidence fits {PROBE_SHARE * FIRST_RUNG:,.0f} tokens in "
                          f"{tree.name!r}.", fix="Use another seed or source='synthetic'.")
    return SessionsCore(files=dict(files), needed=[], keys=keys, variants={q.key: q.variant for q in picked})


def _planted(tree: SourceTree, full: CodeIndex, rng: random.Random, hops: int) -> SessionsCore:
    """Probes whose files fit whole, else (on a real source) probes with files cut to excerpts. Whole files come
    first, as for ``qa``: an excerpt stands for its whole file at every length, so a source left with excerpts
    may be too small for a longer length."""
    state = rng.getstate()
    try:
        return _core_of(tree, full, _pick_probes(full, tree, rng, hops, cut=False), cut=False)
    except TaskRefused:
        if tree.origin == "synthetic":
            raise
    rng.setstate(state)
    return _core_of(tree, full, _pick_probes(full, tree, rng, hops, cut=True), cut=True)


def plan_sessions(tree: SourceTree, rng: random.Random, sessions: int, hops: int) -> SessionsCore:
    """Probes planted on the core, the commits between sessions, and every session's questions and answers.

    The core is the whole project on a synthetic source, and the probes' files on a real one (whole, or cut to
    excerpts that keep the probes' lines; each probe must ask the same with the same answer there as on the whole
    tree). Commits change the core's files, and add files.
    """
    full = loading.index_for(tree)
    core = _planted(tree, full, rng, hops)
    ws = _Workspace(files=dict(core.files), index=full if tree.origin == "synthetic" else CodeIndex.build(core.files),
                    universe=tree.files if tree.origin != "synthetic" else {})
    order = list(core.keys)
    rng.shuffle(order)
    for session in range(sessions):
        if session > 0:
            _session_commits(core, ws, order, session, rng)
        asked = [questions.build(ws.index, key, core.variants[key], ws.files) for key in core.keys]
        assert all(q is not None for q in asked)  # every commit was checked to keep every probe askable
        core.asked.append([q for q in asked if q is not None])
        if session == 0:
            core.needed = _needed(ws.index, core.asked[0])
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


@dataclass
class _Sessions:
    """What the sessions show and expect: the probes, the sessions' prompts and oracle plans, and which sessions
    need each evidence span."""

    probes: list[Probe] = field(default_factory=list)
    specs: list[SessionSpec] = field(default_factory=list)
    needed_in: dict[tuple[str, int, int], set[int]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)


def _session_spec(core: SessionsCore, session: int, out: _Sessions) -> SessionSpec:
    """One session's prompt and oracle plan; its probes are added to ``out``. The oracle re-reads only what moved
    (or moved place) since the last session; its notes hold the rest."""
    previous = {p.key: p for p in out.probes if p.session == session - 1}
    previous_spans = {f"{q.kind}{i}": q.spans for i, q in enumerate(core.asked[session - 1])} if session else {}
    asked: list[tuple[str, questions.Question]] = []
    plan: list[ToolCall] = [ToolCall(name="notes_read", arguments={})] if session else []
    answers: dict[str, Any] = {}
    for i, q in enumerate(core.asked[session]):
        key_id = f"{q.kind}{i}"
        pid = f"s{session}-{key_id}"
        gold = submit_value(q)
        changed = key_id in previous and previous[key_id].answer != gold
        if session == 0 or changed or q.spans != previous_spans.get(key_id):
            plan += q.reads
        asked.append((pid, q))
        answers[pid] = gold
        for span in q.spans:
            out.needed_in.setdefault(span, set()).add(session)
        out.kinds[key_id] = q.answer_kind
        out.probes.append(Probe(id=pid, session=session, question=q.text, key=key_id, answer=gold,
                                changed_since_last=changed))
    plan.append(ToolCall(name="notes_write", arguments={"content": orjson.dumps(
        {k.split("-", 1)[1]: v for k, v in answers.items()}).decode(), "mode": "replace"}))
    plan.append(ToolCall(name="submit", arguments={"answer": answers}))
    prompt = _probe_prompt(session, len(core.asked), core.messages.get(str(session), []), asked)
    return SessionSpec(index=session, prompt=prompt, oracle_plan=plan)


def _sessions_of(core: SessionsCore) -> _Sessions:
    out = _Sessions()
    for session in range(len(core.asked)):
        out.specs.append(_session_spec(core, session, out))
    return out


def _source(config: ScenarioConfig, project_seed: int) -> SourceTree:
    """The configured source, checked: a language commits are written in, and big enough for the length."""
    params = config.params
    tree = loading.synthetic_core(project_seed) if is_synthetic(params) else loading.real_source(params)
    if tree.language not in COMMIT_LANGUAGES:
        raise ConfigError(f"multisession tasks edit {', '.join(COMMIT_LANGUAGES)} code; {tree.name!r} is "
                          f"{tree.language}.", fix="Use task='qa' for this source, or a source in one of those.")
    if tree.origin != "synthetic":
        workset.check_source_size(workset.file_tokens(tree.files), config.length, tree.name)
    return tree


def _context(config: ScenarioConfig, tree: SourceTree, core: SessionsCore, project_seed: int
             ) -> tuple[SourceTree, int]:
    """The first context at the config's length on which every session's probes are the core's."""
    if tree.origin == "synthetic":
        candidates = context.synthetic_contexts(tree, project_seed, config.length)
    else:
        candidates = context.real_contexts(config, tree, core.files, config.length)
    return context.accept(candidates, lambda w: _keeps_sessions(core, w), seed=config.seed, length=config.length)


def _meta(core: SessionsCore, out: _Sessions, work: SourceTree, placed: tuple[list[str], float, dict[str, float]],
          attempt: int, hops: int) -> dict[str, Any]:
    order, realised, each = placed
    return {"task": "multisession", "sessions": len(core.asked), "probe_kinds": out.kinds,
            "session_patches": core.patches, "session_commits": core.messages, "source": work.name,
            "commit": work.commit, "language": work.language, "file_order": order, "evidence_depth": each,
            "realised_depth": realised, "evidence_files": core.needed, "fill": attempt, "stop_slack": 2,
            "hops": hops, "probe_keys": {f"{k[0]}{i}": {"key": list(k), "variant": core.variants[k]}
                                         for i, k in enumerate(core.keys)}}


def generate_multisession(config: ScenarioConfig) -> Task:
    """A ``multisession`` task. Option ``sessions`` (3..6) fixes the number of sessions (random otherwise)."""
    seed_rng = core_rng(config)
    sessions = int(config.params.get("sessions") or seed_rng.randint(3, 6))
    if not 3 <= sessions <= 6:
        raise ConfigError(f"sessions={sessions} is outside 3..6.", fix="Pass sessions= between 3 and 6.")
    hops = HOPS[config.difficulty]
    project_seed = seed_rng.getrandbits(63)
    tree = _source(config, project_seed)
    core = plan_sessions(tree, core_rng(config, tree.commit), sessions, hops)
    out = _sessions_of(core)
    if not any(p.changed_since_last for p in out.probes):
        raise TaskRefused(f"No commit could move a probed answer in {tree.name!r} (seed {config.seed}).",
                          fix="Try another seed, or source='synthetic'.")
    work, attempt = _context(config, tree, core, project_seed)
    sizes = workset.file_tokens(work.files)
    depth = core_config(config).evidence_depth()
    placed = workset.place_evidence(sorted(work.files), sizes, core.needed, depth, order_rng(config))
    gold = ProbesGold(probes={p.id: p.answer for p in out.probes}).model_dump(mode="json")
    name = core_hash(core_config(config), _record(config, tree, core, out.probes))
    return Task(task_id=task_id("multisession", config, name), family="repo", prompt=out.specs[0].prompt,
                tool_names=list(TOOL_NAMES), workspace={p: work.files[p] for p in sorted(work.files)},
                gold=gold, question="\n".join(f"[{p.id}] {p.question}" for p in out.probes), core_hash=name,
                depth=depth, evidence=_session_evidence(out.needed_in), oracle_plan=out.specs[0].oracle_plan,
                sessions=out.specs, probes=out.probes, length_tokens=sum(sizes.values()),
                meta=_meta(core, out, work, placed, attempt, hops))
