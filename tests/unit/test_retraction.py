"""Retraction rules: what the manifest retracts, what leaving the folder means, how the ledger
keeps time and reason, and how re-landing reinstates."""
from __future__ import annotations

from datetime import datetime

from orchestration.core.retraction import (
    MANIFEST,
    REMOVED,
    REPLACED,
    Retraction,
    manifest_retraction,
    no_longer_landed,
    updated_ledger,
    withhold_retracted,
)
from orchestration.core.types import RawDump

T1 = datetime(2026, 1, 1, 8, 0)
T2 = datetime(2026, 1, 2, 8, 0)


def dump(document_id: str, source_file: str, url: str | None = None) -> RawDump:
    return RawDump(document_id, document_id * 4, source_file, 0, "txt", b"x", url=url)


def test_only_a_literal_true_retracts_and_the_reason_is_kept():
    assert manifest_retraction({"file": "a.txt", "retracted": True}) == MANIFEST
    assert manifest_retraction({"retracted": True, "retraction_reason": "legal request"}) == f"{MANIFEST}: legal request"
    for entry in (None, {}, {"retracted": False}, {"retracted": "yes"}, {"retracted": 1}):
        assert manifest_retraction(entry) is None


def test_manifest_withholds_by_relative_path_or_bare_name():
    dumps = [dump("a", "a.txt"), dump("b", "sub/b.txt"), dump("c", "c.txt")]
    manifest = {"a.txt": {"retracted": True}, "b.txt": {"retracted": True, "retraction_reason": "dup"},
                "c.txt": {"url": "https://example.org/c"}}
    kept, withheld = withhold_retracted(dumps, manifest)
    assert [d.document_id for d in kept] == ["c"]
    assert [(r.document_id, r.reason) for r in withheld] == [("a", MANIFEST), ("b", f"{MANIFEST}: dup")]


def test_a_removed_file_and_a_replaced_file_are_told_apart():
    previous = [{"document_id": "a", "source_file": "a.txt", "url": None},
                {"document_id": "b", "source_file": "b.txt", "url": "https://example.org/b"},
                {"document_id": "c", "source_file": "c.txt", "url": None}]
    landed = [dump("b2", "b.txt"), dump("c", "c.txt")]
    assert no_longer_landed(previous, landed) == [
        Retraction("a", "a.txt", None, REMOVED),
        Retraction("b", "b.txt", "https://example.org/b", REPLACED),
    ]


def test_ledger_keeps_first_time_and_reason_and_drops_relanded_documents():
    first = updated_ledger([], [Retraction("a", "a.txt", None, REMOVED), Retraction("b", "b.txt", None, MANIFEST)],
                           ingested_ids={"c"}, now=T1)
    assert [(r.document_id, r.retracted_at) for r in first] == [("a", T1), ("b", T1)]
    # the manifest still retracts b the next day: same row, same time; a is landed again
    second = updated_ledger(first, [Retraction("b", "b.txt", None, MANIFEST)], ingested_ids={"a", "c"}, now=T2)
    assert [(r.document_id, r.reason, r.retracted_at) for r in second] == [("b", MANIFEST, T1)]


def test_a_document_landed_under_another_name_is_not_retracted():
    # same content moved to a new file name: same document id, still ingested
    assert no_longer_landed([{"document_id": "a", "source_file": "old.txt", "url": None}], [dump("a", "new.txt")]) == []


def test_the_same_content_in_the_same_file_under_a_new_id_is_not_retracted():
    # the file's outlet was named anew (or the id recipe changed): same text, another document id
    previous = [{"document_id": "a", "source_file": "a.txt", "url": None, "content_sha256": "a" * 4},
                {"document_id": "b", "source_file": "b.txt", "url": None, "content_sha256": "b" * 4}]
    landed = [RawDump("a2", "a" * 4, "a.txt", 0, "txt", b"x"), dump("b2", "b.txt")]
    assert no_longer_landed(previous, landed) == [Retraction("b", "b.txt", None, REPLACED)]


def test_an_empty_landing_folder_retracts_nothing():
    assert no_longer_landed([{"document_id": "a", "source_file": "a.txt", "url": None}], []) == []
