"""Every quality gate of the pipeline, each declared once: the asset it guards, whether it blocks,
what it says, the SQL that shapes its frame and its Great Expectations side by side.

Blocking gates guard invariants (keys, closed lists, the ledger's tiling, references, the grid
against the published one); no per-row content expectation blocks. A document whose content is
wrong is quarantined by its stage, and how many are is gated by the rate checks of
orchestration/checks/quarantine_checks.py; content expectations are `_warn` gates.

Raw stages are gated here only (dbt has no tests on them). On the marts, dbt's tests guard keys,
grains, vocabularies and relationships; the gates here check what dbt does not: debris in text
that comes from dumps, warnings about suspicious content, and the comparison with the last
published snapshot that stops a run which would publish a collapsed grid.

orchestration/generated_files.py writes each gate's suite as GX JSON (expectations/gx/...), which
the asset checks of orchestration/checks/stage_checks.py validate at run time.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd

from orchestration.assets.corpus import DISCOVERY_STAGE, MENTIONS_STAGE, REUSE_STAGE, STORIES_STAGE
from orchestration.checks.suites import (
    ACCEPTED,
    HTML_TAG_RESIDUE,
    JSON_DEBRIS,
    JSON_KEY_VALUE,
    SHORT_BODY_CHARS,
    VAR_DUMP_RESIDUE,
    Suite,
    boilerplate_line_patterns,
)
from orchestration.corpus_ledger import CORPUS_LEDGER, CORPUS_LEDGER_TABLE
from orchestration.lake import LEDGER_SCHEMA
from orchestration.warehouse import table_exists
from orchestration.core.types import (
    ATTRIBUTION_METHODS,
    CLAIM_ORIGINS,
    QUARANTINE_REASONS,
    SEGMENT_KINDS,
    SOURCE_FORMATS,
    SENTENCE_SECTIONS,
    STANCES,
)

# A mart measure of this run below this share of the published snapshot's stops publishing:
# the news grows a little or shrinks a little between runs; losing half the grid is a collapse.
MIN_SHARE_OF_PUBLISHED = 0.5


# the documents of a corpus stage's last write, for a LastBatch's condition
LAST_BATCH_DOCUMENTS = "last_batch_documents"


@dataclass(frozen=True)
class LastBatch:
    """The rows a corpus stage wrote at its last write, which its gate validates instead of the
    whole table (docs/decisions/0026-a-corpus-gate-validates-the-last-write.md): `rows` is a
    condition on the frame's columns naming them through LAST_BATCH_DOCUMENTS, the documents
    the stage's ledger recorded at that write."""
    stage: str
    rows: str

    def frame_sql(self, query: str) -> str:
        last_write = (f"SELECT max(processed_at) FROM {CORPUS_LEDGER_TABLE} WHERE stage = '{self.stage}'")
        return (f"WITH {LAST_BATCH_DOCUMENTS} AS (SELECT document_id FROM {CORPUS_LEDGER_TABLE} "
                f"WHERE stage = '{self.stage}' AND processed_at = ({last_write})) "
                f"SELECT * FROM ({query}) AS frame WHERE {self.rows}")


