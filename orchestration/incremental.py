"""Which documents a document stage has to process, and writing only theirs.

Every document a stage processed is recorded in its landing day's ledger (`pipeline.processed`,
the lake's `processed/day=.../<stage>.parquet`) with a version key: the hash
of the stage's code version (orchestration/versions.py) and of the keys of the document's inputs
(the ingest key of its dump for clean; clean's key for language; ...). On the next run a
document whose key is unchanged is skipped, so:
- a run over the same landing folder processes no document again;
- a changed rule file changes the version of the stages that read it, so exactly those stages
  re-process, and their downstream stages follow document by document because the input keys
  of those documents changed;
- a document no longer in a stage's input (it left the landing folder) has its rows removed.

What a later stage keys on is not that version key but the document's output key
(`pipeline.outputs`, a file beside the ledger): a digest of the rows the stage wrote of the
document and of the keys of its inputs. A changed rule re-processes every document of its
stage (nothing else tells which documents it changes), but the stages downstream only the
documents whose rows it changed; a document's new input (a manifest field a later stage reads
from the dump) still changes its output key. A document processed before output keys existed
is keyed by its version key until its stage processes it again.

A stage's rows of a day are replaced per document together with its ledger entries and its
raw.quarantine rows of those documents, each file renamed into place and the ledger last, so a
run that dies half-way leaves keys that make the next run re-process, never rows it would
skip; a document skipped as unchanged keeps its quarantine rows, a re-processed one gets
fresh ones. Plans are made on a connection whose raw tables are the day's files
(lake.partition_connection). A day whose last plan found nothing to do is not planned again
while its files and the stage's version are those it was planned under (plan_days,
docs/decisions/0028-a-settled-day-is-not-planned-again.md).
"""
from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from orchestration import warehouse as warehouse_module
from orchestration.core.quarantine import QUARANTINE_IDENTITY, quarantine_rows
from orchestration.core.types import RAW_TABLES, DumpRow, QuarantineRecord, QuarantineRow, as_columns
from orchestration.lake import (
    LAKE_TABLES, LEDGER, LEDGER_COLUMNS, LEDGER_SCHEMA, OUTPUT_COLUMNS, OUTPUTS, QUARANTINE, day_folder,
    folder_files, lake_document_ids, parquet_row_count, partition_connection, partition_files_key, read_footer, read_rows,
    replace_rows, select_from, stage_file, table_file, table_lock, write_parquet,
)
from orchestration.warehouse import RAW_SCHEMA, frame_of, has_columns, sql_string, table_columns

LEDGER_TABLE = f"{LEDGER_SCHEMA}.{LEDGER}"
OUTPUTS_TABLE = f"{LEDGER_SCHEMA}.{OUTPUTS}"
# where StagedRows writes a day's batches before they go into the day's files
STAGING_DIR = ".staging"
_IDS_VIEW = "stage_document_ids"
# <lake>/settled/day=.../<stage>.json: the key under which the stage's last plan of the day found
# nothing to do (plan_days); not a table: no view or dbt source reads it
SETTLED = "settled"
# Every file of a day a plan can read: the day's tables, quarantine, ledgers and output keys.
_DAY_FILES = (*LAKE_TABLES, QUARANTINE, LEDGER, OUTPUTS)


@cache
def _planning_code() -> str:
    """What a plan is made by besides the stage's code: this module and the declared columns
    (warehouse.py); lake.py is in partition_files_key."""
    return hashlib.sha256(Path(__file__).read_bytes() + Path(warehouse_module.__file__).read_bytes()).hexdigest()


def version_key(stage_version: str, *input_keys: str | None) -> str:
    digest = hashlib.sha256(stage_version.encode())
    for key in input_keys:
        digest.update(b"\0" + (key or "").encode())
    return digest.hexdigest()[:16]


def recorded_keys(conn: duckdb.DuckDBPyConnection, stage: str) -> dict[str, str]:
    """document id -> what a later stage keys on of every document `stage` has processed: its
    output key, or its version key when it was processed before output keys were recorded
    (read-only safe)."""
    query = recorded_keys_sql(conn, stage)
    return dict(conn.execute(query).fetchall()) if query else {}


