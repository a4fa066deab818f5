"""The GX suites, the sanitiser and the dbt contracts, checked without running the pipeline."""
from __future__ import annotations

import json
import re

import duckdb
import pandas as pd
import pytest
import yaml

from orchestration.checks import history, suites
from orchestration.checks.gx_validation import (
    focus,
    sanitise,
    sanitise_tree,
    suite_names,
    validate_frame,
)
from orchestration.checks.gates import GATES, MIN_SHARE_OF_PUBLISHED, RAW_DUMPS_SQL
from orchestration.checks.stage_checks import check_metadata, failure_summary
from orchestration.core import types
from orchestration.core.ingest import document_id_for
from tests.conftest import DBT_DIR

# The marts are the models in dbt's marts folder (the one list: dbt's own).
MARTS = tuple(sorted(p.stem for p in (DBT_DIR / "models" / "marts").glob("*.sql")))
HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def _suite_files() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in suites.SUITES_DIR.glob("*.json")}


# ---- the suite files ------------------------------------------------------------------------

def test_every_stage_suite_has_a_file_and_every_file_runs():
    assert sorted(s.suite_name for s in GATES) == suite_names()
    assert len({(s.asset, s.suite_name) for s in GATES}) == len(GATES)


def test_the_grid_gate_blocks_and_compares_with_the_published_snapshot():
    [gate] = [g for g in GATES if g.compare_with_published]
    assert gate.blocking and gate.asset == "marts/fct_outlet_claims"


def _marts(conn: duckdb.DuckDBPyConnection, stories: int, outlets: int, claims: int, covered: int) -> None:
    """A tiny set of marts: `stories` stories, each with `claims` claims over `outlets` outlets,
    the first `covered` outlets covering every claim."""
    conn.execute("CREATE SCHEMA marts")
    conn.execute("CREATE TABLE marts.fct_outlet_claims (story_id VARCHAR, claim_id VARCHAR, outlet_id VARCHAR, is_covered BOOLEAN)")
    for story in range(stories):
        for claim in range(claims):
            for outlet in range(outlets):
                conn.execute("INSERT INTO marts.fct_outlet_claims VALUES (?, ?, ?, ?)",
                             [f"s{story}", f"s{story}c{claim}", f"o{outlet}", outlet < covered])
    conn.execute("CREATE TABLE marts.dim_claim AS SELECT DISTINCT claim_id FROM marts.fct_outlet_claims")
    conn.execute("CREATE TABLE marts.dim_document AS SELECT DISTINCT outlet_id || story_id AS document_id "
                 "FROM marts.fct_outlet_claims WHERE is_covered")
    conn.execute("CREATE TABLE marts.fct_claim_mentions AS SELECT * FROM marts.fct_outlet_claims WHERE is_covered")


@pytest.mark.parametrize("now,verdict", [
    ((3, 4, 5, 3), True),        # the same grid
    ((4, 4, 5, 3), True),        # the news grew
    ((3, 4, 5, 2), True),        # a little less covered
    ((1, 4, 5, 3), False),       # two of three stories gone
    ((3, 4, 1, 3), False),       # the claim engine found a fifth of the claims
    ((3, 4, 5, 1), False),       # most cells turned into omissions
])
def test_a_collapsed_grid_fails_the_comparison_with_the_published_one(now, verdict):
    [gate] = [g for g in GATES if g.compare_with_published]
    published, live = duckdb.connect(), duckdb.connect()
    _marts(published, 3, 4, 5, 3)
    _marts(live, *now)
    frame = gate.frame(live, published)
    assert set(frame["measure"]) >= {"rows:fct_outlet_claims", "claims_per_story", "outlets_per_story", "covered_share"}
    outcome = validate_frame(gate.suite_name, frame)
    assert outcome.success is verdict, frame
    if not verdict:
        [failure] = outcome.failed
        assert failure.examples and all(e.startswith("measure=") for e in failure.examples)
    assert MIN_SHARE_OF_PUBLISHED == 0.5


def test_the_first_publish_has_nothing_to_compare_with():
    [gate] = [g for g in GATES if g.compare_with_published]
    live = duckdb.connect()
    _marts(live, 1, 2, 1, 1)
    frame = gate.frame(live, None)
    assert set(frame["share_of_published"]) == {1.0}
    assert validate_frame(gate.suite_name, frame).success


def test_warn_suites_are_non_blocking_and_say_so():
    files = _suite_files()
    for spec in GATES:
        warn = spec.suite_name.endswith("_warn")
        assert spec.blocking is not warn, spec.suite_name
        severities = {e["severity"] for e in files[spec.suite_name]["expectations"]}
        assert severities == {"warning" if warn else "critical"}, spec.suite_name


