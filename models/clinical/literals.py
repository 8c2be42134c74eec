"""Literal strings a regular expression cannot match without: a cheap ``in`` test that skips most searches.

The service detector tries ~90 catalogue patterns and ~30 drug-name patterns on every sentence of a note, and the
E/M cues (alternations of hundreds of phrasings) are tried on every sentence of their sections; almost none of them
match. ``"venipuncture" in sentence`` costs a fraction of a regex search, so a pattern is searched only where one of
its :func:`required_literals` occurs; where none occurs the search could not have matched either, so the readers'
output is the same with and without the test (:class:`GuardedPattern` wraps a pattern with its test).
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator
from typing import Any

# the standard library's own regex parser and its opcodes (``sre_parse`` and ``sre_constants`` before Python 3.11)
sre_parse: Any = importlib.import_module("re._parser")
sre: Any = importlib.import_module("re._constants")

_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


def _more_selective(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """Of two alternative literal sets, the one whose shortest literal is longer (rarer in text)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if min(map(len, a)) >= min(map(len, b)) else b


def _sequence_literals(items: Any) -> frozenset[str] | None:
    """Literals of which every match of the sequence ``items`` (a parsed pattern) contains at least one, or None.

    A run of literal characters is consumed as it is written; a group, an atomic group or a repeat of at least one
    contains what its body requires; an alternation requires one literal of each branch (when every branch has
    some). Classes, wildcards, anchors and lookarounds require nothing, and a literal run stops at them.
    """
    best: frozenset[str] | None = None
    run: list[str] = []
    for op, av in [*items, (None, None)]:
        if op is sre.LITERAL:
            run.append(chr(av))
            continue
        if run:
            best = _more_selective(best, frozenset({"".join(run)}))
            run = []
        if op is sre.SUBPATTERN:
            _, add_flags, _, body = av
            if not add_flags & re.IGNORECASE:  # an inline (?i:...) group matches other cases than it writes
                best = _more_selective(best, _sequence_literals(body))
        elif op is sre.ATOMIC_GROUP:
            best = _more_selective(best, _sequence_literals(av))
        elif op is sre.BRANCH:
            branches = [_sequence_literals(branch) for branch in av[1]]
            if all(b is not None for b in branches):
                best = _more_selective(best, frozenset().union(*branches))  # type: ignore[arg-type]
        elif op in _REPEATS and av[0] >= 1:
            best = _more_selective(best, _sequence_literals(av[2]))
    return best


def required_literals(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """Strings of which every match of ``pattern`` contains at least one (longest first), or None when the pattern
    requires no literal (or ignores case): then only a search can tell."""
    if pattern.flags & re.IGNORECASE:
        return None
    literals = _sequence_literals(sre_parse.parse(pattern.pattern, pattern.flags))
    return None if literals is None else tuple(sorted(literals, key=lambda s: (-len(s), s)))


def may_match(literals: tuple[str, ...] | None, text: str) -> bool:
    """False only when ``text`` lacks every required literal (so the pattern cannot match it)."""
    if literals is None:
        return True
    for literal in literals:  # noqa: SIM110 - a plain loop: any() with a generator costs more than the test
        if literal in text:
            return True
    return False


class GuardedPattern:
    """A compiled pattern searched only in texts holding one of its required literals (same matches, less work).

    ``search``, ``match`` and ``finditer`` take the arguments of :class:`re.Pattern`'s; a match inside
    ``text[pos:endpos]`` holds a literal that ``text`` holds too, so the test reads the whole text.
    """

    __slots__ = ("literals", "pattern")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.literals = required_literals(pattern)

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.pattern.search(text, pos, endpos) if may_match(self.literals, text) else None

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.pattern.match(text, pos, endpos) if may_match(self.literals, text) else None

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text, pos, endpos) if may_match(self.literals, text) else iter(())
