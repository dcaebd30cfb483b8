"""Separability benchmark of LoCo-RepoReview: can a reviewer that never reads the code tell defects from benign
edits by the text of the diff alone?

A bag-of-tokens logistic regression (scikit-learn, the ``dev`` extra) is trained on the change blocks of review
diffs generated from one seed range and scored on diffs from another, with the env's own grader (findings at each
flagged block's first new line, F1 against the defects). It is the cheapest serious cheat: if it beats flagging
every block by much, the generator leaks the class of a hunk through its text.

Each unit is one change block (consecutive ``-``/``+`` lines) with the hunk context around it; its tokens
(identifiers, numbers, operators, comment words) carry the line's sign (``+``, ``-`` or context), as unigrams and
same-line bigrams. The classifier flags blocks in two ways, both reported: above a probability threshold chosen
by grouped cross-validation on the training tasks (``classifier``), and only its single most suspicious block per
task (``classifier_top1``). Next to them: flag-every-block (``flag_all``), the model-free ``heuristic`` agent
played on the test tasks, and the area under the ROC curve of the block scores (0.5 = chance). Each classifier's
margin over flag-all (``minus_flag_all``: the better of its two flaggings, minus flag-all) comes with a 90%
interval from resampling the test tasks (``minus_flag_all_90``): a dozen test tasks hold about a dozen defects.

Tasks come from a task store (``--store``; a temporary one by default), filled first by ``--jobs`` worker
processes (:func:`locogym.harness.task_build.build_all`), so a rerun at the same seeds, options and generator code
reads every task back instead of validating it again, and a first run builds in parallel (``locogym tasks build
LoCo-RepoReview-v0 --source synthetic --store DIR`` fills the same store). A seed the env refuses at a length is
left out and named (``timing.refused_seeds``). Building the tasks (mostly their test runs) and training the
classifiers are nearly all of the bench's cost; the ``timing`` section of each document says how the seconds split
between building, reading the store, the block features, the classifiers, the rules and the heuristic.

Prints one JSON document per length. Usage::

    python bench/review.py [--sandbox local] [--lengths 8k,32k] [--train 0-11] [--test 100-111,150-160]
                           [--store DIR] [--jobs N] [--models bag,alignment] [--cache-dir DIR]
                           [--no-heuristic] [--top-features N] [--shape-profile]
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import re
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import gymnasium as gym

import locogym
from locogym.core.types import Task
from locogym.harness.task_build import BuildJob, BuildResult, build_all
from locogym.scenarios.defects.diffblocks import (
    Block,
    function_at,
    hunk_texts,
    labelled_blocks,
    score_flagged,
)
from locogym.scenarios.defects.gold import ReviewGold
from locogym.scenarios.defects.hide import imported_and_used_names
from locogym.scenarios.defects.review_grading import grade_findings
from locogym.scenarios.defects.twins import SAME_LOOK

_TOKEN = re.compile(r"[A-Za-z_]\w*|\d+|==|!=|<=|>=|\*\*|//|[^\s\w]")


def tokens(text: str) -> list[str]:
    """Signed unigrams and same-line bigrams of a block's text."""
    out = []
    for line in text.splitlines():
        sign = line[:1] if line[:1] in ("-", "+") else "="
        toks = [f"{sign}{t}" for t in _TOKEN.findall(line[1:])]
        out += toks + [f"{a}|{b}" for a, b in zip(toks, toks[1:], strict=False)]
    return out


_KEYWORDS = frozenset({"if", "else", "elif", "return", "not", "and", "or", "in", "is", "for", "while", "def",
                       "except", "try", "raise", "None", "True", "False", "lambda", "with", "as", "import"})


def _abstract(token: str) -> str:
    """A token's class: numbers and plain names abstracted, keywords and operators kept."""
    if token.isdigit():
        return "NUM"
    if (token[0].isalpha() or token[0] == "_") and token not in _KEYWORDS:
        return "NAME"
    return token