def test_blocking_suites_demand_rows_where_an_empty_table_is_wrong():
    """Column expectations pass on an empty table; only tables that may legitimately be empty
    (a batch without text reuse, related lists or captions) go without a row minimum."""
    may_be_empty = {"text_reuse", "mart_fct_related_articles", "mart_fct_captions"}
    files = _suite_files()
    for spec in GATES:
        if not spec.blocking or spec.suite_name in may_be_empty:
            continue
        minimums = [e["kwargs"].get("min_value") for e in files[spec.suite_name]["expectations"]
                    if e["type"] == "expect_table_row_count_to_be_between"]
        assert minimums == [1], spec.suite_name


def test_iso_639_1_list_is_the_standard_one():
    codes = types.ISO_639_1_CODES
    assert len(codes) == 183 and len(set(codes)) == 183
    assert all(re.fullmatch(r"[a-z]{2}", c) for c in codes)
    assert {"en", "he", "ar", "fa", "zh", "fr"} <= set(codes)
    assert not {"iw", "in", "ji", "sh", "zz", "xx"} & set(codes)   # deprecated or invented


def test_boilerplate_rules_feed_the_cleaned_documents_suite():
    patterns = suites.boilerplate_line_patterns()
    if not suites.BOILERPLATE_RULES_PATH.exists():
        assert patterns == []
        return
    # a content expectation: in the warning suite only, never blocking (issue 11)
    for name, expected in (("cleaned_documents", []), ("cleaned_documents_warn", [None])):
        found = [e["kwargs"].get("mostly") for e in _suite_files()[name]["expectations"]
                 if e["type"] == "expect_column_values_to_not_match_regex_list" and e["kwargs"]["regex_list"] == patterns]
        assert found == expected, name


@pytest.mark.skipif(not suites.BOILERPLATE_RULES_PATH.exists(), reason="needs the cleaning rules file")
def test_leaked_furniture_lines_warn_and_never_block():
    clean = "Officials met on Monday to discuss the budget. " * 8
    leaked = clean + "\n\nRead more"
    for frame in (_documents([clean] * 19 + [leaked]), _documents([clean] * 3 + [leaked])):
        assert validate_frame("cleaned_documents", frame).success
        assert not validate_frame("cleaned_documents_warn", frame).success


def test_gx_loads_every_suite():
    from orchestration.checks.gx_validation import load_suite

    for name in suite_names():
        assert len(load_suite(name).expectations) == len(_suite_files()[name]["expectations"])


# ---- validation on small frames ---------------------------------------------------------------

def _documents(bodies: list[str], reasons: list[str | None] | None = None,
               titles: list[str | None] | None = None) -> pd.DataFrame:
    """The frame CLEANED_DOCUMENTS_SQL gives for these documents."""
    reasons = reasons or [None] * len(bodies)
    titles = titles or [None] * len(bodies)
    return pd.DataFrame({
        "document_id": [f"{i:016x}" for i in range(len(bodies))],
        "encoding": "utf-8", "encoding_method": "utf-8", "repairs": "[]",
        "decoded_chars": [len(b) for b in bodies], "body_text": bodies, "title": titles,
        "quarantine_reason": reasons, "is_accepted": [r is None for r in reasons], "has_dump": True,
        "has_body": [len(b) > 0 for b in bodies],
        "has_text_if_accepted": [r is not None or len(b) > 0 or bool((t or "").strip())
                                 for b, r, t in zip(bodies, reasons, titles)],
    })


def _failed(outcome) -> set[str]:
    return {f.expectation.split("(")[0] for f in outcome.failed}


def test_clean_documents_pass():
    assert validate_frame("cleaned_documents", _documents(["A clean body. " * 20, "Another one. " * 20])).success


def test_var_dump_residue_and_markup_in_a_body_warn_with_escaped_examples():
    body = "Officials met on Monday. " * 10 + HOSTILE + ' string(42) "[{"id":1}]"'
    frame = _documents([body, "A clean body. " * 20])
    assert validate_frame("cleaned_documents", frame).success      # content never blocks
    outcome = validate_frame("cleaned_documents_warn", frame)
    assert not outcome.success
    assert "expect_column_values_to_not_match_regex_list" in _failed(outcome)
    failure = next(f for f in outcome.failed if "regex_list" in f.expectation and
                   any("&lt;script&gt;" in e for e in f.examples))
    assert failure.unexpected_count == 1
    # the example starts near the debris, not at the article's first words, and is escaped
    assert any("&lt;script&gt;" in e for e in failure.examples)
    rendered = json.dumps(check_metadata(outcome)["failures"].value) + failure_summary(outcome)
    assert "<script" not in rendered and "<img" not in rendered


