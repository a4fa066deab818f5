"""The outlet x claim grid, one ranking and one renderer for every place people read it: the
terminal at the end of `make run` (terminal_text), the markdown preview on the publish asset in
the Dagster UI (preview_markdown), both of the grids largest_story_grids reads from the
warehouse; and warehouse/queries/story_grid.sql, which writes the same cell marks in SQL.

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
    # a grid read from the warehouse (largest_story_grids) holds only the claims and the cells
    # it will show; these say how many there are and which marks its cells use
    claim_count: int = 0
    marks: set[str] = field(default_factory=set)


def _story_grid(story_id: str, title: str | None, names: dict[str, str], carried_by_outlet: dict[str, int],
                carried_by_claim: dict[str, tuple[str, int]], cell, marks: set[str],
                max_claims: int | None = None, max_outlets: int | None = None) -> StoryGrid:
    """One story's grid, ranked: outlets by the claims they carry (then name, id), claims by the
    outlets carrying them (then id); `cell(claim_id, outlet_id)` gives a cell's mark. Only the
    first `max_claims` claims get cells, each for the first `max_outlets` outlets only."""
    # the top-left corner of the grid is its busiest part
    outlets = sorted(names, key=lambda o: (-carried_by_outlet.get(o, 0), names[o], o))
    display = [names[o] for o in outlets]
    # two outlets may share a display name: tell them apart by id
    counts: dict[str, int] = {}
    for name in display:
        counts[name] = counts.get(name, 0) + 1
    labels = [n if counts[n] == 1 else f"{n} ({o})" for n, o in zip(display, outlets)]
    grid = StoryGrid(story_id, title, list(zip(outlets, labels)), claim_count=len(carried_by_claim), marks=marks)
    ranked = sorted(carried_by_claim.items(), key=lambda item: (-item[1][1], item[0]))
    for claim_id, (text, _) in ranked[:max_claims]:
        grid.claims.append((claim_id, text, [cell(claim_id, o) for o in outlets[:max_outlets]]))
    return grid


# The grid of a whole warehouse is one row per outlet and claim of a story: 8.0 M rows at 10k
# dumps, most of them in one story. Fetched as Python tuples for a preview of one story it took
# 11 GB and 50 s of the publish step. largest_story_grids asks DuckDB for what the ranking needs
# (per story, outlet and claim: how many cells are carried) and fetches only the cells shown;
# a (claim, outlet) pair with no row reads as omitted.
_GRID_CELLS = """
SELECT c.story_id, o.claim_id, o.outlet_id, o.is_covered, o.stance
FROM marts.fct_outlet_claims o JOIN marts.dim_claim c USING (claim_id)
"""
_LARGEST_STORIES_SQL = f"""
WITH cells AS ({_GRID_CELLS}),
story_outlets AS (SELECT story_id, count(DISTINCT outlet_id) AS outlets FROM cells GROUP BY story_id)
SELECT story_id, s.title, count(*) OVER () AS stories
FROM story_outlets LEFT JOIN marts.dim_story s USING (story_id)
ORDER BY outlets DESC, story_id LIMIT $max_stories
"""
_STORY_OUTLETS_SQL = f"""
WITH cells AS ({_GRID_CELLS} WHERE c.story_id = $story_id)
SELECT outlet_id, any_value(coalesce(d.outlet_name, outlet_id)), count(*) FILTER (WHERE is_covered)
FROM cells LEFT JOIN marts.dim_outlet d USING (outlet_id) GROUP BY outlet_id
"""
_STORY_CLAIMS_SQL = f"""
WITH cells AS ({_GRID_CELLS} WHERE c.story_id = $story_id)
SELECT claim_id, any_value(c.claim_text), count(*) FILTER (WHERE is_covered), count(*)
FROM cells JOIN marts.dim_claim c USING (claim_id) GROUP BY claim_id
"""
_STORY_MARKS_SQL = f"SELECT DISTINCT is_covered, stance FROM ({_GRID_CELLS} WHERE c.story_id = $story_id)"
_SHOWN_CELLS_SQL = f"""
SELECT claim_id, outlet_id, is_covered, stance FROM ({_GRID_CELLS} WHERE c.story_id = $story_id)
WHERE claim_id IN (SELECT unnest($claims)) AND outlet_id IN (SELECT unnest($outlets))
"""


def largest_story_grids(conn, max_stories: int, max_claims: int, max_outlets: int) -> tuple[list[StoryGrid], int]:
    """The grids of the `max_stories` stories covered by the most outlets (ties: story id), each
    ranked by _story_grid, with cells for its first `max_claims` claims and `max_outlets` outlets only;
    and how many stories the whole grid has. `conn`: DuckDB on a warehouse with the marts."""
    grids: list[StoryGrid] = []
    largest = conn.execute(_LARGEST_STORIES_SQL, {"max_stories": max_stories}).fetchall()
    total = largest[0][2] if largest else 0
    for story_id, title, _ in largest:
        story = {"story_id": story_id}
        outlets = conn.execute(_STORY_OUTLETS_SQL, story).fetchall()
        names = {o: name or o for o, name, _ in outlets}
        claim_rows = conn.execute(_STORY_CLAIMS_SQL, story).fetchall()
        marks = {cell_mark(*m) for m in conn.execute(_STORY_MARKS_SQL, story).fetchall()}
        if any(cell_count < len(names) for *_, cell_count in claim_rows):
            marks.add(cell_mark(False, None))
        carried_by_claim = {claim_id: (text, carried) for claim_id, text, carried, _ in claim_rows}
        ranked_claims = sorted(carried_by_claim, key=lambda c: (-carried_by_claim[c][1], c))[:max_claims]
        carried_by_outlet = {o: carried for o, _, carried in outlets}
        ranked_outlets = sorted(names, key=lambda o: (-carried_by_outlet[o], names[o], o))[:max_outlets]
        shown = {(c, o): (covered, stance) for c, o, covered, stance in conn.execute(
            _SHOWN_CELLS_SQL, {**story, "claims": ranked_claims, "outlets": ranked_outlets}).fetchall()}
        grids.append(_story_grid(
            story_id, title, names, carried_by_outlet, carried_by_claim,
            lambda c, o, shown=shown: cell_mark(*shown.get((c, o), (False, None))), marks, max_claims, max_outlets,
        ))
    return grids, total


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


def preview_markdown(grids: list[StoryGrid], story_count: int, max_claims: int = 8, max_outlets: int = 6) -> str:
    """The grid of the story covered by the most outlets (the first of largest_story_grids), as
    markdown; a larger grid is cut, and the cut is said. `story_count`: how many stories the
    whole grid has."""
    if not grids:
        return "_No claims found: the grid is empty._"
    grid = grids[0]
    outlets = grid.outlets[:max_outlets]
    shown = grid.claims[:max_claims]
    labels = [label for _, label in outlets]
    table_rows = [{"claim": text, **dict(zip(labels, cells))} for _, text, cells in shown]
    title = f" ({markdown_cell(grid.title, 80)})" if grid.title else ""
    header = (
        f"Story {markdown_cell(grid.story_id, 40)}{title}: {len(shown)} of {grid.claim_count} claims, "
        f"{len(outlets)} of {len(grid.outlets)} outlets "
        f"(largest of {story_count} {'story' if story_count == 1 else 'stories'}). {LEGEND}"
    )
    return header + "\n\n" + markdown_table(table_rows, ["claim", *labels], limit=max_claims, width=48)


# ---- plain text: the terminal ----------------------------------------------------------------

def _fit(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def terminal_text(grids: list[StoryGrid], story_count: int, width: int = 120, max_stories: int = 3,
                  max_claims: int = 15) -> str:
    """The grids of the stories covered by the most outlets (largest_story_grids, with cells for
    at least `width` outlets: no more columns fit), for a terminal `width` columns wide. Outlets
    are numbered columns, named in full above the grid; claim texts are cut to what the width
    leaves; what does not fit is counted, never dropped silently. `story_count`: how many
    stories the whole grid has."""
    if not grids:
        return "(no claims found: the grid is empty)"
    lines: list[str] = []
    for grid in grids[:max_stories]:
        cell_width = max(len(f"[{len(grid.outlets)}]"), *(len(m) for m in grid.marks))
        fit_outlets = max(1, (width - 2 - 30) // (cell_width + 2))
        outlets = grid.outlets[:fit_outlets]
        text_width = max(30, width - 2 - (cell_width + 2) * len(outlets))
        title = f" — {grid.title}" if grid.title else ""
        lines.append("")
        lines.append(_fit(f"Story {grid.story_id}{title}", width))
        lines.append(f"  {grid.claim_count} claims, {len(grid.outlets)} outlets:")
        lines.extend("    " + _fit(f"[{i}] {label}", width - 4) for i, (_, label) in enumerate(outlets, 1))
        if len(outlets) < len(grid.outlets):
            lines.append(f"    (+{len(grid.outlets) - len(outlets)} more outlets than fit in {width} columns)")
        lines.append(("  " + "claim".ljust(text_width) + "".join(
            f"  {f'[{i}]':<{cell_width}}" for i in range(1, len(outlets) + 1))).rstrip())
        for _, text, cells in grid.claims[:max_claims]:
            lines.append("  " + _fit(text, text_width).ljust(text_width)
                         + "".join(f"  {c:<{cell_width}}" for c in cells[:len(outlets)]).rstrip())
        if grid.claim_count > max_claims:
            lines.append(f"  (+{grid.claim_count - max_claims} more claims)")
    if story_count > max_stories:
        lines.append(f"\n(+{story_count - max_stories} more stories with claims)")
    lines.append("")
    lines.append(LEGEND + " Any story in full: warehouse/queries/story_grid.sql")
    return "\n".join(lines)