def _side(text: str, sign: str) -> list[str]:
    return [t for line in text.splitlines() if line.startswith(sign) for t in _TOKEN.findall(line[1:])]


@lru_cache(maxsize=1 << 16)
def alignment_features(text: str) -> dict[str, float]:
    """How a block's new tokens align with its old ones (difflib opcodes): which classes of token each
    replace, delete and insert touches, whether a lone number moved and by how much, and the block's size.

    Kept per text: the shape rule reads each block's features once per candidate cut. Callers must not change
    the dict they get."""
    old, new = _side(text, "-"), _side(text, "+")
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    feats: dict[str, float] = {"old_tokens": len(old), "new_tokens": len(new), "ratio": matcher.ratio(),
                               "old_lines": text.count("\n-") + text.startswith("-"),
                               "new_lines": text.count("\n+") + text.startswith("+")}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            feats["equal"] = feats.get("equal", 0) + i2 - i1
            continue
        gone, came = old[i1:i2], new[j1:j2]
        for key in (f"op:{tag}", f"{tag}:{' '.join(map(_abstract, gone))}>{' '.join(map(_abstract, came))}"[:70],
                    *(f"{tag}-:{_abstract(t)}" for t in gone), *(f"{tag}+:{_abstract(t)}" for t in came)):
            feats[key] = feats.get(key, 0) + 1
        if tag == "replace" and len(gone) == len(came) == 1 and gone[0].isdigit() and came[0].isdigit():
            feats["number_moved_by"] = abs(int(came[0]) - int(gone[0]))
    return feats


_LABELLED: dict[str, list[Block]] = {}


def labelled(task: Task) -> list[Block]:
    """The task's change blocks, each marked defect or not (parsed once per task: every cheat reads them)."""
    key = task.content_hash or task.task_id
    if key not in _LABELLED:
        _LABELLED[key] = labelled_blocks(task.prompt, task.gold_as(ReviewGold))
    return _LABELLED[key]


_GOLDS: dict[str, ReviewGold] = {}


def f1_of(task: Task, flagged: list[Block]) -> float:
    """The grader's F1 of findings on the flagged blocks (what :func:`score_flagged` gives), with the task's gold
    parsed once: the threshold search grades every training task at every candidate cut."""
    key = task.content_hash or task.task_id
    if key not in _GOLDS:
        _GOLDS[key] = task.gold_as(ReviewGold)
    gold = _GOLDS[key]
    findings = [{"path": b.path, "line": b.line, "description": ""} for b in flagged]
    return grade_findings(findings, gold.defects, [], gold.window)["f1"]


def _seeds(spec: str) -> list[int]:
    """``LO-HI``, a seed, or a comma-separated list of both (``100-130,150-160``)."""
    seeds = []
    for part in spec.split(","):
        lo, _, hi = part.strip().partition("-")
        seeds += range(int(lo), int(hi or lo) + 1)
    return sorted(set(seeds))


def _mean(values: list[float]) -> float:
    return round(statistics.fmean(values), 4) if values else 0.0


@dataclass
class Unit:
    """What the classifier scores: a change block, or a whole hunk (its blocks are flagged together)."""

    text: str
    blocks: list[Block]

    @property
    def defect(self) -> bool:
        return any(b.defect for b in self.blocks)


def units_of(task: Task, kind: str) -> list[Unit]:
    blocks = labelled(task)
    if kind == "block":
        return [Unit(b.text, [b]) for b in blocks]
    texts = hunk_texts(blocks, task.prompt)
    grouped: dict[int, list[Block]] = {}
    for block in blocks:
        grouped.setdefault(block.hunk, []).append(block)
    return [Unit(texts[h], bs) for h, bs in grouped.items()]


