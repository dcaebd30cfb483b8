"""The model agents' own overhead per model call, against a zero-latency scripted server.

For each wire protocol an agent plays CALLS model turns (each returns one tool call; every observation is a
~500-token tool output, so the history grows as in a real episode). Per call it reports:

* ``act_ms``   — the whole ``agent.act`` (history bookkeeping, context strategy, cache lookup, SDK, HTTP);
* ``send_ms``  — the part inside the SDK call (request building in the SDK, HTTP round trip to the local
  server, response parsing in the SDK);
* ``own_ms``   — ``act_ms - send_ms``: what locogym itself adds (the harness overhead proper);
* ``cached_act_ms`` — the same turns replayed from the on-disk response cache (no SDK, no HTTP);
* memory: the peak extra Python allocation during one call and the memory retained per turn (the history),
  from tracemalloc in a separate pass so timing is not distorted.

The scripted server runs in a child process, so its parsing and rendering are in ``send_ms`` (as a provider's
would be) but never in ``own_ms`` or the memory figures.

Medians over the calls, with p90, measured side by side in one run. ``sdk_paths`` compares, on the final
100-turn history, the SDK's typed ``create`` with the plain ``post`` of the wire-format body that the agents
use (same client, same server, alternated). ``prompt_cache`` plays the same turns with an Anthropic agent whose
server accounts for prompt caching as Anthropic does (a prefix that ends at a ``cache_control`` breakpoint is
written once at the cache-write rate and read later at the cache-read rate), with the breakpoints on and off,
and prices both runs as claude-sonnet-4-5. Prints JSON.

    python bench/agents.py [--calls 100]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from locogym.agents.model_agent import ModelAgent, post_json  # noqa: E402
from locogym.core import tokens  # noqa: E402
from locogym.core.types import ToolSpec  # noqa: E402
from locogym.testing import Call, Reply, ScriptedServer, Usage, agent_for  # noqa: E402

SPECS = [ToolSpec(name="read_file", description="Read a file of the workspace.",
                  parameters={"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}),
         ToolSpec(name="submit", description="Submit the answer.",
                  parameters={"type": "object", "properties": {"answer": {}}})]
INFO: dict[str, Any] = {"tools": [s.model_dump() for s in SPECS], "new_session": False}
OBS = " ".join(f"line {i}: def handler_{i}(request): return render(request, 'page_{i}.html')" for i in range(40))
REPLY = Reply.parallel(Call("read_file", {"path": "src/app.py"}), usage=Usage(input=1000, output=20))
CONFIGS = [("openai-chat", "keep_all"), ("openai-responses", "keep_all"), ("anthropic", "keep_all"),
           ("openai-compatible", "keep_all"), ("openai-chat", "drop_tool_outputs:8k"),
           ("openai-chat", "summarize:8k")]


def _summary_aware(request: Any) -> Reply:
    return REPLY if request.tool_names else Reply.say("summary of the earlier steps", usage=Usage(500, 10))


def _serve(conn: Any) -> None:
    """Child process: run the scripted server until the parent says stop; report the URL and request count."""
    with ScriptedServer(fallback=_summary_aware, keep_requests=False) as server:
        conn.send(server.url)
        conn.recv()
        conn.send(server.request_count)


class _RemoteServer:
    """A ScriptedServer in a child process, with the addresses the agents need."""

    def __enter__(self) -> _RemoteServer:
        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child,), daemon=True)
        self._proc.start()
        self.url = self._conn.recv()
        self.openai_base_url = f"{self.url}/v1"
        self.anthropic_base_url = self.url
        return self

    def __exit__(self, *exc: object) -> None:
        self._conn.send("stop")
        self.requests_served = self._conn.recv()
        self._proc.join(timeout=10)


class _Timed:
    """Wraps an agent's ``send`` to add up the time spent inside the SDK."""

    def __init__(self, agent: ModelAgent) -> None:
        self.total = 0.0
        original = agent.send

        def send(client: Any, body: dict[str, Any]) -> dict[str, Any]:
            started = time.perf_counter()
            try:
                return original(client, body)
            finally:
                self.total += time.perf_counter() - started

        agent.send = send  # type: ignore[method-assign]


def _play(agent: ModelAgent, calls: int) -> tuple[list[float], list[float]]:
    timer = _Timed(agent)
    agent.reset(INFO)
    act_ms, send_ms = [], []
    obs = "Fix the handler that renders the wrong page."
    for _ in range(calls):
        before = timer.total
        started = time.perf_counter()
        agent.act(obs, INFO)
        act_ms.append((time.perf_counter() - started) * 1000)
        send_ms.append((timer.total - before) * 1000)
        obs = OBS
    return act_ms, send_ms


def _memory(server: Any, protocol: str, context: str, calls: int) -> dict[str, float]:
    agent = agent_for(server, protocol, context=context)
    agent.reset(INFO)
    tracemalloc.start()
    peaks = []
    obs = "Fix the handler that renders the wrong page."
    base = tracemalloc.get_traced_memory()[0]
    for _ in range(calls):
        current = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        agent.act(obs, INFO)
        peaks.append(tracemalloc.get_traced_memory()[1] - current)
        obs = OBS
    retained = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return {"peak_per_call_kib_median": round(statistics.median(peaks) / 1024, 1),
            "retained_per_turn_kib": round(retained / calls / 1024, 2)}