def test_only_quarantined_documents_fail_the_batch():
    outcome = validate_frame("cleaned_documents", _documents(["", ""], ["empty_body", "empty_body"]))
    assert "expect_column_distinct_values_to_contain_set" in _failed(outcome)


def test_a_headline_only_document_passes_and_an_accepted_document_with_nothing_fails():
    headline = _documents(["A clean body. " * 20, ""], titles=["Report", "Willie Nelson dead at 81, reports say"])
    assert validate_frame("cleaned_documents", headline).success
    # no short-body warning for a document that has no body at all
    assert "expect_column_value_lengths_to_be_between" not in _failed(validate_frame("cleaned_documents_warn", headline))
    nothing = _documents(["A clean body. " * 20, ""], titles=["Report", None])
    assert "expect_column_values_to_be_in_set" in _failed(validate_frame("cleaned_documents", nothing))


def test_unknown_quarantine_reason_fails():
    outcome = validate_frame("cleaned_documents", _documents(["x" * 300, ""], [None, "looked_odd"]))
    assert "expect_column_values_to_be_in_set" in _failed(outcome)


def test_an_empty_frame_fails_the_row_minimum():
    frame = pd.DataFrame({c: [] for c in ("document_id", "content_sha256", "source_file", "record_index",
                                          "source_format", "byte_size", "url", "id_follows_recipe")})
    outcome = validate_frame("raw_dumps", frame)
    assert _failed(outcome) == {"expect_table_row_count_to_be_between"}


@pytest.mark.parametrize("code,ok", [("en", True), ("he", True), ("und", True), ("zz", False),
                                     ("EN", False), ("zh-cn", False), ("iw", False)])
def test_language_codes(code, ok):
    frame = pd.DataFrame({"document_id": ["0" * 16], "language": [code], "probability": [0.9], "method": ["x"]})
    assert validate_frame("document_languages", frame).success is ok


def test_probabilities_outside_zero_one_fail():
    frame = pd.DataFrame({"document_id": ["0" * 16], "language": ["en"], "probability": [1.2], "method": ["x"]})
    assert "expect_column_values_to_be_between" in _failed(validate_frame("document_languages", frame))


def test_single_outlet_claim_is_a_warning_not_a_gate():
    frame = pd.DataFrame({"claim_id": ["c1"], "story_id": ["s1"], "claim_text": ["A claim of some length."],
                          "origin": ["discovered"], "document_count": [1], "outlet_count": [1]})
    assert not validate_frame("mart_dim_claim_warn", frame).success
    assert not any(g.blocking for g in GATES if g.asset == "marts/dim_claim")
    assert not next(s for s in GATES if s.suite_name == "mart_dim_claim_warn").blocking


# ---- the sanitiser ----------------------------------------------------------------------------

def test_sanitise_escapes_truncates_and_drops_control_characters():
    text = sanitise(HOSTILE)
    assert "<" not in text and ">" not in text and '"' not in text
    assert text.startswith("&lt;script&gt;alert(1)")
    long = sanitise("a" * 1000 + "<b>")
    assert len(long) == 120 and long.endswith("…")
    assert sanitise("x\x00y\x1bz\u2028w") == "x y z w"
    assert sanitise({"k": "<i>"}) == html_escaped('{"k": "<i>"}')


def html_escaped(text: str) -> str:
    import html
    return html.escape(text, quote=True)


def test_sanitise_never_cuts_an_entity_in_half():
    text = sanitise("<" * 200, limit=10)
    assert text == "&lt;" * 9 + "…"


def test_sanitise_tree_reaches_every_string_and_keeps_numbers():
    tree = {"observed_value": HOSTILE, "partial_unexpected_counts": [{"value": HOSTILE, "count": 2}],
            HOSTILE: [1.5, float("nan"), None, True]}
    clean = sanitise_tree(tree)
    assert "<" not in json.dumps(clean)
    assert clean["partial_unexpected_counts"][0]["count"] == 2
    assert list(clean.values())[-1] == [1.5, None, None, True]


