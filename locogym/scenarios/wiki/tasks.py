"""Task generation for LoCo-WikiHop: settings, prompts, the context of a length around a fixed core, oracle plans.

``generate(config)`` is pure. A task is a core plus a context (see :mod:`locogym.core.ladder`): the core — the
question, its typed gold, the gold articles — is drawn by :mod:`.gold` from the base source and the core's
stream, the same at every length; the context — the haystack's distractors in static and rounds modes, the
searchable world in agentic mode — grows with the length from the fill's stream (``config.fill_seed()``). The
gold is then recomputed on the full context; a context that moves it is rejected and the next one drawn.
Corpora and their retrieval indexes are cached per process.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from locogym.core import tokens
from locogym.core.errors import ConfigError, TaskRefused
from locogym.core.ladder import core_hash, too_short
from locogym.core.types import Evidence, ScenarioConfig, Task, ToolCall, stable_hash
from locogym.scenarios.wiki import haystack as hs
from locogym.scenarios.wiki.corpus import Corpus, QAItem
from locogym.scenarios.wiki.gold import Core, draw_core, gold_problem
from locogym.scenarios.wiki.loaders import parse_spec
from locogym.scenarios.wiki.render import render_article, with_question
from locogym.scenarios.wiki.retrievers import RETRIEVERS, Retriever, get_retriever
from locogym.scenarios.wiki.sources import Source, source_for

MODES = ("static", "agentic", "rounds")
VARIANTS = ("literal", "nonliteral")
QTYPES = ("any", "bridge", "comparison")
ROUND_POLICIES = ("fixed", "variable")
SEARCH_K = 5
STOP_SLACK = 2
MAX_FILL_ATTEMPTS = 4  # contexts drawn for one length before the task is refused (each one re-checks the gold)

# name -> (default, check, what is allowed); every setting is a gym.make kwarg and a reset option
DEFAULTS: dict[str, Any] = {
    "corpus": "synthetic", "questions": None, "mode": "static", "retriever": "bm25", "world_seed": 0,
    "size": None, "dense_model": "", "variant": "literal", "qtype": "any", "hops": None, "order": "rank",
    "context": "retrieved", "rounds": 3, "round_policy": "variable", "reshow_question": False,
}
RESET_OPTIONS = frozenset({"variant", "qtype", "hops", "order", "context", "rounds", "round_policy",
                           "reshow_question"})


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{name}={value!r} is not supported.", fix=f"Use one of: {', '.join(allowed)}.")


def validate(params: dict[str, Any]) -> dict[str, Any]:
    """Fill defaults and check every setting; the result is JSON-safe and part of the scenario config.

    Raises:
        ConfigError: an unknown setting or a value out of range, with the allowed values.
    """
    unknown = sorted(set(params) - set(DEFAULTS))
    if unknown:
        raise ConfigError(f"LoCo-WikiHop-v0 takes no setting(s) {unknown}.",
                          fix=f"Known settings: {', '.join(sorted(DEFAULTS))}.")
    out = {**DEFAULTS, **params}
    if not isinstance(out["corpus"], str):
        raise ConfigError(f"corpus={out['corpus']!r} must be a string.", fix='Use "synthetic" or KIND:PATH.')
    parse_spec(out["corpus"])
    _choice("mode", out["mode"], MODES)
    _choice("retriever", out["retriever"], RETRIEVERS)
    _choice("variant", out["variant"], VARIANTS)
    _choice("qtype", out["qtype"], QTYPES)
    _choice("order", out["order"], hs.ORDERS)
    _choice("context", out["context"], hs.CONTEXTS)
    _choice("round_policy", out["round_policy"], ROUND_POLICIES)
    for name, low, high in (("hops", 2, 4), ("rounds", 1, 20), ("world_seed", 0, 2**31), ("size", 64, 10**7)):
        value = out[name]
        if value is None and name in ("hops", "size"):
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(f"{name}={value!r} is out of range.", fix=f"Use an integer from {low} to {high}.")
    if not isinstance(out["reshow_question"], bool):
        raise ConfigError(f"reshow_question={out['reshow_question']!r} must be true or false.", fix="Use a bool.")
    if out["questions"] is not None and not isinstance(out["questions"], str):
        raise ConfigError("questions must be a KIND:PATH string.", fix='e.g. questions="hotpotqa:PATH".')
    if out["questions"] is not None and not out["corpus"].startswith("wikiextractor:"):
        raise ConfigError("questions= only applies to a wikiextractor: corpus (QA datasets carry their own).",
                          fix="Drop questions=, or use corpus=wikiextractor:PATH.")
    if not isinstance(out["dense_model"], str):
        raise ConfigError("dense_model must be a folder path string.", fix="Give a local model folder or omit it.")
    return out


def retriever_for(params: dict[str, Any], corpus: Corpus) -> Retriever:
    return get_retriever(corpus, params["retriever"], params["dense_model"])


# ------------------------------------------------------------------------------------------------ prompts
ANSWER_RULE = "Answer with the shortest exact span: a name, a year or a number."
CITE_RULE = ('submit also takes, if you like, "citations" (titles of the articles your answer rests on) and '
             '"confidence" (from 0 to 1, how likely your answer is right); neither is required.')


def static_header(n_hint: str) -> str:
    return (f"Below are {n_hint} encyclopedia articles. Read them and answer the question that follows them.\n"
            f"{ANSWER_RULE}\n{CITE_RULE}\n\n")


def static_footer(question: str, mode: str, round_index: int = 0, rounds: int = 1, policy: str = "variable",
                  original: str | None = None, summary: str | None = None) -> str:
    lines = ["Question: " + question]
    if original is not None and original != question:
        lines.insert(0, "Original question: " + original)
        lines[1] = "Current question: " + question
    if summary:
        lines.append("Your notes so far: " + summary)
    if mode == "static":
        lines.append('Call submit with {"answer": "..."}.')
    else:
        last = round_index + 1 >= rounds
        lines.append(f"Round {round_index + 1} of {rounds}.")
        if last:
            lines.append('This is the last round: call submit with {"answer": "..."}.')
        elif policy == "fixed":
            lines.append('Call refine with {"summary": "what you learned", "question": "a better search question"} '
                         "to retrieve again; you answer in the last round.")
        else:
            lines.append('Call submit with {"answer": "..."} if you can answer, or refine with {"summary": "...", '
                         '"question": "..."} to retrieve again with a better question.')
    return "\n".join(lines) + "\n"  # the header and every block end with a blank line already


def agentic_prompt(question: str) -> str:
    return ("Answer the question by searching an encyclopedia.\n"
            "Tools: search(query, k) ranks articles for a query and shows the top k with a snippet; "
            "open(title) shows an article and its links (a title several paragraphs share lists them); "
            "follow(title, link) opens an article linked from another; submit(answer) ends the task.\n"
            f"{ANSWER_RULE}\n{CITE_RULE}\n\nQuestion: {question}\n")


def build_round_haystack(source: Source, retriever: Retriever, gold: list[int], length: int, params: dict[str, Any],
                         seed_key: str, round_index: int, question: str, original: str,
                         summary: str | None, depth: float) -> hs.Haystack:
    """The haystack of one round (round 0 for static mode): retrieve with ``question``, place the gold group
    (``gold``, in the order it shows) at ``depth``, fill to ``length`` from the fill's stream ``seed_key``."""
    rng = random.Random(f"{seed_key}:haystack:{round_index}")
    ranking = retriever.rank(question)  # also for the baselines: their gold ranks are recorded too
    footer = static_footer(question, params["mode"], round_index, params["rounds"], params["round_policy"],
                           original if params["mode"] == "rounds" else None, summary)
    header = static_header("the following" if params["context"] != "none" else "no")
    return hs.build(source.corpus, ranking, gold, length, header, footer, params["order"], params["context"], rng,
                    depth)


