"""Issue 5's "done when", asserted by content on the five samples.

The pipeline knows nothing about these stories; the facts below are what an analyst reading
the five dumps finds, and what the warehouse must show without anyone writing it down.
"""
from __future__ import annotations

import pytest

from tests.conftest import SAMPLES_DIR

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


def test_mentions_come_only_from_body_sentences_and_titles(snapshot):
    mentions = snapshot.execute(
        "SELECT m.document_id, m.sentence_text, CASE m.found_in WHEN 'title' THEN d.title ELSE d.body_text END, "
        "m.found_in FROM marts.fct_claim_mentions m JOIN raw.documents d USING (document_id)"
    ).fetchall()
    assert mentions
    # the headlines state the event's claims too: some mention is found in a title
    assert dict(snapshot.execute(
        "SELECT found_in, count(*) FROM marts.fct_claim_mentions GROUP BY found_in").fetchall()).keys() == {"title", "body"}
    debris = snapshot.execute(
        "SELECT document_id, text FROM raw.segments WHERE kind NOT IN ('body', 'heading', 'whitespace', 'title') "
        "AND length(trim(text)) > 20"
    ).fetchall()
    for document_id, sentence, body, found_in in mentions:
        assert sentence in body
        assert "string(" not in sentence and '{"id"' not in sentence
        assert not any(ord(ch) in HEBREW for ch in sentence)
        for debris_document, debris_text in debris:
            # a page's furniture may repeat its title ("1 thought on “<title>”"): the title
            # mention is the title's, so only body mentions must stay clear of debris
            if debris_document == document_id and found_in == "body":
                assert sentence.strip() not in debris_text, (sentence, debris_text)
