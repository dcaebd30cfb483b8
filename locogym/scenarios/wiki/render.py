"""How articles look to the agent through ``open`` and ``follow``; shared by the tools and the oracle's costing."""

from __future__ import annotations

from locogym.core import tokens
from locogym.core.errors import ToolArgumentError
from locogym.scenarios.wiki.corpus import Article

PAGE_TOKENS = 3000


def render_article(article: Article, page: int = 1, links: tuple[str, ...] | None = None) -> str:
    """The article's page ``page`` (1-based) of at most ``PAGE_TOKENS`` tokens of text, then its links (``links``
    when given: the ones the agent may follow).

    Why pages: real encyclopedia articles can be longer than a tool's output budget; a cut without a way on
    would hide the rest for good.

    Raises:
        ValueError: ``page`` is past the article's last page.
    """
    also = f"(also known as {'; '.join(article.aliases)})\n" if article.aliases else ""
    shown = article.links if links is None else links
    listed = "; ".join(shown) if shown else "(none)"
    text, pages = article.text, 1
    if len(article.text) > PAGE_TOKENS:
        ids = tokens.encode(article.text)
        pages = max(1, -(-len(ids) // PAGE_TOKENS))
        if page > pages:
            raise ToolArgumentError(f"{article.title!r} has {pages} page(s); ask for page 1 to {pages}")
        text = tokens.encoding().decode(ids[(page - 1) * PAGE_TOKENS: page * PAGE_TOKENS])
    elif page > 1:
        raise ToolArgumentError(f"{article.title!r} has 1 page")
    more = f"\n[page {page} of {pages}: call again with page={page + 1} for more]" if page < pages else ""
    return f"# {article.title}\n{also}{text}{more}\n\nLinks: {listed}"


def with_question(text: str, question: str, reshow: bool) -> str:
    """A tool result, followed by the original question when the episode re-shows it after every result."""
    return f"{text}\n\nQuestion: {question}" if reshow else text