def recorded_keys_sql(conn: duckdb.DuckDBPyConnection, stage: str) -> str | None:
    """recorded_keys as a query of (document_id, key), for a caller that goes on in SQL; None
    when there is no ledger."""
    return _ledger_keys_sql(conn, stage, outputs=True)


def _version_keys(conn: duckdb.DuckDBPyConnection, stage: str) -> dict[str, str]:
    """document id -> version key of every document `stage` has processed: what it plans by."""
    query = _ledger_keys_sql(conn, stage, outputs=False)
    return dict(conn.execute(query).fetchall()) if query else {}


def _ledger_keys_sql(conn: duckdb.DuckDBPyConnection, stage: str, outputs: bool) -> str | None:
    views = {name for (name,) in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_name IN (?, ?)",
        [LEDGER_SCHEMA, LEDGER, OUTPUTS]).fetchall()}
    if LEDGER not in views:
        return None
    stage_literal = sql_string(stage)
    if outputs and OUTPUTS in views:
        return f"""SELECT l.document_id, coalesce(o.output_key, l.version_key) AS key FROM {LEDGER_TABLE} l
                   LEFT JOIN {OUTPUTS_TABLE} o ON o.stage = l.stage AND o.document_id = l.document_id
                   WHERE l.stage = {stage_literal}"""
    return f"SELECT document_id, version_key AS key FROM {LEDGER_TABLE} WHERE stage = {stage_literal}"


def version_key_sql(version: str, *input_keys: str) -> str:
    """version_key in DuckDB, of SQL expressions: `version` (not NULL) and `input_keys` (NULL
    hashed as '')."""
    parts = [version]
    for key in input_keys:
        parts += ["chr(0)", f"coalesce({key}, '')"]
    return f"left(sha256({' || '.join(parts)}), 16)"


@dataclass(frozen=True)
class StagePlan:
    """What a stage does this run: `todo` (id -> new key) to process, `gone` to remove;
    `inputs`: id -> the key of a todo document's inputs alone (its output key starts from it);
    `first_time`: the todo documents the stage never recorded (new, not changed; none on a
    rebuild)."""
    stage: str
    todo: dict[str, str]
    gone: list[str]
    skipped: int
    inputs: Mapping[str, str] = field(default_factory=dict)
    first_time: frozenset[str] = frozenset()

    @property
    def touched(self) -> list[str]:
        return [*self.todo, *self.gone]

    def metadata(self) -> dict:
        return {"documents_processed": len(self.todo), "documents_skipped": self.skipped,
                "documents_removed": len(self.gone)}


def plan_stage(stage: str, wanted: Mapping[str, str], recorded: Mapping[str, str]) -> StagePlan:
    """Compare the keys the inputs ask for with the keys recorded at the last run."""
    todo = {doc: key for doc, key in wanted.items() if recorded.get(doc) != key}
    gone = sorted(doc for doc in recorded if doc not in wanted)
    return StagePlan(stage, todo, gone, skipped=len(wanted) - len(todo), inputs=_inputs_of(wanted, todo),
                     first_time=frozenset(doc for doc in todo if doc not in recorded))


def _inputs_of(wanted: Mapping[str, str], todo: Collection[str]) -> dict[str, str]:
    inputs = getattr(wanted, "inputs", wanted)
    return {doc: inputs[doc] for doc in todo}


