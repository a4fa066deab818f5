"""The Great Expectations suites, declared once in Python and written as GX 1.x JSON files.

The JSON files under expectations/gx/expectations/ are what runs (and what reviewers diff); this
module is how they are written, so the closed vocabularies of orchestration/core/types.py, the
ISO 639-1 list and the cleaning rules file feed the value sets and regex lists instead of being
copied by hand. tests/unit/test_suites.py fails when a JSON file and this module disagree.

    python -m orchestration.checks.suites      # rewrite every suite file

Blocking suites guard data that would mislead downstream (wrong keys, values outside a closed
list, debris in bodies); `<stage>_warn` suites flag what is only suspicious (a very short body, a
claim only one outlet carries) and run as WARN checks that never stop a run.
"""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.core.rules import DEFAULT_RULES_PATH, load_rules
from orchestration.core.types import (
    ATTRIBUTION_METHODS,
    CLAIM_ORIGINS,
    QUARANTINE_REASONS,
    SEGMENT_KINDS,
    SOURCE_FORMATS,
    STANCES,
)
from orchestration.settings import EXPECTATIONS_DIR, REPO_ROOT

SUITES_DIR = EXPECTATIONS_DIR / "gx" / "expectations"
ISO_639_1_PATH = EXPECTATIONS_DIR / "reference" / "iso_639_1.txt"
BOILERPLATE_RULES_PATH = DEFAULT_RULES_PATH
GX_VERSION = "1.24.1"
_ID_NAMESPACE = uuid.UUID("6f1c1f55-8d5e-4a57-9d3e-2f0c0a1b7e11")

# Embedded-payload statuses (types.EmbeddedBlob.status; not a tuple in types.py yet).
EMBEDDED_STATUSES = ("ok", "length_mismatch", "truncated", "invalid_json")
GRID_STANCES = (*STANCES, "mixed")

# Debris that must never reach a body, a sentence or a claim: PHP var_dump residue
# (`string(123) "...`), JSON structure (runs of brackets, `[{"`, `},{"`), and markup.
VAR_DUMP_RESIDUE = r"string\(\d+\)"
JSON_DEBRIS = (
    VAR_DUMP_RESIDUE,
    r"(?:[\[\]{}]\s*){4,}",
    r"\[\s*\{\s*\"",
    r"\}\s*,\s*\{\s*\"",
)
HTML_TAG_RESIDUE = (
    r"(?i)<\s*/?\s*(?:script|style|iframe|object|embed|html|head|body|meta|link|div|span|p|br|a|img"
    r"|table|tr|td|ul|ol|li|h[1-6])\b[^<>]{0,200}>"
)
JSON_KEY_VALUE = r"\"[A-Za-z_][A-Za-z0-9_]*\"\s*:\s*[\"\[{]"
SHORT_BODY_CHARS = 200
BOILERPLATE_TOLERANCE = 0.05   # share of bodies that may keep a boilerplate line before it blocks


def iso_639_1_codes() -> tuple[str, ...]:
    """The ISO 639-1 codes of expectations/reference/iso_639_1.txt, in file order."""
    codes: list[str] = []
    for line in ISO_639_1_PATH.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            codes.extend(line.split())
    return tuple(codes)


def language_codes() -> list[str]:
    return [*iso_639_1_codes(), "und"]


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
        return self.in_set(column, language_codes(), f"{column} is an ISO 639-1 code or und.")

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


