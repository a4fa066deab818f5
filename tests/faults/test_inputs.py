"""Issue 11's bad inputs, each beside the five samples, all in one dirty run (conftest.py).

Each test asserts its case's outcome: quarantined with the expected stage and reason, or
published decoded right; and for every case that the run went on and published every good
document. A test fails when its case's outcome changes.
"""
from __future__ import annotations

import os

import duckdb
import pytest

from orchestration.settings import SNAPSHOT_DB_NAME
from tests.conftest import SAMPLES_DIR
from tests.faults.hostile import ARABIC, FRENCH, HEBREW, SQL_TITLE

pytestmark = pytest.mark.integration

# cases that must be published as accepted documents (decoded right, content checked below)
PUBLISHED = ("cp1255_hebrew", "cp1256_arabic", "latin1_french", "utf16_bom", "utf16_no_bom", "nul_bytes",
             "script_payloads", "sql_title", "var_dump_wrong_length", "var_dump_bad_json", "name_spaces",
             "name_unicode", "name_newline", "name_leading_dash", "sub_directory")


# ---- the run as a whole -----------------------------------------------------------------------

def test_the_dirty_run_publishes_every_good_document(dirty_run):
    assert dirty_run.result.success
    with dirty_run.snapshot() as conn:
        published = {r[0] for r in conn.execute("SELECT source_file FROM marts.dim_document").fetchall()}
        quarantined_ids = {r[0] for r in conn.execute(
            "SELECT document_id FROM marts.fct_quarantine WHERE document_id IS NOT NULL").fetchall()}
        dim_ids = {r[0] for r in conn.execute("SELECT document_id FROM marts.dim_document").fetchall()}
    assert {p.name for p in SAMPLES_DIR.iterdir()} <= published
    assert {dirty_run.files[c] for c in PUBLISHED} <= published
    assert not quarantined_ids & dim_ids            # a quarantined document is in no other mart


def test_an_analyst_holding_the_snapshot_keeps_reading_the_old_one(dirty_run):
    """The snapshot was open read-only for the whole run: it kept answering with the old
    figures, and the file opened afterwards is the new one."""
    assert dirty_run.analyst_saw_during == dirty_run.analyst_saw_before == 5
    assert dirty_run.analyst_saw_after_reopen > dirty_run.analyst_saw_before


def test_no_content_check_failed_the_run_and_every_rate_gate_ran(dirty_run):
    gates = {name: passed for name, passed in dirty_run.checks.items() if name.startswith("quarantine_rate_")}
    assert set(gates) == {f"quarantine_rate_{s}" for s in
                          ("ingest", "clean", "language", "outlets", "sentences", "claims")}
    assert all(gates.values())


# ---- files that never become documents --------------------------------------------------------

@pytest.mark.parametrize("case, reason", [
    ("truncated_gz", "truncated"),
    ("garbage_gz", "unreadable"),
    ("gzip_bomb", "oversize"),
    ("big_text", "oversize"),
    ("symlink_out", "outside_landing"),
])
def test_unreadable_files_are_quarantined_at_ingest(dirty_run, case, reason):
    rows = dirty_run.quarantine(case)
    assert [(r[0], r[1], r[2]) for r in rows] == [("ingest", reason, "file")]
    assert not dirty_run.documents(case)
    with dirty_run.live() as conn:
        assert not conn.execute("SELECT count(*) FROM raw.dumps WHERE source_file = ?",
                                [dirty_run.files[case]]).fetchone()[0]


def test_a_gzip_bomb_is_stopped_at_the_limit_not_decompressed(dirty_run):
    detail = dirty_run.quarantine("gzip_bomb")[0][5]
    assert "decompresses past the limit" in detail
    # nothing near the bomb's 1 GB reached the warehouse
    assert (dirty_run.warehouse / "claimgrid.duckdb").stat().st_size < 200_000_000
    with dirty_run.live() as conn:
        assert conn.execute("SELECT max(byte_size) FROM raw.dumps").fetchone()[0] <= 20_000_000


