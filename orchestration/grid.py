"""The outlet x claim grid, one renderer for every place people read it: the terminal at the end
of `make run` (grid_text), the markdown preview on the publish asset in the Dagster UI
(grid_preview), and warehouse/queries/story_grid.sql, which writes the same cell marks in SQL.

A cell is `✓ <stance>` where the outlet carries the claim and `✗` where it omits it
(cell_mark); claims run down, most carried first; outlets across, the busiest first, under their
full names.

Dump text is hostile input (claim texts are sentences of crawled pages): every markdown cell is
flattened, truncated and escaped so no text can break a table, format itself or inject HTML.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

GRID_SQL = """
SELECT c.story_id, c.claim_id, c.claim_text, c.origin, o.outlet_id, coalesce(d.outlet_name, o.outlet_id) AS outlet_name,
       o.is_covered, o.stance, o.attributed_to, s.title AS story_title
FROM marts.fct_outlet_claims o
JOIN marts.dim_claim c USING (claim_id)
LEFT JOIN marts.dim_outlet d USING (outlet_id)
LEFT JOIN marts.dim_story s ON s.story_id = c.story_id
ORDER BY c.story_id, c.outlet_count DESC, c.claim_id, outlet_name
"""

CARRIED = "✓"
OMITTED = "✗"
LEGEND = f"{CARRIED} carries the claim (with its stance), {OMITTED} omits it."


def cell_mark(is_covered: bool, stance: str | None) -> str:
    """What a grid cell says; story_grid.sql spells the same rule in SQL."""
    return f"{CARRIED} {stance or '?'}" if is_covered else OMITTED


@dataclass
class StoryGrid:
    story_id: str
    title: str | None
    outlets: list[tuple[str, str]]                 # (outlet_id, label), busiest first
    claims: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (claim_id, text, cells)


def story_grids(rows: Iterable[tuple]) -> list[StoryGrid]:
    """GRID_SQL rows as one grid per story, the story covered by the most outlets first."""
    stories: dict[str, list[tuple]] = {}
    for row in rows:
        stories.setdefault(row[0], []).append(row)
    grids = []
    for story_id, story_rows in stories.items():
        names: dict[str, str] = {}
        claims: dict[str, dict] = {}
        for r in story_rows:
            names.setdefault(r[4], r[5] or r[4])
            claim = claims.setdefault(r[1], {"text": r[2], "carried": 0, "cells": {}})
            claim["cells"][r[4]] = (r[6], r[7])
            claim["carried"] += bool(r[6])
        carried_by_outlet = {o: sum(bool(c["cells"].get(o, (False,))[0]) for c in claims.values()) for o in names}
        # the top-left corner of the grid is its busiest part
        outlets = sorted(names, key=lambda o: (-carried_by_outlet[o], names[o], o))
        display = [names[o] for o in outlets]
        # two outlets may share a display name: tell them apart by id
        labels = [n if display.count(n) == 1 else f"{n} ({o})" for n, o in zip(display, outlets)]
        grid = StoryGrid(story_id, story_rows[0][9] if len(story_rows[0]) > 9 else None, list(zip(outlets, labels)))
        for claim_id, claim in sorted(claims.items(), key=lambda item: (-item[1]["carried"], item[0])):
            cells = [cell_mark(*claim["cells"].get(o, (False, None))) for o in outlets]
            grid.claims.append((claim_id, claim["text"], cells))
        grids.append(grid)
    return sorted(grids, key=lambda g: (-len(g.outlets), g.story_id))


# ---- markdown: the UI preview ----------------------------------------------------------------

# Every ASCII punctuation character CommonMark lets a backslash escape that could start markup
# in a table cell: emphasis, code, links/images, headings, lists, strikethrough, table pipes.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:=\"'$%^])")


def markdown_cell(value, width: int = 60) -> str:
    """One table cell: control characters and line breaks become spaces, runs of space one, the
    text is cut to `width` characters (before escaping, so an escape is never cut in half),
    then HTML-escaped (`<`, `>`, `&`) and markdown punctuation backslash-escaped."""
    text = "" if value is None else str(value)
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    if len(text) > width:
        text = text[: width - 1].rstrip() + "…"
    text = html.escape(text, quote=False)
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def markdown_table(rows: Iterable[dict], columns: list[str], limit: int = 20, width: int = 60) -> str:
    """A small GitHub-style markdown table (at most `limit` rows) for materialization metadata;
    headers and cells both escaped by markdown_cell."""
    lines = [
        "| " + " | ".join(markdown_cell(c, width) for c in columns) + " |",
        "|" + " --- |" * len(columns),
    ]
    for row in list(rows)[:limit]:
        lines.append("| " + " | ".join(markdown_cell(row.get(c), width) for c in columns) + " |")
    return "\n".join(lines)


def grid_preview(rows: list[tuple], max_claims: int = 8, max_outlets: int = 6) -> str:
    """The grid of the story covered by the most outlets, as markdown. Larger grids are cut,
    and the cut is said."""
    grids = story_grids(rows)
    if not grids:
        return "_No claims found: the grid is empty._"
    grid = grids[0]
    outlets = grid.outlets[:max_outlets]
    shown = grid.claims[:max_claims]
    labels = [label for _, label in outlets]
    table_rows = [{"claim": text, **dict(zip(labels, cells))} for _, text, cells in shown]
    title = f" ({markdown_cell(grid.title, 80)})" if grid.title else ""
    header = (
        f"Story {markdown_cell(grid.story_id, 40)}{title}: {len(shown)} of {len(grid.claims)} claims, "
        f"{len(outlets)} of {len(grid.outlets)} outlets "
        f"(largest of {len(grids)} {'story' if len(grids) == 1 else 'stories'}). {LEGEND}"
    )
    return header + "\n\n" + markdown_table(table_rows, ["claim", *labels], limit=max_claims, width=48)


# ---- plain text: the terminal ----------------------------------------------------------------

def _fit(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def grid_text(rows: list[tuple], width: int = 120, max_stories: int = 3, max_claims: int = 15) -> str:
    """The grids of the stories covered by the most outlets, for a terminal `width` columns
    wide. Outlets are numbered columns, named in full above the grid; claim texts are cut to
    what the width leaves; what does not fit is counted, never dropped silently."""
    grids = story_grids(rows)
    if not grids:
        return "(no claims found: the grid is empty)"
    lines: list[str] = []
    for grid in grids[:max_stories]:
        cell_width = max(len(f"[{len(grid.outlets)}]"), *(len(c) for _, _, cells in grid.claims for c in cells))
        fit_outlets = max(1, (width - 2 - 30) // (cell_width + 2))
        outlets = grid.outlets[:fit_outlets]
        text_width = max(30, width - 2 - (cell_width + 2) * len(outlets))
        title = f" — {grid.title}" if grid.title else ""
        lines.append("")
        lines.append(_fit(f"Story {grid.story_id}{title}", width))
        lines.append(f"  {len(grid.claims)} claims, {len(grid.outlets)} outlets:")
        lines.extend("    " + _fit(f"[{i}] {label}", width - 4) for i, (_, label) in enumerate(outlets, 1))
        if len(outlets) < len(grid.outlets):
            lines.append(f"    (+{len(grid.outlets) - len(outlets)} more outlets than fit in {width} columns)")
        lines.append(("  " + "claim".ljust(text_width) + "".join(
            f"  {f'[{i}]':<{cell_width}}" for i in range(1, len(outlets) + 1))).rstrip())
        for _, text, cells in grid.claims[:max_claims]:
            lines.append("  " + _fit(text, text_width).ljust(text_width)
                         + "".join(f"  {c:<{cell_width}}" for c in cells[:len(outlets)]).rstrip())
        if len(grid.claims) > max_claims:
            lines.append(f"  (+{len(grid.claims) - max_claims} more claims)")
    if len(grids) > max_stories:
        lines.append(f"\n(+{len(grids) - max_stories} more stories with claims)")
    lines.append("")
    lines.append(LEGEND + " Any story in full: warehouse/queries/story_grid.sql")
    return "\n".join(lines)
