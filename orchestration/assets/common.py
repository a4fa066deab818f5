"""What every stage asset shares: raw-table asset keys, progress lines, metadata previews."""
import time
from collections.abc import Iterator
from typing import TypeVar

import dagster as dg

from orchestration.report import markdown_cell, markdown_table  # noqa: F401  (re-exported for assets)
from orchestration.warehouse import RAW_SCHEMA

T = TypeVar("T")

# Long steps also log when this many seconds passed since their last progress line, so a slow
# stretch never looks like a hang in the run log.
PROGRESS_EVERY_SECONDS = 15.0


def raw_key(table: str) -> dg.AssetKey:
    """The asset key of raw.<table>: the key dagster-dbt gives the dbt source of that table, so
    dbt models hang below the Python stage that writes it."""
    return dg.AssetKey([RAW_SCHEMA, table])


def raw_specs(tables: tuple[str, ...], group: str, deps: list[dg.AssetKey], description: str) -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(raw_key(t), group_name=group, deps=deps, kinds={"python", "duckdb"},
                     description=f"{description} (raw.{t})")
        for t in tables
    ]


def progress_line(what: str, index: int, total: int, elapsed: float, unit: str = "documents") -> str:
    """`cleaned 40/200 documents (12.5/s, 3s elapsed, ~13s left)`."""
    rate = index / max(elapsed, 1e-9)
    left = (total - index) / rate if rate > 0 else 0.0
    return f"{what} {index}/{total} {unit} ({rate:.1f}/s, {elapsed:.0f}s elapsed, ~{left:.0f}s left)"


def with_progress(
    context: dg.AssetExecutionContext, items: list[T], what: str, every: int | None = None,
    unit: str = "documents",
) -> Iterator[T]:
    """Yield items, logging `what n/N unit (rate/s, elapsed, time left)` to the run log about ten
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
