"""Issue 5's "done when", asserted by content on the five samples.

The pipeline knows nothing about these stories; the facts below are what an analyst reading
the five dumps finds, and what the warehouse must show without anyone writing it down.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SAMPLES_DIR
from tests.integration.pipeline import run_pipeline

pytestmark = pytest.mark.integration

HEBREW = range(0x0590, 0x0600)


def _grid(snapshot, claim_id: str) -> dict[str, tuple[bool, str | None, str | None]]:
    rows = snapshot.execute(
        "SELECT outlet_id, is_covered, stance, attributed_to FROM marts.fct_outlet_claims WHERE claim_id = ?",
        [claim_id],
    ).fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _documents_of(snapshot, claim_id: str) -> set[str]:
    rows = snapshot.execute(
        "SELECT DISTINCT d.source_file FROM marts.fct_claim_mentions m "
        "JOIN marts.dim_document d USING (document_id) WHERE m.claim_id = ?",
        [claim_id],
    ).fetchall()
    return {r[0] for r in rows}


def _claims_mentioning(snapshot, *words: str) -> list[tuple[str, int, int]]:
    """Discovered claims whose mention sentences contain all `words` (case-insensitive)."""
    condition = " AND ".join("lower(m.sentence_text) LIKE ?" for _ in words)
    return snapshot.execute(
        f"""
        SELECT c.claim_id, c.outlet_count, c.document_count
        FROM marts.dim_claim c
        WHERE c.origin = 'discovered' AND EXISTS (
            SELECT 1 FROM marts.fct_claim_mentions m WHERE m.claim_id = c.claim_id AND {condition}
        )
        ORDER BY c.outlet_count DESC, c.claim_id
        """,
        [f"%{w.lower()}%" for w in words],
    ).fetchall()


def test_secret_talks_story_groups_four_documents_and_leaves_the_older_one_apart(snapshot):
    stories = snapshot.execute(
        "SELECT story_id, list(source_file ORDER BY source_file) FROM marts.dim_document GROUP BY story_id"
    ).fetchall()
    groups = sorted(len(files) for _, files in stories)
    assert groups == [1, 4], stories
    lonely = [files for _, files in stories if len(files) == 1][0]
    assert "Pickering" in (SAMPLES_DIR / lonely[0]).read_text(encoding="utf-8")


def test_secret_talks_report_is_one_claim_covered_by_four_outlets(snapshot):
    candidates = _claims_mentioning(snapshot, "secret", "talks", "hamas", "six months")
    assert candidates, "no discovered claim about secret talks over six months"
    claim_id, outlet_count, document_count = candidates[0]
    assert outlet_count == 4 and document_count == 4
    grid = _grid(snapshot, claim_id)
    assert len(grid) == 4 and all(covered for covered, _, _ in grid.values())
    # one claim, not four near-copies of it
    assert [c for c in candidates if c[1] >= 2][:1] == [candidates[0]]


def test_state_department_denial_is_one_claim_two_outlets_carry_two_omit(snapshot):
    candidates = _claims_mentioning(snapshot, "completely untrue")
    assert len(candidates) == 1, candidates
    claim_id, outlet_count, _ = candidates[0]
    assert outlet_count == 2
    grid = _grid(snapshot, claim_id)
    covered = {o for o, (is_covered, _, _) in grid.items() if is_covered}
    omitted = {o for o, (is_covered, _, _) in grid.items() if not is_covered}
    assert len(covered) == 2 and len(omitted) == 2
    assert all(grid[o][1] in ("denies", "mixed") for o in covered)
    stances = snapshot.execute(
        "SELECT stance FROM marts.fct_claim_mentions WHERE claim_id = ? AND lower(sentence_text) LIKE '%completely untrue%'",
        [claim_id],
    ).fetchall()
    assert stances and {s for (s,) in stances} == {"denies"}


def test_buzzfeed_attributed_mentions_are_reports_with_a_named_source(snapshot):
    rows = snapshot.execute(
        "SELECT sentence_text, stance, attributed_to FROM marts.fct_claim_mentions "
        "WHERE lower(sentence_text) LIKE '%buzzfeed report%' OR lower(sentence_text) LIKE '%told%buzzfeed that%'"
    ).fetchall()
    assert rows, "no claim mention cites BuzzFeed"
    for text, stance, attributed_to in rows:
        assert stance == "reports", text
        assert attributed_to, text
        assert any(w in attributed_to.lower() for w in ("buzzfeed", "source", "official")), (text, attributed_to)


def test_buzzfeed_is_never_the_publisher(snapshot):
    outlets = snapshot.execute("SELECT lower(outlet_id), lower(coalesce(outlet_name, '')) FROM marts.dim_outlet").fetchall()
    assert not any("buzzfeed" in oid or "buzzfeed" in name for oid, name in outlets)
    assert snapshot.execute("SELECT count(*) FROM marts.dim_outlet").fetchone()[0] == 5


def test_mentions_come_only_from_body_sentences(snapshot):
    mentions = snapshot.execute(
        "SELECT m.document_id, m.sentence_text, d.body_text FROM marts.fct_claim_mentions m "
        "JOIN raw.documents d USING (document_id)"
    ).fetchall()
    assert mentions
    debris = snapshot.execute(
        "SELECT document_id, text FROM raw.segments WHERE kind NOT IN ('body', 'heading', 'whitespace', 'title') "
        "AND length(trim(text)) > 20"
    ).fetchall()
    for document_id, sentence, body in mentions:
        assert sentence in body
        assert "string(" not in sentence and '{"id"' not in sentence
        assert not any(ord(ch) in HEBREW for ch in sentence)
        for debris_document, debris_text in debris:
            if debris_document == document_id:
                assert sentence.strip() not in debris_text, (sentence, debris_text)


def test_claim_ids_stay_when_a_dump_is_added(tmp_path: Path):
    """Load four samples, then the fifth: every claim of the first run keeps its id."""
    landing = tmp_path / "landing"
    landing.mkdir()
    samples = sorted(SAMPLES_DIR.iterdir())
    # hold back a document that carries the denial, so the second run creates a new claim
    held_back = next(p for p in samples if "completely untrue" in p.read_text(encoding="utf-8")
                     and "Photo:" in p.read_text(encoding="utf-8"))
    for path in samples:
        if path != held_back:
            shutil.copy(path, landing / path.name)
    warehouse = tmp_path / "warehouse"
    assert run_pipeline(landing, warehouse).success

    def claims_and_stories() -> tuple[dict[str, str], dict[str, str]]:
        conn = duckdb.connect(str(warehouse / "analytics.duckdb"), read_only=True)
        try:
            claims = dict(conn.execute("SELECT claim_id, claim_text FROM marts.dim_claim").fetchall())
            stories = dict(conn.execute("SELECT document_id, story_id FROM marts.dim_document").fetchall())
            return claims, stories
        finally:
            conn.close()

    first_claims, first_stories = claims_and_stories()
    assert first_claims
    shutil.copy(held_back, landing / held_back.name)
    assert run_pipeline(landing, warehouse).success
    second_claims, second_stories = claims_and_stories()
    assert set(first_claims) <= set(second_claims), set(first_claims) - set(second_claims)
    assert len(second_claims) > len(first_claims)
    assert all(second_stories[d] == s for d, s in first_stories.items())


def test_catalog_claims_are_matched_and_manifest_outlets_win(tmp_path: Path):
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLES_DIR, landing)
    first = sorted(p.name for p in landing.iterdir())[0]
    (landing / "manifest.jsonl").write_text(
        json.dumps({"file": first, "outlet": "Example Analyst Outlet", "url": "https://news.example.org/a"}) + "\n",
        encoding="utf-8",
    )
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(
        "claim_id,claim_text\n"
        "cat-talks,The United States held secret talks with Hamas for the past six months\n"
        "cat-unrelated,Scientists discovered a new species of frog in the Andes\n",
        encoding="utf-8",
    )
    warehouse = tmp_path / "warehouse"
    assert run_pipeline(landing, warehouse, catalog=catalog).success
    conn = duckdb.connect(str(warehouse / "analytics.duckdb"), read_only=True)
    try:
        origins = dict(conn.execute(
            "SELECT claim_id, origin FROM marts.dim_claim WHERE claim_id LIKE 'cat-%'").fetchall())
        assert origins == {"cat-talks": "catalog", "cat-unrelated": "catalog"} or origins == {"cat-talks": "catalog"}
        covered = conn.execute(
            "SELECT count(DISTINCT document_id) FROM marts.fct_claim_mentions WHERE claim_id = 'cat-talks'"
        ).fetchone()[0]
        assert covered == 4
        assert conn.execute(
            "SELECT count(*) FROM marts.fct_claim_mentions WHERE claim_id = 'cat-unrelated'"
        ).fetchone()[0] == 0
        method = conn.execute(
            "SELECT o.attribution_method, o.outlet_name FROM marts.dim_document d JOIN marts.dim_outlet o USING (outlet_id) "
            "WHERE d.source_file = ?", [first]
        ).fetchone()
        assert method == ("manifest", "Example Analyst Outlet")
    finally:
        conn.close()
