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
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orchestration.core.types import SEGMENT_KINDS

RULES_DIR = Path(__file__).resolve().parent / "rules"
DEFAULT_RULES_PATH = RULES_DIR / "boilerplate.yaml"
SCOPES = ("line", "prefix", "inline")
WHERES = ("anywhere", "head", "comment_thread")
THREADS = ("comment_thread",)
# Every segment kind a rule may cut out: all but the body and the whitespace between segments.
DEBRIS_KINDS = tuple(k for k in SEGMENT_KINDS if k not in ("body", "whitespace"))


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


class RuleSpec(BaseModel):
    """One entry of the rules file as written (validated by pydantic)."""
    model_config = ConfigDict(extra="forbid", strict=True)

    id: str
    pattern: str
    kind: Literal[DEBRIS_KINDS]
    why: str
    must_match: list[str] = Field(min_length=1)
    must_not_match: list[str] | None
    scope: Literal[SCOPES] = "line"
    where: Literal[WHERES] = "anywhere"
    opens: Literal[THREADS] | None = None
    closes: Literal[THREADS] | None = None
    case_sensitive: bool = False


def _reason(error: dict) -> str:
    field = ".".join(str(part) for part in error["loc"]) or "rule"
    return f"missing {field}" if error["type"] == "missing" else f"{field}: {error['msg']}"


def _parse_rule(raw: dict, index: int) -> Rule:
    rule_id = raw.get("id", f"#{index}") if isinstance(raw, dict) else f"#{index}"
    try:
        spec = RuleSpec.model_validate(raw)
    except ValidationError as exc:
        raise RuleError(f"rule {rule_id}: " + "; ".join(_reason(e) for e in exc.errors())) from exc
    try:
        pattern = re.compile(spec.pattern, 0 if spec.case_sensitive else re.IGNORECASE)
    except re.error as exc:
        raise RuleError(f"rule {rule_id}: bad pattern: {exc}") from exc
    return Rule(
        id=spec.id, pattern=pattern, kind=spec.kind, why=spec.why.strip(), scope=spec.scope,
        where=spec.where, opens=spec.opens, closes=spec.closes, must_match=tuple(spec.must_match),
        must_not_match=tuple(spec.must_not_match or ()),
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