@dataclass(frozen=True)
class Gate:
    suite_name: str                     # expectations/gx/expectations/<suite_name>.json
    asset: str                          # key (a/b) of the asset whose output the gate validates
    description: str                    # the suite's notes and the asset check's description
    query: str                          # SQL producing the frame to validate
    expect: Callable[[Suite], Suite]    # the expectations, added to the gate's suite
    blocking: bool = True
    compare_with_published: bool = False   # the frame compares `query`'s measures with the snapshot's
    batch: LastBatch | None = None       # a corpus table's gate: the rows of its stage's last write only

    def suite(self) -> Suite:
        return self.expect(Suite(self.suite_name, self.description, severity="critical" if self.blocking else "warning"))

    def frame_query(self, conn: duckdb.DuckDBPyConnection) -> str:
        """The SQL of the frame in `conn`: `query`, or the rows of its stage's last write (the
        whole table while no corpus stage has written yet)."""
        if self.batch is None or not table_exists(conn, CORPUS_LEDGER, LEDGER_SCHEMA):
            return self.query
        return self.batch.frame_sql(self.query)

    def frame(self, conn: duckdb.DuckDBPyConnection, published: duckdb.DuckDBPyConnection | None = None) -> pd.DataFrame:
        """The frame to validate, from the live warehouse (and the published snapshot, if any)."""
        current = conn.execute(self.frame_query(conn)).df()
        if not self.compare_with_published:
            return current
        before = published.execute(self.query).df() if published is not None else current.iloc[0:0]
        merged = current.merge(before, on="measure", how="left", suffixes=("", "_published"))
        merged = merged.rename(columns={"value": "current", "value_published": "published"})
        # no snapshot yet, or nothing in it: nothing to compare with
        share = merged["current"] / merged["published"].where(merged["published"] > 0)
        merged["share_of_published"] = share.fillna(1.0)
        return merged[["measure", "current", "published", "share_of_published"]]


# ---- frames ----------------------------------------------------------------------------------

