"""The store of stance labels by their inputs (orchestration/stance_cache.py), on a real DuckDB file."""
from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.core.stance.classify import classify_stance
from orchestration.core.types import StanceResult
from orchestration.stance_cache import (
    STANCE_LABELS_TABLE, labeller_version, read_stance_labels, stance_input_key, write_stance_labels,
)

SENTENCE = "The ministry denied that the talks had taken place, officials told Reuters."
CLAIM = "The talks had taken place"


def test_every_input_counts_in_the_key_and_none_is_not_the_empty_text():
    keys = {stance_input_key(SENTENCE, CLAIM, None, "rules"), stance_input_key(SENTENCE, CLAIM, "", "rules"),
            stance_input_key(SENTENCE, None, None, "rules"), stance_input_key(SENTENCE, CLAIM, "He said:", "rules"),
            stance_input_key(SENTENCE + " ", CLAIM, None, "rules"), stance_input_key(SENTENCE, CLAIM, None, "model")}
    assert len(keys) == 6
    # the parts are delimited: moving text from one input to the next is another key
    assert stance_input_key("ab", "c", None, "rules") != stance_input_key("a", "bc", None, "rules")


def test_labels_are_read_back_under_their_version_only(tmp_path: Path):
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    key = stance_input_key(SENTENCE, CLAIM, None, "rules")
    label = classify_stance(SENTENCE, claim_text=CLAIM)
    assert read_stance_labels(conn, "v1", {key}) == {}          # no table yet
    write_stance_labels(conn, "v1", {key: label, "other": StanceResult("asserts", None, None)})
    assert read_stance_labels(conn, "v1", {key, "never-stored"}) == {key: label}
    # a key stored already is not stored twice
    write_stance_labels(conn, "v1", {key: label})
    assert conn.execute(f"SELECT count(*) FROM {STANCE_LABELS_TABLE}").fetchone()[0] == 2
    # another labeller: nothing of the old one is read, and its rows are dropped when it writes
    assert read_stance_labels(conn, "v2", {key}) == {}
    write_stance_labels(conn, "v2", {})
    assert conn.execute(f"SELECT count(*) FROM {STANCE_LABELS_TABLE}").fetchone()[0] == 0


def test_the_labeller_version_follows_the_model_setting_and_a_model_file_content(tmp_path: Path):
    model = tmp_path / "model.json"
    model.write_text("{}", encoding="utf-8")
    first = labeller_version("code", str(model))
    assert first != labeller_version("code", None) != labeller_version("code", "none")
    assert labeller_version("other code", str(model)) != first
    model.write_text('{"changed": 1}', encoding="utf-8")
    assert labeller_version("code", str(model)) != first