def _bag_model() -> tuple[Any, Any]:
    """Bag of signed tokens, logistic regression."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    return (CountVectorizer(analyzer=tokens, binary=True),
            LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000))


def _alignment_model() -> tuple[Any, Any]:
    """Token-alignment features of each block (difflib opcodes), gradient-boosted trees."""
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.pipeline import FunctionTransformer, make_pipeline

    features = make_pipeline(FunctionTransformer(lambda texts: [alignment_features(t) for t in texts]),
                             DictVectorizer())
    return features, GradientBoostingClassifier(n_estimators=150, max_depth=3, learning_rate=0.1, random_state=0)


MODELS = {"bag": _bag_model, "alignment": _alignment_model}


def _feature_names(vectorizer: Any) -> list[str]:
    last = vectorizer.steps[-1][1] if hasattr(vectorizer, "steps") else vectorizer
    return [str(n) for n in last.get_feature_names_out()]


def _weights(model: Any) -> list[float]:
    return [float(w) for w in (model.coef_[0] if hasattr(model, "coef_") else model.feature_importances_)]


def classify(train_tasks: list[Task], test_tasks: list[Task], kind: str, top_features: int = 0,
             model_name: str = "bag") -> dict[str, Any]:
    """Train on one seed range, score on the other; F1 of threshold and top-1 flagging, the ROC AUC, and the
    ``top_features`` features that weigh most towards "defect" (what still leaks); the top-1 recall per defect
    kind says which operators give themselves away."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold, cross_val_predict

    train_units = [units_of(t, kind) for t in train_tasks]
    test_units = [units_of(t, kind) for t in test_tasks]
    flat = [u for us in train_units for u in us]
    groups = [i for i, us in enumerate(train_units) for _ in us]
    vectorizer, model = MODELS[model_name]()
    x_train = vectorizer.fit_transform([u.text for u in flat])
    y_train = [int(u.defect) for u in flat]
    folds = GroupKFold(n_splits=min(5, len(train_tasks)))
    out_of_fold = cross_val_predict(model, x_train, y_train, groups=groups, cv=folds, method="predict_proba")[:, 1]
    model.fit(x_train, y_train)

    def scored(scores: list[float], per_task: list[list[Unit]]) -> list[list[tuple[Unit, float]]]:
        it = iter(scores)
        return [[(u, next(it)) for u in us] for us in per_task]

    def flagged(pairs: list[tuple[Unit, float]], threshold: float) -> list[Block]:
        return [b for u, s in pairs if s >= threshold for b in u.blocks]

    train_scored = scored(list(out_of_fold), train_units)
    candidates = sorted({round(float(s), 4) for s in out_of_fold})
    best = max(candidates, key=lambda th: statistics.fmean(
        f1_of(t, flagged(pairs, th)) for t, pairs in zip(train_tasks, train_scored, strict=True)))
    test_flat = [u for us in test_units for u in us]
    test_scores = [float(p) for p in model.predict_proba(vectorizer.transform([u.text for u in test_flat]))[:, 1]]
    test_scored = scored(test_scores, test_units)
    threshold_f1 = [f1_of(t, flagged(pairs, best)) for t, pairs in zip(test_tasks, test_scored, strict=True)]
    top1 = [score_flagged(t, max(pairs, key=lambda p: p[1])[0].blocks if pairs else [])
            for t, pairs in zip(test_tasks, test_scored, strict=True)]
    top1_f1 = [m["f1"] for m in top1]
    by_kind: dict[str, list[float]] = {}
    for metrics in top1:
        for key, value in metrics.items():
            if key.startswith("recall."):
                by_kind.setdefault(key.removeprefix("recall."), []).append(value)
    labels = [int(u.defect) for u in test_flat]
    weights = sorted(zip(_weights(model), _feature_names(vectorizer), strict=True), reverse=True)
    return {"units": len(test_flat), "defect_units": sum(labels), "threshold": best,
            "per_task": (threshold_f1, top1_f1),
            "f1_threshold": _mean(threshold_f1), "f1_top1": _mean(top1_f1),
            "auc": round(float(roc_auc_score(labels, test_scores)), 4) if 0 < sum(labels) < len(labels) else None,
            "top1_recall_by_kind": {k: _mean(v) for k, v in sorted(by_kind.items())},
            "top_defect_tokens": [[str(name), round(float(w), 3)] for w, name in weights[:top_features]]}


