"""Tokens counted per second, and the speed-up of the count cache on repeated documents. Prints JSON.

Run: python bench/tokens.py
"""

from __future__ import annotations

import json
import random
import statistics
import time

from locogym.core import tokens

WORDS = ("def return class import self value config handler request response index token graph "
         "article search flight hotel booking the of and to in is for on with as by").split()


def documents(n: int, words: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choices(WORDS, k=words)) + f"\n# doc {i}\n" for i in range(n)]


def timed(fn, repeats: int = 5) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    docs = documents(200, 800, 0)
    total_tokens = sum(len(tokens.encode(d)) for d in docs)

    def uncached() -> None:
        for d in docs:
            len(tokens.encode(d))

    def cached() -> None:
        for d in docs:
            tokens.count(d)

    cold = timed(uncached)
    tokens.clear_cache()
    cached()  # fill
    warm = timed(cached)
    print(json.dumps({
        "benchmark": "tokens",
        "documents": len(docs),
        "tokens_total": total_tokens,
        "tokens_per_s_uncached_median": round(total_tokens / cold),
        "tokens_per_s_cached_median": round(total_tokens / warm),
        "cache_speedup": round(cold / warm, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