def tables_match(conn: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> bool:
    """Whether every raw table exists with the columns its record declares today (a changed
    record means the stage's rows must all be rebuilt; its code version changed anyway)."""
    return all(has_columns(conn, table, RAW_SCHEMA, table_columns(table)) for table in tables)


def full_plan(stage: str, wanted: Mapping[str, str]) -> StagePlan:
    return StagePlan(stage, dict(wanted), [], skipped=0, inputs=_inputs_of(wanted, wanted))


def register_ids(conn: duckdb.DuckDBPyConnection, document_ids: Iterable[str], name: str = _IDS_VIEW) -> str:
    """Register the ids as a one-column relation `name` for `WHERE document_id IN (SELECT ...)`."""
    conn.register(name, pd.DataFrame({"document_id": pd.Series(list(document_ids), dtype="object")}))
    return name


def _quarantine_frame(path: Path, records: Sequence[QuarantineRecord], run_id: str,
                      replaced: Collection[str] | None) -> pd.DataFrame:
    """`records` as raw.quarantine rows, each keeping the first_seen_at of the row it replaces
    in the file at `path` (rows of the documents in `replaced`; every row when None)."""
    previous = read_rows(path, [*QUARANTINE_IDENTITY, "first_seen_at"])
    first_seen = {tuple(row[k] for k in QUARANTINE_IDENTITY): row["first_seen_at"] for row in previous
                  if replaced is None or row["document_id"] in replaced}
    fresh = quarantine_rows(records, run_id, datetime.now(timezone.utc).replace(tzinfo=None), first_seen)
    return frame_of(fresh, QuarantineRow)


def replace_day_quarantine(lake: Path, day: str, stage: str, records: Sequence[QuarantineRecord],
                           run_id: str) -> int:
    """Replace `stage`'s quarantine rows of `day` with `records` (ingest: file-level rows)."""
    path = stage_file(lake, QUARANTINE, stage, day)
    frame = _quarantine_frame(path, records, run_id, None)
    return replace_rows(path, table_columns("quarantine"), frame, None,
                        key_order="source_file, record_index, document_id")


# what a day's raw.dumps file records of how it was made (Parquet footer): the key of the inputs
# read (core.ingest.day_inputs_key), and the documents left to another day's file
_INPUTS_KEY, _LEFT_ELSEWHERE = "claimgrid_inputs_key", "claimgrid_left_to_other_days"


def write_landed_day(lake: Path, day: str, rows: list[DumpRow], inputs_key: str = "") -> list[DumpRow]:
    """Write the day's raw.dumps partition: `rows` but the documents already in another day's
    partition (identical content is one row, kept where it landed first), recording `inputs_key`
    (what was read to make the rows) with them. The other days are read and this one written
    under the table's lock, so days ingested side by side (a backfill's runs, on any worker) each
    see what the others wrote: without it two days that both carry a document both kept it.
    Returns the rows written."""
    with table_lock(lake, "dumps"):
        elsewhere = lake_document_ids(lake, "dumps", other_than=day)
        kept = [row for row in rows if row.document_id not in elsewhere]
        record = {_INPUTS_KEY: inputs_key,
                  _LEFT_ELSEWHERE: json.dumps(sorted({row.document_id for row in rows} & elsewhere))}
        path = table_file(lake, "dumps", day)
        if _landed_keys(path) != {row.document_id: _dump_key(row) for row in kept} or read_footer(path) != record:
            replace_rows(path, table_columns("dumps"), frame_of(kept, DumpRow), None, footer=record)
        # else the day's file holds these dumps already (a run with nothing new): their payloads
        # are not written again, and they keep the time they were first ingested
    return kept


def _left_elsewhere(footer: Mapping[str, str]) -> set[str]:
    return set(json.loads(footer.get(_LEFT_ELSEWHERE) or "[]"))


def left_to_other_days(lake: Path, day: str) -> set[str]:
    """The documents whose dumps the day's files carried but another day's raw.dumps keeps
    (identical content landed there first), as the day's file records them."""
    return _left_elsewhere(read_footer(table_file(lake, "dumps", day)))


def landed_day_current(lake: Path, day: str, inputs_key: str) -> list[tuple[int, str]] | None:
    """(byte_size, source_format) of each dump of the day's raw.dumps file when that file was
    made from inputs of this key and every document it left to another day is still there: the
    day need not be read again. None otherwise."""
    path = table_file(lake, "dumps", day)
    with table_lock(lake, "dumps"):
        record = read_footer(path)
        if not inputs_key or record.get(_INPUTS_KEY) != inputs_key:
            return None
        left = _left_elsewhere(record)
        conn = duckdb.connect()
        try:
            if left and not _kept_elsewhere(conn, lake, day, left):
                return None     # the copy kept elsewhere is gone: this day's copy is the first now
            return conn.execute(f"SELECT byte_size, source_format FROM read_parquet('{path}')").fetchall()
        finally:
            conn.close()


def _kept_elsewhere(conn: duckdb.DuckDBPyConnection, lake: Path, day: str, document_ids: Collection[str]) -> bool:
    """Whether another day's raw.dumps file holds every one of `document_ids`: counted in DuckDB,
    not compared with a set of every other day's ids (a run with nothing new checked each day's
    against all the others: 0.75 s at 100k dumps)."""
    files = [f for f in folder_files(lake, "dumps") if f.parent.name != day_folder(day)]
    if not files:
        return False
    ids = register_ids(conn, document_ids, "left_elsewhere")
    (found,) = conn.execute(f"SELECT count(DISTINCT document_id) FROM ({select_from(files, {'document_id': 'VARCHAR'})}) "
                            f"WHERE document_id IN (SELECT document_id FROM {ids})").fetchone()
    return found == len(set(document_ids))


# what ingest knows about a dump (its payload through content_sha256), the key clean reads
DUMP_KEY_COLUMNS = ("content_sha256", "url", "outlet_hint", "fetched_at", "title_hint", "source_file", "record_index")
# ... and what a day's file must hold for a landed dump to be there already
_LANDED_COLUMNS = (*DUMP_KEY_COLUMNS, "source_format")


def _dump_key(row: DumpRow) -> str:
    return version_key("dump", *(None if getattr(row, c) is None else str(getattr(row, c)) for c in _LANDED_COLUMNS))


def _landed_keys(path: Path) -> dict[str, str] | None:
    """document id -> _dump_key of every dump in the day's file (None when there is none)."""
    if not path.exists():
        return None
    conn = duckdb.connect()
    try:
        names = ", ".join(f'"{c}"' for c in ("document_id", *_LANDED_COLUMNS))
        rows = conn.execute(f"SELECT {names} FROM read_parquet('{path}')").fetchall()
    finally:
        conn.close()
    return {row[0]: version_key("dump", *(None if v is None else str(v) for v in row[1:])) for row in rows}


class StagedRows:
    """A day's rows of a document stage, staged batch by batch as Parquet files beside the lake
    (`<lake>/.staging/`, which no lake scan reads) so a step holds one batch of documents in
    memory, not the day's or the range's; write_document_rows then reads them into the day's
    files. Use through `staged_rows`, which removes the staging folder whatever happens."""

    def __init__(self, folder: Path, tables: Sequence[str]) -> None:
        self.folder = folder
        self.tables = list(tables)
        self.files: dict[str, list[Path]] = {table: [] for table in tables}
        self.quarantine: list[QuarantineRecord] = []

    def add(self, rows: Mapping[str, list | Mapping[str, list]], quarantine: Sequence[QuarantineRecord] = ()) -> None:
        """One batch: table -> its records, or its columns (`TableColumns`; every table of the
        stage may be given), and its quarantine records."""
        for table, data in rows.items():
            columns = data if isinstance(data, Mapping) else as_columns(data, RAW_TABLES[table])
            _check_columns(table, columns)
            if columns and len(next(iter(columns.values()))):
                path = self.folder / table / f"{len(self.files[table]):06d}.parquet"
                write_parquet(columns, table_columns(table), path)
                self.files[table].append(path)
        self.quarantine.extend(quarantine)


@contextmanager
def staged_rows(lake: Path, stage: str, day: str, tables: Sequence[str]) -> Iterator[StagedRows]:
    folder = Path(lake) / STAGING_DIR / f"{stage}-{day}-{uuid.uuid4().hex}"
    try:
        yield StagedRows(folder, tables)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _check_records(table: str, records: list) -> None:
    record = RAW_TABLES[table]
    bad = next((r for r in records if not isinstance(r, record)), None)
    if bad is not None:
        raise TypeError(f"raw.{table} takes {record.__name__} records, not {type(bad).__name__}")


def _check_columns(table: str, columns: Mapping[str, list]) -> None:
    declared = list(table_columns(table))
    if list(columns) != declared:
        raise TypeError(f"raw.{table} has the columns {declared}, not {list(columns)}")
    if len({len(values) for values in columns.values()}) > 1:
        raise ValueError(f"raw.{table}: columns of unequal lengths")


def write_staged_rows(lake: Path, day: str, plan: StagePlan, staged: StagedRows, rebuild: bool = False,
                      run_id: str = "") -> dict[str, int]:
    """write_document_rows with the rows and quarantine records staged batch by batch."""
    return write_document_rows(lake, day, plan, staged.files, rebuild, staged.quarantine, run_id)


def write_document_rows(
    lake: Path, day: str, plan: StagePlan, rows: Mapping[str, list], rebuild: bool = False,
    quarantine: Sequence[QuarantineRecord] = (), run_id: str = "",
) -> dict[str, int]:
    """Write the stage's partition of `day`: in each of its tables the rows of every touched
    document replaced by `rows` (table -> records, or the Parquet files StagedRows wrote), its
    quarantine rows of those documents by `quarantine` (records of documents in plan.todo,
    first_seen_at kept), their output keys (output_keys) and ledger entries set anew, the ledger last
    (orchestration/lake.py). `rebuild` drops the day's previous rows, quarantine rows and keys
    first. Returns each table's row count in the day."""
    wrong = next((r for r in quarantine if r.stage != plan.stage or r.document_id not in plan.todo), None)
    if wrong is not None:
        raise ValueError(f"{plan.stage} may quarantine only the documents it processed, not {wrong}")
    files = {table: table_file(lake, table, day) for table in rows}
    if not rebuild and not plan.touched and all(path.exists() for path in files.values()):
        # nothing to replace: the day's files stay as they are (rewriting them all cost a run
        # with nothing new as much as the archive's size)
        return {table: parquet_row_count(path) for table, path in files.items()}
    dropped = None if rebuild else set(plan.touched)
    counts = {}
    for table, records in rows.items():
        if records and isinstance(records[0], Path):
            fresh = records       # staged: read by DuckDB as it writes the day's file
        else:
            _check_records(table, records)
            fresh = frame_of(records, RAW_TABLES[table])
        counts[table] = replace_rows(files[table], table_columns(table), fresh, dropped)
    quarantine_path = stage_file(lake, QUARANTINE, plan.stage, day)
    replace_rows(quarantine_path, table_columns("quarantine"),
                 _quarantine_frame(quarantine_path, quarantine, run_id, dropped), dropped)
    outputs = output_keys(files, plan)
    replace_rows(stage_file(lake, OUTPUTS, plan.stage, day), OUTPUT_COLUMNS, pd.DataFrame({
        "stage": pd.Series([plan.stage] * len(outputs), dtype="object"),
        "document_id": pd.Series(list(outputs), dtype="object"),
        "output_key": pd.Series(list(outputs.values()), dtype="object")}), dropped)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    keys = pd.DataFrame({"stage": pd.Series([plan.stage] * len(plan.todo), dtype="object"),
                         "document_id": pd.Series(list(plan.todo), dtype="object"),
                         "version_key": pd.Series(list(plan.todo.values()), dtype="object"),
                         "processed_at": pd.Series([now] * len(plan.todo), dtype="datetime64[us]")})
    replace_rows(stage_file(lake, LEDGER, plan.stage, day), LEDGER_COLUMNS, keys, dropped)
    return counts


def output_keys(files: Mapping[str, Path], plan: StagePlan) -> dict[str, str]:
    """document id -> output key of each document of plan.todo: the key of its inputs and, per
    table file of the stage, how many rows it has there and the sum of their hashes (every
    column; order-free, as corpus_ledger.mention_digests). The same rows, the same key, whatever
    code wrote them."""
    digests: dict[str, list[str]] = {doc: [] for doc in plan.todo}
    conn = duckdb.connect()
    try:
        ids = register_ids(conn, plan.todo)
        for table, path in sorted(files.items()):
            found = {}
            if path.exists():
                columns = ", ".join(f'"{name}"' for name in table_columns(table))
                found = {doc: f"{rows}:{total}" for doc, rows, total in conn.execute(
                    f"SELECT document_id, count(*), sum(hash({columns})::HUGEINT)::VARCHAR FROM read_parquet('{path}') "
                    f"WHERE document_id IN (SELECT document_id FROM {ids}) GROUP BY document_id").fetchall()}
            for doc, parts in digests.items():
                parts.append(f"{table}={found.get(doc, '0:0')}")
    finally:
        conn.close()
    return {doc: version_key("output", plan.inputs.get(doc, plan.todo[doc]), *parts) for doc, parts in digests.items()}


def plan_for(conn: duckdb.DuckDBPyConnection, stage: str, tables: Iterable[str],
             wanted: Mapping[str, str]) -> tuple[StagePlan, bool]:
    """(plan, rebuild): everything when a table is missing or has another shape than declared."""
    if not tables_match(conn, tables):
        return full_plan(stage, wanted), True
    return plan_stage(stage, wanted, _version_keys(conn, stage)), False


def dump_keys(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """document id -> key of everything ingest knows about the dump: content and manifest fields."""
    if not tables_match(conn, ["dumps"]):
        return {}
    columns = ", ".join(f'CAST("{c}" AS VARCHAR)' if c == "record_index" else f'"{c}"' for c in DUMP_KEY_COLUMNS)
    rows = conn.execute(f"SELECT document_id, {columns} FROM {RAW_SCHEMA}.dumps").fetchall()
    return {row[0]: version_key("dump", *row[1:]) for row in rows}


class StageKeys(dict):
    """document id -> version key (a stage's code version and its inputs' keys), with `inputs`:
    document id -> the key of its inputs alone."""

    def __init__(self, keys: Mapping[str, str], inputs: Mapping[str, str]) -> None:
        super().__init__(keys)
        self.inputs = dict(inputs)


def combined_keys(stage_version: str, *inputs: Mapping[str, str], excluded: Collection[str] = ()) -> StageKeys:
    """The version key of every document present in all input key maps and not `excluded` (set
    aside by an earlier stage: its rows here are removed like those of a document that left)."""
    first, *rest = inputs
    given = {doc: (key, *(other[doc] for other in rest))
             for doc, key in first.items() if doc not in excluded and all(doc in other for other in rest)}
    return StageKeys({doc: version_key(stage_version, *keys) for doc, keys in given.items()},
                     {doc: version_key("inputs", *keys) for doc, keys in given.items()})


@dataclass
class DayWork:
    """One landing day of a document stage's step: its plan and the inputs of its todo documents;
    `settled`: not planned again (plan_days)."""
    day: str
    plan: StagePlan
    rebuild: bool
    items: list
    settled: bool = False


def plan_days(lake: Path, days: Iterable[str], stage: str, version: str,
              plan_one: Callable[[duckdb.DuckDBPyConnection], tuple[StagePlan, bool, list]]) -> list[DayWork]:
    """`plan_one` on each day's partition (a connection whose raw tables are that day's files),
    for `stage` at `version` (everything its plan's keys are made from besides the day's files).
    A day whose last plan found nothing to do, and whose files and version are as they were then,
    is settled: not opened (a run with nothing new read every day's keys of every stage)."""
    work = []
    for day in days:
        key = settled_key(lake, day, version)
        skipped = _settled_skips(lake, stage, day, key)
        if skipped is not None:
            work.append(DayWork(day, StagePlan(stage, {}, [], skipped), False, [], settled=True))
            continue
        with partition_connection(lake, [day]) as conn:
            day_work = DayWork(day, *plan_one(conn))
        # keyed by the files as they were before the plan read them: a file replaced meanwhile
        # gives another key next time, and the day is planned again
        if not day_work.rebuild and not day_work.plan.touched:
            _record_settled(lake, stage, day, key, day_work.plan.skipped)
        work.append(day_work)
    return work


def settled_key(lake: Path, day: str, version: str) -> str:
    """The key of what a plan of `day` reads: every file of the day (path, size, modification
    time), the stage's version and the planning code."""
    return version_key(version, _planning_code(), partition_files_key(lake, [day], _DAY_FILES))


def _settled_file(lake: Path, stage: str, day: str) -> Path:
    return Path(lake) / SETTLED / day_folder(day) / f"{stage}.json"


def _settled_skips(lake: Path, stage: str, day: str, key: str) -> int | None:
    """The documents the day's settled plan skipped, when it was settled under `key`; else None."""
    try:
        record = json.loads(_settled_file(lake, stage, day).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("key") != key or not isinstance(record.get("documents_skipped"), int):
        return None
    return record["documents_skipped"]


def _record_settled(lake: Path, stage: str, day: str, key: str, skipped: int) -> None:
    path = _settled_file(lake, stage, day)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    tmp.write_text(json.dumps({"key": key, "documents_skipped": skipped}), encoding="utf-8")
    tmp.replace(path)


def days_metadata(work: Sequence[DayWork]) -> dict:
    """The document counts of a step over its days, plus the days."""
    totals = {"documents_processed": 0, "documents_skipped": 0, "documents_removed": 0}
    for day in work:
        for name, value in day.plan.metadata().items():
            totals[name] += value
    return {**totals, "landing_days_not_planned_again": sum(d.settled for d in work),
            "landing_days": ", ".join(d.day for d in work) if len(work) <= 7
            else f"{work[0].day} .. {work[-1].day} ({len(work)} days)"}