def _oracle(item: QAItem, corpus: Corpus, params: dict[str, Any], question: str) -> list[ToolCall]:
    submit = ToolCall(name="submit", arguments={"answer": item.answer, "citations": list(item.gold), "confidence": 1.0})
    if params["mode"] == "static":
        return [submit]
    if params["mode"] == "rounds":
        refines = params["rounds"] - 1 if params["round_policy"] == "fixed" else 0
        return [ToolCall(name="refine", arguments={"summary": f"Need: {' / '.join(item.gold)}.", "question": question})
                for _ in range(refines)] + [submit]
    plan: list[ToolCall] = []
    for title, prev in zip(item.gold, item.follow or (None,) * len(item.gold), strict=False):
        prev_article = corpus.get(prev) if prev else None
        if prev_article is not None and title in prev_article.links:
            plan.append(ToolCall(name="follow", arguments={"title": prev, "link": title}))
        else:
            plan.append(ToolCall(name="open", arguments={"title": title}))
    return plan + [submit]


def _oracle_obs_tokens(plan: list[ToolCall], fill: Fill, params: dict[str, Any], group: list[int], length: int,
                       question: str, depth: float) -> int:
    """Tokens the oracle's tool calls return (submit replies aside), as the tools will render them."""
    total = 0
    retriever: Retriever | None = None
    source, visible = fill.source, fill.source.corpus.mask(fill.searchable)
    for round_index, call in enumerate(plan, 1):
        if call.name in ("open", "follow"):
            title = call.arguments["link" if call.name == "follow" else "title"]
            article = source.corpus.get(title)
            assert article is not None
            shown = render_article(article, links=source.corpus.links_within(article, visible))
            total += tokens.count(with_question(shown, question, params["reshow_question"]))
        elif call.name == "refine":
            retriever = retriever or retriever_for(params, source.corpus)
            stack = build_round_haystack(source, retriever, group, length, params, fill.seed_key, round_index,
                                         question, question, call.arguments["summary"], depth)
            total += stack.tokens
    return total


