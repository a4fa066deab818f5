"""Landing-folder scanning: formats, gzip, jsonl records, manifest sidecar, dedup by content and outlet."""
from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

from orchestration.core.ingest import document_id_for, dump_format, landing_fingerprint, scan_landing
from tests.conftest import SAMPLES_DIR


def test_bundled_samples_are_five_txt_dumps():
    dumps = scan_landing(SAMPLES_DIR)
    assert len(dumps) == 5
    assert {d.source_format for d in dumps} == {"txt"}
    assert all(d.document_id == d.content_sha256[:16] for d in dumps)
    assert {d.source_file for d in dumps} == {p.name for p in SAMPLES_DIR.iterdir()}


def test_formats_by_name():
    assert dump_format(Path("a.txt")) == "txt"
    assert dump_format(Path("a.HTML")) == "html"
    assert dump_format(Path("a.htm.gz")) == "html"
    assert dump_format(Path("a.jsonl")) == "jsonl"
    assert dump_format(Path("manifest.jsonl")) is None
    assert dump_format(Path("notes.pdf")) is None
    assert dump_format(Path(".hidden.txt")) is None


def test_gzip_jsonl_manifest_and_duplicates(tmp_path: Path):
    (tmp_path / "page.html.gz").write_bytes(gzip.compress(b"<html><body><p>Hello</p></body></html>"))
    (tmp_path / "plain.txt").write_text("Same text\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "copy.txt").write_text("Same text\n", encoding="utf-8")
    records = [
        {"html": "<p>Record one</p>", "url": "https://example.org/1", "outlet": "example"},
        {"text": "Record two", "title": "Two"},
        {"neither": True},
        "not an object",
    ]
    (tmp_path / "feed.jsonl").write_text(
        "\n".join(json.dumps(r) for r in records) + "\n{broken json\n", encoding="utf-8"
    )
    (tmp_path / "manifest.jsonl").write_text(
        json.dumps({"file": "plain.txt", "outlet": "wire", "url": "https://wire.example/x",
                    "fetched_at": "2014-06-06T10:00:00Z"}) + "\nnot json\n",
        encoding="utf-8",
    )
    dumps = {d.source_file + f"#{d.record_index}": d for d in scan_landing(tmp_path)}

    assert dumps["page.html.gz#0"].source_format == "html"
    assert dumps["page.html.gz#0"].payload.startswith(b"<html>")   # gunzipped
    # identical content is one document; a copy whose outlet is named keeps it
    assert "plain.txt#0" in dumps and "sub/copy.txt#0" not in dumps
    assert dumps["plain.txt#0"].outlet_hint == "wire"
    assert dumps["plain.txt#0"].fetched_at == "2014-06-06T10:00:00Z"
    assert dumps["feed.jsonl#0"].source_format == "html"
    assert dumps["feed.jsonl#0"].outlet_hint == "example"
    assert dumps["feed.jsonl#1"].source_format == "txt"
    assert dumps["feed.jsonl#1"].title_hint == "Two"
    assert len(dumps) == 4


def test_fingerprint_changes_with_size_or_mtime_and_manifest(tmp_path: Path):
    (tmp_path / "a.txt").write_text("one", encoding="utf-8")
    first = landing_fingerprint(tmp_path)
    assert landing_fingerprint(tmp_path) == first
    os.utime(tmp_path / "a.txt", ns=(1, 1))     # rewritten in place: same size, new mtime
    assert landing_fingerprint(tmp_path) != first
    (tmp_path / "a.txt").write_text("three", encoding="utf-8")
    os.utime(tmp_path / "a.txt", ns=(1, 1))     # same mtime, new size
    second = landing_fingerprint(tmp_path)
    assert second != first and second["a.txt"].startswith("5:")
    (tmp_path / "manifest.jsonl").write_text('{"file": "a.txt", "outlet": "x"}', encoding="utf-8")
    assert set(landing_fingerprint(tmp_path)) == {"a.txt", "manifest.jsonl"}


def test_the_same_text_landed_for_two_outlets_is_two_documents(tmp_path: Path):
    """Wire copy two outlets published word for word: both carry its claims, so both are
    documents; the same text landed twice for one outlet (a re-crawl), or with no outlet named
    beside a named copy, is one."""
    wire = "Officials confirmed the bridge will close for repairs on Monday.\n"
    for name in ("a.txt", "b.txt", "c.txt", "d.txt", "e.txt"):
        (tmp_path / name).write_text(wire, encoding="utf-8")
    outlets = {"a.txt": "Daily Courier", "b.txt": "Evening Post", "c.txt": "Daily Courier", "d.txt": "Evening Post"}
    (tmp_path / "manifest.jsonl").write_text(
        "\n".join(json.dumps({"file": f, "outlet": o}) for f, o in outlets.items()) + "\n", encoding="utf-8")
    (tmp_path / "feed.jsonl").write_text(
        json.dumps({"text": wire, "outlet": "Morning Star"}) + "\n" + json.dumps({"text": wire}) + "\n",
        encoding="utf-8")
    dumps = scan_landing(tmp_path)
    assert sorted((d.source_file, d.outlet_hint) for d in dumps) == [
        ("a.txt", "Daily Courier"), ("b.txt", "Evening Post"), ("feed.jsonl", "Morning Star")]
    assert len({d.document_id for d in dumps}) == 3 and len({d.content_sha256 for d in dumps}) == 1
    assert all(d.document_id == document_id_for(d.content_sha256, d.outlet_hint) for d in dumps)
    # the id does not depend on which file or record carried the copy
    assert document_id_for(dumps[0].content_sha256, "Daily Courier") == dumps[0].document_id
    assert document_id_for(dumps[0].content_sha256, None) == dumps[0].content_sha256[:16]


def test_landed_files_are_listed_in_path_order_and_named_as_relative_to_names_them(tmp_path: Path, monkeypatch):
    """The listing sorts by path parts and names files by string: the same order and names as
    sorting Path objects and Path.relative_to, with a name where '-' sorts before '/'."""
    from orchestration.core.ingest import list_landed
    from orchestration.core.landing_days import landing_name

    landing = tmp_path / "landing"
    for name in ("a/b.txt", "a-c.txt", "a/b/c.html", "z.jsonl", "a/.hidden.txt", "a/notes.pdf"):
        (landing / name).parent.mkdir(parents=True, exist_ok=True)
        (landing / name).write_text("x", encoding="utf-8")
    (landing / "dir.txt").mkdir()                  # a folder named like a dump is not one
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("x", encoding="utf-8")
    (landing / "link.txt").symlink_to(outside)
    (landing / "inner.txt").symlink_to(landing / "z.jsonl")

    files, out = list_landed(landing)
    expected = sorted(p for p in landing.rglob("*") if p.is_file() and not p.name.startswith(".")
                      and p.suffix in (".txt", ".html", ".jsonl") and p.name != "link.txt")
    assert files == expected and out == [landing / "link.txt"]
    assert [landing_name(p, landing) for p in files] == [p.relative_to(landing).as_posix() for p in files]
    assert landing_name(landing / "a" / "b.txt", landing) == "a/b.txt"
    monkeypatch.chdir(tmp_path)
    for root in (Path("landing"), Path(".")):
        below = [p for p in root.rglob("*.txt")]
        assert [landing_name(p, root) for p in below] == [p.relative_to(root).as_posix() for p in below]