RAW_DUMPS_SQL = """
SELECT * EXCLUDE (payload),
       coalesce(document_id = CASE WHEN coalesce(outlet_hint, '') = '' THEN left(content_sha256, 16)
                                   ELSE left(sha256(content_sha256 || chr(31) || outlet_hint), 16) END,
                false) AS id_follows_recipe
FROM raw.dumps
"""
CLEANED_DOCUMENTS_SQL = """
SELECT d.*, d.quarantine_reason IS NULL AS is_accepted, u.document_id IS NOT NULL AS has_dump,
       coalesce(length(d.body_text), 0) > 0 AS has_body,
       d.quarantine_reason IS NOT NULL OR coalesce(length(d.body_text), 0) > 0
           OR coalesce(length(trim(d.title)), 0) > 0 AS has_text_if_accepted
FROM raw.documents d
LEFT JOIN (SELECT DISTINCT document_id FROM raw.dumps) u ON u.document_id = d.document_id
"""
# Ledger coverage per document: segments must start at 0, follow each other without gap or
# overlap, and end at the decoded length. GX validates the per-document result columns.
LEDGER_COVERAGE_SQL = """
WITH ordered AS (
    SELECT document_id, seq, start_char, end_char, length(text) AS text_chars,
           lag(end_char) OVER (PARTITION BY document_id ORDER BY seq) AS previous_end
    FROM raw.segments
)
SELECT d.document_id,
       d.decoded_chars,
       coalesce(sum(o.end_char - o.start_char), 0) AS covered_chars,
       coalesce(max(o.end_char), 0) AS last_end,
       count(*) FILTER (WHERE o.seq IS NOT NULL AND coalesce(o.previous_end, 0) <> o.start_char) AS gaps,
       count(*) FILTER (WHERE o.text_chars <> o.end_char - o.start_char) AS bad_lengths,
       CASE WHEN d.decoded_chars = 0 THEN 1.0
            ELSE coalesce(sum(o.end_char - o.start_char), 0) / d.decoded_chars END AS coverage
FROM raw.documents d
LEFT JOIN ordered o USING (document_id)
GROUP BY d.document_id, d.decoded_chars
"""
SEGMENTS_SQL = "SELECT * EXCLUDE (text) FROM raw.segments"
DOCUMENT_LANGUAGES_SQL = "SELECT * FROM raw.document_languages"
SEGMENT_LANGUAGES_SQL = """
SELECT l.*, s.seq IS NOT NULL AS has_segment
FROM raw.segment_languages l
LEFT JOIN (SELECT DISTINCT document_id, seq FROM raw.segments) s
       ON s.document_id = l.document_id AND s.seq = l.seq
"""
DOCUMENT_OUTLETS_SQL = """
SELECT *, coalesce(attribution_method <> 'unknown' OR outlet_id = 'unknown-' || document_id, false)
          AS unknown_outlet_per_document
FROM raw.document_outlets
"""
# substr is 1-based and counts characters (code points), like Python's offsets
SENTENCES_SQL = """
SELECT s.*, s.document_id || ':' || s.sentence_seq AS sentence_key,
       coalesce(d.accepted, false) AS on_accepted_document,
       coalesce(substr(CASE s.section WHEN 'title' THEN d.title ELSE d.body_text END,
                       s.start_char + 1, s.end_char - s.start_char) = s.text, false) AS offsets_match
FROM raw.sentences s
LEFT JOIN (SELECT document_id, any_value(body_text) AS body_text, any_value(title) AS title,
                  bool_and(quarantine_reason IS NULL) AS accepted
           FROM raw.documents GROUP BY document_id) d ON d.document_id = s.document_id
"""
STORIES_SQL = "SELECT * FROM raw.stories"
CLAIMS_SQL = """
SELECT c.*, c.story_id IS NULL OR c.story_id IN (SELECT story_id FROM raw.stories) AS story_known
FROM raw.claims c
"""
# Whether a row stands on a sentence, not the sentence's text: at 100k dumps the 1.4 M texts made
# each of these frames 5.9 s to read (2.4 s without them), and GX hashed them again.
CLAIM_SENTENCES_SQL = """
SELECT c.claim_id, c.document_id, c.sentence_seq, c.similarity,
       s.document_id IS NOT NULL AS on_a_sentence, c.claim_id IN (SELECT claim_id FROM raw.claims) AS claim_known
FROM raw.claim_sentences c
LEFT JOIN raw.sentences s USING (document_id, sentence_seq)
"""
CLAIM_MENTIONS_SQL = """
SELECT m.claim_id, m.document_id, m.sentence_seq, m.stance,
       s.document_id IS NOT NULL AS on_a_sentence, m.claim_id IN (SELECT claim_id FROM raw.claims) AS claim_known
FROM raw.claim_mentions m
LEFT JOIN raw.sentences s USING (document_id, sentence_seq)
"""
TEXT_REUSE_SQL = """
SELECT *, coalesce(document_id <> source_document_id, false) AS distinct_documents FROM raw.text_reuse
"""
# What each corpus stage wrote at its last write: the rows of the documents it processed (text
# reuse: pairs on either side of one), and for discovery the claims of those documents' stories
# (the catalog's claims are matched again at every write).
IN_LAST_BATCH = f"IN (SELECT document_id FROM {LAST_BATCH_DOCUMENTS})"
LAST_BATCH_CLAIMS = (f"origin = 'catalog' OR story_id IN (SELECT story_id FROM raw.stories WHERE document_id {IN_LAST_BATCH})")
STORIES_BATCH = LastBatch(STORIES_STAGE, f"document_id {IN_LAST_BATCH}")
CLAIMS_BATCH = LastBatch(DISCOVERY_STAGE, LAST_BATCH_CLAIMS)
CLAIM_SENTENCES_BATCH = LastBatch(DISCOVERY_STAGE, f"document_id {IN_LAST_BATCH} OR claim_id IN "
                                                   f"(SELECT claim_id FROM raw.claims WHERE {LAST_BATCH_CLAIMS})")
CLAIM_MENTIONS_BATCH = LastBatch(MENTIONS_STAGE, f"document_id {IN_LAST_BATCH}")
TEXT_REUSE_BATCH = LastBatch(REUSE_STAGE, f"document_id {IN_LAST_BATCH} OR source_document_id {IN_LAST_BATCH}")
# The measures of the published grid a run must not collapse: rows of the grid and of its
# dimensions, claims and outlets per story, and the share of covered cells. One row per measure;
# the same SQL runs on the live warehouse and on the published snapshot.
GRID_MEASURES_SQL = """
WITH per_story AS (
    SELECT story_id, count(DISTINCT claim_id) AS claims, count(DISTINCT outlet_id) AS outlets
    FROM marts.fct_outlet_claims GROUP BY story_id
)
SELECT 'rows:fct_outlet_claims' AS measure, (SELECT count(*) FROM marts.fct_outlet_claims)::DOUBLE AS value
UNION ALL SELECT 'rows:dim_claim', (SELECT count(*) FROM marts.dim_claim)::DOUBLE
UNION ALL SELECT 'rows:dim_document', (SELECT count(*) FROM marts.dim_document)::DOUBLE
UNION ALL SELECT 'rows:fct_claim_mentions', (SELECT count(*) FROM marts.fct_claim_mentions)::DOUBLE
UNION ALL SELECT 'claims_per_story', (SELECT coalesce(avg(claims), 0) FROM per_story)::DOUBLE
UNION ALL SELECT 'outlets_per_story', (SELECT coalesce(avg(outlets), 0) FROM per_story)::DOUBLE
UNION ALL SELECT 'covered_share',
    (SELECT coalesce(avg(CASE WHEN is_covered THEN 1.0 ELSE 0.0 END), 0) FROM marts.fct_outlet_claims)::DOUBLE
"""