def by_content(params: dict[str, Any], corpus_key: str) -> dict[str, Any]:
    """The settings with the corpus (and a dump's questions file) named by content, not by the folder they were
    read from: the same files give the same task wherever they are stored."""
    return {**params, "corpus": corpus_key, "questions": None}


def gold_group(params: dict[str, Any], core: Core) -> list[str]:
    """The order the gold group shows its articles in: reading order, or with ``order="shuffled"`` an order
    drawn from the core's stream (the group is the same at every length)."""
    return core.shuffled(core.gold.titles) if params["order"] == "shuffled" else list(core.gold.titles)


@dataclass
class Fill:
    """One drawn context: the source it reads from, its fill stream and, in static and rounds modes, the
    haystack of round 0; in agentic mode on a dataset, the articles the tools may show (None: all)."""

    source: Source
    variant: int
    seed_key: str
    stack: hs.Haystack | None
    searchable: list[int] | None = None

    def shown(self) -> Collection[str] | None:
        """The titles the agent can reach in this context (None: the whole source)."""
        if self.stack is not None:
            return set(self.stack.titles)
        return None if self.searchable is None else _Titles(self.source.corpus, self.searchable)


class _Titles(Collection[str]):
    """The titles of some articles of a corpus, for membership tests, without listing them."""

    def __init__(self, corpus: Corpus, indices: list[int]) -> None:
        self.corpus, self.indices = corpus, set(indices)

    def __contains__(self, title: object) -> bool:
        return isinstance(title, str) and self.corpus.index_of(title) in self.indices

    def __iter__(self) -> Iterator[str]:
        return (self.corpus.articles[i].title for i in sorted(self.indices))

    def __len__(self) -> int:
        return len(self.indices)


def searchable(source: Source, core: Core, gold: list[int], length: int, variant: int) -> list[int] | None:
    """The articles an agent may search on a dataset at ``length``: the gold articles and others in an order
    drawn once per task, as many as ``length`` tokens hold; None when the whole corpus fits.

    Why one order for every length: a longer length then searches a superset of a shorter one — the dataset
    grows around the question as the synthetic world does (a new growth ``variant`` draws another order).
    """
    corpus = source.corpus
    if corpus.total_tokens() <= length:
        return None
    budget = length - int(corpus.token_counts(gold).sum())  # the corpus is measured alone, as a world is
    order = np.random.default_rng([core.stream, variant]).permutation(len(corpus))
    others = np.ones(len(corpus), dtype=bool)
    others[gold] = False
    keep = others[order]
    spent = np.cumsum(np.where(keep, corpus.token_counts(order), 0))  # every count is cached by total_tokens()
    cut = int(np.searchsorted(spent, max(0, budget), side="right"))
    chosen: list[int] = np.sort(np.concatenate((order[:cut][keep[:cut]], gold))).tolist()  # no gold among the others
    return chosen


def _fill(config: ScenarioConfig, params: dict[str, Any], core: Core, variant: int, group: list[str],
          depth: float | None) -> Fill:
    """The context of attempt ``variant``: the source grown to the length (another growth for each attempt) and
    the round-0 haystack drawn from the fill's stream."""
    source = source_for(params, config.length, variant, base=core.base)
    fill = config.model_copy(update={"params": by_content(params, source.corpus.key)}).fill_seed()
    seed_key = str(fill) + (f":{variant}" if variant else "")
    corpus = source.corpus
    gold = [i for t in group if (i := corpus.index_of(t)) is not None]
    if params["mode"] == "agentic":
        shown = None if source.world is not None else searchable(source, core, gold, config.length, variant)
        return Fill(source, variant, seed_key, None, shown)
    assert depth is not None
    stack = build_round_haystack(source, retriever_for(params, corpus), gold, config.length, params, seed_key, 0,
                                 core.question, core.question, None, depth)
    if stack.tokens > config.length:
        raise too_short(config.length, stack.tokens, f"the question and its {len(gold)} gold articles",
                        fix=f"Use a length of at least {stack.tokens:,} tokens (this env's ladder starts at 4k).")
    return Fill(source, variant, seed_key, stack)