def test_focus_moves_the_window_to_the_forbidden_match():
    value = "x" * 500 + "string(12) tail"
    assert focus(value, [r"string\(\d+\)"]).startswith("…" + "x" * 40 + "string(12)")
    assert focus("no match", [r"string\(\d+\)"]) == "no match"
    assert focus(7, [r"\d"]) == 7


# ---- history ----------------------------------------------------------------------------------

def test_failed_blocking_results_look_at_each_suites_latest_run():
    from orchestration.checks.gx_validation import ExpectationOutcome, ValidationOutcome

    conn = duckdb.connect()
    bad = ValidationOutcome("claims", False, 3, [ExpectationOutcome("expect_x(claim_id)", False, None, 1, ["c1"])])
    good = ValidationOutcome("claims", True, 3, [ExpectationOutcome("expect_x(claim_id)", True, None, 0, [])])
    warn = ValidationOutcome("claims_warn", False, 3, [ExpectationOutcome("expect_y(claim_text)", False, None, 1, [])])
    history.record_validation(conn, "run1", "raw/claims", bad)
    history.record_validation(conn, "run1", "raw/claims", warn, blocking=False)
    assert [r[1] for r in history.failed_blocking_results(conn)] == ["claims"]
    history.record_validation(conn, "run2", "raw/claims", good)
    assert history.failed_blocking_results(conn) == []
    history.record_dbt_tests(conn, "run3", [{"step": "marts/dim_claim", "test": "unique_dim_claim_claim_id",
                                            "passed": False, "blocking": True, "failed_rows": 2}])
    assert history.failed_blocking_results(conn)[0][:4] == ("marts/dim_claim", "dbt", "unique_dim_claim_claim_id", 2)


# ---- dbt --------------------------------------------------------------------------------------

def _mart_yml(name: str) -> dict:
    return yaml.safe_load((DBT_DIR / "models" / "marts" / f"{name}.yml").read_text(encoding="utf-8"))["models"][0]


@pytest.mark.parametrize("mart", MARTS)
def test_every_mart_has_an_enforced_contract_with_typed_columns(mart):
    model = _mart_yml(mart)
    assert model["config"]["contract"]["enforced"] is True
    assert model["columns"] and all(c.get("data_type") for c in model["columns"])
    sql_columns = (DBT_DIR / "models" / "marts" / f"{mart}.sql").read_text(encoding="utf-8")
    for column in model["columns"]:
        assert column["name"] in sql_columns, (mart, column["name"])


@pytest.mark.parametrize("mart", MARTS)
def test_every_mart_key_is_tested(mart):
    model = _mart_yml(mart)
    tests = json.dumps(model.get("data_tests", [])) + json.dumps([c.get("data_tests", []) for c in model["columns"]])
    assert "unique" in tests or "unique_combination" in tests or mart == "fct_captions"
    # roots of the star, and retractions, whose documents are by definition in no other table
    assert "relationships" in tests or mart in ("dim_outlet", "dim_claim", "dim_story", "fct_retractions")


def test_unit_tests_cover_the_dense_grid_and_the_stance_rollup():
    spec = yaml.safe_load((DBT_DIR / "models" / "marts" / "fct_outlet_claims.yml").read_text(encoding="utf-8"))
    tests = {t["name"]: t for t in spec["unit_tests"]}
    grid = tests["grid_is_dense_over_the_stories_an_outlet_covers"]["expect"]["rows"]
    assert any(not r["is_covered"] and r["stance"] is None for r in grid)
    rollup = tests["stance_rolls_up_to_mixed_majority_or_stronger_voice"]["expect"]["rows"]
    assert "mixed" in {r["stance"] for r in rollup}


def test_dbt_translator_turns_tests_into_asset_checks():
    from orchestration.dbt_project import dbt_translator

    assert dbt_translator.settings.enable_asset_checks is True


def test_no_suite_regex_is_invalid():
    for _name, suite in _suite_files().items():
        for exp in suite["expectations"]:
            for rx in [exp["kwargs"].get("regex"), *(exp["kwargs"].get("regex_list") or [])]:
                if rx:
                    re.compile(rx)


def test_failing_examples_name_their_rows():
    frame = pd.DataFrame({"document_id": ["0" * 16, "1" * 16], "language": ["en", "zz"],
                          "probability": [0.9, 0.9], "method": ["x", "x"]})
    outcome = validate_frame("document_languages", frame)
    failure = next(f for f in outcome.failed if f.expectation == "expect_column_values_to_be_in_set(language)")
    assert failure.examples == [f"document_id={'1' * 16}: zz"]


