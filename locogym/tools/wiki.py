"""The wiki tools: ``search``, ``open``, ``follow``, ``submit`` (and ``refine`` for the rounds protocol).

Tools act on the episode's :class:`~locogym.scenarios.wiki.world.WikiWorld` (``ctx.world``). Results carry, for
scoring only: ``data["evidence"]`` (gold articles the agent has now read in full), ``data["gold_ranks"]`` (each
gold article's rank for the query just used, over the whole corpus), ``data["query"]`` and ``data["drift"]``
(distance of that query from the original question), ``data["values"]`` (titles later calls may reuse),
``data["results"]``/``data["opened"]``/``data["candidates"]`` (titles shown: what evidence recall counts) and, on
``submit``, ``data["cited"]``/``data["cited_gold"]``/``data["confidence"]`` (citations resolved to articles).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from locogym.core.errors import ToolArgumentError, ToolNotFound
from locogym.core.types import ToolResult
from locogym.scenarios.wiki.answers import as_answer
from locogym.scenarios.wiki.corpus import Article
from locogym.scenarios.wiki.render import render_article, with_question
from locogym.scenarios.wiki.world import WikiWorld
from locogym.tools.base import Tool, ToolArgs, ToolContext

SNIPPET_WORDS = 30
MAX_K = 50
UNLIMITED = 1 << 30  # haystacks are the observation by design; never cut them


def _world(ctx: ToolContext) -> WikiWorld:
    assert isinstance(ctx.world, WikiWorld), "the wiki tools need the wiki world"
    return ctx.world


def _with_question(world: WikiWorld, text: str) -> str:
    return with_question(text, world.question, bool(world.params.get("reshow_question")))


class SearchArgs(ToolArgs):
    query: str = Field(description="What to look for: keywords, a name or a question.", min_length=1,
                       max_length=2000)
    k: int = Field(default=5, ge=1, le=MAX_K, description="How many results to show (1-50).")


class Search(Tool):
    """Search the encyclopedia. Shows the top k articles for the query, each with its title and first words."""

    name = "search"
    Args = SearchArgs
    page_hint = "Ask for fewer results (a smaller k)."

    def run(self, ctx: ToolContext, args: SearchArgs) -> ToolResult:
        world = _world(ctx)
        hits, gold_ranks = world.search(args.query, args.k)
        corpus = world.source.corpus
        lines = []
        for rank, i in enumerate(hits, 1):
            art = corpus.articles[i]
            snippet = " ".join(art.text.split()[:SNIPPET_WORDS])
            lines.append(f"{rank}. {art.title} — {snippet} ...")
        titles = [corpus.articles[i].title for i in hits]
        output = "\n".join(lines) if lines else "No results."
        return ToolResult(output=_with_question(world, output),
                          data={"evidence": [], "values": titles, "results": titles, "query": args.query,
                                "gold_ranks": gold_ranks, "drift": world.drift(args.query),
                                "k": args.k})


class OpenArgs(ToolArgs):
    title: str = Field(description="The article's title (or one of its aliases).", min_length=1, max_length=500)
    page: int = Field(default=1, ge=1, le=1000, description="Page of a long article (1 = the start).")


class Open(Tool):
    """Open an article by title: shows its text (long articles in pages) and the titles it links to."""

    name = "open"
    Args = OpenArgs

    def run(self, ctx: ToolContext, args: OpenArgs) -> ToolResult:
        world = _world(ctx)
        found = world.find(args.title)
        if len(found) > 1:
            return _candidates(world, args.title, found)
        article = found[0]
        links = world.links_of(article)
        return ToolResult(output=_with_question(world, render_article(article, args.page, links)),
                          data={"evidence": world.evidence_of(article.title), "values": list(links),
                                "opened": article.title})


class FollowArgs(ToolArgs):
    title: str = Field(description="The article you are on.", min_length=1, max_length=500)
    link: str = Field(description="One of that article's links (as listed under Links).", min_length=1,
                      max_length=500)


class Follow(Tool):
    """Follow a link: open the article that ``title`` links to as ``link``."""

    name = "follow"
    Args = FollowArgs

    def run(self, ctx: ToolContext, args: FollowArgs) -> ToolResult:
        world = _world(ctx)
        source = world.article(args.title)
        source_links = world.links_of(source)
        wanted = args.link.strip().lower()
        target = next((t for t in source_links if t.lower() == wanted), None)
        if target is None:
            corpus = world.source.corpus
            linked = [corpus.articles[i] for i in world.shown(corpus.resolve(args.link))]
            linked = [a for a in linked if a.title in source_links]
            if len(linked) > 1:
                return _candidates(world, args.link, linked)
            target = linked[0].title if linked else None
        if target is None:
            shown = "; ".join(source_links) or "(none)"
            raise ToolNotFound(f"{source.title!r} has no link {args.link!r}. Its links: {shown}.")
        article = world.article(target)
        links = world.links_of(article)
        return ToolResult(output=_with_question(world, render_article(article, links=links)),
                          data={"evidence": world.evidence_of(article.title), "values": list(links),
                                "opened": article.title})


def _candidates(world: WikiWorld, title: str, found: list[Article]) -> ToolResult:
    """The answer to a title several paragraphs share: each one's display title and first line, none opened."""
    lines = [f"{title!r} names {len(found)} paragraphs; open one by its full title:"]
    lines += [f"- {a.title} — {a.first_line()}" for a in found]
    titles = [a.title for a in found]
    return ToolResult(output=_with_question(world, "\n".join(lines)),
                      data={"evidence": [], "values": titles, "candidates": titles})