# ---- expectations that need more than one chained line -------------------------------------

def _cleaned_documents(s: Suite) -> Suite:
    s = (s.rows_at_least()
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
         .always_true("has_text_if_accepted", "An accepted document has a body, or a headline for title "
                      "(cleaning quarantines the others as empty_body)."))
    return s


def _cleaned_documents_warn(s: Suite) -> Suite:
    # Content is never what blocks: debris left in a body makes cleaning quarantine the document
    # (debris_residue), markup left in a body is quoted code or a miss, boilerplate a rule to add.
    s.matches_none("body_text", JSON_DEBRIS, "No var_dump residue or JSON structure in bodies (cleaning "
                   "quarantines such documents as debris_residue).", **ACCEPTED)
    s.matches_none("body_text", [HTML_TAG_RESIDUE], "HTML tags left in a body: code quoted in prose, or markup the "
                   "cleaner missed.", **ACCEPTED)
    boilerplate = boilerplate_line_patterns()
    if boilerplate:
        s.matches_none("body_text", boilerplate, "No body keeps a line that a boilerplate rule would have cut.", **ACCEPTED)
    return (s
            .lengths("body_text", SHORT_BODY_CHARS,
                     why=f"A body under {SHORT_BODY_CHARS} characters is a teaser or a mis-cleaned page "
                         "(headline-only documents have none).", **ACCEPTED_WITH_BODY)
            .add("expect_column_values_to_not_match_regex", "U+FFFD means bytes were not decoded.",
                 column="body_text", regex="\ufffd", **ACCEPTED)
            .add("expect_column_values_to_not_match_regex", "JSON key-value pairs in a body look like payload.",
                 column="body_text", regex=JSON_KEY_VALUE, **ACCEPTED)
            .add("expect_column_values_to_be_null", "Most dumps of a batch should be accepted.",
                 column="quarantine_reason", mostly=0.5))


ACCEPTED_WITH_BODY = {"row_condition": "is_accepted == True and has_body == True", "condition_parser": "pandas"}
DISCOVERED = {"row_condition": "origin == 'discovered'", "condition_parser": "pandas"}
CATALOG = {"row_condition": "origin == 'catalog'", "condition_parser": "pandas"}