def test_the_raw_dumps_gate_checks_the_same_id_recipe_as_ingest():
    """The recipe is written twice, in Python (ingest) and in the gate's SQL, so that the gate can
    check it: a table with both kinds of ids and a forged one."""
    sha = "ab" * 32
    rows = [(document_id_for(sha, None), sha, None), (document_id_for(sha, "Evening Post"), sha, "Evening Post"),
            (document_id_for(sha, None), sha, "Daily Courier")]      # forged: a named outlet's copy with the plain id
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA raw")
    conn.execute("CREATE TABLE raw.dumps (document_id VARCHAR, content_sha256 VARCHAR, outlet_hint VARCHAR, payload BLOB)")
    conn.executemany("INSERT INTO raw.dumps VALUES (?, ?, ?, NULL)", rows)
    verdicts = dict(conn.execute(f"SELECT coalesce(outlet_hint, ''), id_follows_recipe FROM ({RAW_DUMPS_SQL})").fetchall())
    assert verdicts == {"": True, "Evening Post": True, "Daily Courier": False}


def test_failing_rows_are_named_as_gx_names_them_without_gx_looking_up_every_one():
    """GX, given the row-id columns, looks up the ids of every failing row (8 s for 95k failing
    rows); attach_row_ids names only the rows GX keeps. The outcomes are the ones GX's own lookup
    gives: ids, failing values, counts, for column, pair and compound expectations."""
    from orchestration.checks import gx_validation as gx

    def gx_named(suite_name: str, frame: pd.DataFrame):
        batch = gx._batch_definition().get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(gx.load_suite(suite_name), result_format={
            "result_format": "SUMMARY", "unexpected_index_column_names": gx.row_id_columns(frame)})
        return gx.outcome_from_result(suite_name, result, len(frame))

    documents = pd.DataFrame({
        "document_id": [f"d{i}" for i in range(60)], "outlet_id": ["o"] * 60, "story_id": ["s"] * 60,
        "source_file": ["f"] * 60, "content_sha256": ["h"] * 60, "source_format": ["txt"] * 60,
        "title": [None if i % 3 else f"t{i}" for i in range(60)],
        "published_at": [None] * 50 + [pd.Timestamp("2026-11-01")] * 10, "language": ["en"] * 60,
        "language_confidence": [0.9] * 60, "body_chars": [10 if i % 2 else 5000 for i in range(60)],
    })
    reuse = pd.DataFrame({"document_id": ["a", "a", "b", "c"], "source_document_id": ["b", "b", "b", "a"],
                          "shared_sentences": [1, 1, 0, 2], "reused_share": [0.5, 0.5, 1.5, 0.2],
                          "distinct_documents": [True, True, False, True]})
    for suite_name, frame in (("mart_dim_document_warn", documents), ("text_reuse", reuse)):
        outcome = validate_frame(suite_name, frame)
        assert not outcome.success
        assert outcome == gx_named(suite_name, frame)
        assert all(f.examples for f in outcome.failed if f.unexpected_count)
    # a frame whose index is not its row positions is validated as its rows
    shuffled = documents.sample(frac=1.0, random_state=1)
    assert validate_frame("mart_dim_document_warn", shuffled) == gx_named(
        "mart_dim_document_warn", shuffled.reset_index(drop=True))


def test_a_mention_or_claim_sentence_on_no_sentence_fails_its_gate():
    """The gates read whether a row stands on a sentence of raw.sentences, not the sentence text."""
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA raw")
    conn.execute("CREATE TABLE raw.claims AS SELECT 'c1' AS claim_id")
    conn.execute("CREATE TABLE raw.sentences AS SELECT 'd1' AS document_id, 0 AS sentence_seq, 'A sentence.' AS text")
    conn.execute("CREATE TABLE raw.claim_sentences AS SELECT * FROM (VALUES ('c1', 'd1', 0, 0.9), ('c1', 'd1', 7, 0.8)) "
                 "t(claim_id, document_id, sentence_seq, similarity)")
    conn.execute("CREATE TABLE raw.claim_mentions AS SELECT * FROM (VALUES ('c1', 'd1', 0, 'asserts'), "
                 "('c1', 'd1', 7, 'reports')) t(claim_id, document_id, sentence_seq, stance)")
    for name in ("claim_sentences", "claim_mentions"):
        gate = next(g for g in GATES if g.suite_name == name)
        outcome = validate_frame(name, gate.frame(conn))
        [failed] = outcome.failed
        assert failed.expectation == "expect_column_values_to_be_in_set(on_a_sentence)"
        assert failed.unexpected_count == 1 and "sentence_seq=7" in failed.examples[0]