def _sdk_paths(server: Any, repeats: int = 10) -> dict[str, Any]:
    """Typed ``create`` against ``post_json`` for the OpenAI APIs, on the same long request, alternated."""
    rows = {}
    for protocol in ("openai-chat", "openai-responses"):
        agent = agent_for(server, protocol)
        _play(agent, 100)
        body = agent.build_request(agent._context.messages())  # type: ignore[union-attr]
        client = agent._client()
        create = client.responses.create if protocol == "openai-responses" else client.chat.completions.create
        path = "/responses" if protocol == "openai-responses" else "/chat/completions"
        typed, plain = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            create(**body)
            typed.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            post_json(client, path, body, agent.name)
            plain.append((time.perf_counter() - started) * 1000)
        rows[protocol] = {"history_items": len(body.get("messages") or body.get("input") or []),
                          "typed_create_ms": round(statistics.median(typed), 2),
                          "post_json_ms": round(statistics.median(plain), 2),
                          "ratio": round(statistics.median(typed) / statistics.median(plain), 1)}
    return rows


class _PromptCacheAccounting:
    """Anthropic's prompt-cache bookkeeping, for the scripted server: prefixes ending at a breakpoint are cached."""

    def __init__(self) -> None:
        self.cached: set[bytes] = set()

    def __call__(self, request: Any) -> Reply:
        body = request.body
        system = body.get("system")
        blocks: list[Any] = [*(body.get("tools") or []),
                             *(system if isinstance(system, list) else [{"type": "text", "text": system or ""}])]
        for message in body.get("messages", []):
            content = message.get("content")
            blocks += content if isinstance(content, list) else [{"type": "text", "text": content}]
        sizes = [tokens.count(json.dumps(b, sort_keys=True)) for b in blocks]
        marks = [i for i, b in enumerate(blocks) if isinstance(b, dict) and "cache_control" in b]
        plain = [{k: v for k, v in b.items() if k != "cache_control"} for b in blocks]  # marks are not content
        prefix = [json.dumps(plain[: i + 1], sort_keys=True).encode() for i in marks]
        read = max((sum(sizes[: i + 1]) for i, key in zip(marks, prefix, strict=True) if key in self.cached),
                   default=0)
        written = sum(sizes[: marks[-1] + 1]) - read if marks and prefix[-1] not in self.cached else 0
        self.cached.update(prefix)
        return Reply.call("read_file", {"path": "a.py"},
                          usage=Usage(input=sum(sizes), output=20, cache_read=read, cache_write=written))


def _prompt_cache(calls: int) -> dict[str, Any]:
    """The same Anthropic episode with and without cache breakpoints, priced as claude-sonnet-4-5."""
    from locogym.agents.pricing import PriceTable

    price = PriceTable.load().lookup("anthropic/claude-sonnet-4-5")
    assert price is not None
    rows: dict[str, Any] = {}
    for enabled in (True, False):
        with ScriptedServer(fallback=_PromptCacheAccounting(), keep_requests=False) as server:
            agent = agent_for(server, "anthropic", model="claude-sonnet-4-5", prompt_cache=enabled)
            agent.reset(INFO)
            agent.act("Go.", INFO)
            for _ in range(calls - 1):
                agent.act(OBS, INFO)
        usage = agent.usage
        rows["on" if enabled else "off"] = {"input": usage.input, "cache_read": usage.cache_read,
                                            "cache_write": usage.cache_write, "cost_usd": round(usage.cost_usd, 4)}
    rows["cost_ratio_off_to_on"] = round(rows["off"]["cost_usd"] / rows["on"]["cost_usd"], 2)
    return rows


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"median": round(statistics.median(ordered), 3), "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 3)}


def run(calls: int) -> dict[str, Any]:
    results = []
    with tempfile.TemporaryDirectory() as tmp, _RemoteServer() as server:
        for protocol, context in CONFIGS:
            cache_dir = Path(tmp) / f"{protocol}-{context.replace(':', '-')}"
            agent = agent_for(server, protocol, context=context, cache=cache_dir)  # type: ignore[arg-type]
            act_ms, send_ms = _play(agent, calls)
            cached = agent_for(server, protocol, context=context, cache=cache_dir)  # type: ignore[arg-type]
            cached_ms, _ = _play(cached, calls)
            own = [a - s for a, s in zip(act_ms, send_ms, strict=True)]
            results.append({
                "protocol": protocol, "context": context, "calls": calls,
                "compactions": sum(1 for e in agent.events if e["kind"] == "compaction"),
                "act_ms": _stats(act_ms), "send_ms": _stats(send_ms), "own_ms": _stats(own),
                "own_share_of_act": round(statistics.median(own) / statistics.median(act_ms), 3),
                "own_ms_first_10": round(statistics.median(own[:10]), 3),
                "own_ms_last_10": round(statistics.median(own[-10:]), 3),
                "cached_act_ms": _stats(cached_ms), "cache_hits": cached.cache_hits,
                "memory": _memory(server, protocol, context, calls),
            })
        sdk_paths = _sdk_paths(server)
    return {"benchmark": "agents", "server_latency_s": 0.0, "observation_tokens": tokens.count(OBS),
            "python": sys.version.split()[0], "requests_served": server.requests_served, "results": results,
            "sdk_paths": sdk_paths, "prompt_cache": _prompt_cache(calls)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=100, help="model turns per configuration")
    parser.add_argument("--only-prompt-cache", action="store_true", help="run only the prompt-cache measurement")
    args = parser.parse_args()
    if args.only_prompt_cache:
        print(json.dumps({"benchmark": "agents", "prompt_cache": _prompt_cache(args.calls)}, indent=2))
        return
    print(json.dumps(run(args.calls), indent=2))


if __name__ == "__main__":
    main()
