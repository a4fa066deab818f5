"""Stage assets materialized on their own, on a landing folder of one to five dumps."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg

import orchestration.resources
from orchestration.core.stance.classify import POLICY_BY_SECTION, classify_stance
from orchestration.landed import look_at
from tests.conftest import SAMPLES_DIR
from tests.integration.pipeline import run_pipeline
from tests.pipeline.conftest import PYTHON_STAGES, execute, materialize, query

HEBREW = range(0x0590, 0x0600)


def test_identical_content_is_one_dump(landing_copy: Path, tmp_path: Path):
    first = sorted(landing_copy.iterdir())[0]
    shutil.copy(first, landing_copy / ("copy_of_" + first.name))
    warehouse = tmp_path / "warehouse"
    # ingest writes the dumps and the retraction ledger in one step
    ingest = {dg.AssetKey(["raw", "dumps"]), dg.AssetKey(["raw", "retractions"])}
    result = materialize(landing_copy, warehouse, selection=dg.AssetSelection.assets(*ingest))
    assert {e.asset_key for e in result.get_asset_materialization_events()} == ingest
    rows = query(warehouse, "SELECT source_file, document_id, left(content_sha256, 16) FROM raw.dumps")
    assert len(rows) == 5
    assert all(document_id == prefix for _, document_id, prefix in rows)
    assert len({document_id for _, document_id, _ in rows}) == 5


def test_a_run_looks_at_the_landing_folder_once_and_a_new_run_looks_again(landing_copy: Path, tmp_path: Path,
                                                                        monkeypatch):
    """Ingest and retractions share the run's one listing of the folder (and its manifest
    check); the next run sees what landed since."""
    looks = []

    def counted(landing_dir):
        looks.append(landing_dir)
        return look_at(landing_dir)

    monkeypatch.setattr(orchestration.resources, "look_at", counted)
    warehouse = tmp_path / "warehouse"
    ingest = dg.AssetSelection.assets(dg.AssetKey(["raw", "dumps"]), dg.AssetKey(["raw", "retractions"]))
    materialize(landing_copy, warehouse, selection=ingest)
    assert len(looks) == 1
    first = sorted(landing_copy.iterdir())[0]
    (landing_copy / f"later_{first.name}").write_text(first.read_text(encoding="utf-8") + "\nA later paragraph.\n",
                                                       encoding="utf-8")
    materialize(landing_copy, warehouse, selection=ingest)
    assert len(looks) == 2
    assert query(warehouse, "SELECT count(*) FROM raw.dumps WHERE source_file LIKE 'later_%'") == [(1,)]


def test_one_dump_through_the_python_stages(one_dump_landing: Path, tmp_path: Path):
    warehouse = tmp_path / "warehouse"
    materialize(one_dump_landing, warehouse)
    # the ledger tiles the decoded text: segments in order, each starting where the last ended
    [(chars, covered, gaps)] = query(warehouse, """
        SELECT d.decoded_chars, sum(s.end_char - s.start_char),
               count(*) FILTER (WHERE s.start_char <> coalesce(s.previous_end, 0))
        FROM raw.documents d
        JOIN (SELECT *, lag(end_char) OVER (PARTITION BY document_id ORDER BY seq) AS previous_end
              FROM raw.segments) s USING (document_id)
        GROUP BY d.decoded_chars
    """)
    assert chars > 0 and covered == chars and gaps == 0
    # the Hebrew caption is a caption in Hebrew, credited, and never part of the body
    [(caption, credit, language)] = query(warehouse, """
        SELECT c.text, c.credit, l.language FROM raw.captions c
        JOIN raw.segment_languages l USING (document_id, seq)
    """)
    assert any(ord(ch) in HEBREW for ch in caption) and language == "he" and "Reuters" in credit
    [(body,)] = query(warehouse, "SELECT body_text FROM raw.documents")
    assert not any(ord(ch) in HEBREW for ch in body)
    # sentences are the body between their offsets, in English, and one story holds the document
    sentences = query(warehouse, "SELECT start_char, end_char, text, language FROM raw.sentences "
                                 "WHERE section = 'body' ORDER BY sentence_seq")
    assert len(sentences) >= 5
    assert all(body[start:end] == text for start, end, text, _ in sentences)
    assert {language for *_, language in sentences} <= {"en", "und"}
    # the title is one more sentence, after the body's, never the caption
    [(title,)] = query(warehouse, "SELECT title FROM raw.documents")
    titles = query(warehouse, "SELECT sentence_seq, text FROM raw.sentences WHERE section = 'title'")
    assert titles == [(len(sentences), title.strip())]
    assert not any(ord(ch) in HEBREW for ch in title)
    assert query(warehouse, "SELECT count(DISTINCT story_id), count(*) FROM raw.stories") == [(1, 1)]


def test_claim_ids_and_stories_stay_when_a_dump_is_added(tmp_path: Path):
    """Load four samples, then the fifth: every claim and story of the first run keeps its id."""
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

    def claims_and_stories() -> tuple[dict[str, str], dict[str, str]]:
        claims = dict(query(warehouse, "SELECT claim_id, claim_text FROM raw.claims"))
        stories = dict(query(warehouse, "SELECT document_id, story_id FROM raw.stories"))
        return claims, stories

    materialize(landing, warehouse)
    first_claims, first_stories = claims_and_stories()
    assert first_claims and len(first_stories) == 4
    shutil.copy(held_back, landing / held_back.name)
    materialize(landing, warehouse)
    second_claims, second_stories = claims_and_stories()
    assert set(first_claims) <= set(second_claims), set(first_claims) - set(second_claims)
    assert len(second_claims) > len(first_claims)
    assert all(second_stories[d] == s for d, s in first_stories.items())


def test_catalog_claims_are_matched_and_manifest_outlets_win(landing_copy: Path, tmp_path: Path):
    first = sorted(p.name for p in landing_copy.iterdir())[0]
    (landing_copy / "manifest.jsonl").write_text(
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
    materialize(landing_copy, warehouse, catalog=catalog)
    origins = dict(query(warehouse, "SELECT claim_id, origin FROM raw.claims WHERE claim_id LIKE 'cat-%'"))
    assert origins == {"cat-talks": "catalog", "cat-unrelated": "catalog"} or origins == {"cat-talks": "catalog"}
    covered = query(warehouse, "SELECT count(DISTINCT document_id) FROM raw.claim_mentions WHERE claim_id = 'cat-talks'")
    assert covered == [(4,)]
    assert query(warehouse, "SELECT count(*) FROM raw.claim_mentions WHERE claim_id = 'cat-unrelated'") == [(0,)]
    method = query(warehouse, """
        SELECT o.attribution_method, o.outlet_name FROM raw.document_outlets o
        JOIN raw.dumps d USING (document_id) WHERE d.source_file = ?
    """, [first])
    assert method == [("manifest", "Example Analyst Outlet")]


def _talks_catalog(tmp_path: Path) -> Path:
    """An analyst catalog of one claim: the samples' event."""
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(
        "claim_id,claim_text\n"
        "cat-talks,The United States held secret talks with Hamas for the past six months\n", encoding="utf-8")
    return catalog


