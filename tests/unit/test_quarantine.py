"""Per-document isolation, rate policy, bounded ingest, configuration checks, markup, run lock."""
from __future__ import annotations

import gzip
import json
import os
import threading
import time
from pathlib import Path

import pytest

from orchestration.core.cleaning.clean import clean_dump
from orchestration.core.ingest import (
    IngestLimits, Unreadable, _make_dump, read_dump_bytes, scan_landing_checked,
)
from orchestration.core.claims.catalog import check_catalog
from orchestration.core.manifest import check_manifest
from orchestration.core.quarantine import ConfigError
from orchestration.core.cleaning.markup import find_markup
from orchestration.core.quarantine import (
    QuarantinePolicy, debris_in, isolate, parse_stage_shares, rate_verdict,
)
from orchestration.run_lock import WarehouseBusy, claim_warehouse, read_claim, release_warehouse

SMALL = IngestLimits(max_dump_bytes=10_000, max_jsonl_bytes=100_000)


# ---- isolation and the rate policy ------------------------------------------------------------

def test_isolate_quarantines_the_document_that_raises_and_keeps_the_rest():
    def process(item):
        if item == "bad":
            return {}["missing"]
        return item.upper()

    outcome = isolate(["a", "bad", "b"], process, "clean", document_id=lambda i: i)
    assert outcome.results == ["A", "B"]
    [record] = outcome.quarantined
    assert (record.stage, record.reason, record.document_id) == ("clean", "stage_error", "bad")
    assert record.detail.startswith("KeyError: 'missing' at test_quarantine.py:")


def test_rate_limit_is_a_share_with_an_allowance_for_small_batches():
    policy = QuarantinePolicy(max_share=0.02, allowance=3)
    assert rate_verdict("clean", 6, 1, policy).passed            # one bad file beside five
    assert not rate_verdict("clean", 13, 8, policy).passed       # most of the batch
    assert rate_verdict("clean", 1000, 20, policy).passed
    assert not rate_verdict("clean", 1000, 21, policy).passed
    assert "21 of 1000 quarantined at clean (2.1%), over the limit of 20" in rate_verdict(
        "clean", 1000, 21, policy).describe()


def test_stage_shares_override_per_stage_and_typos_are_errors():
    policy = QuarantinePolicy(stage_max_share=parse_stage_shares("language=0.1, clean=0.05"))
    assert policy.limit("language", 1000) == 100 and policy.limit("clean", 1000) == 50
    assert policy.limit("sentences", 1000) == 20
    with pytest.raises(ValueError, match="unknown quarantine stage 'lang'"):
        parse_stage_shares("lang=0.1")
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        parse_stage_shares("clean=2")


def test_debris_is_found_with_context():
    assert debris_in('A body. string(12) "[{"a":1}]" more') is not None
    assert debris_in("A clean body about [brackets] and {braces}.") is None


def test_a_null_title_hint_is_no_crash():
    """The NaN-title crash: a dump's title_hint is None (typed records), never a float."""
    dump = _make_dump(b"Headline\n\nA body with enough words to be kept as a document.\n", "a.txt", 0, "txt",
                      {"title": None})
    assert clean_dump(dump).quarantine_reason is None


# ---- bounded ingest ---------------------------------------------------------------------------

def test_a_gzip_bomb_stops_at_the_decompressed_limit(tmp_path: Path):
    path = tmp_path / "bomb.txt.gz"
    path.write_bytes(gzip.compress(bytes(5_000_000)))
    with pytest.raises(Unreadable) as error:
        read_dump_bytes(path, SMALL)
    assert error.value.reason == "oversize" and "decompresses past" in error.value.detail


def test_a_big_file_is_refused_without_reading_it(tmp_path: Path):
    path = tmp_path / "big.txt"
    with open(path, "wb") as handle:
        handle.truncate(50_000)                 # sparse: size without content
    with pytest.raises(Unreadable, match="as landed") as error:
        read_dump_bytes(path, SMALL)
    assert error.value.reason == "oversize"


@pytest.mark.parametrize("data, reason", [
    (gzip.compress(b"hello world " * 100, mtime=0)[:40], "truncated"),
    (b"\x1f\x8b\x08\x00garbage after a gzip magic", "unreadable"),
    (b"not gzip at all", "unreadable"),
])
def test_broken_gzip_is_quarantined_with_its_reason(tmp_path: Path, data: bytes, reason: str):
    path = tmp_path / "x.txt.gz"
    path.write_bytes(data)
    with pytest.raises(Unreadable) as error:
        read_dump_bytes(path, SMALL)
    assert error.value.reason == reason


