"""A sweep's networks and trials: `--net` patterns with shell-like braces,
'{2,4}x{64,256}:relu:{fourier,posenc}:adam', expanded into checked specs, then
one trial per spec and seed.

Braces follow the shell: `{a,b}` gives a then b, several groups multiply with the
leftmost varying slowest, groups nest, `{1..4}` counts (integers, either way), and a
backslash makes the next character literal (`{300\\,100,64\\,64}` for layer lists).
Unlike the shell, a group with one alternative (`{a}`), an empty alternative (`{a,}`)
and unbalanced braces are errors: braces are never part of a spec, so keeping them
literally would only fail later with a vaguer message."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..config.spec import NetSpec, parse
from ..errors import AnimlearnError

MAX_SPECS = 10_000  # per pattern; refused before the list is built
CONFIRM_ABOVE = 300  # trials; more need --yes
MAX_TRIALS = 100_000  # trials; a study's rows are rewritten after each rung, so more would crawl
EXAMPLE = "e.g. {2,4}x{64,256}:relu:{fourier,posenc}:adam"
RANGE = re.compile(r"\{(-?\d+)\.\.(-?\d+)\}")


def _error(pattern: str, what: str) -> AnimlearnError:
    return AnimlearnError(f"--net {pattern!r}: {what}; {EXAMPLE}")


def _join(pattern: str, words: list[str], tails: list[str]) -> list[str]:
    """Every word followed by every tail, in shell order."""
    if len(words) * len(tails) > MAX_SPECS:
        raise _error(pattern, f"expands to more than {MAX_SPECS:,} networks; narrow the braces")
    return [w + t for w in words for t in tails]


def _sequence(pattern: str, i: int, nested: bool) -> tuple[list[str], int]:
    """Expand from position i up to the end, or inside a group up to its next ',' or '}'."""
    words, literal = [""], []
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            if i + 1 == len(pattern):
                raise _error(pattern, "a backslash at the end escapes nothing")
            literal.append(pattern[i + 1])
            i += 2
        elif c == "{":
            words = [w + "".join(literal) for w in words]
            literal = []
            alternatives, i = _group(pattern, i)
            words = _join(pattern, words, alternatives)
        elif nested and c in ",}":
            break
        elif c == "}":
            raise _error(pattern, f"'}}' at column {i + 1} closes no '{{'")
        else:
            literal.append(c)
            i += 1
    return [w + "".join(literal) for w in words], i


def _group(pattern: str, start: int) -> tuple[list[str], int]:
    """The alternatives of the group opening at `start`, and the position after it."""
    counting = RANGE.match(pattern, start)
    if counting:
        first, last = int(counting[1]), int(counting[2])
        if abs(last - first) >= MAX_SPECS:
            raise _error(pattern, f"{counting[0]} counts more than {MAX_SPECS:,} values")
        step = 1 if last >= first else -1
        return [str(n) for n in range(first, last + step, step)], counting.end()
    alternatives, groups, i = [], 0, start + 1
    while True:
        words, end = _sequence(pattern, i, nested=True)
        if end == len(pattern):
            raise _error(pattern, f"'{{' at column {start + 1} is never closed")
        if end == i:
            raise _error(pattern, f"the group at column {start + 1} has an empty alternative")
        alternatives += words
        groups += 1
        if len(alternatives) > MAX_SPECS:
            raise _error(pattern, f"expands to more than {MAX_SPECS:,} networks; narrow the braces")
        i = end + 1
        if pattern[end] == "}":
            break
    if groups == 1:
        raise _error(
            pattern, f"the group at column {start + 1} has one alternative; drop its braces or add one"
        )
    return alternatives, i


def expand(pattern: str) -> list[str]:
    """'{2,4}x{64,256}' -> ['2x64', '2x256', '4x64', '4x256']: the shell's order, not yet checked."""
    return _sequence(pattern, 0, nested=False)[0]


def specs(patterns: Sequence[str]) -> list[NetSpec]:
    """Every pattern expanded and parsed, duplicates (same canonical text) dropped,
    first-seen order kept; a one-line AnimlearnError names the first bad one."""
    if not patterns:
        raise AnimlearnError(f"give at least one --net, {EXAMPLE}")
    seen: dict[str, NetSpec] = {}
    for pattern in patterns:
        for text in expand(pattern):
            try:
                spec = parse(text)
            except AnimlearnError as e:
                if text == pattern:
                    raise
                detail = str(e).removeprefix(f"--net {text!r}: ")
                raise AnimlearnError(f"--net {pattern!r} gives {text!r}: {detail}") from None
            seen.setdefault(spec.text(), spec)
    return list(seen.values())


@dataclass(frozen=True)
class Trial:
    """One network trained from one seed on one picture."""

    id: str  # 12 hex digits, a folder name: the same trial gets the same id in any sweep
    spec: str  # canonical spec text
    seed: int
    label: str  # for people: '3 × 256 relu · fourier 256 σ 10 · adam · seed 1' (· picture, if several)
    picture: str = ""  # the picture's name in the study


def trial_id(spec: NetSpec, seed: int, context: Mapping[str, object]) -> str:
    """A hash of what decides the trial's weights; `context` must be JSON-serialisable."""
    key = json.dumps({"spec": spec.text(), "seed": seed, "context": dict(context)}, sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def trials(nets: Sequence[NetSpec], seeds: int, contexts: Mapping[str, Mapping[str, object]]) -> list[Trial]:
    """Each spec with seeds 0..seeds-1 on each picture, seed-major so every network gets a
    first run early.

    `contexts` maps each picture's name to the settings besides spec and seed that change
    the weights (the picture's digest, size, lr, lr-scale, hold-out), never the epochs: a
    trial trained to 20 epochs and later to 60 is one trial, which is what lets halving
    resume it."""
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise AnimlearnError(f"--seeds {seeds!r}: give a whole number, 1 or more")
    named = len(contexts) > 1
    return [
        Trial(
            trial_id(spec, seed, context),
            spec.text(),
            seed,
            f"{spec.label()} · seed {seed}" + (f" · {picture}" if named else ""),
            picture,
        )  # fmt: skip
        for seed in range(seeds)
        for picture, context in contexts.items()
        for spec in nets
    ]


def confirm(count: int, yes: bool) -> None:
    """Refuse a sweep of more than CONFIRM_ABOVE trials unless the user said --yes, and
    of more than MAX_TRIALS in any case."""
    if count > MAX_TRIALS:
        raise AnimlearnError(f"{count:,} trials, over {MAX_TRIALS:,}; use fewer braces or seeds")
    if count > CONFIRM_ABOVE and not yes:
        raise AnimlearnError(
            f"the sweep has {count:,} trials (more than {CONFIRM_ABOVE}); add --yes to run them all, "
            "or fewer braces or --seeds"
        )
