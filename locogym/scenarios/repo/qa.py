"""The ``qa`` task generator: one code question, the same at every length, in a context of the requested length.

Pipeline (pure and deterministic from the config):

1. The core, from every option but the length: the question's kind and variant, then its key, text, gold answer
   and evidence spans. On a synthetic source the question is drawn on the project's core (a whole project of
   the first rung's size). On a real source it is drawn on the whole tree among the questions whose evidence
   fits in half the first rung — a needed file too long for that is cut to an excerpt at definition boundaries
   (:mod:`.excerpts`), the same excerpt at every length — and built again on the evidence files alone; the two
   must agree.
2. The context at the length (:mod:`.context`): the synthetic project grown around its core, or a working set of
   the real tree around the evidence files. The question is built again on the context's own index with the
   same builder; a context that changes its wording, answer or evidence is rejected and the next one drawn.
3. The file order: the evidence files, as one block, at the task's depth among the other files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from locogym.core import tokens
from locogym.core.errors import TaskRefused
from locogym.core.ladder import core_hash
from locogym.core.types import ScenarioConfig, Task, stable_hash
from locogym.scenarios.repo import context, loading, provenance, questions, workset
from locogym.scenarios.repo.common import (
    FIRST_RUNG,
    HOPS,
    TOOL_NAMES,
    QAGold,
    core_config,
    core_rng,
    evidence_of,
    is_synthetic,
    order_rng,
    same_question,
    submit_call,
    submit_value,
    task_id,
)
from locogym.scenarios.repo.excerpts import excerpt
from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.sources import SourceTree

MAX_TRIES = 40
# The default mix: each kind's weight in a seed's order of kinds (:func:`kind_order`); the seed asks the first kind
# in that order the source can ask. An order drawn by weight without replacement puts kind k first among the kinds
# a source can ask with chance w_k / (sum of the askable kinds' weights): the same as a draw among those kinds
# alone, so a kind a source cannot ask passes its share to the others in proportion and starves none of them.
# The weights follow the grep baseline's score per kind on real code (docs/envs/LoCo-Repo-v0.md): what a text
# search answers nearly always (definitions, direct callers; dispatch along single inheritance; often the reach of
# a change) weighs little, and a call's value, an argument's value, a chain of single calls and a setting decided
# in several places weigh much. `argument` weighs most because the fewest sources can ask it.
KIND_WEIGHTS = {"argument": 10, "return_value": 8, "setting": 8, "call_chain": 6, "dispatch": 3, "impact": 2,
                "callers": 1, "definition": 1}
EVIDENCE_SHARE = 0.5  # on a real source, a question's evidence fits in this share of the first rung
CUT_SHARE = 0.2  # excerpts may take at most this share of a real source's text away before others are tried

QA_INSTRUCTIONS = (
    "You are working in a code repository (the workspace). Answer the question below about this code. Use the "
    "tools to explore and read the code; answers are checked exactly against the code itself. When you are sure, "
    "call submit with your answer."
)


@dataclass
class QACore:
    """A question and the files its evidence sits in, as every context shows them (whole, or an excerpt)."""

    question: questions.Question
    files: dict[str, str]


def needed_files(index: CodeIndex, q: questions.Question) -> list[str]:
    files = list(q.files)
    if q.kind == "callers":
        files += [index.definitions[q.key[1]].path]
    return sorted(set(files))


def kept_lines(index: CodeIndex, asked: list[questions.Question]) -> dict[str, list[tuple[int, int]]]:
    """The line ranges an excerpt must keep for these questions: their spans, and each callers question's
    target."""
    keep: dict[str, list[tuple[int, int]]] = {}
    for q in asked:
        for path, start, end in q.spans:
            keep.setdefault(path, []).append((start, end))
        if q.kind == "callers":
            d = index.definitions[q.key[1]]
            keep.setdefault(d.path, []).append((d.line, d.end_line))
    return keep


def fit_evidence(tree: SourceTree, index: CodeIndex, q: questions.Question, budget: float,
                 cut: bool) -> dict[str, str] | None:
    """The needed files of ``q`` within ``budget`` tokens: whole, or (with ``cut``) the longest cut to excerpts
    first; ``None`` when they do not fit."""
    return fit_files(index, {p: tree.files[p] for p in needed_files(index, q)}, kept_lines(index, [q]), budget, cut)


def fit_files(index: CodeIndex, files: dict[str, str], keep: dict[str, list[tuple[int, int]]], budget: float,
              cut: bool) -> dict[str, str] | None:
    """``files`` within ``budget`` tokens: whole, or (with ``cut``) the longest cut first to excerpts that keep
    the lines ``keep`` names; ``None`` when they do not fit."""
    whole = dict(files)
    files = dict(files)
    sizes = workset.file_tokens(files)
    total = sum(sizes.values())
    for path in sorted(files, key=lambda p: (-sizes[p], p)) if cut else []:
        if total <= budget:
            break
        if path in index.facts:
            short = excerpt(files[path], index.facts[path], keep.get(path, []))
            total += tokens.count(short) - sizes[path]
            files[path] = short
    if cut and total > budget:
        return _fit_members(index, whole, files, keep, budget)
    return files if total <= budget else None


def _fit_members(index: CodeIndex, whole: dict[str, str], files: dict[str, str],
                 keep: dict[str, list[tuple[int, int]]], budget: float) -> dict[str, str] | None:
    """``files`` (already cut to excerpts) within ``budget`` once the longest JS/TS files also lose the methods
    of their kept classes that no kept line is in (a 2,000-line base class shows its header and the members a
    question needs); ``None`` when they still do not fit. Tried only where top-level excerpts are not enough, so
    every question that fitted before is cut as before."""
    files = dict(files)
    sizes = workset.file_tokens(files)
    total = sum(sizes.values())
    for path in sorted(files, key=lambda p: (-sizes[p], p)):
        if total <= budget:
            break
        if path in index.facts:
            short = excerpt(whole[path], index.facts[path], keep.get(path, []), members=True)
            total += tokens.count(short) - sizes[path]
            files[path] = short
    return files if total <= budget else None


def _synthetic_core(tree: SourceTree, rng: random.Random, kind: str, variant: str, hops: int) -> QACore | None:
    """The first question of ``kind`` and ``variant`` on the core project, in ``rng``'s order of keys."""
    index = loading.index_for(tree)
    keys = questions.question_keys(index, kind, hops, tree.files)
    rng.shuffle(keys)
    for key in keys[:MAX_TRIES * 4]:
        q = questions.build(index, key, variant, tree.files)
        if q is not None:
            return QACore(q, {p: tree.files[p] for p in needed_files(index, q)})
    return None