def test_the_symlink_target_outside_the_landing_folder_is_not_read(dirty_run):
    with dirty_run.live() as conn:
        bodies = " ".join(r[0] or "" for r in conn.execute("SELECT body_text FROM raw.documents").fetchall())
    assert "Outside the landing folder" not in bodies


def test_a_jsonl_with_one_bad_line_loads_its_good_lines(dirty_run):
    rows = dirty_run.quarantine("jsonl_bad_line")
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [("ingest", "bad_record", "record", 1)]
    titles = sorted(r[1] for r in dirty_run.documents("jsonl_bad_line"))
    assert titles == ["Feed item one", "Feed item two"]     # a null title hint is no crash


# ---- documents quarantined by cleaning --------------------------------------------------------

@pytest.mark.parametrize("case, reason", [
    ("empty_file", "empty_file"),
    ("binary_txt", "undecodable"),
])
def test_bad_documents_are_quarantined_at_clean(dirty_run, case, reason):
    rows = dirty_run.quarantine(case)
    assert [(r[0], r[1], r[2]) for r in rows] == [("clean", reason, "document")]
    assert not dirty_run.documents(case)


def test_a_zero_byte_gz_is_the_empty_document(dirty_run):
    """0 bytes decompress to nothing: the same content as the empty file, so one document,
    quarantined as empty_file (identical content is one document by design)."""
    with dirty_run.snapshot() as conn:
        rows = conn.execute("SELECT source_file, reason FROM marts.fct_quarantine WHERE byte_size = 0").fetchall()
    assert [r[1] for r in rows] == ["empty_file"]
    assert rows[0][0] in (dirty_run.files["empty_file"], dirty_run.files["zero_byte_gz"])


def test_html_nested_50000_deep_does_not_stop_the_run(dirty_run):
    rows = dirty_run.quarantine("deep_html")
    published = dirty_run.documents("deep_html")
    # either trafilatura found the paragraph or the page is set aside with a reason
    assert published or [(r[0], r[2]) for r in rows] == [("clean", "document")]


# ---- documents published, decoded right -------------------------------------------------------

@pytest.mark.parametrize("case, expected, language", [
    ("cp1255_hebrew", HEBREW.split(". ")[0], "he"),
    ("cp1256_arabic", ARABIC.split(". ")[0], "ar"),
    ("latin1_french", FRENCH.split(". ")[0], "fr"),
    ("utf16_bom", "The harbour authority said on Tuesday", "en"),
    ("utf16_no_bom", "The harbour authority said on Wednesday", "en"),
])
def test_encodings_are_decoded_right(dirty_run, case, expected, language):
    assert expected in dirty_run.body(case)
    assert [r[2] for r in dirty_run.documents(case)] == [language]


def test_nul_bytes_are_removed_and_the_document_kept(dirty_run):
    body = dirty_run.body("nul_bytes")
    assert "\x00" not in body and "The mayor welcomed" in body
    assert dirty_run.documents("nul_bytes")


def test_script_payloads_in_prose_stay_body_text_and_are_escaped_where_shown(dirty_run):
    body = dirty_run.body("script_payloads")
    assert "<script>alert(1)</script>" in body and "onerror=alert(2)" in body
    assert dirty_run.documents("script_payloads")
    # shown escaped: the GX warning on markup names it with entities, never raw
    with dirty_run.live() as conn:
        shown = " ".join(r[0] or "" for r in conn.execute(
            "SELECT failing_examples FROM quality.validation_results WHERE suite = 'cleaned_documents_warn'"
        ).fetchall())
    assert "<script" not in shown


def test_a_title_with_sql_is_data(dirty_run):
    assert [r[1] for r in dirty_run.documents("sql_title")] == [SQL_TITLE]
    with dirty_run.snapshot() as conn:
        assert conn.execute("SELECT count(*) FROM marts.dim_claim").fetchone()[0] > 0


