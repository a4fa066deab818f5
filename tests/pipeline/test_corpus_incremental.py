"""The corpus stages (stories, claims, claim mentions, text reuse) work only on what changed: a run
with nothing new does nothing, a document added to one story extends that story only (its claims
and their sentences kept, the new document's sentences stating what a run from scratch finds),
and stories and text reuse equal a run from scratch on the same documents."""
from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg

from orchestration.definitions import all_assets, all_checks
from orchestration.landed import landing_day_range
from orchestration.partitions import range_tags
from tests.conftest import SAMPLES_DIR
from tests.integration.pipeline import pipeline_resources, run_pipeline
from tests.pipeline.conftest import execute, materialize, query
from tests.unit.sample_bodies import OLDER_STORY, SECRET_TALKS

CORPUS_ASSETS = {name: dg.AssetKey(["raw", name])
                 for name in ("stories", "claims", "claim_sentences", "claim_mentions", "text_reuse")}
HELD_BACK = SECRET_TALKS[-1]
REPRINT = "reprint_of_004.txt"


def corpus_landing(folder: Path, with_held_back: bool) -> Path:
    """The samples plus a reprint of the older story (another outlet: its lead sentence cut, a
    trailer added), so two stories carry claims; the last secret-talks report held back or not."""
    folder.mkdir(parents=True)
    for path in sorted(SAMPLES_DIR.iterdir()):
        if path.name != HELD_BACK or with_held_back:
            shutil.copy(path, folder / path.name)
    lines = (SAMPLES_DIR / OLDER_STORY).read_text(encoding="utf-8").splitlines()
    (folder / REPRINT).write_text("\n".join(lines[1:] + ["This article first appeared on WND."]) + "\n",
                                  encoding="utf-8")
    return folder


# a report of another event, in none of the samples' words: text reuse has no reason to read it
UNRELATED = ("unrelated_weather.txt", "Heavy snowfall closed mountain passes across the Alps on Sunday, and avalanche "
             "warnings were raised in three Swiss cantons.\nRailway operators cancelled dozens of regional trains "
             "while ski resorts kept their lifts shut.\n")


