"""Stance labels already computed, by what they were computed from.

A mention's stance is a pure function of its sentence's text, its claim's text, the quotation
the sentence sits in, the policy of the section it was found in, and the labeller (code,
lexicon, model). The claim-mentions stage works per document: when rediscovery moves one claim
of a story, every document of that story is re-judged, and most of their mentions have exactly the inputs they had. Measured on the 2k bench
corpus with 20 new dumps: 194 documents re-labelled, 7,431 mentions, of which 540 had a new claim
or claim text. Wire reprints repeat the same sentence under the same claim in many documents too.
So labels are kept by the hash of their inputs (pipeline.stance_labels, in the live warehouse
beside the corpus ledger) under the labeller's version, and only inputs never seen are
classified; a new labeller version drops the old rows. Why: docs/decisions/0015-stance-label-store.md.
"""
from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.core.types import StanceResult
from orchestration.incremental import version_key
from orchestration.lake import LEDGER_SCHEMA
from orchestration.warehouse import ensure_cache_table, has_columns

_STANCE_LABELS = "stance_labels"
STANCE_LABELS_TABLE = f"{LEDGER_SCHEMA}.{_STANCE_LABELS}"
_COLUMNS = {"labeller_version": "VARCHAR", "input_key": "VARCHAR", "stance": "VARCHAR",
            "attributed_to": "VARCHAR", "stance_cue": "VARCHAR"}
_WANTED_KEYS = "stance_keys_wanted"
_INCOMING = "incoming_stance_labels"


def labeller_version(stance_code_version: str, stance_model: str | None) -> str:
    """The stance code's version (classify_stance's module and what it reaches: the lexicon and
    the shipped model) and the model setting; a model file named by the setting counts by its
    content."""
    model_file = Path(stance_model) if stance_model else None
    content = hashlib.sha256(model_file.read_bytes()).hexdigest() if model_file and model_file.is_file() else None
    return version_key(stance_code_version, stance_model or "shipped", content)


def stance_input_key(sentence: str, claim_text: str | None, quote_context: str | None, policy: str) -> str:
    """The hash of everything classify_stance reads besides the labeller (None kept apart from '')."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (sentence, claim_text, quote_context, policy):
        digest.update(b"\x00" if part is None else b"\x01" + part.encode("utf-8") + b"\x1f")
    return digest.hexdigest()



def read_stance_labels(conn: duckdb.DuckDBPyConnection, version: str,
                       keys: Collection[str]) -> dict[str, StanceResult]:
    """input key -> the label stored under `version`, for the `keys` that have one (read-only safe)."""
    if not keys or not has_columns(conn, _STANCE_LABELS, LEDGER_SCHEMA, _COLUMNS):
        return {}
    conn.register(_WANTED_KEYS, pd.DataFrame({"input_key": pd.Series(list(keys), dtype="object")}))
    try:
        rows = conn.execute(
            f"SELECT input_key, stance, attributed_to, stance_cue FROM {STANCE_LABELS_TABLE} "
            f"WHERE labeller_version = ? AND input_key IN (SELECT input_key FROM {_WANTED_KEYS})", [version]).fetchall()
    finally:
        conn.unregister(_WANTED_KEYS)
    return {key: StanceResult(stance, attributed_to, cue) for key, stance, attributed_to, cue in rows}


def write_stance_labels(conn: duckdb.DuckDBPyConnection, version: str, labels: Mapping[str, StanceResult]) -> None:
    """Add `labels` under `version` (keys already stored are left alone) and drop the rows of
    any other version: a changed labeller may label anything differently."""
    ensure_cache_table(conn, _STANCE_LABELS, LEDGER_SCHEMA, _COLUMNS)
    conn.execute(f"DELETE FROM {STANCE_LABELS_TABLE} WHERE labeller_version <> ?", [version])
    if not labels:
        return
    conn.register(_INCOMING, pd.DataFrame({
        "input_key": pd.Series(list(labels), dtype="object"),
        "stance": pd.Series([r.stance for r in labels.values()], dtype="object"),
        "attributed_to": pd.Series([r.attributed_to for r in labels.values()], dtype="object"),
        "stance_cue": pd.Series([r.cue for r in labels.values()], dtype="object"),
    }))
    try:
        conn.execute(f"""
            INSERT INTO {STANCE_LABELS_TABLE}
            SELECT ?, i.input_key, i.stance, i.attributed_to, i.stance_cue FROM {_INCOMING} i
            WHERE i.input_key NOT IN (SELECT input_key FROM {STANCE_LABELS_TABLE} WHERE labeller_version = ?)""",
                     [version, version])
    finally:
        conn.unregister(_INCOMING)