def test_an_io_error_is_unreadable(tmp_path: Path):
    """A real OSError from the OS (reading a directory) maps to `unreadable`."""
    folder = tmp_path / "a.txt"
    folder.mkdir()
    with pytest.raises(Unreadable) as error:
        read_dump_bytes(folder, SMALL)
    assert error.value.reason == "unreadable"


def test_a_file_that_vanishes_before_it_is_read(tmp_path: Path):
    with pytest.raises(Unreadable) as error:
        read_dump_bytes(tmp_path / "gone.txt", SMALL)
    assert error.value.reason == "vanished"


def test_a_file_that_changes_while_read_is_quarantined(tmp_path: Path):
    path = tmp_path / "growing.txt"
    path.write_bytes(b"x" * 9_000)
    limits = IngestLimits(max_dump_bytes=50_000_000)
    stop = threading.Event()

    def keep_writing():
        with open(path, "ab") as handle:
            while not stop.is_set():
                handle.write(b"more text ")
                handle.flush()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        reasons = set()
        deadline = time.monotonic() + 10
        while "changed_while_read" not in reasons and time.monotonic() < deadline:
            try:
                read_dump_bytes(path, limits)
                reasons.add("read")
            except Unreadable as error:
                reasons.add(error.reason)
    finally:
        stop.set()
        writer.join()
    assert "changed_while_read" in reasons


def test_jsonl_lines_over_the_limit_are_quarantined_and_the_rest_loads(tmp_path: Path):
    (tmp_path / "feed.jsonl").write_text(
        '{"text": "short one"}\n{"text": "' + "x" * 20_000 + '"}\n[1, 2]\n{"text": "short two"}\n', encoding="utf-8")
    scan = scan_landing_checked(tmp_path, limits=SMALL)
    assert sorted(d.payload for d in scan.dumps) == [b"short one", b"short two"]
    assert [(r.reason, r.record_index) for r in scan.quarantined] == [("oversize", 1), ("bad_record", 2)]


# ---- configuration ----------------------------------------------------------------------------

def test_manifest_lines_are_checked_one_by_one(tmp_path: Path):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "manifest.jsonl").write_text("\n".join([
        '{"file": "a.txt", "outlet": "Wire", "fetched_at": "2014-06-04T10:00:00Z"}',
        '{"file": "/etc/passwd"}',
        '["a list"]',
        '{"file": "a.txt", "url": 12}',
    ]) + "\n", encoding="utf-8")
    check = check_manifest(tmp_path, [tmp_path / "a.txt"])
    assert check.entries["a.txt"] == {}                        # the later line wins, bad url dropped
    assert [p.record_index for p in check.problems] == [1, 2, 3]
    assert all(p.stage == "config" and p.reason == "bad_manifest_entry" for p in check.problems)