def build_suites() -> list[Suite]:
    suites: list[Suite] = []

    def suite(name: str, notes: str, warn: bool = False) -> Suite:
        s = Suite(name, notes, severity="warning" if warn else "critical")
        suites.append(s)
        return s

    body_debris = [*JSON_DEBRIS, HTML_TAG_RESIDUE]

    # ---- raw.dumps ----------------------------------------------------------------------------
    (suite("raw_dumps", "Landed dumps: at least one, hashed, ids derived from the hash, formats known.")
     .rows_at_least(why="An empty landing folder must not replace yesterday's warehouse with nothing.")
     .key("document_id")
     .matches("document_id", r"^[0-9a-f]{16}$", "document_id is 16 hex characters.")
     .always_true("id_is_hash_prefix", "document_id is the first 16 hex characters of content_sha256.")
     .key("content_sha256")
     .matches("content_sha256", r"^[0-9a-f]{64}$", "content_sha256 is a sha256 hex digest.")
     .not_null("source_file")
     .unique_together("source_file", "record_index", why="One row per file (or jsonl record).")
     .between("record_index", 0, why="record_index is a 0-based line number.")
     .not_null("source_format").in_set("source_format", SOURCE_FORMATS)
     .not_null("byte_size").between("byte_size", 0, why="Sizes are byte counts."))
    (suite("raw_dumps_warn", "Landed dumps that are only suspicious: empty or huge files, odd URLs.", warn=True)
     .between("byte_size", 1, 50_000_000, "Empty or >50 MB files are quarantined downstream; worth a look.")
     .matches("url", r"^https?://", "URLs from the manifest or jsonl are absolute http(s)."))

    # ---- raw.documents ------------------------------------------------------------------------
    boilerplate = boilerplate_line_patterns()
    cleaned = (
        suite("cleaned_documents", "Cleaned documents: one per dump, at least one accepted, "
              "accepted bodies non-empty and free of debris, quarantine reasons from the closed list.")
        .rows_at_least()
        .key("document_id")
        .always_true("has_dump", "Every cleaned document comes from a landed dump.")
        .add("expect_column_distinct_values_to_contain_set",
             "At least one accepted document: a batch of only quarantined (e.g. boilerplate-only) "
             "dumps must not replace yesterday's warehouse.", column="is_accepted", value_set=[True])
        .in_set("quarantine_reason", QUARANTINE_REASONS)
        .not_null("encoding").not_null("encoding_method")
        .not_null("repairs")
        .add("expect_column_values_to_be_json_parseable", "repairs is a JSON list.", column="repairs")
        .between("decoded_chars", 0)
        .lengths("body_text", 1, why="An accepted document has a body.", **ACCEPTED)
        .matches_none("body_text", body_debris,
                      "No var_dump residue, JSON structure or HTML markup in bodies.", **ACCEPTED)
    )
    if boilerplate:
        # One furniture line left in one page of many is noise (the warn suite names it); in
        # more than 5 % of the bodies it is a cleaner that stopped applying its rules.
        cleaned.matches_none("body_text", boilerplate,
                             "At most 5 % of bodies keep a line that a boilerplate rule of the cleaning rules "
                             "file would have cut.", mostly=1 - BOILERPLATE_TOLERANCE, **ACCEPTED)
    cleaned_warn = suite("cleaned_documents_warn", "Cleaned documents that are only suspicious.", warn=True)
    if boilerplate:
        cleaned_warn.matches_none("body_text", boilerplate,
                                  "No body keeps a line that a boilerplate rule would have cut.", **ACCEPTED)
    (cleaned_warn
     .lengths("body_text", SHORT_BODY_CHARS,
              why=f"A body under {SHORT_BODY_CHARS} characters is a teaser or a mis-cleaned page.", **ACCEPTED)
     .add("expect_column_values_to_not_match_regex", "U+FFFD means bytes were not decoded.",
          column="body_text", regex="\ufffd", **ACCEPTED)
     .add("expect_column_values_to_not_match_regex", "JSON key-value pairs in a body look like payload.",
          column="body_text", regex=JSON_KEY_VALUE, **ACCEPTED)
     .add("expect_column_values_to_be_null", "Most dumps of a batch should be accepted.",
          column="quarantine_reason", mostly=0.5))

    # ---- raw.segments -------------------------------------------------------------------------
    (suite("segment_ledger", "The segment ledger tiles every decoded text exactly once.")
     .rows_at_least()
     .key("document_id")
     .add("expect_column_pair_values_to_be_equal", "Segments cover every decoded character.",
          column_A="covered_chars", column_B="decoded_chars")
     .add("expect_column_pair_values_to_be_equal", "The last segment ends at the decoded length.",
          column_A="last_end", column_B="decoded_chars")
     .in_set("gaps", [0], "Each segment starts where the previous one ended.")
     .in_set("bad_lengths", [0], "Each segment's text is exactly its span.")
     .between("coverage", 1.0, 1.0, "Coverage is exactly 1."))
    (suite("segments", "Segments: one per (document, seq), kinds from the closed list, spans ordered.")
     .rows_at_least()
     .unique_together("document_id", "seq")
     .not_null("kind").in_set("kind", SEGMENT_KINDS)
     .not_null("rule_id", "Every segment names the rule or code path that typed it.")
     .between("start_char", 0)
     .add("expect_column_pair_values_a_to_be_greater_than_b", "Spans are never negative.",
          column_A="end_char", column_B="start_char", or_equal=True))

    # ---- languages ----------------------------------------------------------------------------
    (suite("document_languages", "Document languages: one per document, ISO 639-1 or und, probabilities in [0, 1].")
     .rows_at_least()
     .key("document_id")
     .not_null("language").language("language")
     .not_null("probability").probability("probability")
     .not_null("method"))
    (suite("document_languages_warn", "Most documents should get a language.", warn=True)
     .add("expect_column_values_to_not_be_in_set", "Most documents are long enough to tell their language.",
          column="language", value_set=["und"], mostly=0.5))
    (suite("segment_languages", "Segment languages: one per segment, ISO 639-1 or und, probabilities in [0, 1].")
     .rows_at_least()
     .unique_together("document_id", "seq")
     .always_true("has_segment", "Every labelled segment exists in the ledger.")
     .not_null("language").language("language")
     .not_null("probability").probability("probability")
     .not_null("method"))

    # ---- outlets ------------------------------------------------------------------------------
    (suite("document_outlets", "Every document has exactly one outlet and a known attribution method.")
     .rows_at_least()
     .key("document_id")
     .not_null("outlet_id")
     .not_null("attribution_method").in_set("attribution_method", ATTRIBUTION_METHODS)
     .always_true("unknown_outlet_per_document",
                  "An unknown publisher gets its own outlet unknown-<document_id> (unknowns never merge)."))
    (suite("document_outlets_warn", "Outlet metadata that looks wrong.", warn=True)
     .matches("country", r"^[A-Z]{2}$", "country is ISO 3166-1 alpha-2.")
     .matches("domain", r"^[a-z0-9.-]+\.[a-z]{2,}$", "domain is a lower-case host name without scheme or path.")
     .add("expect_column_values_to_not_be_in_set", "Most documents should be attributed to a known outlet.",
          column="attribution_method", value_set=["unknown"], mostly=0.5))

    # ---- sentences ----------------------------------------------------------------------------
    (suite("sentences", "Body sentences of accepted documents: keyed, non-empty, offsets ordered, languages valid.")
     .rows_at_least()
     .key("sentence_key")
     .not_null("document_id")
     .always_true("on_accepted_document", "Sentences come from accepted documents only.")
     .not_null("text").lengths("text", 1, why="A sentence has text.")
     .between("start_char", 0)
     .add("expect_column_pair_values_a_to_be_greater_than_b", "A sentence spans at least one character.",
          column_A="end_char", column_B="start_char")
     .language("language")
     .probability("language_probability")
     .matches_none("text", JSON_DEBRIS, "No var_dump residue or JSON structure in sentences."))
    (suite("sentences_warn", "Sentences that are only suspicious.", warn=True)
     .always_true("offsets_match", "The sentence text is the body between its offsets.")
     .lengths("text", maximum=2000, why="A sentence over 2000 characters is a splitting failure."))

    # ---- stories, claims, mentions, text reuse ------------------------------------------------
    (suite("stories", "Every accepted document belongs to exactly one story.")
     .rows_at_least()
     .key("document_id")
     .not_null("story_id"))
    (suite("claims", "Claims: unique ids, non-empty clean text, known origin, known story.")
     .rows_at_least(why="The warehouse exists to say who reported which claim; no claims is a broken run.")
     .key("claim_id")
     .not_null("claim_text").lengths("claim_text", 1)
     .matches_none("claim_text", [*JSON_DEBRIS, HTML_TAG_RESIDUE], "Claims carry no debris.")
     .not_null("origin").in_set("origin", CLAIM_ORIGINS)
     .not_null("story_id", "Discovered claims belong to a story.",
               row_condition="origin == 'discovered'", condition_parser="pandas")
     .in_set("story_known", [True], "A discovered claim's story is one of raw.stories.",
             row_condition="origin == 'discovered'", condition_parser="pandas"))
    (suite("claims_warn", "Claims that are only suspicious.", warn=True)
     .lengths("claim_text", 20, 1000, "A claim is a sentence, not a word or a page.")
     .in_set("story_known", [True], "A catalog claim whose story hint names no story of this batch.",
             row_condition="origin == 'catalog'", condition_parser="pandas"))
    (suite("claim_mentions", "Claim mentions: on real sentences, of known claims, closed stances, similarity in [0, 1].")
     .rows_at_least()
     .unique_together("claim_id", "document_id", "sentence_seq")
     .not_null("claim_id").always_true("claim_known", "Every mention is of a claim in raw.claims.")
     .not_null("sentence_text", "Every mention is on a real sentence.")
     .not_null("stance").in_set("stance", STANCES)
     .not_null("similarity").probability("similarity"))
    (suite("text_reuse", "Text reuse pairs: unique, never a document with itself, shares in [0, 1].")
     .unique_together("document_id", "source_document_id")
     .always_true("distinct_documents", "A document does not reuse itself.")
     .between("shared_sentences", 1, why="A reuse pair shares at least one sentence.")
     .probability("reused_share"))

    # ---- marts --------------------------------------------------------------------------------
    (suite("mart_dim_outlet", "dim_outlet: one row per outlet, methods from the closed list.")
     .rows_at_least()
     .key("outlet_id")
     .not_null("attribution_method").in_set("attribution_method", ATTRIBUTION_METHODS)
     .between("document_count", 1, why="An outlet appears because it published a document."))
    (suite("mart_dim_document", "dim_document: keyed, attributed, languages valid, bodies non-empty.")
     .rows_at_least()
     .key("document_id")
     .matches("document_id", r"^[0-9a-f]{16}$", "document_id is 16 hex characters.")
     .unique("content_sha256")
     .not_null("outlet_id").not_null("story_id").not_null("source_file")
     .in_set("source_format", SOURCE_FORMATS)
     .not_null("language").language("language")
     .probability("language_confidence")
     .between("body_chars", 1, why="Accepted documents have a body."))
    (suite("mart_dim_document_warn", "Documents that are only suspicious.", warn=True)
     .between("body_chars", SHORT_BODY_CHARS, why=f"A body under {SHORT_BODY_CHARS} characters.")
     .not_null("title", "A news document has a headline.")
     .not_null("published_at", "Publication time is known for most documents.", mostly=0.5))
    (suite("mart_dim_claim", "dim_claim: keyed, known origin, coverage counts consistent.")
     .rows_at_least()
     .key("claim_id")
     .not_null("claim_text")
     .in_set("origin", CLAIM_ORIGINS)
     .between("document_count", 0).between("outlet_count", 0)
     .add("expect_column_pair_values_a_to_be_greater_than_b",
          "Every outlet that carries a claim does so in at least one document.",
          column_A="document_count", column_B="outlet_count", or_equal=True))
    (suite("mart_dim_claim_warn", "Claims that are only suspicious.", warn=True)
     .between("outlet_count", 2, why="A claim carried by one outlet only is not yet corroborated.")
     .between("document_count", 1, why="A catalog claim that no document carries."))
    (suite("mart_fct_claim_mentions", "fct_claim_mentions: keyed, closed stances, similarity in [0, 1].")
     .rows_at_least()
     .key("mention_id")
     .unique_together("claim_id", "sentence_id")
     .not_null("claim_id").not_null("document_id").not_null("outlet_id").not_null("sentence_id")
     .not_null("sentence_text").lengths("sentence_text", 1)
     .not_null("stance").in_set("stance", STANCES)
     .probability("similarity"))
    (suite("mart_fct_outlet_claims", "The dense outlet-by-claim grid: one row per outlet x claim, consistent coverage.")
     .rows_at_least()
     .unique_together("outlet_id", "claim_id")
     .not_null("outlet_id").not_null("claim_id").not_null("is_covered")
     .between("mention_count", 0)
     .in_set("stance", GRID_STANCES)
     .always_true("coverage_consistent", "is_covered exactly when the outlet has a mention.")
     .always_true("omission_has_no_stance", "An omission has no stance and no first mention."))
    (suite("mart_fct_related_articles", "fct_related_articles: one row per page and related id, clean titles.")
     .unique_together("document_id", "related_id")
     .not_null("document_id").not_null("related_id")
     .matches_none("title", [VAR_DUMP_RESIDUE, HTML_TAG_RESIDUE], "Titles carry no debris."))
    (suite("mart_fct_captions", "fct_captions: captions with text and a valid language.")
     .not_null("document_id")
     .not_null("caption_text").lengths("caption_text", 1)
     .not_null("language").language("language")
     .matches_none("caption_text", [VAR_DUMP_RESIDUE, HTML_TAG_RESIDUE], "Captions carry no debris."))
    (suite("mart_fct_text_reuse", "fct_text_reuse: unique pairs, never self-reuse, shares in [0, 1].")
     .unique_together("document_id", "source_document_id")
     .always_true("distinct_documents", "A document does not reuse itself.")
     .between("shared_sentences", 1)
     .probability("reused_share"))
    (suite("mart_dim_story", "dim_story: one row per story, each with documents and outlets.")
     .rows_at_least()
     .key("story_id")
     .between("document_count", 1).between("outlet_count", 1).between("claim_count", 0))
    (suite("mart_fct_retractions", "fct_retractions: one row per retracted document, with when and why.")
     .key("document_id")
     .not_null("source_file").not_null("reason").not_null("retracted_at"))
    return suites


def suite_json_text(suite: Suite) -> str:
    return json.dumps(suite.to_json(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_suites(directory: Path = SUITES_DIR) -> list[Path]:
    """Write every suite; remove suite files no longer declared (keeps the store in step)."""
    suites = build_suites()
    written = []
    for s in suites:
        path = directory / f"{s.name}.json"
        path.write_text(suite_json_text(s), encoding="utf-8")
        written.append(path)
    declared = {p.name for p in written}
    for stale in directory.glob("*.json"):
        if stale.name not in declared:
            stale.unlink()
    return written


if __name__ == "__main__":
    for p in write_suites():
        print(p.relative_to(REPO_ROOT))
