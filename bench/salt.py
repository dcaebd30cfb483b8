"""How fast a dictionary attack on a salted run's fingerprint goes. Prints JSON.

The attacker holds a published run: every trajectory's salt fingerprint (``scrypt$NONCE$DIGEST``). Each guess must
be stretched by scrypt under that run's nonce before it can be compared, so the bench times real guesses against a
real fingerprint on one core, then extrapolates to a dictionary of a million common words. The unstretched
SHA-256 fingerprint earlier versions kept is timed beside it for scale.

Run: python bench/salt.py [--guesses 40]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time

from locogym.core.salt import derive, new_nonce, new_salt

DICTIONARY = 1_000_000
HOUR = 3600.0


def guesses_per_second(check, guesses: list[str]) -> float:  # type: ignore[no-untyped-def]
    start = time.process_time()
    for guess in guesses:
        check(guess)
    return len(guesses) / max(time.process_time() - start, 1e-9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guesses", type=int, default=40)
    args = parser.parse_args()
    nonce = new_nonce()
    target = derive(new_salt(), nonce).fingerprint
    words = [f"common-word-{i:07d}" for i in range(args.guesses)]
    derive.cache_clear()
    hits = []

    def stretched(guess: str) -> None:
        if derive(guess, nonce).fingerprint == target:
            hits.append(guess)

    def unstretched(guess: str) -> None:
        hashlib.sha256(b"locogym-salt-id\x00" + guess.encode()).hexdigest()

    rate = guesses_per_second(stretched, words)
    old_rate = guesses_per_second(unstretched, [f"w{i}" for i in range(200_000)])
    hours = DICTIONARY / rate / HOUR
    print(json.dumps({
        "guesses_timed": args.guesses, "found": len(hits),
        "scrypt_guesses_per_cpu_second": round(rate, 2),
        "sha256_guesses_per_cpu_second": round(old_rate),
        "slowdown": round(old_rate / rate),
        "cpu_hours_for_1e6_words": round(hours, 1),
        "within_an_hour": hours <= 1.0,
    }, indent=2))


if __name__ == "__main__":
    main()
