"""The ``qa`` task generator: one code question over a working set of exactly the requested length.

Pipeline (pure and deterministic from the config): source -> whole-tree index -> question keys of the chosen kind
in a seeded order -> for the first key that works: the working set (needed files plus distractors, within 5% of
the length) -> the question rebuilt on the working set's own index, so the gold answer is what the agent can
actually find in its workspace.
"""

from __future__ import annotations

import random
from typing import Any

from locogym.core.errors import ConfigError
from locogym.core.types import ScenarioConfig, Task
from locogym.scenarios.repo import questions, workset
from locogym.scenarios.repo.common import (
    HOPS,
    TOOL_NAMES,
    evidence_of,
    submit_call,
    submit_value,
    task_key,
    task_seed,
    tree_rng,
)
from locogym.scenarios.repo.excerpts import excerpt
from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.loading import index_for, source_for
from locogym.scenarios.repo.sources import SourceTree

MAX_TRIES = 40

QA_INSTRUCTIONS = (
    "You are working in a code repository (the workspace). Answer the question below about this code. Use the "
    "tools to explore and read the code; answers are checked exactly against the code itself. When you are sure, "
    "call submit with your answer."
)


def working_tree(tree: SourceTree, sizes: dict[str, int], length: int, needed: list[str], rng: random.Random,
                 synthetic: bool) -> SourceTree | None:
    """The working set for ``needed`` files, or ``None`` when they cannot fit within the length."""
    if synthetic and workset.within(sum(sizes.values()), length):
        return tree
    paths = workset.select(sizes, length, needed, rng)
    return tree.subset(paths) if paths is not None else None


def needed_files(index: CodeIndex, q: questions.Question) -> list[str]:
    files = list(q.files)
    if q.kind == "callers":
        files += [index.definitions[q.key[1]].path]
    return sorted(set(files))


def choose_question(config: ScenarioConfig, tree: SourceTree, rng: random.Random,
                    kind: str, variant: str, hops: int) -> tuple[questions.Question, SourceTree] | None:
    """The first question of ``kind`` and ``variant``, in ``rng``'s order of keys, that fits the length."""
    synthetic = tree.origin == "synthetic"
    sizes = workset.file_tokens(tree.files)
    full = index_for(tree)
    keys = questions.question_keys(full, kind, hops)
    rng.shuffle(keys)
    for key in keys[:MAX_TRIES * 4]:
        q_full = questions.build(full, key, variant, tree.files)
        if q_full is None:
            continue
        needed = needed_files(full, q_full)
        work = working_tree(tree, sizes, config.length, needed, rng, synthetic)
        if work is None and not synthetic:
            work = _excerpted_tree(tree, full, q_full, needed, sizes, config.length, rng)
        if work is None:
            continue
        index = full if work is tree else CodeIndex.build(work.files)
        q = q_full if work is tree else questions.build(index, key, variant, work.files)
        if q is not None:
            return q, work
    return None


def _excerpted_tree(tree: SourceTree, full: CodeIndex, q: questions.Question, needed: list[str],
                    sizes: dict[str, int], length: int, rng: random.Random) -> SourceTree | None:
    """The working set with the needed files that are too long cut to excerpts (see :mod:`.excerpts`)."""
    budget = length * (1 - workset.TOLERANCE) / 2
    big = [p for p in needed if sizes[p] > budget and p in full.facts]
    if not big:
        return None
    keep: dict[str, list[tuple[int, int]]] = {}
    for path, start, end in q.spans:
        keep.setdefault(path, []).append((start, end))
    if q.kind == "callers":
        d = full.definitions[q.key[1]]
        keep.setdefault(d.path, []).append((d.line, d.end_line))
    files = dict(tree.files)
    for path in big:
        files[path] = excerpt(files[path], full.facts[path], keep.get(path, []))
    cut = SourceTree(name=tree.name, files=files, language=tree.language, origin=tree.origin, meta=dict(tree.meta))
    return working_tree(cut, {**sizes, **workset.file_tokens({p: files[p] for p in big})}, length, needed, rng,
                        False)


def askable_kinds(config: ScenarioConfig, tree: SourceTree, hops: int) -> list[str]:
    """The question kinds (in either variant) that can be asked about ``tree`` at the config's length."""
    out = []
    for kind in questions.QUESTION_KINDS:
        for variant in questions.VARIANTS:
            if choose_question(config, tree, tree_rng(config, tree.commit), kind, variant, hops) is not None:
                out.append(kind)
                break
    return out


def _pick(config: ScenarioConfig, tree: SourceTree, rng: random.Random, kinds: list[str], variants: list[str],
          hops: int) -> tuple[questions.Question, SourceTree]:
    """The first (kind, variant) in the given orders that can be asked; a clear error when none can.

    Only what the user named is fixed; the rest falls back, deterministically, to whatever the source supports.
    """
    if tree.origin != "synthetic":
        workset.check_source_size(workset.file_tokens(tree.files), config.length, tree.name)
    for kind in kinds:
        for variant in variants:
            found = choose_question(config, tree, rng, kind, variant, hops)
            if found is not None:
                return found
    named = ", ".join(f"{k}={config.params[k]!r}" for k in ("question", "variant") if config.params.get(k))
    askable = [k for k in askable_kinds(config, tree, hops) if k in kinds or not config.params.get("question")]
    if askable:
        fix = f"Ask one of the kinds this source supports at this length: {', '.join(askable)}."
    else:
        fix = "Choose a different length, or source='synthetic' (every kind is askable there)."
    what = f"question with {named}" if named else "question"
    raise ConfigError(f"No {what} can be asked about {tree.name!r} at length {config.length:,}; kinds askable "
                      f"here: {', '.join(askable_kinds(config, tree, hops)) or 'none'}.", fix=fix)


def generate_qa(config: ScenarioConfig) -> Task:
    """A ``qa`` task. Options: ``question`` (a kind or random), ``variant`` (literal|nonliteral or random)."""
    seed_rng = random.Random(task_seed(config))
    params = config.params
    kinds = [params["question"]] if params.get("question") else seed_rng.sample(questions.QUESTION_KINDS, 4)
    first = params.get("variant") or seed_rng.choice(questions.VARIANTS)
    variants = [first] if params.get("variant") else [first, *(v for v in questions.VARIANTS if v != first)]
    hops = HOPS[config.difficulty]
    tree = source_for(params, seed_rng.getrandbits(63), config.length)
    rng = tree_rng(config, tree.commit)
    q, work = _pick(config, tree, rng, kinds, variants, hops)
    sizes = workset.file_tokens(work.files)
    order, depth = workset.order_for_context(sorted(work.files), sizes, q.files, rng)
    prompt = f"{QA_INSTRUCTIONS}\n\nQuestion: {q.text}"
    meta: dict[str, Any] = {
        "task": "qa", "question_kind": q.kind, "variant": q.variant, "answer_kind": q.answer_kind, "hops": hops,
        "question_key": list(q.key), "source": work.name, "commit": work.commit, "language": work.language,
        "file_order": order, "evidence_depth": depth, "stop_slack": 2,
    }
    return Task(task_id=f"repo-qa-{q.kind}-{task_key(config, tree.commit)}", family="repo", prompt=prompt,
                tool_names=list(TOOL_NAMES), workspace={p: work.files[p] for p in sorted(work.files)},
                gold={"answer_kind": q.answer_kind, "answer": submit_value(q)}, evidence=evidence_of(q.spans),
                oracle_plan=[*q.reads, submit_call(submit_value(q))], length_tokens=sum(sizes.values()),
                meta=meta)
