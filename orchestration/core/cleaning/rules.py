"""Debris rules, loaded from a reviewable data file (rules/boilerplate.yaml).

A rule is data: `id`, `pattern` (a Python regex), `kind` (a segment kind), `why` (one sentence),
and `must_match` / `must_not_match` examples that the unit tests run. Optional keys:

- `scope`: `line` (default: the whole line, stripped of surrounding spaces, must match),
  `prefix` (the match at the start of a line is cut off as its own segment, e.g. a dateline),
  `inline` (every match inside a line is cut out, e.g. "[Continue reading…]");
- `where`: `anywhere` (default), `head` (only among the first lines of a document, where
  titles, bylines and datelines live), `comment_thread` (only inside a reader-comment thread);
- `opens` / `closes`: `comment_thread` - a matching line starts / ends the reader-comment
  thread (lines in between are reader comments unless another rule types them);
- `case_sensitive`: false by default (patterns are compiled with IGNORECASE).

Named groups carry values out of a match: `date` (published date), `place` (dateline place),
`name` (byline), `author` (comment author). Adding a rule needs no Python change.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from orchestration.core.types import SEGMENT_KINDS

RULES_DIR = Path(__file__).resolve().parent / "rules"
DEFAULT_RULES_PATH = RULES_DIR / "boilerplate.yaml"
SCOPES = ("line", "prefix", "inline")
WHERES = ("anywhere", "head", "comment_thread")
THREADS = ("comment_thread",)
_REQUIRED = ("id", "pattern", "kind", "why", "must_match", "must_not_match")


class RuleError(ValueError):
    """The rules file is malformed; the message names the rule and the problem."""


@dataclass(frozen=True)
class Rule:
    id: str
    pattern: re.Pattern
    kind: str
    why: str
    scope: str = "line"
    where: str = "anywhere"
    opens: str | None = None
    closes: str | None = None
    must_match: tuple[str, ...] = ()
    must_not_match: tuple[str, ...] = ()

    def match(self, text: str) -> re.Match | None:
        """Match as the scope says: the whole stripped line, its start, or anywhere in it."""
        if self.scope == "line":
            return self.pattern.fullmatch(text.strip())
        if self.scope == "prefix":
            return self.pattern.match(text)
        return self.pattern.search(text)

    def finditer(self, text: str):
        return self.pattern.finditer(text)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]

    def by_scope(self, scope: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.scope == scope)

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)


def _parse_rule(raw: dict, index: int) -> Rule:
    if not isinstance(raw, dict):
        raise RuleError(f"rule #{index}: expected a mapping, got {type(raw).__name__}")
    missing = [key for key in _REQUIRED if key not in raw]
    rule_id = raw.get("id", f"#{index}")
    if missing:
        raise RuleError(f"rule {rule_id}: missing {', '.join(missing)}")
    scope = raw.get("scope", "line")
    where = raw.get("where", "anywhere")
    if raw["kind"] not in SEGMENT_KINDS or raw["kind"] in ("body", "whitespace"):
        raise RuleError(f"rule {rule_id}: kind {raw['kind']!r} is not a debris kind of SEGMENT_KINDS")
    if scope not in SCOPES:
        raise RuleError(f"rule {rule_id}: scope {scope!r} not in {SCOPES}")
    if where not in WHERES:
        raise RuleError(f"rule {rule_id}: where {where!r} not in {WHERES}")
    for key in ("opens", "closes"):
        if raw.get(key) is not None and raw[key] not in THREADS:
            raise RuleError(f"rule {rule_id}: {key} {raw[key]!r} not in {THREADS}")
    if not raw["must_match"]:
        raise RuleError(f"rule {rule_id}: needs at least one must_match example")
    flags = 0 if raw.get("case_sensitive") else re.IGNORECASE
    try:
        pattern = re.compile(raw["pattern"], flags)
    except re.error as exc:
        raise RuleError(f"rule {rule_id}: bad pattern: {exc}") from exc
    return Rule(
        id=str(rule_id), pattern=pattern, kind=raw["kind"], why=str(raw["why"]).strip(),
        scope=scope, where=where, opens=raw.get("opens"), closes=raw.get("closes"),
        must_match=tuple(str(x) for x in raw["must_match"]),
        must_not_match=tuple(str(x) for x in (raw["must_not_match"] or ())),
    )


def parse_rules(data) -> RuleSet:
    entries = data.get("rules") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise RuleError("the rules file must hold a list under `rules:`")
    rules = tuple(_parse_rule(raw, i) for i, raw in enumerate(entries))
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RuleError(f"rule id {rule.id} appears twice")
        seen.add(rule.id)
    return RuleSet(rules)


@lru_cache(maxsize=8)
def load_rules(path: Path | str = DEFAULT_RULES_PATH) -> RuleSet:
    """The rules of a YAML file, validated; cached per path (files do not change in a run)."""
    with open(path, encoding="utf-8") as handle:
        return parse_rules(yaml.safe_load(handle))