SOURCES_HEADLINE = "US held secret talks with Hamas for six months: sources"


def test_a_headline_only_dump_is_a_document_that_mentions_its_claim(landing_copy: Path, tmp_path: Path):
    """A feed item that is a headline alone: accepted, its title its only sentence, and that
    sentence mentions the catalog claim it states, marked as found in the title. The same words
    as a headline and as a body sentence: the headline's stance is the title policy's (the model
    reads "...: sources" as reported), the body sentence's is its cues' (none)."""
    (landing_copy / "wire-alert.txt").write_text(
        "US held secret talks with Hamas for six months, report says\n", encoding="utf-8")
    (landing_copy / "sources-alert.txt").write_text(SOURCES_HEADLINE + "\n", encoding="utf-8")
    # too short to tell its language even with the web's shares: still a document, language und
    (landing_copy / "terse-alert.txt").write_text("US, Hamas held secret talks\n", encoding="utf-8")
    (landing_copy / "sources-story.txt").write_text(
        f"Diplomacy in the Gulf\n\n{SOURCES_HEADLINE}\n\nThe State Department declined to comment on Monday.\n",
        encoding="utf-8")
    claim = _talks_catalog(tmp_path).read_text(encoding="utf-8").splitlines()[1].split(",", 1)[1]
    by_policy = {section: classify_stance(SOURCES_HEADLINE, claim_text=claim, policy=POLICY_BY_SECTION[section]).stance
                 for section in ("title", "body")}
    assert by_policy["title"] != by_policy["body"]      # else this test could not tell the policies apart
    (landing_copy / "empty-page.txt").write_text("Share this article\n\nComments are closed.\n", encoding="utf-8")
    warehouse = tmp_path / "warehouse"
    materialize(landing_copy, warehouse, catalog=_talks_catalog(tmp_path))
    reasons = dict(query(warehouse, """
        SELECT d.source_file, coalesce(c.quarantine_reason, 'accepted') FROM raw.dumps d
        JOIN raw.documents c USING (document_id) WHERE d.source_file IN ('wire-alert.txt', 'empty-page.txt')
    """))
    assert reasons == {"wire-alert.txt": "accepted", "empty-page.txt": "empty_body"}
    terse = query(warehouse, """
        SELECT l.language, m.claim_id FROM raw.dumps d JOIN raw.document_languages l USING (document_id)
        LEFT JOIN raw.claim_mentions m USING (document_id) WHERE d.source_file = 'terse-alert.txt'
    """)
    assert ("und", "cat-talks") in terse
    assert not query(warehouse, """
        SELECT * FROM raw.quarantine q JOIN raw.dumps d USING (document_id) WHERE d.source_file = 'terse-alert.txt'
    """)
    sentences = query(warehouse, """
        SELECT s.sentence_seq, s.section, s.text FROM raw.sentences s JOIN raw.dumps d USING (document_id)
        WHERE d.source_file = 'wire-alert.txt'
    """)
    assert sentences == [(0, "title", "US held secret talks with Hamas for six months, report says")]
    mentions = query(warehouse, """
        SELECT m.claim_id, s.section FROM raw.claim_mentions m
        JOIN raw.sentences s USING (document_id, sentence_seq) JOIN raw.dumps d USING (document_id)
        WHERE d.source_file = 'wire-alert.txt'
    """)
    assert ("cat-talks", "title") in mentions
    stances = dict(query(warehouse, f"""
        SELECT s.section, m.stance FROM raw.claim_mentions m
        JOIN raw.sentences s USING (document_id, sentence_seq) JOIN raw.dumps d USING (document_id)
        WHERE d.source_file IN ('sources-alert.txt', 'sources-story.txt') AND m.claim_id = 'cat-talks'
          AND s.text = '{SOURCES_HEADLINE}'
    """))
    assert stances == by_policy