def stage_metadata(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    out = {}
    for event in result.get_asset_materialization_events():
        for name, key in CORPUS_ASSETS.items():
            if event.asset_key == key:
                out[name] = {k: v.value for k, v in event.materialization.metadata.items()}
    return out


def corpus_tables(warehouse: Path) -> dict[str, list]:
    return {
        "claims": query(warehouse, "SELECT claim_id, story_id, claim_text, origin FROM raw.claims ORDER BY ALL"),
        "claim_sentences": query(warehouse, "SELECT * FROM raw.claim_sentences ORDER BY ALL"),
        "claim_mentions": query(warehouse, "SELECT * FROM raw.claim_mentions ORDER BY ALL"),
        "stories": query(warehouse, "SELECT * FROM raw.stories ORDER BY ALL"),
        "text_reuse": query(warehouse, "SELECT * FROM raw.text_reuse ORDER BY ALL"),
    }


def story_of(warehouse: Path, document_name: str) -> str:
    return query(warehouse, "SELECT s.story_id FROM raw.stories s JOIN raw.dumps d USING (document_id) "
                            "WHERE d.source_file = ?", [document_name])[0][0]


def test_a_document_added_to_one_story_leaves_the_other_stories_untouched(tmp_path: Path):
    landing = corpus_landing(tmp_path / "landing", with_held_back=False)
    (landing / UNRELATED[0]).write_text(UNRELATED[1], encoding="utf-8")
    warehouse = tmp_path / "warehouse"
    materialize(landing, warehouse)
    before = corpus_tables(warehouse)
    older = story_of(warehouse, OLDER_STORY)
    older_claims = [row for row in before["claims"] if row[1] == older]
    assert older_claims, "the reprinted story carries claims"

    shutil.copy(SAMPLES_DIR / HELD_BACK, landing / HELD_BACK)
    added = stage_metadata(materialize(landing, warehouse))
    after = corpus_tables(warehouse)

    # one document processed by every corpus stage; discovery re-ran one story, not both
    for name in ("stories", "claims", "text_reuse"):
        assert added[name]["documents_processed"] == 1, (name, added[name])
    # the story that received it is extended (decision 0035), the other left alone
    assert (added["claims"]["stories_extended"], added["claims"]["stories_rediscovered"]) == (1, 0)
    # every other text's tokens were read back from the first run's (orchestration/token_store.py):
    # stories tokenised at most the new document's sentences (their tokens, and their words for
    # what they reach) and body, text reuse after it nothing more than those sentences' words
    new_sentences = query(warehouse, "SELECT count(*) FROM raw.sentences JOIN raw.dumps USING (document_id) "
                                     "WHERE source_file = ?", [HELD_BACK])[0][0]
    assert 0 < added["stories"]["texts_tokenised"] <= 2 * new_sentences + 1
    assert added["text_reuse"]["texts_tokenised"] <= new_sentences
    # stance is re-labelled where a document's claim sentences changed (the new one among them),
    # not where rediscovery only moved their similarity to the re-centred claims
    def sentence_sets(rows):
        documents: dict[str, set] = {}
        for claim_id, document_id, sentence_seq, _similarity, cross_language in rows:
            documents.setdefault(document_id, set()).add((claim_id, sentence_seq, cross_language))
        return documents
    old_sets, new_sets = sentence_sets(before["claim_sentences"]), sentence_sets(after["claim_sentences"])
    changed = {d for d in new_sets if new_sets[d] != old_sets.get(d)}
    assert added["claim_mentions"]["documents_processed"] == len(changed) >= 1
    # the other story's claims, ids, claim sentences and labelled mentions are the rows they were
    older_ids = {row[0] for row in older_claims}
    assert [row for row in after["claims"] if row[1] == older] == older_claims
    for table in ("claim_sentences", "claim_mentions"):
        assert [r for r in after[table] if r[0] in older_ids] == [r for r in before[table] if r[0] in older_ids]
    # the story that grew was extended: its claims keep their ids and texts, and the sentences of
    # its settled documents that stated them still do, at the same similarity
    grown = [row for row in before["claims"] if row[1] != older]
    assert set(grown) <= set(after["claims"])
    grown_ids = {row[0] for row in grown}
    assert {r for r in before["claim_sentences"] if r[0] in grown_ids} <= set(after["claim_sentences"])

    scratch = tmp_path / "scratch"
    landing_all = corpus_landing(tmp_path / "landing_all", with_held_back=True)
    (landing_all / UNRELATED[0]).write_text(UNRELATED[1], encoding="utf-8")
    materialize(landing_all, scratch)
    # every sentence of the new document that states a claim in a run from scratch states one here
    def stating(warehouse: Path) -> set[int]:
        return {seq for (seq,) in query(warehouse, "SELECT DISTINCT sentence_seq FROM raw.claim_sentences "
                                                   "JOIN raw.dumps USING (document_id) WHERE source_file = ?",
                                        [HELD_BACK])}
    assert stating(scratch) <= stating(warehouse)
    # stories and text reuse read the new document's sentences and those they reach, not the
    # archive, and wrote the rows a run from scratch writes
    assert after["text_reuse"] == corpus_tables(scratch)["text_reuse"]
    assert after["stories"] == corpus_tables(scratch)["stories"]
    archive = query(warehouse, "SELECT count(*) FROM raw.sentences")[0][0]
    for name in ("stories", "text_reuse"):
        assert new_sentences < added[name]["sentences_read"] < archive, (name, added[name])


def test_a_run_with_nothing_new_does_no_corpus_work(tmp_path: Path):
    landing = corpus_landing(tmp_path / "landing", with_held_back=True)
    warehouse = tmp_path / "warehouse"
    first = stage_metadata(materialize(landing, warehouse))
    before = corpus_tables(warehouse)
    second = stage_metadata(materialize(landing, warehouse))
    documents = first["stories"]["documents_processed"]
    assert documents == len(list(landing.iterdir()))
    for name in ("stories", "claims", "claim_mentions", "text_reuse"):
        assert second[name]["documents_processed"] == 0 and second[name]["documents_skipped"] == documents, name
        assert second[name]["dagster/row_count"] == first[name]["dagster/row_count"], name
    assert corpus_tables(warehouse) == before


def test_a_claim_re_centred_by_rediscovery_relabels_no_stance(tmp_path: Path):
    """Rediscovery of a story that gained a document moves the similarity of every sentence to its
    re-centred claims; stance does not read similarity, so no document is labelled again."""
    landing = corpus_landing(tmp_path / "landing", with_held_back=True)
    warehouse = tmp_path / "warehouse"
    materialize(landing, warehouse)
    mentions = query(warehouse, "SELECT * FROM raw.claim_mentions ORDER BY ALL")
    execute(warehouse, "UPDATE raw.claim_sentences SET similarity = similarity * 0.99")
    again = stage_metadata(materialize(landing, warehouse, selection=dg.AssetSelection.assets(
        CORPUS_ASSETS["claim_mentions"])))
    assert again["claim_mentions"]["documents_processed"] == 0, again["claim_mentions"]
    assert query(warehouse, "SELECT * FROM raw.claim_mentions ORDER BY ALL") == mentions


def test_stance_labels_are_computed_once_per_distinct_input(tmp_path: Path):
    """Documents labelled again whose mentions have the inputs they had take their labels from
    the store, and those labels are the ones computing gives."""
    landing = corpus_landing(tmp_path / "landing", with_held_back=True)
    warehouse = tmp_path / "warehouse"
    first = stage_metadata(materialize(landing, warehouse))["claim_mentions"]
    mentions = query(warehouse, "SELECT * FROM raw.claim_mentions ORDER BY ALL")
    # reprints repeat a sentence under the same claim: fewer labels computed than mentions
    assert first["stance_labels_reused"] == 0
    assert 0 < first["stance_labels_computed"] < first["mentions_labelled"]
    assert query(warehouse, "SELECT count(*) FROM pipeline.stance_labels")[0][0] == first["stance_labels_computed"]

    def relabel_everything():
        execute(warehouse, "DELETE FROM pipeline.corpus_processed WHERE stage = 'claims'")
        return stage_metadata(materialize(landing, warehouse, selection=dg.AssetSelection.assets(
            CORPUS_ASSETS["claim_mentions"])))["claim_mentions"]

    again = relabel_everything()
    assert again["mentions_labelled"] == first["mentions_labelled"]
    assert again["stance_labels_computed"] == 0 and again["stance_labels_reused"] == again["mentions_labelled"]
    assert query(warehouse, "SELECT * FROM raw.claim_mentions ORDER BY ALL") == mentions

    # a label stored wrongly would be read back as it is: the store is what this run used
    execute(warehouse, "UPDATE pipeline.stance_labels SET stance = 'questions', stance_cue = 'planted'")
    relabel_everything()
    assert {row[-1] for row in query(warehouse, "SELECT stance, stance_cue FROM raw.claim_mentions")} == {"planted"}


def test_another_stance_model_re_judges_every_document_once(tmp_path: Path):
    """The stance labeller is the stage's code and the model the setting names: naming another
    (here none: the lexicon alone) re-labels every document with mentions, and only once."""
    landing = corpus_landing(tmp_path / "landing", with_held_back=True)
    warehouse = tmp_path / "warehouse"
    first = stage_metadata(materialize(landing, warehouse))["claim_mentions"]
    mentions = CORPUS_ASSETS["claim_mentions"]

    def mentions_with(model: str) -> dict:
        result = run_pipeline(landing, warehouse, selection=dg.AssetSelection.assets(mentions),
                              extra_env={"CLAIMGRID_STANCE_MODEL": model})
        assert result.success
        return stage_metadata(result)["claim_mentions"]

    lexicon_only = mentions_with("none")
    assert lexicon_only["documents_processed"] == first["documents_processed"] > 0, lexicon_only
    assert lexicon_only["stance_labels_reused"] == 0 and lexicon_only["stance_labels_computed"] > 0
    assert mentions_with("none")["documents_processed"] == 0


def test_a_change_to_the_stage_code_outside_stance_re_processes_documents_but_no_label(tmp_path: Path):
    """A stance label is a function of its inputs and the stance code (classify_stance and what it
    reaches): a new version of the rest of the mentions stage's code (what it reads, how rows are
    written) re-processes every document with mentions and classifies nothing again."""
    landing = corpus_landing(tmp_path / "landing", with_held_back=True)
    warehouse = tmp_path / "warehouse"
    first = stage_metadata(materialize(landing, warehouse))["claim_mentions"]
    mentions = query(warehouse, "SELECT * FROM raw.claim_mentions ORDER BY ALL")
    edited = [dg.map_asset_specs(lambda spec: spec.replace_attributes(code_version="edited"), [a])[0]
              if isinstance(a, dg.AssetsDefinition) and CORPUS_ASSETS["claim_mentions"] in a.keys else a
              for a in all_assets]
    result = dg.materialize([*edited, *all_checks], resources=pipeline_resources(landing, warehouse),
                            selection=dg.AssetSelection.assets(CORPUS_ASSETS["claim_mentions"]),
                            tags=range_tags(*landing_day_range(landing)))
    assert result.success
    again = stage_metadata(result)["claim_mentions"]
    assert again["documents_processed"] == first["documents_processed"] > 0, again
    assert again["stance_labels_computed"] == 0 and again["stance_labels_reused"] == again["mentions_labelled"] > 0
    assert query(warehouse, "SELECT * FROM raw.claim_mentions ORDER BY ALL") == mentions
