"""How a Great Expectations suite is written in Python (the `Suite` builder) and the debris
patterns the gates share; the gates themselves are declared in orchestration/checks/gates.py.

The JSON files under expectations/gx/expectations/ are what runs (and what reviewers diff);
orchestration/generated_files.py writes them, so the closed vocabularies and the ISO 639-1 list
of orchestration/core/types.py and the cleaning rules file feed the value sets and regex lists
instead of being copied by hand.

Blocking suites guard invariants (wrong keys, values outside a closed list, a broken ledger);
content (debris, markup, boilerplate, a very short body, a claim only one outlet carries) is in
the `<stage>_warn` suites, run as WARN checks that never stop a run: a document whose content is
wrong is quarantined by its stage instead (orchestration/core/quarantine.py).
"""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.core.cleaning.rules import DEFAULT_RULES_PATH, load_rules
from orchestration.core.quarantine import JSON_DEBRIS, VAR_DUMP_RESIDUE  # noqa: F401 - the gates' patterns
from orchestration.core.types import LANGUAGE_CODES
from orchestration.settings import EXPECTATIONS_DIR

SUITES_DIR = EXPECTATIONS_DIR / "gx" / "expectations"
BOILERPLATE_RULES_PATH = DEFAULT_RULES_PATH
GX_VERSION = "1.24.1"
_ID_NAMESPACE = uuid.UUID("6f1c1f55-8d5e-4a57-9d3e-2f0c0a1b7e11")

# Debris patterns (var_dump residue, JSON structure) are declared with the quarantine that acts on
# them; markup left in text is only reported (quoted code in prose is legitimate body text).
HTML_TAG_RESIDUE = (
    r"(?i)<\s*/?\s*(?:script|style|iframe|object|embed|html|head|body|meta|link|div|span|p|br|a|img"
    r"|table|tr|td|ul|ol|li|h[1-6])\b[^<>]{0,200}>"
)
JSON_KEY_VALUE = r"\"[A-Za-z_][A-Za-z0-9_]*\"\s*:\s*[\"\[{]"
SHORT_BODY_CHARS = 200


def boilerplate_line_patterns(path: Path = BOILERPLATE_RULES_PATH) -> list[str]:
    """Whole-line boilerplate rules of the cleaning rules file as body-wide regexes: a body line
    that a rule would have cut out means the cleaner let debris through. Only rules that apply
    anywhere to a whole line are used (head-only or thread-only rules depend on position)."""
    if not path.exists():
        return []
    patterns = []
    for rule in load_rules(path).rules:
        if rule.kind != "boilerplate" or rule.scope != "line":
            continue
        if rule.where != "anywhere" or rule.opens or rule.closes:
            continue
        flags = "(?im)" if rule.pattern.flags & re.IGNORECASE else "(?m)"
        patterns.append(f"{flags}^[ \\t]*(?:{rule.pattern.pattern})[ \\t]*$")
    return patterns


@dataclass
class Suite:
    name: str
    notes: str
    expectations: list[dict] = field(default_factory=list)
    severity: str = "critical"   # "warning" for the _warn suites

    def add(self, type_: str, why: str, **kwargs) -> Suite:
        self.expectations.append({"type": type_, "kwargs": kwargs, "meta": {"why": why}})
        return self

    # the expectation types used here, named for what they say
    def rows_at_least(self, minimum: int = 1, why: str = "") -> Suite:
        return self.add("expect_table_row_count_to_be_between",
                        why or "Column expectations pass on an empty table; an empty stage is a broken stage.",
                        min_value=minimum)

    def not_null(self, column: str, why: str = "", **extra) -> Suite:
        return self.add("expect_column_values_to_not_be_null", why or f"{column} is always set.",
                        column=column, **extra)

    def unique(self, column: str, why: str = "") -> Suite:
        return self.add("expect_column_values_to_be_unique", why or f"{column} is a key.", column=column)

    def key(self, column: str) -> Suite:
        return self.not_null(column, f"{column} is the key.").unique(column)

    def unique_together(self, *columns: str, why: str = "") -> Suite:
        return self.add("expect_compound_columns_to_be_unique",
                        why or f"({', '.join(columns)}) is the grain.", column_list=list(columns))

    def in_set(self, column: str, values, why: str = "", **extra) -> Suite:
        return self.add("expect_column_values_to_be_in_set", why or f"{column} comes from a closed list.",
                        column=column, value_set=list(values), **extra)

    def always_true(self, column: str, why: str) -> Suite:
        """A boolean the validation query computes (a cross-row or cross-table rule)."""
        return self.in_set(column, [True], why)

    def between(self, column: str, minimum=None, maximum=None, why: str = "", **extra) -> Suite:
        kwargs = {k: v for k, v in (("min_value", minimum), ("max_value", maximum)) if v is not None}
        return self.add("expect_column_values_to_be_between", why or f"{column} in range.",
                        column=column, **kwargs, **extra)

    def probability(self, column: str) -> Suite:
        return self.between(column, 0.0, 1.0, f"{column} is a probability in [0, 1].")

    def matches(self, column: str, regex: str, why: str, **extra) -> Suite:
        return self.add("expect_column_values_to_match_regex", why, column=column, regex=regex, **extra)

    def matches_none(self, column: str, regexes, why: str, **extra) -> Suite:
        return self.add("expect_column_values_to_not_match_regex_list", why, column=column,
                        regex_list=list(regexes), **extra)

    def lengths(self, column: str, minimum=None, maximum=None, why: str = "", **extra) -> Suite:
        kwargs = {k: v for k, v in (("min_value", minimum), ("max_value", maximum)) if v is not None}
        return self.add("expect_column_value_lengths_to_be_between", why or f"{column} length in range.",
                        column=column, **kwargs, **extra)

    def language(self, column: str) -> Suite:
        return self.in_set(column, LANGUAGE_CODES, f"{column} is an ISO 639-1 code or und.")

    def to_json(self) -> dict:
        expectations = []
        for index, exp in enumerate(self.expectations):
            expectations.append({
                "id": str(uuid.uuid5(_ID_NAMESPACE, f"{self.name}/{index}/{exp['type']}")),
                "kwargs": exp["kwargs"], "meta": exp["meta"], "severity": self.severity,
                "type": exp["type"],
            })
        return {
            "expectations": expectations,
            "id": str(uuid.uuid5(_ID_NAMESPACE, self.name)),
            "meta": {"great_expectations_version": GX_VERSION},
            "name": self.name,
            "notes": self.notes,
        }


ACCEPTED = {"row_condition": "is_accepted == True", "condition_parser": "pandas"}


def suite_json_text(suite: Suite) -> str:
    return json.dumps(suite.to_json(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
