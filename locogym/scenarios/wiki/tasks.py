"""Task generation for LoCo-WikiHop: settings, corpus choice, question choice, prompts and oracle plans.

``generate(config)`` is pure: the corpus (a seeded world or a dataset file) and its retrieval index are cached
per process, the question and the haystack layout come from ``config.rng_seed()`` alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from locogym.core import tokens
from locogym.core.errors import ConfigError
from locogym.core.types import Evidence, ScenarioConfig, Task, ToolCall, stable_hash
from locogym.scenarios.wiki import haystack as hs
from locogym.scenarios.wiki.corpus import Corpus, QAItem
from locogym.scenarios.wiki.loaders import load_corpus, parse_spec
from locogym.scenarios.wiki.questions import make_question
from locogym.scenarios.wiki.render import render_article, with_question
from locogym.scenarios.wiki.retrievers import RETRIEVERS, Retriever, get_retriever
from locogym.scenarios.wiki.synthetic import world_for

MODES = ("static", "agentic", "rounds")
VARIANTS = ("literal", "nonliteral")
QTYPES = ("any", "bridge", "comparison")
ROUND_POLICIES = ("fixed", "variable")
HOPS_BY_DIFFICULTY = {"easy": 2, "medium": 3, "hard": 4}
SEARCH_K = 5
STOP_SLACK = 2
TOKENS_PER_ENTITY = 100  # a little under the synthetic articles' mean, so worlds are never too small

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


def world_size(length: int, size: int | None) -> int:
    """Entities of the synthetic world for a target length: a power of two >= 512 holding 1.25x the length."""
    if size is not None:
        return size
    n = 512
    while n * TOKENS_PER_ENTITY < 1.25 * length:
        n *= 2
    return n


@dataclass
class Source:
    """The corpus behind a task and, for the synthetic corpus, its world (for question generation)."""

    corpus: Corpus
    world: Any = None


def source_for(params: dict[str, Any], length: int) -> Source:
    if params["corpus"] == "synthetic":
        world = world_for(int(params["world_seed"]), world_size(length, params["size"]))
        return Source(world.corpus, world)
    return Source(load_corpus(params["corpus"], params["questions"]))


def retriever_for(params: dict[str, Any], corpus: Corpus) -> Retriever:
    return get_retriever(corpus, params["retriever"], params["dense_model"])


def _pick(source: Source, rng: random.Random, params: dict[str, Any], difficulty: str) -> QAItem:
    hops = params["hops"] or HOPS_BY_DIFFICULTY[difficulty]
    if source.world is not None:
        return make_question(source.world, rng, params["qtype"], hops)
    pool = [q for q in source.corpus.questions
            if (params["qtype"] == "any" or q.qtype == params["qtype"]) and (params["hops"] is None or q.hops == hops)]
    if not pool:
        raise ConfigError(f"No question in {params['corpus']} has qtype={params['qtype']} and hops={params['hops']}.",
                          fix="Relax qtype or hops (hops applies as given; difficulty does not filter datasets).")
    return pool[rng.randrange(len(pool))]


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
                         summary: str | None) -> hs.Haystack:
    """The haystack of one round (round 0 for static mode): retrieve with ``question``, fill to ``length``."""
    rng = random.Random(f"{seed_key}:haystack:{round_index}")
    ranking = retriever.rank(question)  # also for the baselines: their gold ranks are recorded too
    footer = static_footer(question, params["mode"], round_index, params["rounds"], params["round_policy"],
                           original if params["mode"] == "rounds" else None, summary)
    header = static_header("the following" if params["context"] != "none" else "no")
    return hs.build(source.corpus, ranking, gold, length, header, footer, params["order"], params["context"], rng)


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


def _oracle_obs_tokens(plan: list[ToolCall], source: Source, params: dict[str, Any], gold: list[int], length: int,
                       seed_key: str, question: str) -> int:
    """Tokens the oracle's tool calls return (submit replies aside), as the tools will render them."""
    total = 0
    retriever: Retriever | None = None
    for round_index, call in enumerate(plan, 1):
        if call.name in ("open", "follow"):
            title = call.arguments["link" if call.name == "follow" else "title"]
            article = source.corpus.get(title)
            assert article is not None
            total += tokens.count(with_question(render_article(article), question, params["reshow_question"]))
        elif call.name == "refine":
            retriever = retriever or retriever_for(params, source.corpus)
            stack = build_round_haystack(source, retriever, gold, length, params, seed_key, round_index, question,
                                         question, call.arguments["summary"])
            total += stack.tokens
    return total