class SubmitArgs(ToolArgs):
    answer: Any = Field(
        default=None, description="Your final answer: the shortest exact span. Omit it to give up.")
    citations: list[str] | str | None = Field(
        default=None, description="Optional: titles of the articles your answer rests on.")
    confidence: float | None = Field(
        default=None, ge=0.0, le=1.0, allow_inf_nan=False,
        description="Optional: how likely your answer is right, from 0 to 1 (write 0.8 for 80%).")

    @field_validator("confidence", mode="before")
    @classmethod
    def _no_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("confidence is a number from 0 to 1, not true or false")
        return value

    def citation_list(self) -> list[str]:
        if self.citations is None:
            return []
        return [self.citations] if isinstance(self.citations, str) else list(self.citations)


class WikiSubmit(Tool):
    """Submit your final answer (a name, a year or a number) and end the task. Omit the answer to give up.
    You may add the titles you relied on (citations) and your confidence (0 to 1); neither is required."""

    name = "submit"
    Args = SubmitArgs
    ends_session = True

    def run(self, ctx: ToolContext, args: SubmitArgs) -> ToolResult:
        world = _world(ctx)
        fixed = world.params["mode"] == "rounds" and world.params["round_policy"] == "fixed"
        if fixed and args.answer is not None and not world.last_round:
            return ToolResult(output=(f"This task runs {world.params['rounds']} fixed rounds and this is round "
                                      f"{world.round_index + 1}: call refine to go on (answer in the last round), "
                                      "or submit with no answer to give up."),
                              data={"evidence": world.take_pending(), "early_submit": True})
        text, problem = as_answer(args.answer)
        output = "Answer submitted." if problem is None else f"Answer submitted, but {problem}."
        cited, cited_gold = world.cited(args.citation_list())
        return ToolResult(output=output, data={"submitted": True, "answer": args.answer,
                                               "evidence": world.take_pending(), "format_problem": problem,
                                               "cited": cited, "cited_gold": cited_gold,
                                               "confidence": args.confidence})


class RefineArgs(ToolArgs):
    summary: str = Field(default="", description="What you learned so far (shown back to you next round).",
                         max_length=20000)
    question: str = Field(description="A refined question to retrieve with in the next round.", min_length=1,
                          max_length=2000)


class Refine(Tool):
    """Start the next round: retrieve with your refined question and read the new set of articles."""

    name = "refine"
    Args = RefineArgs
    output_tokens = UNLIMITED

    def run(self, ctx: ToolContext, args: RefineArgs) -> ToolResult:
        world = _world(ctx)
        if world.last_round:
            raise ToolArgumentError(f"this is the last of {world.params['rounds']} rounds; "
                                    "call submit with your answer")
        stack = world.next_round(args.question, args.summary)
        seen = [f"article:{t}" for t in world.gold_titles if t in stack.gold_positions]
        return ToolResult(output=stack.text,
                          data={"evidence": sorted(set(world.take_pending()) | set(seen)), "query": args.question,
                                "gold_ranks": stack.gold_ranks, "drift": world.drift(args.question),
                                "round": world.round_index, "haystack": stack.summary(), "values": []})


def tools_for(mode: str) -> list[Tool]:
    """The fixed tool set of a mode (names never change within the env version)."""
    if mode == "agentic":
        return [Search(), Open(), Follow(), WikiSubmit()]
    if mode == "rounds":
        return [Refine(), WikiSubmit()]
    return [WikiSubmit()]