# ---------------------------------------------------------------------------------------------- hand rules
def _changed_lines(text: str, sign: str) -> list[str]:
    return [line[1:] for line in text.splitlines() if line.startswith(sign)]


def wraps_condition_in_not(text: str) -> bool:
    """``if C:`` became ``if not (C):`` with ``C`` unchanged: the inverted condition's own shape."""
    old = {line.strip() for line in _changed_lines(text, "-")}
    for line in _changed_lines(text, "+"):
        match = re.match(r"\s*(if|elif|while) not \((.*)\):\s*$", line)
        if match and f"{match.group(1)} {match.group(2)}:" in old:
            return True
    return False


def moves_one_number_by_one(text: str) -> bool:
    """The only change of the block is one number replaced by its neighbour: a changed constant's shape."""
    feats = alignment_features(text)
    return feats.get("number_moved_by") == 1 and sum(v for k, v in feats.items() if k.startswith("op:")) == 1


def deletes_a_guard(text: str) -> bool:
    """An ``if`` line goes and nothing is added: a removed guard's shape."""
    return any(line.strip().startswith("if ") for line in _changed_lines(text, "-")) \
        and not _changed_lines(text, "+")


SHAPE_RULES = {"not_wrap": wraps_condition_in_not, "number_by_one": moves_one_number_by_one,
               "deleted_guard": deletes_a_guard}


def prior_flags(task: Task, rule: str) -> list[Block]:
    """The function-prior cheats: flag the blocks inside a function a test module imports and never calls
    (``imported_uncalled``), or inside a function no visible test names at all (``untested``)."""
    unused, used = imported_and_used_names(task.workspace)
    flagged = []
    for block in labelled(task):
        qualname = function_at(task.workspace.get(block.path, ""), block.line)
        name = qualname.rsplit(".", 1)[-1] if qualname else None
        if name is not None and (name in unused if rule == "imported_uncalled" else name not in used):
            flagged.append(block)
    return flagged