GATES: tuple[Gate, ...] = (
    # ---- raw.dumps ----------------------------------------------------------------------------
    Gate("raw_dumps", "raw/dumps", "Landed dumps: at least one, hashed, ids derived from the hash, formats known.",
         RAW_DUMPS_SQL, lambda s: (
             s.rows_at_least(why="An empty landing folder must not replace yesterday's warehouse with nothing.")
             .key("document_id")
             .matches("document_id", r"^[0-9a-f]{16}$", "document_id is 16 hex characters.")
             .always_true("id_follows_recipe", "document_id is the start of content_sha256, or of the sha256 of it "
                          "and the outlet the dump was landed for (ingest.document_id_for).")
             .not_null("content_sha256")
             .matches("content_sha256", r"^[0-9a-f]{64}$", "content_sha256 is a sha256 hex digest.")
             .not_null("source_file")
             .unique_together("source_file", "record_index", why="One row per file (or jsonl record).")
             .between("record_index", 0, why="record_index is a 0-based line number.")
             .not_null("source_format").in_set("source_format", SOURCE_FORMATS)
             .not_null("byte_size").between("byte_size", 0, why="Sizes are byte counts."))),
    Gate("raw_dumps_warn", "raw/dumps", "Landed dumps that are only suspicious: empty or huge files, odd URLs.",
         RAW_DUMPS_SQL, lambda s: (
             s.between("byte_size", 1, 50_000_000, "Empty or >50 MB files are quarantined downstream; worth a look.")
             .matches("url", r"^https?://", "URLs from the manifest or jsonl are absolute http(s).")),
         blocking=False),
    # ---- raw.documents, raw.segments ----------------------------------------------------------
    Gate("cleaned_documents", "raw/documents",
         "Cleaned documents: one per dump, at least one accepted, accepted ones with a body or a headline, quarantine "
         "reasons from the closed list (debris and boilerplate are the warning suite's).",
         CLEANED_DOCUMENTS_SQL, _cleaned_documents),
    Gate("cleaned_documents_warn", "raw/documents",
         "Cleaned documents that are only suspicious: very short bodies, undecoded bytes, JSON-looking text, "
         "mass quarantine.",
         CLEANED_DOCUMENTS_SQL, _cleaned_documents_warn, blocking=False),
    Gate("segment_ledger", "raw/segments", "The segment ledger tiles every decoded text exactly once.",
         LEDGER_COVERAGE_SQL, lambda s: (
             s.rows_at_least()
             .key("document_id")
             .add("expect_column_pair_values_to_be_equal", "Segments cover every decoded character.",
                  column_A="covered_chars", column_B="decoded_chars")
             .add("expect_column_pair_values_to_be_equal", "The last segment ends at the decoded length.",
                  column_A="last_end", column_B="decoded_chars")
             .in_set("gaps", [0], "Each segment starts where the previous one ended.")
             .in_set("bad_lengths", [0], "Each segment's text is exactly its span.")
             .between("coverage", 1.0, 1.0, "Coverage is exactly 1."))),
    Gate("segments", "raw/segments", "Segments: one per (document, seq), kinds from the closed list, spans ordered.",
         SEGMENTS_SQL, lambda s: (
             s.rows_at_least()
             .unique_together("document_id", "seq")
             .not_null("kind").in_set("kind", SEGMENT_KINDS)
             .not_null("rule_id", "Every segment names the rule or code path that typed it.")
             .between("start_char", 0)
             .add("expect_column_pair_values_a_to_be_greater_than_b", "Spans are never negative.",
                  column_A="end_char", column_B="start_char", or_equal=True))),
    # ---- languages ----------------------------------------------------------------------------
    Gate("document_languages", "raw/document_languages",
         "Document languages: one per document, ISO 639-1 or und, probabilities in [0, 1].",
         DOCUMENT_LANGUAGES_SQL, lambda s: (
             s.rows_at_least()
             .key("document_id")
             .not_null("language").language("language")
             .not_null("probability").probability("probability")
             .not_null("method"))),
    Gate("document_languages_warn", "raw/document_languages", "Most documents should get a language.",
         DOCUMENT_LANGUAGES_SQL, lambda s: s.add(
             "expect_column_values_to_not_be_in_set", "Most documents are long enough to tell their language.",
             column="language", value_set=["und"], mostly=0.5),
         blocking=False),
    Gate("segment_languages", "raw/segment_languages",
         "Segment languages: one per existing segment, ISO 639-1 or und, probabilities in [0, 1].",
         SEGMENT_LANGUAGES_SQL, lambda s: (
             s.rows_at_least()
             .unique_together("document_id", "seq")
             .always_true("has_segment", "Every labelled segment exists in the ledger.")
             .not_null("language").language("language")
             .not_null("probability").probability("probability")
             .not_null("method"))),
    # ---- outlets ------------------------------------------------------------------------------
    Gate("document_outlets", "raw/document_outlets",
         "Every document has exactly one outlet and a known attribution method.",
         DOCUMENT_OUTLETS_SQL, lambda s: (
             s.rows_at_least()
             .key("document_id")
             .not_null("outlet_id")
             .not_null("attribution_method").in_set("attribution_method", ATTRIBUTION_METHODS)
             .always_true("unknown_outlet_per_document",
                          "An unknown publisher gets its own outlet unknown-<document_id> (unknowns never merge)."))),
    Gate("document_outlets_warn", "raw/document_outlets",
         "Outlet metadata that looks wrong: malformed country or domain, mostly unknown publishers.",
         DOCUMENT_OUTLETS_SQL, lambda s: (
             s.matches("country", r"^[A-Z]{2}$", "country is ISO 3166-1 alpha-2.")
             .matches("domain", r"^[a-z0-9.-]+\.[a-z]{2,}$", "domain is a lower-case host name without scheme or path.")
             .add("expect_column_values_to_not_be_in_set", "Most documents should be attributed to a known outlet.",
                  column="attribution_method", value_set=["unknown"], mostly=0.5)),
         blocking=False),
    # ---- sentences ----------------------------------------------------------------------------
    Gate("sentences", "raw/sentences",
         "Sentences of accepted documents: keyed, title or body, non-empty, offsets ordered, languages valid.",
         SENTENCES_SQL, lambda s: (
             s.rows_at_least()
             .key("sentence_key")
             .not_null("document_id")
             .not_null("section").in_set("section", SENTENCE_SECTIONS)
             .always_true("on_accepted_document", "Sentences come from accepted documents only.")
             .not_null("text").lengths("text", 1, why="A sentence has text.")
             .between("start_char", 0)
             .add("expect_column_pair_values_a_to_be_greater_than_b", "A sentence spans at least one character.",
                  column_A="end_char", column_B="start_char")
             .language("language")
             .probability("language_probability"))),
    Gate("sentences_warn", "raw/sentences",
         "Sentences that are only suspicious: debris, text not at its offsets, over 2000 characters.",
         SENTENCES_SQL, lambda s: (
             s.matches_none("text", JSON_DEBRIS, "No var_dump residue or JSON structure in sentences.")
             .always_true("offsets_match", "The sentence text is its body (or title) between its offsets.")
             .lengths("text", maximum=2000, why="A sentence over 2000 characters is a splitting failure.")),
         blocking=False),
    # ---- stories, claims, mentions, text reuse ------------------------------------------------
    Gate("stories", "raw/stories", "Every accepted document belongs to exactly one story.",
         STORIES_SQL, lambda s: s.rows_at_least().key("document_id").not_null("story_id"), batch=STORIES_BATCH),
    Gate("claims", "raw/claims", "Claims: at least one, unique ids, non-empty text, known origin and story.",
         CLAIMS_SQL, lambda s: (
             s.rows_at_least(why="The warehouse exists to say who reported which claim; no claims is a broken run.")
             .key("claim_id")
             .not_null("claim_text").lengths("claim_text", 1)
             .not_null("origin").in_set("origin", CLAIM_ORIGINS)
             .not_null("story_id", "Discovered claims belong to a story.", **DISCOVERED)
             .in_set("story_known", [True], "A discovered claim's story is one of raw.stories.", **DISCOVERED)),
         batch=CLAIMS_BATCH),
    Gate("claims_warn", "raw/claims",
         "Claims carrying debris, shorter than 20 or longer than 1000 characters; catalog claims of no known story.",
         CLAIMS_SQL, lambda s: (
             s.matches_none("claim_text", [*JSON_DEBRIS, HTML_TAG_RESIDUE], "Claims carry no debris.")
             .lengths("claim_text", 20, 1000, "A claim is a sentence, not a word or a page.")
             .in_set("story_known", [True], "A catalog claim whose story hint names no story of this batch.", **CATALOG)),
         blocking=False, batch=CLAIMS_BATCH),
    Gate("claim_sentences", "raw/claim_sentences",
         "The sentences stating each claim: real sentences of known claims, one row each, similarity in [0, 1].",
         CLAIM_SENTENCES_SQL, lambda s: (
             s.rows_at_least()
             .unique_together("claim_id", "document_id", "sentence_seq")
             .not_null("claim_id").always_true("claim_known", "Every claim sentence is of a claim in raw.claims.")
             .always_true("on_a_sentence", "Every claim sentence is a real sentence.")
             .not_null("similarity").probability("similarity")),
         batch=CLAIM_SENTENCES_BATCH),
    Gate("claim_mentions", "raw/claim_mentions",
         "Claim mentions: on real sentences, of known claims, closed stances.",
         CLAIM_MENTIONS_SQL, lambda s: (
             s.rows_at_least()
             .unique_together("claim_id", "document_id", "sentence_seq")
             .not_null("claim_id").always_true("claim_known", "Every mention is of a claim in raw.claims.")
             .always_true("on_a_sentence", "Every mention is on a real sentence.")
             .not_null("stance").in_set("stance", STANCES)),
         batch=CLAIM_MENTIONS_BATCH),
    Gate("text_reuse", "raw/text_reuse", "Text reuse pairs: unique, never a document with itself, shares in [0, 1].",
         TEXT_REUSE_SQL, lambda s: (
             s.unique_together("document_id", "source_document_id")
             .always_true("distinct_documents", "A document does not reuse itself.")
             .between("shared_sentences", 1, why="A reuse pair shares at least one sentence.")
             .probability("reused_share")),
         batch=TEXT_REUSE_BATCH),
    # ---- marts: what dbt's tests do not check -------------------------------------------------
    Gate("mart_grid_vs_published", "marts/fct_outlet_claims",
         "The grid about to be published keeps at least half of every measure of the published one: rows of "
         "the grid, claims, documents and mentions, claims and outlets per story, share of covered cells.",
         GRID_MEASURES_SQL, lambda s: (
             s.rows_at_least()
             .between("share_of_published", MIN_SHARE_OF_PUBLISHED,
                      why="A run that would publish a grid collapsed to less than half of the published one "
                          "is a broken run (a lost landing folder, a cleaner that stopped, a claim engine "
                          "that found nothing), not news.")),
         compare_with_published=True),
    Gate("mart_fct_captions", "marts/fct_captions", "Captions carry text.",
         "SELECT * FROM marts.fct_captions", lambda s: s.not_null("caption_text").lengths("caption_text", 1)),
    Gate("mart_fct_captions_warn", "marts/fct_captions", "Captions carrying debris.",
         "SELECT * FROM marts.fct_captions", lambda s: (
             s.matches_none("caption_text", [VAR_DUMP_RESIDUE, HTML_TAG_RESIDUE], "Captions carry no debris.")),
         blocking=False),
    Gate("mart_fct_related_articles_warn", "marts/fct_related_articles", "Related-article titles carrying debris.",
         "SELECT * FROM marts.fct_related_articles", lambda s: (
             s.matches_none("title", [VAR_DUMP_RESIDUE, HTML_TAG_RESIDUE], "Titles carry no debris.")),
         blocking=False),
    Gate("mart_dim_document_warn", "marts/dim_document",
         "Documents that are only suspicious: short bodies, no headline, mostly no publication time.",
         "SELECT * FROM marts.dim_document", lambda s: (
             s.between("body_chars", SHORT_BODY_CHARS, why=f"A body under {SHORT_BODY_CHARS} characters.")
             .not_null("title", "A news document has a headline.")
             .not_null("published_at", "Publication time is known for most documents.", mostly=0.5)),
         blocking=False),
    Gate("mart_dim_claim_warn", "marts/dim_claim", "Claims carried by one outlet only, or by no document.",
         "SELECT * FROM marts.dim_claim", lambda s: (
             s.between("outlet_count", 2, why="A claim carried by one outlet only is not yet corroborated.")
             .between("document_count", 1, why="A catalog claim that no document carries.")),
         blocking=False),
)


def build_suites() -> list[Suite]:
    return [gate.suite() for gate in GATES]