def test_a_manifest_file_name_is_the_landed_path_however_it_is_written(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    landed = [tmp_path / "a.txt", tmp_path / "sub" / "b.txt", tmp_path / "sub" / "c.txt"]
    lines = [{"file": "./a.txt", "outlet": "One"}, {"file": "sub//b.txt", "outlet": "Two"},
             {"file": "sub\\c.txt", "outlet": "Three"}, {"file": "../a.txt"}, {"file": "/a.txt"}, {"file": "sub/../a.txt"}]
    (tmp_path / "manifest.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    check = check_manifest(tmp_path, landed)
    assert {name: entry["outlet"] for name, entry in check.entries.items()} == {
        "a.txt": "One", "sub/b.txt": "Two", "sub/c.txt": "Three"}
    assert [p.record_index for p in check.problems] == [3, 4, 5]
    assert all("points outside the landing folder" in p.detail for p in check.problems)


def test_a_catalog_is_decoded_and_its_bad_rows_named(tmp_path: Path):
    path = tmp_path / "catalog.csv"
    path.write_bytes("claim_id,claim_text\nc1,Le président a démissionné\nc2,\n c3 ,x\nc3,y\n".encode("cp1252"))
    check = check_catalog(path)
    assert [c.claim_text for c in check.claims] == ["Le président a démissionné"]
    assert check.encoding != "utf-8"
    assert [(p.record_index, p.detail.split(":")[0]) for p in check.problems] == [
        (3, "empty claim_text for 'c2'"), (4, "duplicate claim_id 'c3' (rows 4, 5)"),
        (5, "duplicate claim_id 'c3' (rows 4, 5)")]


def test_an_unusable_catalog_is_a_config_error_naming_file_and_column(tmp_path: Path):
    path = tmp_path / "catalog.csv"
    path.write_text("id,claim_text\n1,x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="catalog.csv: row 1 \\(header\\) lacks column\\(s\\) claim_id"):
        check_catalog(path)
    with pytest.raises(ConfigError, match="no such file"):
        check_catalog(tmp_path / "missing.csv")


# ---- markup in plain text ---------------------------------------------------------------------

def _found(text: str) -> list[str]:
    return [text[m.start:m.end] for m in find_markup(text)]


def test_markup_debris_is_found_by_the_html_parser():
    text = '<span class=meta>Photo/Reuters</span>\n<p>Body.</p>\nAd <script>var a = "<b>";</script> here\n<!-- x -->'
    assert _found(text) == ["<span class=meta>", "</span>", "<p>", "</p>", "<!-- x -->"]


def test_code_quoted_in_prose_and_things_that_only_look_like_tags_are_text():
    prose = "Typing <script>alert(1)</script> into the box ran code, and <img src=x onerror=alert(1)> too."
    assert _found(prose) == []
    assert _found('The tag "<b>" makes text bold; write `<div>` for a block.') == []
    assert _found("Sent from <john@example.org> to <Reuters> desk; 3 < 4 > 2.") == []
    assert _found("We mention the <script> tag and never close it.") == []


def test_markup_is_a_ledger_segment_and_the_body_is_clean():
    text = "Headline\n\n<p>The minister said on Monday that taxes would rise, officials said.</p>\n"
    document = clean_dump(_make_dump(text.encode(), "a.txt", 0, "txt", {}))
    assert "<p>" not in document.body_text and "taxes would rise" in document.body_text
    assert [(s.kind, s.rule_id) for s in document.segments if s.kind == "markup"] == [
        ("markup", "markup:tag"), ("markup", "markup:tag")]
    assert "".join(s.text for s in document.segments) == document.decoded_text


# ---- one run per warehouse --------------------------------------------------------------------

def test_a_live_claim_refuses_a_second_run_and_a_dead_one_is_taken_over(tmp_path: Path):
    import json
    import subprocess

    child = subprocess.Popen(["sleep", "30"])
    try:
        (tmp_path / "claimgrid.run.lock").write_text(json.dumps(
            {"run_id": "other", "pid": child.pid, "host": os.uname().nodename, "claimed_at": "t"}))
        with pytest.raises(WarehouseBusy, match="in use by run other"):
            claim_warehouse(tmp_path, "mine")
    finally:
        child.kill()
        child.wait()
    assert claim_warehouse(tmp_path, "mine")["run_id"] == "other"       # stale: taken over
    assert read_claim(tmp_path)["run_id"] == "mine"
    release_warehouse(tmp_path, "mine")
    assert read_claim(tmp_path) is None


def test_peak_memory_does_not_grow_with_a_huge_file_or_a_bomb(tmp_path: Path):
    """Ingest of a 200 MB text file and a gzip of 200 MB of zeros, in a fresh process: its
    peak RSS stays far below either size (the file is not opened, the bomb stops at 20 MB)."""
    import subprocess
    import sys

    with open(tmp_path / "big.txt", "wb") as handle:
        handle.truncate(200_000_000)
    with open(tmp_path / "bomb.txt.gz", "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb") as handle:
        for _ in range(200):
            handle.write(bytes(1_000_000))
    (tmp_path / "ok.txt").write_text("A small article.\n", encoding="utf-8")
    script = (
        "import resource, sys\n"
        "from orchestration.core.ingest import scan_landing_checked\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"scan = scan_landing_checked({str(tmp_path)!r})\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(len(scan.dumps), sorted(r.reason for r in scan.quarantined), (after - before) // 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert out[:3] == ["1", "['oversize',", "'oversize']"]
    assert int(out[3]) < 80, f"ingest grew by {out[3]} MB"      # < 4x the 20 MB limit


def test_a_typo_in_the_stage_shares_fails_when_settings_load():
    from orchestration.settings import load_settings

    assert load_settings({"CLAIMGRID_QUARANTINE_STAGE_SHARES": "clean=0.1"}).quarantine_stage_shares == "clean=0.1"
    with pytest.raises(ValueError, match="unknown quarantine stage 'cleen'"):
        load_settings({"CLAIMGRID_QUARANTINE_STAGE_SHARES": "cleen=0.1"})