def stump_rule(train_tasks: list[Task], test_tasks: list[Task], names: list[str]) -> tuple[str, list[float]]:
    """A shape rule read off the classifier's top features: the one-feature threshold (either direction) that
    flags best on the training tasks, applied to the test tasks."""
    def per_task(tasks: list[Task], name: str, cut: float, above: bool) -> list[float]:
        return [f1_of(t, [b for b in labelled(t)
                          if (alignment_features(b.text).get(name, 0.0) > cut) == above]) for t in tasks]

    best: tuple[float, str, float, bool] = (-1.0, "", 0.0, True)
    for name in names:
        values = sorted({alignment_features(b.text).get(name, 0.0) for t in train_tasks for b in labelled(t)})
        for cut in values[:-1][:: max(1, len(values) // 12)]:
            for above in (True, False):
                score = statistics.fmean(per_task(train_tasks, name, cut, above))
                if score > best[0]:
                    best = (score, name, cut, above)
    _, name, cut, above = best
    return f"{name} {'>' if above else '<='} {cut:g}", per_task(test_tasks, name, cut, above)


def paired_interval(cheat_f1: list[float], flag_all_f1: list[float], resamples: int = 2000) -> list[float]:
    """90% interval of a cheat's margin over flag-all, by resampling the test tasks (paired, seeded)."""
    rng = random.Random(0)
    n = len(flag_all_f1)
    margins = []
    for _ in range(resamples):
        picks = [rng.randrange(n) for _ in range(n)]
        margins.append(statistics.fmean(cheat_f1[i] - flag_all_f1[i] for i in picks))
    margins.sort()
    return [round(margins[int(0.05 * resamples)], 4), round(margins[int(0.95 * resamples) - 1], 4)]


def margin_interval(threshold_f1: list[float], top1_f1: list[float], flag_all_f1: list[float],
                    resamples: int = 2000) -> list[float]:
    """90% interval of the classifier's margin over flag-all, by resampling the test tasks (paired, seeded).

    With one or two defects per task, a dozen test tasks hold a dozen defects: one more hit moves F1 by several
    points. The interval says how far the figure can be trusted.
    """
    rng = random.Random(0)
    n = len(flag_all_f1)
    margins = []
    for _ in range(resamples):
        picks = [rng.randrange(n) for _ in range(n)]
        best = max(statistics.fmean(threshold_f1[i] for i in picks), statistics.fmean(top1_f1[i] for i in picks))
        margins.append(best - statistics.fmean(flag_all_f1[i] for i in picks))
    margins.sort()
    return [round(margins[int(0.05 * resamples)], 4), round(margins[int(0.95 * resamples) - 1], 4)]


def cheats(train_tasks: list[Task], test_tasks: list[Task], flag_all_each: list[float],
           top_names: list[str]) -> dict[str, Any]:
    """Each hand-written cheat's mean F1 on the test tasks and its margin over flag-all with a 90% interval."""
    per_task: dict[str, list[float]] = {}
    for rule in ("imported_uncalled", "untested"):
        per_task[f"prior_{rule}"] = [f1_of(t, prior_flags(t, rule)) for t in test_tasks]
    for name, shape in SHAPE_RULES.items():
        per_task[f"shape_{name}"] = [f1_of(t, [b for b in labelled(t) if shape(b.text)]) for t in test_tasks]
    rule = None
    if top_names:  # read off the alignment classifier, when it was trained
        rule, per_task["shape_from_classifier"] = stump_rule(train_tasks, test_tasks, top_names)
    out: dict[str, Any] = {}
    for name, scores in per_task.items():
        out[name] = {"f1": _mean(scores), "minus_flag_all": round(_mean(scores) - _mean(flag_all_each), 4),
                     "minus_flag_all_90": paired_interval(scores, flag_all_each)}
    if rule is not None:
        out["shape_from_classifier"]["rule"] = rule
    return out


# ---------------------------------------------------------------------------------------------- shape profile
PROFILED = ("removed_guard", "wrong_constant", "inverted_condition", "faulty_intent")
# a faulty intent's true look-alike is the intended change made as stated, beside the numbers moved as far
_LOOKS = {**SAME_LOOK, "faulty_intent": SAME_LOOK["faulty_intent"] | {"intended_change"}}


def _kinds_near(block: Block, places: list[dict[str, Any]], window: int) -> set[str]:
    return {p["kind"] for p in places if p["path"] == block.path and p["line"] - window <= block.line
            <= p["end_line"] + window}


def _quartiles(values: list[float]) -> list[float]:
    ordered = sorted(values)
    n = len(ordered)
    return [round(ordered[min(n - 1, i * n // 4)], 2) for i in range(4)] + [round(ordered[-1], 2)]


def shape_profile(tasks: list[Task]) -> dict[str, Any]:
    """For each defect shape, the block features the alignment classifier leans on, for the defects' blocks and
    for the blocks of the look-alikes of their very look (``SAME_LOOK``, and the intended changes): min,
    quartiles and max of the new and old token counts and the similarity ratio, how far a lone number moved, and
    the share of blocks that only delete a guard. Two classes drawn from the same distributions give the
    classifier nothing to learn; where they part, that is the leak."""
    rows: dict[str, dict[str, list[dict[str, float]]]] = {k: {"defect": [], "lookalike": []} for k in PROFILED}
    for task in tasks:
        gold = task.gold_as(ReviewGold)
        defects = [d.model_dump() for d in gold.defects]
        for block in labelled(task):
            near = _kinds_near(block, defects, gold.window) if block.defect else \
                _kinds_near(block, task.meta.get("benign", []), gold.window)
            for shape in PROFILED:
                side = "defect" if block.defect and shape in near else \
                    "lookalike" if not block.defect and near & _LOOKS[shape] else None
                if side:
                    rows[shape][side].append({**alignment_features(block.text),
                                              "deletes_guard": float(deletes_a_guard(block.text))})
    out: dict[str, Any] = {}
    for shape, sides in rows.items():
        out[shape] = {side: {"blocks": len(found), **({} if not found else {
            key: _quartiles([f.get(key, 0.0) for f in found]) for key in ("new_tokens", "old_tokens", "ratio")}),
            "number_moved_by": _quartiles(moved) if (moved := [f["number_moved_by"] for f in found
                                                               if "number_moved_by" in f]) else [],
            "deletes_guard": _mean([f["deletes_guard"] for f in found])} for side, found in sides.items()}
    return out


class Timer:
    """Seconds spent per phase of the bench, summed over its calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def report(self) -> dict[str, float]:
        return {name: round(value, 2) for name, value in self.seconds.items()}


def build_tasks(env_kwargs: dict[str, Any], seeds: list[int], length: int, jobs: int) -> list[BuildResult]:
    """Put every seed's task at ``length`` in the store, ``jobs`` seeds at a time in worker processes; a task the
    store holds already is only checked. A seed the env refuses at this length (every fill moved its gold) makes
    no task and is left out, by name; any other failure stops the bench: a cheat's figure on the tasks that
    happened to build would not be the figure asked for."""
    results = build_all([BuildJob("LoCo-RepoReview-v0", seed, (str(length),), env_kwargs) for seed in seeds], jobs)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise SystemExit(f"{len(failed)} task(s) could not be built, e.g. seed {failed[0].seed}: "
                         f"{failed[0].message[:300]}")
    return results


def build_timing(results: list[BuildResult]) -> dict[str, Any]:
    """How long the tasks built in this run took each (median, min, max), how many the store held, and which
    seeds the env refused."""
    built = sorted(r.seconds for r in results if r.status in ("built", "rebuilt"))
    out: dict[str, Any] = {"built": len(built), "from_store": sum(r.status == "stored" for r in results),
                           "refused_seeds": sorted(r.seed for r in results if r.status == "refused")}
    if built:
        out["build_seconds_per_task"] = {"median": round(statistics.median(built), 2), "min": built[0],
                                         "max": built[-1]}
    return out


CLASSIFIERS = (("bag", "hunk"), ("bag", "block"), ("alignment", "block"))  # (model, unit)


def measure(env: Any, length: int, train: list[int], test: list[int], heuristic: bool,
            top_features: int = 0, prepare: Callable[[list[int], int], dict[str, Any]] | None = None,
            models: tuple[str, ...] = tuple(MODELS), profile: bool = False) -> dict[str, Any]:
    """Every cheat's figures at ``length``: trained on the ``train`` seeds' tasks, scored on the ``test`` seeds'.
    ``prepare`` fills the task store first (in parallel) and says what that cost; ``models`` names the
    classifiers to train (the alignment classifier's top features feed the rule read off it)."""
    base = env.unwrapped
    timer = Timer()
    with timer.phase("build"):
        building = prepare([*train, *test], length) if prepare is not None else {}
    refused = set(building.get("refused_seeds", ()))
    train, test = [s for s in train if s not in refused], [s for s in test if s not in refused]
    with timer.phase("read_tasks"):
        train_tasks = [base.task_for(base.make_config(seed, {"length": length})) for seed in train]
        test_tasks = [base.task_for(base.make_config(seed, {"length": length})) for seed in test]
    with timer.phase("features"):
        for task in [*train_tasks, *test_tasks]:
            for block in labelled(task):
                alignment_features(block.text)
    flag_all_each = [f1_of(t, labelled(t)) for t in test_tasks]
    flag_all = _mean(flag_all_each)
    result: dict[str, Any] = {"length": length, "train_tasks": len(train_tasks), "test_tasks": len(test_tasks),
                              "flag_all_f1": flag_all}
    kinds: dict[str, int] = {}
    for task in test_tasks:
        for defect in task.gold["defects"]:
            kinds[defect["kind"]] = kinds.get(defect["kind"], 0) + 1
    result["test_defect_kinds"] = kinds
    if profile:
        result["shape_profile"] = shape_profile(train_tasks)
    with timer.phase("classifiers"):
        for model_name, kind in [m for m in CLASSIFIERS if m[0] in models]:
            key = f"classifier_{kind}" if model_name == "bag" else f"classifier_{model_name}"
            result[key] = found = classify(train_tasks, test_tasks, kind, max(top_features, 10), model_name)
            found["minus_flag_all"] = round(max(found["f1_threshold"], found["f1_top1"]) - flag_all, 4)
            found["minus_flag_all_90"] = margin_interval(*found.pop("per_task"), flag_all_each)
    with timer.phase("rules"):
        top = result.get("classifier_alignment", {}).get("top_defect_tokens", [])
        result["cheats"] = cheats(train_tasks, test_tasks, flag_all_each, [n for n, _ in top])
    for found in result.values():
        if isinstance(found, dict) and "top_defect_tokens" in found:
            found["top_defect_tokens"] = found["top_defect_tokens"][:top_features]
    if heuristic:
        with timer.phase("heuristic"):
            scores = [locogym.run_episode(env, locogym.make_agent("heuristic"), seed=seed,
                                          options={"length": length}).score for seed in test]
        result["heuristic_f1"] = _mean([s.success for s in scores if s is not None])
    result["timing"] = {**building, "seconds": timer.report()}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", default="local", help="local (default; the synthetic projects are ours), "
                                                           "docker or bwrap")
    parser.add_argument("--lengths", default="8k,32k")
    parser.add_argument("--train", default="0-11", help="training seeds: LO-HI, or ranges and seeds with commas")
    parser.add_argument("--test", default="100-111", help="test seeds: LO-HI, or ranges and seeds with commas")
    parser.add_argument("--store", default=None, help="task store folder: tasks built once are read back by "
                                                      "later runs (default: a temporary folder)")
    parser.add_argument("--jobs", type=int, default=1, help="seeds built at once, each in its own process")
    parser.add_argument("--cache-dir", default=None, help="test-run cache (default: a temporary folder)")
    parser.add_argument("--models", default=",".join(MODELS), help="classifiers to train: bag (per hunk and per "
                                                                     "block), alignment (default: both)")
    parser.add_argument("--no-heuristic", action="store_true", help="skip playing the heuristic agent")
    parser.add_argument("--top-features", type=int, default=0, help="also list the N tokens that weigh most "
                                                                     "towards a defect")
    parser.add_argument("--shape-profile", action="store_true", help="also profile the training tasks' blocks "
                        "by class: each defect shape against the look-alikes of its very look")
    args = parser.parse_args()
    if args.jobs < 1:
        parser.error(f"--jobs {args.jobs} is not a count of processes; pass 1 or more")
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as scratch:
        env_kwargs = {"sandbox": args.sandbox, "source": "synthetic", "cache_dir": args.cache_dir or scratch,
                      "task_store": args.store or f"{scratch}/tasks"}

        def prepare(seeds: list[int], length: int) -> dict[str, Any]:
            return build_timing(build_tasks(env_kwargs, seeds, length, args.jobs))

        env = gym.make("LoCo-RepoReview-v0", **env_kwargs)
        try:
            for spec in args.lengths.split(","):
                length = int(spec.lower().removesuffix("k")) * 1024 if spec.lower().endswith("k") else int(spec)
                print(json.dumps(measure(env, length, _seeds(args.train), _seeds(args.test),
                                         not args.no_heuristic, args.top_features, prepare,
                                         tuple(args.models.split(",")), args.shape_profile)), flush=True)
        finally:
            env.close()


if __name__ == "__main__":
    main()