def _cuts_too_much(tree: SourceTree, files: dict[str, str]) -> bool:
    """Whether excerpts would take more than :data:`CUT_SHARE` of the source's text away: the source left would
    be too small for the longer lengths that a whole tree serves."""
    cut = workset.file_tokens({p: t for p, t in files.items() if t != tree.files[p]})
    whole = workset.file_tokens({p: tree.files[p] for p in cut})
    return sum(whole.values()) - sum(cut.values()) > CUT_SHARE * sum(workset.file_tokens(tree.files).values())


def _real_core(tree: SourceTree, rng: random.Random, kind: str, variant: str, hops: int,
               cut: bool, light: bool = False) -> QACore | None:
    """The first question of ``kind`` and ``variant`` on the real tree whose evidence fits the first rung's share
    (with ``cut``: once its longest files are cut to excerpts; with ``light`` too, excerpts that take at most
    :data:`CUT_SHARE` of the source away), built again on its evidence files alone — it must ask the same with
    the same answer there."""
    full = loading.index_for(tree)
    keys = questions.question_keys(full, kind, hops, tree.files)
    rng.shuffle(keys)
    for key in keys[:MAX_TRIES * 4]:
        q_full = questions.build(full, key, variant, tree.files)
        if q_full is None:
            continue
        files = fit_evidence(tree, full, q_full, EVIDENCE_SHARE * FIRST_RUNG, cut)
        if files is None or (cut and (all(files[p] == tree.files[p] for p in files) or
                                      (light and _cuts_too_much(tree, files)))):
            continue
        q = questions.build(CodeIndex.build(files), key, variant, files)
        if q is not None and (q.text, submit_value(q)) == (q_full.text, submit_value(q_full)):
            return QACore(q, files)
    return None


def choose_core(tree: SourceTree, rng: random.Random, kind: str, variant: str, hops: int,
                cut: bool = False, light: bool = False) -> QACore | None:
    """A question of ``kind`` and ``variant`` for the core (see :func:`_real_core` for ``cut`` and ``light``)."""
    if tree.origin == "synthetic":
        return None if cut else _synthetic_core(tree, rng, kind, variant, hops)
    return _real_core(tree, rng, kind, variant, hops, cut, light)