def test_var_dump_with_a_wrong_length_or_bad_json_keeps_the_article(dirty_run):
    with dirty_run.live() as conn:
        statuses = dict(conn.execute(
            "SELECT u.source_file, b.status FROM raw.embedded_blobs b JOIN raw.dumps u USING (document_id) "
            "WHERE u.source_file IN (?, ?)",
            [dirty_run.files["var_dump_wrong_length"], dirty_run.files["var_dump_bad_json"]]).fetchall())
    assert statuses[dirty_run.files["var_dump_wrong_length"]] == "length_mismatch"
    assert statuses[dirty_run.files["var_dump_bad_json"]] in ("invalid_json", "truncated")
    for case in ("var_dump_wrong_length", "var_dump_bad_json"):
        assert "string(" not in dirty_run.body(case)
        assert dirty_run.documents(case)


@pytest.mark.parametrize("case", ["name_spaces", "name_unicode", "name_newline", "name_leading_dash",
                                  "sub_directory"])
def test_odd_names_and_sub_folders_are_ingested_under_their_own_name(dirty_run, case):
    assert len(dirty_run.documents(case)) == 1


def test_the_same_content_under_two_names_is_one_document(dirty_run):
    with dirty_run.snapshot() as conn:
        rows = conn.execute("SELECT source_file FROM marts.dim_document WHERE title = 'Same content twice'").fetchall()
    assert rows == [(dirty_run.files["duplicate_a"],)]


# ---- configuration ----------------------------------------------------------------------------

def test_bad_manifest_lines_are_reported_by_row_and_the_rest_is_used(dirty_run):
    with dirty_run.snapshot() as conn:
        rows = conn.execute(
            "SELECT record_index, detail FROM marts.fct_quarantine WHERE stage = 'config' "
            "AND source_file = 'manifest.jsonl' ORDER BY record_index").fetchall()
        outlet = conn.execute(
            "SELECT o.outlet_name FROM marts.dim_document d JOIN marts.dim_outlet o USING (outlet_id) "
            "WHERE d.source_file = 'french_latin1.txt'").fetchone()
    details = dict(rows)
    assert sorted(details) == [1, 2, 3, 4, 5]
    assert "not JSON" in details[1]
    assert "names no landed dump" in details[2]
    assert "outside the landing folder" in details[3]
    assert "outlet" in details[4] and len(details[4]) < 600      # the 10 KB name is not repeated
    assert "fetched_at" in details[5]
    assert outlet == ("Le Quotidien",)                           # the good line still applies


def test_a_cp1252_catalog_with_bad_rows_is_decoded_and_its_bad_rows_named(dirty_run):
    with dirty_run.snapshot() as conn:
        rows = conn.execute(
            "SELECT record_index, detail FROM marts.fct_quarantine WHERE reason = 'bad_catalog_row' "
            "ORDER BY record_index").fetchall()
        catalog = dict(conn.execute(
            "SELECT claim_id, claim_text FROM marts.dim_claim WHERE origin = 'catalog'").fetchall())
    assert [r[0] for r in rows] == [4, 5, 6]
    assert "empty claim_text" in rows[0][1]
    assert all("duplicate claim_id 'c_dup'" in r[1] for r in rows[1:])
    assert "c_dup" not in catalog
    assert catalog["c_french"] == "Le ministre a déclaré que les négociations avancent"
    assert len(catalog) == 2 + 5_000


def test_the_snapshot_was_replaced_not_edited(dirty_run):
    from tests.faults.conftest import sha256_file

    assert sha256_file(dirty_run.warehouse / SNAPSHOT_DB_NAME) != dirty_run.snapshot_before
    assert not os.access(dirty_run.warehouse / SNAPSHOT_DB_NAME, os.W_OK) or os.geteuid() == 0
    duckdb.connect(str(dirty_run.warehouse / SNAPSHOT_DB_NAME), read_only=True).close()
