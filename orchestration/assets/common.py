"""What every stage asset shares: raw-table asset keys, progress lines, metadata previews."""
from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

import dagster as dg

from orchestration.warehouse import RAW_SCHEMA

T = TypeVar("T")


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


def with_progress(
    context: dg.AssetExecutionContext, items: list[T], what: str, every: int | None = None
) -> Iterator[T]:
    """Yield items, logging `what n/N (rate/s)` about ten times over the run and at the end."""
    total = len(items)
    step = every or max(1, total // 10)
    started = time.perf_counter()
    for index, item in enumerate(items, start=1):
        yield item
        if index % step == 0 or index == total:
            elapsed = max(time.perf_counter() - started, 1e-9)
            context.log.info(f"{what} {index}/{total} ({index / elapsed:.1f}/s)")


def markdown_table(rows: Iterable[dict], columns: list[str], limit: int = 20) -> str:
    """A small markdown preview for materialization metadata. Cell text is escaped (pipes,
    angle brackets, newlines) because dump content is hostile input."""
    def cell(value) -> str:
        text = "" if value is None else str(value)
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return text.replace("|", "\\|").replace("\n", " ")[:80]

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in list(rows)[:limit]:
        lines.append("| " + " | ".join(cell(row.get(c)) for c in columns) + " |")
    return "\n".join(lines)