def askable_kinds(tree: SourceTree, hops: int) -> list[str]:
    """The question kinds (in either variant) that can be asked about ``tree``."""
    return [kind for kind in questions.QUESTION_KINDS
            if any(choose_core(tree, random.Random(0), kind, v, hops, cut) is not None
                   for v in questions.VARIANTS for cut in (False, True))]


def _tries(kinds: list[str], variants: list[str]) -> list[tuple[str, str, bool, bool]]:
    """(kind, variant, cut, light) in the order questions are looked for.

    The kind comes first: a real project's modules are often longer than the first rung's share, so a kind whose
    evidence sits in one long module (a value traced through it) would otherwise give way to any kind whose files
    fit whole, and the mix would not be the mix. Within a kind, files whole come before files cut to excerpts,
    and those only while the excerpts take little of the source away (an excerpt stands for its file at every
    length, so a source cut much is too small for the longer lengths). Excerpts that take more come last, of any
    kind.
    """
    light = [(k, v, cut, True) for k in kinds for v in variants for cut in (False, True)]
    return light + [(k, v, True, False) for k in kinds for v in variants]


def _pick(config: ScenarioConfig, tree: SourceTree, rng: random.Random, kinds: list[str], variants: list[str],
          hops: int) -> QACore:
    """The first (kind, variant) in the given orders that can be asked; a clear error when none can.

    Only what the user named is fixed; the rest falls back, deterministically, to whatever the source supports
    (see :func:`_tries` for the order).
    """
    for kind, variant, cut, light in _tries(kinds, variants):
        found = choose_core(tree, rng, kind, variant, hops, cut, light)
        if found is not None:
            return found
    named = ", ".join(f"{k}={config.params[k]!r}" for k in ("question", "variant") if config.params.get(k))
    can = askable_kinds(tree, hops)
    askable = [k for k in can if k in kinds or not config.params.get("question")]
    if askable:
        fix = f"Ask one of the kinds this source supports: {', '.join(askable)}."
    else:
        fix = "Choose another source, or source='synthetic' (every kind is askable there)."
    what = f"question with {named}" if named else "question"
    raise TaskRefused(f"No {what} whose evidence fits {EVIDENCE_SHARE * FIRST_RUNG:,.0f} tokens (half the first "
                      f"rung of the length ladder) can be asked about {tree.name!r}; "
                      f"kinds askable here: {', '.join(can) or 'none'}.", fix=fix)


def _contexts(config: ScenarioConfig, tree: SourceTree, core: QACore, project_seed: int) -> tuple[SourceTree, int]:
    """The first context at the config's length on which the core's question is rebuilt unchanged."""
    q = core.question

    def keeps(work: SourceTree) -> bool:
        index = loading.index_for(work) if work.origin == "synthetic" else CodeIndex.build(work.files)
        return same_question(q, questions.build(index, q.key, q.variant, work.files))

    if tree.origin == "synthetic":
        candidates = context.synthetic_contexts(tree, project_seed, config.length)
    else:
        candidates = context.real_contexts(config, tree, core.files, config.length)
    return context.accept(candidates, keeps, seed=config.seed, length=config.length)


def core_record(config: ScenarioConfig, tree: SourceTree, core: QACore, gold: dict[str, Any]) -> dict[str, Any]:
    """What names the core (no length in it): the question, its answer, its evidence and the files it sits in."""
    q = core.question
    return {"task": "qa", "kind": q.kind, "variant": q.variant, "key": list(q.key), "question": q.text,
            "gold": gold, "evidence": [list(s) for s in sorted(set(q.spans))],
            "files": {p: stable_hash(t) for p, t in sorted(core.files.items())},
            "source": tree.commit if tree.origin != "synthetic" else tree.meta.get("package"),
            "depth": core_config(config).evidence_depth()}


def kind_order(rng: random.Random) -> list[str]:
    """Every question kind, in a seeded order weighted by :data:`KIND_WEIGHTS` (drawn without replacement)."""
    pool = dict(KIND_WEIGHTS)
    order = []
    while pool:
        kinds = sorted(pool)
        kind = rng.choices(kinds, weights=[pool[k] for k in kinds])[0]
        order.append(kind)
        del pool[kind]
    return order