def generate(config: ScenarioConfig) -> Task:
    """The task of ``config`` (pure and deterministic; see the module docstring).

    Raises:
        ConfigError: bad settings, or no question matches the filters.
        TaskRefused: the length cannot hold the core, or every fill drawn moved the gold (names the seed).
    """
    params = validate(dict(config.params))
    core = draw_core(config, params)
    depth = None if params["mode"] == "agentic" else core.depth(config)
    group = gold_group(params, core)
    rejected: list[str] = []
    for variant in range(MAX_FILL_ATTEMPTS):
        fill = _fill(config, params, core, variant, group, depth)
        problem = gold_problem(core, fill.source, None if params["context"] == "none" else fill.shown())
        if problem is None:
            return _task(config, params, core, fill, group, depth, rejected)
        rejected.append(f"fill {variant}: {problem}")
    raise TaskRefused(f"seed {config.seed}: every one of {MAX_FILL_ATTEMPTS} contexts drawn for length "
                      f"{config.length:,} moved the gold ({'; '.join(rejected)}).",
                      fix="Use another seed (or world_seed); please report it, the fill is built not to do this.")


def _placed(fill: Fill, depth: float | None) -> float | None:
    """``Task.depth``: the depth the gold group was placed at, the same at every length (the haystack records the
    share of distractor tokens before the group, which whole articles keep within half an article of it); None
    where nothing surrounds the evidence (agentic mode, baselines without distractors)."""
    return depth if fill.stack is not None and fill.stack.depth is not None else None


def _task(config: ScenarioConfig, params: dict[str, Any], core: Core, fill: Fill, group: list[str],
          depth: float | None, rejected: list[str]) -> Task:
    """The task of an accepted context."""
    item, question, corpus = core.item, core.question, fill.source.corpus
    gold_idx = [i for t in group if (i := corpus.index_of(t)) is not None]
    meta: dict[str, Any] = {"mode": params["mode"], "retriever": params["retriever"], "stop_slack": STOP_SLACK,
                            "question": question, "qid": item.qid, "seed_key": fill.seed_key, "corpus": corpus.key,
                            "settings": params, "length": config.length, "world_variant": fill.variant,
                            "gold_group": group, "depth_asked": depth, "rejected_fills": rejected}
    locators: dict[str, dict[str, Any]] = {t: {"title": t, "hop": i} for i, t in enumerate(core.gold.titles)}
    if fill.stack is None:
        prompt = agentic_prompt(question)
        length_tokens = corpus.total_tokens() if fill.searchable is None else int(
            corpus.token_counts(fill.searchable).sum())
        meta["search_k"] = SEARCH_K
        if fill.searchable is not None:
            meta["searchable"] = fill.searchable
    else:
        prompt, length_tokens = fill.stack.text, fill.stack.tokens
        meta["haystack"] = fill.stack.summary()
        for title in core.gold.titles:
            locators[title].update(token_position=fill.stack.gold_positions.get(title),
                                   retriever_rank=fill.stack.gold_ranks.get(title))
    evidence = [Evidence(id=f"article:{t}", kind="article", locator=locators[t]) for t in core.gold.titles]
    oracle = _oracle(item, corpus, params, question)
    meta["oracle_obs_tokens"] = _oracle_obs_tokens(oracle, fill, params, gold_idx, config.length, question,
                                                   depth if depth is not None else 0.0)
    named = config.model_copy(update={"params": by_content(params, core.corpus)})
    return Task(task_id=f"wikihop-{params['mode']}-{config.seed}-{stable_hash(item.qid, 10)}", family="wiki",
                prompt=prompt, tool_names=[], gold=core.gold.model_dump(mode="json"), question=question,
                core_hash=core_hash(named, core.record(depth)), depth=_placed(fill, depth),
                evidence=evidence, oracle_plan=oracle, length_tokens=int(length_tokens), meta=meta)
