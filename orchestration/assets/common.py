"""What every stage asset shares: raw-table asset keys and decorators, progress lines."""
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TypeVar

import dagster as dg

from orchestration.partitions import LANDING_DAYS, SINGLE_RUN
from orchestration.resources import DUCKDB_POOL, full_disk_fails_clearly
from orchestration.step_memory import reports_peak_memory
from orchestration.versions import code_version
from orchestration.warehouse import RAW_SCHEMA

T = TypeVar("T")

# Long steps also log when this many seconds passed since their last progress line, so a slow
# stretch never looks like a hang in the run log.
PROGRESS_EVERY_SECONDS = 15.0


def raw_key(table: str) -> dg.AssetKey:
    """The asset key of raw.<table>: the key dagster-dbt gives the dbt source of that table, so
    dbt models hang below the Python stage that writes it."""
    return dg.AssetKey([RAW_SCHEMA, table])


STAGE_KINDS = {"python", "duckdb"}


PARQUET_KINDS = {"python", "parquet"}


def raw_specs(tables: tuple[str, ...], group: str, deps: list[dg.AssetKey], description: str,
              code_version: str | None = None, partitioned: bool = False) -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(raw_key(t), group_name=group, deps=deps, kinds=PARQUET_KINDS if partitioned else STAGE_KINDS,
                     description=f"{description} (raw.{t})", code_version=code_version,
                     partitions_def=LANDING_DAYS if partitioned else None)
        for t in tables
    ]


def _placement(partitioned: bool) -> dict:
    """A document stage is partitioned by landing day and writes the Parquet lake (no DuckDB
    pool: its partitions run side by side); the others write the DuckDB warehouse, one at a time."""
    if partitioned:
        return {"partitions_def": LANDING_DAYS, "backfill_policy": SINGLE_RUN}
    return {"pool": DUCKDB_POOL}


def step_function(fn):
    """What every step's function is wrapped in: a full disk said plainly, the step's peak memory
    on what it reports (orchestration/step_memory.py)."""
    return reports_peak_memory(full_disk_fails_clearly(fn))


def stage_asset(table: str, group: str, description: str, deps: tuple[str, ...] = (),
                version_files: tuple[str, ...] = (), partitioned: bool = False, **extra):
    """The decorator of a Python stage that writes raw.<table>: keyed raw/<table>, after the raw
    tables it reads (`deps`), its code version derived from the function's module
    (orchestration/versions.py; `version_files`: data it reads from a setting's default);
    `partitioned`: by landing day, into the lake."""
    def decorate(fn):
        return dg.asset(key=raw_key(table), group_name=group, deps=[raw_key(d) for d in deps],
                        kinds=PARQUET_KINDS if partitioned else STAGE_KINDS, description=description,
                        code_version=code_version(fn.__module__, version_files), **_placement(partitioned),
                        **extra)(step_function(fn))
    return decorate


def stage_multi_asset(name: str, tables: tuple[str, ...], group: str, description: str, deps: tuple[str, ...] = (),
                      partitioned: bool = False):
    """The decorator of a Python stage that writes several raw tables in one step."""
    def decorate(fn):
        specs = raw_specs(tables, group, [raw_key(d) for d in deps], description.split(":")[0],
                          code_version=code_version(fn.__module__), partitioned=partitioned)
        return dg.multi_asset(name=name, specs=specs, description=description,
                              **_placement(partitioned))(step_function(fn))
    return decorate


def partition_days(context: dg.AssetExecutionContext) -> list[str]:
    """The landing days this step materializes (one, or a range in a backfill or `make run`)."""
    return list(context.partition_keys)


def stage_version(context: dg.AssetExecutionContext) -> str:
    """The code version of the asset(s) this step materializes, as the definition declares it:
    the version Dagster compares for staleness is the version the document ledger keys on."""
    versions = {v for v in context.assets_def.code_versions_by_key.values() if v}
    if len(versions) != 1:
        raise ValueError(f"{context.assets_def.node_def.name}: expected one code version, got {versions}")
    return versions.pop()


def counts(values: Iterable) -> dg.MetadataValue:
    """How often each value occurs, as JSON metadata."""
    return dg.MetadataValue.json(dict(Counter(values)))


def progress_line(what: str, index: int, total: int, elapsed: float, unit: str | None = None) -> str:
    """`split documents 40/200 (12.5/s, 3s elapsed, ~13s left)`; `what` usually names the
    things counted, else `unit` does (`cleaned 40/200 documents (...)`)."""
    rate = index / max(elapsed, 1e-9)
    left = (total - index) / rate if rate > 0 else 0.0
    counted = f"{index}/{total} {unit}" if unit else f"{index}/{total}"
    return f"{what} {counted} ({rate:.1f}/s, {elapsed:.0f}s elapsed, ~{left:.0f}s left)"


def with_progress(
    context: dg.AssetExecutionContext, items: list[T], what: str, every: int | None = None,
    unit: str | None = None,
) -> Iterator[T]:
    """Yield items, logging `what n/N [unit] (rate/s, elapsed, time left)` to the run log about ten
    times over the run, at least every PROGRESS_EVERY_SECONDS, and at the end."""
    total = len(items)
    step = every or max(1, total // 10)
    started = last_logged = time.perf_counter()
    for index, item in enumerate(items, start=1):
        yield item
        now = time.perf_counter()
        if index % step == 0 or index == total or now - last_logged >= PROGRESS_EVERY_SECONDS:
            context.log.info(progress_line(what, index, total, now - started, unit))
            last_logged = now


def progress_logger(context: dg.AssetExecutionContext, total: int, what: str, unit: str | None = None):
    """A callback for work done elsewhere (a process pool): called with the count done so far,
    it logs like with_progress (about ten lines, at least every PROGRESS_EVERY_SECONDS, the end)."""
    started = last_logged = time.perf_counter()
    step = max(1, total // 10)
    logged_at = 0

    def log(done: int) -> None:
        nonlocal last_logged, logged_at
        now = time.perf_counter()
        if done - logged_at >= step or done == total or now - last_logged >= PROGRESS_EVERY_SECONDS:
            context.log.info(progress_line(what, done, total, now - started, unit))
            last_logged, logged_at = now, done

    return log
