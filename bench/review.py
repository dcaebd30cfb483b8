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

Prints one JSON document per length. Usage::

    python bench/review.py [--sandbox local] [--lengths 8k,32k] [--train 0-11] [--test 100-111]
                           [--cache-dir DIR] [--no-heuristic] [--top-features N]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import tempfile
import warnings
from dataclasses import dataclass
from typing import Any

import gymnasium as gym

import locogym
from locogym.core.types import Task
from locogym.scenarios.defects.diffblocks import Block, hunk_texts, labelled_blocks, score_flagged

_TOKEN = re.compile(r"[A-Za-z_]\w*|\d+|==|!=|<=|>=|\*\*|//|[^\s\w]")


def tokens(text: str) -> list[str]:
    """Signed unigrams and same-line bigrams of a block's text."""
    out = []
    for line in text.splitlines():
        sign = line[:1] if line[:1] in ("-", "+") else "="
        toks = [f"{sign}{t}" for t in _TOKEN.findall(line[1:])]
        out += toks + [f"{a}|{b}" for a, b in zip(toks, toks[1:], strict=False)]
    return out


def labelled(task: Task) -> list[Block]:
    return labelled_blocks(task.prompt, task.gold)


def f1_of(task: Task, flagged: list[Block]) -> float:
    return score_flagged(task, flagged)["f1"]


def _seeds(spec: str) -> list[int]:
    lo, _, hi = spec.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


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


def classify(train_tasks: list[Task], test_tasks: list[Task], kind: str, top_features: int = 0) -> dict[str, Any]:
    """Train on one seed range, score on the other; F1 of threshold and top-1 flagging, the ROC AUC, and the
    ``top_features`` tokens that weigh most towards "defect" (what still leaks); the top-1 recall per defect kind
    says which operators give themselves away."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold, cross_val_predict

    train_units = [units_of(t, kind) for t in train_tasks]
    test_units = [units_of(t, kind) for t in test_tasks]
    flat = [u for us in train_units for u in us]
    groups = [i for i, us in enumerate(train_units) for _ in us]
    vectorizer = CountVectorizer(analyzer=tokens, binary=True)
    x_train = vectorizer.fit_transform([u.text for u in flat])
    y_train = [int(u.defect) for u in flat]
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000)
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
    weights = sorted(zip(model.coef_[0], vectorizer.get_feature_names_out(), strict=True), reverse=True)
    return {"units": len(test_flat), "defect_units": sum(labels), "threshold": best,
            "per_task": (threshold_f1, top1_f1),
            "f1_threshold": _mean(threshold_f1), "f1_top1": _mean(top1_f1),
            "auc": round(float(roc_auc_score(labels, test_scores)), 4) if 0 < sum(labels) < len(labels) else None,
            "top1_recall_by_kind": {k: _mean(v) for k, v in sorted(by_kind.items())},
            "top_defect_tokens": [[str(name), round(float(w), 3)] for w, name in weights[:top_features]]}


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


def measure(env: Any, length: int, train: list[int], test: list[int], heuristic: bool,
            top_features: int = 0) -> dict[str, Any]:
    base = env.unwrapped
    train_tasks = [base.generate(base.make_config(seed, {"length": length})) for seed in train]
    test_tasks = [base.generate(base.make_config(seed, {"length": length})) for seed in test]
    flag_all_each = [f1_of(t, labelled(t)) for t in test_tasks]
    flag_all = _mean(flag_all_each)
    result: dict[str, Any] = {"length": length, "train_tasks": len(train_tasks), "test_tasks": len(test_tasks),
                              "flag_all_f1": flag_all}
    kinds: dict[str, int] = {}
    for task in test_tasks:
        for defect in task.gold["defects"]:
            kinds[defect["kind"]] = kinds.get(defect["kind"], 0) + 1
    result["test_defect_kinds"] = kinds
    for kind in ("hunk", "block"):
        result[f"classifier_{kind}"] = found = classify(train_tasks, test_tasks, kind, top_features)
        found["minus_flag_all"] = round(max(found["f1_threshold"], found["f1_top1"]) - flag_all, 4)
        found["minus_flag_all_90"] = margin_interval(*found.pop("per_task"), flag_all_each)
    if heuristic:
        scores = [locogym.run_episode(env, locogym.make_agent("heuristic"), seed=seed,
                                      options={"length": length}).score for seed in test]
        result["heuristic_f1"] = _mean([s.success for s in scores if s is not None])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", default="local", help="local (default; the synthetic projects are ours), "
                                                           "docker or bwrap")
    parser.add_argument("--lengths", default="8k,32k")
    parser.add_argument("--train", default="0-11", help="training seeds, LO-HI")
    parser.add_argument("--test", default="100-111", help="test seeds, LO-HI")
    parser.add_argument("--cache-dir", default=None, help="test-run cache (default: a temporary folder)")
    parser.add_argument("--no-heuristic", action="store_true", help="skip playing the heuristic agent")
    parser.add_argument("--top-features", type=int, default=0, help="also list the N tokens that weigh most "
                                                                     "towards a defect")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as scratch:
        env = gym.make("LoCo-RepoReview-v0", sandbox=args.sandbox, cache_dir=args.cache_dir or scratch)
        try:
            for spec in args.lengths.split(","):
                length = int(spec.lower().removesuffix("k")) * 1024 if spec.lower().endswith("k") else int(spec)
                print(json.dumps(measure(env, length, _seeds(args.train), _seeds(args.test),
                                         not args.no_heuristic, args.top_features)), flush=True)
        finally:
            env.close()


if __name__ == "__main__":
    main()