def question_key(config: ScenarioConfig, params: dict[str, Any], source: Source) -> str:
    """What picks the question: seed, corpus and question filters, but not the mode, retriever, wording,
    order or context, so that baselines and variants of one seed ask the very same question."""
    hops = params["hops"] or HOPS_BY_DIFFICULTY[config.difficulty]
    return stable_hash({"seed": config.seed, "corpus": source.corpus.key, "qtype": params["qtype"], "hops": hops,
                        "filtered": params["hops"] is not None})


def generate(config: ScenarioConfig) -> Task:
    """The task of ``config`` (pure and deterministic; see the module docstring)."""
    params = validate(dict(config.params))
    source = source_for(params, config.length)
    # a corpus file counts by its content (the corpus key), not the path it was read from
    seed_key = str(config.model_copy(update={"params": {**config.params, "corpus": source.corpus.key}}).rng_seed())
    item = _pick(source, random.Random(question_key(config, params, source)), params, config.difficulty)
    if params["variant"] == "nonliteral" and item.nonliteral is None:
        raise ConfigError("variant=nonliteral needs questions with a non-literal wording.",
                          fix="Use the synthetic corpus for non-literal questions, or variant=literal.")
    question = item.nonliteral if params["variant"] == "nonliteral" and item.nonliteral else item.question
    corpus = source.corpus
    gold_idx = [corpus.index_of(t) for t in item.gold]
    assert all(i is not None for i in gold_idx), "gold titles are checked at load time"
    gold = [int(i) for i in gold_idx if i is not None]
    meta: dict[str, Any] = {"mode": params["mode"], "retriever": params["retriever"], "stop_slack": STOP_SLACK,
                            "question": question, "qid": item.qid, "seed_key": seed_key, "corpus": corpus.key,
                            "settings": params, "length": config.length}
    locators: dict[str, dict[str, Any]] = {t: {"title": t, "hop": i} for i, t in enumerate(item.gold)}
    if params["mode"] == "agentic":
        prompt = agentic_prompt(question)
        length_tokens = corpus.total_tokens()
        meta["search_k"] = SEARCH_K
    else:
        stack = build_round_haystack(source, retriever_for(params, corpus), gold, config.length, params, seed_key, 0,
                                     question, question, None)
        prompt = stack.text
        length_tokens = stack.tokens
        meta["haystack"] = stack.summary()
        for title in item.gold:
            locators[title].update(token_position=stack.gold_positions.get(title),
                                   retriever_rank=stack.gold_ranks.get(title),
                                   placed_at_random=title in stack.missed)
    evidence = [Evidence(id=f"article:{t}", kind="article", locator=locators[t]) for t in item.gold]
    oracle = _oracle(item, corpus, params, question)
    meta["oracle_obs_tokens"] = _oracle_obs_tokens(oracle, source, params, gold, config.length, seed_key, question)
    return Task(task_id=f"wikihop-{params['mode']}-{config.seed}-{stable_hash(item.qid, 10)}", family="wiki", prompt=prompt,
                tool_names=[], gold={"answer": item.answer, "answers": item.answers(), "titles": list(item.gold),
                                     "qtype": item.qtype, "hops": item.hops, "question": question},
                evidence=evidence, oracle_plan=oracle, length_tokens=int(length_tokens), meta=meta)