def _land_hebrew_report(landing: Path) -> None:
    (landing / "hebrew-report.txt").write_text(
        "דיווח: שיחות חשאיות עם חמאס\n\n"
        "ארצות הברית ניהלה שיחות חשאיות עם חמאס במשך ששת החודשים האחרונים.\n\n"
        "מחירי הדלק בישראל יעלו בחודש הבא בעשרה אחוזים, כך הודיע משרד האנרגיה.\n", encoding="utf-8")


def test_a_hebrew_report_carries_the_english_catalog_claim_across_languages(landing_copy: Path, tmp_path: Path):
    _land_hebrew_report(landing_copy)
    warehouse = tmp_path / "warehouse"
    materialize(landing_copy, warehouse, catalog=_talks_catalog(tmp_path))
    mentions = query(warehouse, """
        SELECT m.claim_id, s.language, s.text, m.cross_language FROM raw.claim_mentions m
        JOIN raw.sentences s USING (document_id, sentence_seq) JOIN raw.dumps d USING (document_id)
        WHERE d.source_file = 'hebrew-report.txt'
    """)
    assert ("cat-talks", "he", "ארצות הברית ניהלה שיחות חשאיות עם חמאס במשך ששת החודשים האחרונים.", True) in mentions
    assert not any("מחירי הדלק" in text for _, _, text, _ in mentions)
    # English sentences of the samples mention it in their own language
    assert query(warehouse, "SELECT DISTINCT cross_language FROM raw.claim_mentions m JOIN raw.sentences s "
                            "USING (document_id, sentence_seq) WHERE s.language = 'en' AND claim_id = 'cat-talks'") == [(False,)]


