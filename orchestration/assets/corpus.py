"""What the four corpus stages share as Dagster assets: their group, their ledger names, and the
materialization each reports.

The corpus stages are stories (stories.py), claims (claims.py: discovery and the catalog),
claim mentions (claim_mentions.py: stance) and text reuse (text_reuse.py); thin wrappers over
orchestration.core, one module each, so that each stage's code version covers its own code and
rules only (orchestration/versions.py): a stance rule re-processes the mentions, not the stories.

Each stage records in its ledger (pipeline.corpus_processed) the keys of the documents it worked
from (orchestration/corpus_ledger.py): when none changed it does no work and reports the table as it
is, with the same data version; otherwise it re-judges only what the changed documents reach —
stories for the new documents, discovery for the stories that received or lost a document,
stance for the documents whose mentions changed, reuse for the pairs with a changed document.

Stories and claims read their own previous output (raw.stories, raw.claims) so ids stay when
dumps arrive. Dagster draws a dependency of an asset on itself only between partitions; the read
is declared in each asset's metadata (`reads_previous`) until the stages are partitioned.
"""
import dagster as dg
import duckdb

from orchestration.assets.common import raw_key
from orchestration.corpus_ledger import corpus_keys, corpus_plan, keys_digest, row_count
from orchestration.incremental import StagePlan

GROUP = "claims"
# The ledger stage names of the corpus stages. Stance labelling quarantines per document under
# the quarantine stage "claims", and a ledger stage replaces its own quarantine rows, so the
# mentions stage records its keys under that name; discovery under its own.
STORIES_STAGE, DISCOVERY_STAGE, MENTIONS_STAGE, REUSE_STAGE = "stories", "claim_discovery", "claims", "text_reuse"


def planned_work(conn: duckdb.DuckDBPyConnection, stage: str, tables: list[str], version: str,
                 extra: dict[str, str] | None = None) -> tuple[dict[str, str], StagePlan, bool]:
    """A corpus stage's work: the key of every document it reads under `version` (and `extra`,
    corpus_keys), what it has to do (corpus_plan) and whether that is a rebuild."""
    wanted = corpus_keys(conn, version, extra=extra)
    return (wanted, *corpus_plan(conn, stage, tables, wanted))


def unchanged(conn: duckdb.DuckDBPyConnection, table: str, plan: StagePlan, wanted: dict[str, str],
              asset: bool = False) -> dg.MaterializeResult:
    """The materialization of a corpus stage that had nothing to do: the table as it is, the same
    data version as the run that wrote it (downstream assets are not stale)."""
    key = {"asset_key": raw_key(table)} if asset else {}
    return dg.MaterializeResult(**key, data_version=dg.DataVersion(keys_digest(wanted)),
                                metadata={"dagster/row_count": row_count(conn, table), **plan.metadata()})


def written(table: str, count: int, plan: StagePlan, wanted: dict[str, str], asset: bool = False,
            **metadata) -> dg.MaterializeResult:
    key = {"asset_key": raw_key(table)} if asset else {}
    return dg.MaterializeResult(**key, data_version=dg.DataVersion(keys_digest(wanted)),
                                metadata={"dagster/row_count": count, **plan.metadata(), **metadata})