def first_kind_chances(askable: list[str]) -> dict[str, float]:
    """Each kind's chance to be a seed's kind on a source that can ask exactly ``askable`` (see
    :data:`KIND_WEIGHTS`: its weight over the askable kinds' total)."""
    total = sum(KIND_WEIGHTS[k] for k in askable)
    return {k: KIND_WEIGHTS[k] / total for k in askable}


def seed_kinds(config: ScenarioConfig, tree: SourceTree) -> list[str]:
    """The kinds a seed tries, in order: the one named, or the default mix's order for this seed and source.

    The order comes from the seed and the source together (no length: the same at every rung), so the sources of
    a benchmark draw independently. One order per seed shared by every source would tie them: a kind that comes
    first among the askable ones on none of a few seeds would then be drawn on no source at all.
    """
    if config.params.get("question"):
        return [str(config.params["question"])]
    return kind_order(core_rng(config, f"kinds:{tree.commit}"))


def _go_toolchain(q: questions.Question) -> dict[str, Any]:
    """The Go toolchain that built and ran a Go run-based question's call (its gold depends on it)."""
    if q.kind not in {"return_value", "argument"} or ".go::" not in str(q.key[1]):
        return {}
    from locogym.scenarios.repo import go_runs

    return {"toolchain": go_runs.toolchain()}


def _toolchain_meta(tree: SourceTree) -> dict[str, Any]:
    """TS/JS sources: the node and typescript versions the run-based kinds' gold came from, or why those kinds
    were not asked here (``toolchain.missing``)."""
    if tree.language not in {"typescript", "javascript"}:
        return {}
    from locogym.scenarios.repo import ts_runs

    return {"toolchain": ts_runs.availability()}


def _python_provenance(q: questions.Question, tree: SourceTree) -> dict[str, Any]:
    """The interpreter and packages a Python run-based question's gold came from (its answer depends on them)."""
    if q.kind not in provenance.RUN_KINDS or not all(p.endswith((".py", ".pyi")) for p in q.files):
        return {}
    return {"gold_provenance": provenance.run_provenance(tree.files)}


def generate_qa(config: ScenarioConfig) -> Task:
    """A ``qa`` task. Options: ``question`` (a kind or random), ``variant`` (literal|nonliteral or random)."""
    seed_rng = core_rng(config)
    params = config.params
    first = params.get("variant") or seed_rng.choice(questions.VARIANTS)
    variants = [first] if params.get("variant") else [first, *(v for v in questions.VARIANTS if v != first)]
    hops = HOPS[config.difficulty]
    project_seed = seed_rng.getrandbits(63)
    if is_synthetic(params):
        tree = loading.synthetic_core(project_seed)
    else:
        tree = loading.real_source(params)
        workset.check_source_size(workset.file_tokens(tree.files), config.length, tree.name)
    core = _pick(config, tree, core_rng(config, tree.commit), seed_kinds(config, tree), variants, hops)
    work, attempt = _contexts(config, tree, core, project_seed)
    q = core.question
    sizes = workset.file_tokens(work.files)
    depth = core_config(config).evidence_depth()
    order, realised, each = workset.place_evidence(sorted(work.files), sizes, sorted(core.files), depth,
                                                   order_rng(config))
    gold = QAGold(answer_kind=q.answer_kind, answer=submit_value(q)).model_dump(mode="json")
    name = core_hash(core_config(config), core_record(config, tree, core, gold))
    meta: dict[str, Any] = {
        "task": "qa", "question_kind": q.kind, "variant": q.variant, "answer_kind": q.answer_kind, "hops": hops,
        "question_key": list(q.key), "source": work.name, "commit": work.commit, "language": work.language,
        "file_order": order, "evidence_depth": each, "realised_depth": realised,
        "evidence_files": sorted(core.files), "fill": attempt, "stop_slack": 2,
    }
    meta.update(_go_toolchain(q))
    meta.update(_toolchain_meta(tree))
    meta.update(_python_provenance(q, tree))
    return Task(task_id=task_id(f"qa-{q.kind}", config, name), family="repo",
                prompt=f"{QA_INSTRUCTIONS}\n\nQuestion: {q.text}", tool_names=list(TOOL_NAMES),
                workspace={p: work.files[p] for p in sorted(work.files)}, gold=gold, question=q.text,
                core_hash=name, depth=depth, evidence=evidence_of(q.spans),
                oracle_plan=[*q.reads, submit_call(submit_value(q))], length_tokens=sum(sizes.values()),
                meta=meta)