def test_rediscovery_takes_the_embeddings_it_stored_and_embeds_nothing_again(landing_copy: Path, tmp_path: Path):
    """The claims step reads from raw.sentence_embeddings only the texts it compares; a run that
    re-discovers every story finds them all there."""
    warehouse = tmp_path / "warehouse"
    claims_step = dg.AssetSelection.assets(dg.AssetKey(["raw", "claims"])).required_multi_asset_neighbors()
    assert run_pipeline(landing_copy, warehouse, selection=PYTHON_STAGES).success
    stored = query(warehouse, "SELECT text_key, embedding FROM raw.sentence_embeddings ORDER BY ALL")
    assert stored
    claims = query(warehouse, "SELECT * FROM raw.claims ORDER BY ALL")
    execute(warehouse, "DELETE FROM pipeline.corpus_processed WHERE stage = 'claim_discovery'")
    again = run_pipeline(landing_copy, warehouse, selection=claims_step)
    embedded = [e.materialization.metadata["embedded_this_run"].value for e in again.get_asset_materialization_events()
                if e.asset_key == dg.AssetKey(["raw", "sentence_embeddings"])]
    assert embedded == [0]
    assert query(warehouse, "SELECT text_key, embedding FROM raw.sentence_embeddings ORDER BY ALL") == stored
    assert query(warehouse, "SELECT * FROM raw.claims ORDER BY ALL") == claims


def test_with_the_semantic_matcher_off_only_lexical_matches_are_made(landing_copy: Path, tmp_path: Path):
    """CLAIMGRID_SEMANTIC_MATCHER=off (a first backfill of a large archive): nothing is embedded,
    the Hebrew report carries no English claim, the English mentions are still found."""
    _land_hebrew_report(landing_copy)
    warehouse = tmp_path / "warehouse"
    result = run_pipeline(landing_copy, warehouse, catalog=_talks_catalog(tmp_path), selection=PYTHON_STAGES,
                          extra_env={"CLAIMGRID_SEMANTIC_MATCHER": "off"})
    assert result.success
    assert query(warehouse, "SELECT count(*) FROM raw.sentence_embeddings") == [(0,)]
    languages = query(warehouse, "SELECT DISTINCT s.language, m.cross_language FROM raw.claim_mentions m "
                                 "JOIN raw.sentences s USING (document_id, sentence_seq) WHERE claim_id = 'cat-talks'")
    assert languages == [("en", False)]


def test_outlets_and_sentences_in_batches_of_two_write_what_one_batch_writes(landing_copy: Path, tmp_path: Path,
                                                                              monkeypatch):
    # a step holds one batch of decoded pages or bodies, not the range's: the rows do not depend on it
    from orchestration.assets import outlets, sentences
    stages = dg.AssetSelection.assets(*(dg.AssetKey(["raw", table]) for table in (
        "dumps", "retractions", "documents", "segments", "segment_languages", "document_languages",
        "document_outlets", "sentences"))).required_multi_asset_neighbors()
    one_batch = tmp_path / "one_batch"
    materialize(landing_copy, one_batch, selection=stages)
    monkeypatch.setattr(outlets, "OUTLETS_BATCH", 2)
    monkeypatch.setattr(sentences, "SENTENCES_BATCH", 2)
    batches = tmp_path / "batches"
    result = materialize(landing_copy, batches, selection=stages)
    assert len(list(landing_copy.iterdir())) > 4
    for table in ("document_outlets", "sentences"):
        rows = query(batches, f"SELECT * FROM raw.{table} ORDER BY ALL")
        assert rows and rows == query(one_batch, f"SELECT * FROM raw.{table} ORDER BY ALL"), table
    split = [e.materialization.metadata["accepted_documents_split"].value for e in result.get_asset_materialization_events()
             if e.asset_key == dg.AssetKey(["raw", "sentences"])]
    assert split == [len(query(batches, "SELECT DISTINCT document_id FROM raw.sentences"))]
