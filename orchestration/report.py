"""The outlet x claim grid, rendered for people: `python -m orchestration.report` prints it from
the published snapshot (read-only, like any analyst; never the live warehouse), and the publish
asset attaches a small markdown preview of it to its materialization.

Dump text is hostile input (claim texts are sentences of crawled pages): every markdown cell is
flattened, truncated and escaped so no text can break a table, format itself or inject HTML.
"""
from __future__ import annotations

import html
import re
import sys
import textwrap
from collections.abc import Iterable

import duckdb

from orchestration.settings import load_settings

GRID_SQL = """
SELECT c.story_id, c.claim_id, c.claim_text, c.origin, o.outlet_id, coalesce(d.outlet_name, o.outlet_id) AS outlet_name,
       o.is_covered, o.stance, o.attributed_to
FROM marts.fct_outlet_claims o
JOIN marts.dim_claim c USING (claim_id)
LEFT JOIN marts.dim_outlet d USING (outlet_id)
ORDER BY c.story_id, c.outlet_count DESC, c.claim_id, outlet_name
"""

MARK = {"asserts": "A", "reports": "R", "denies": "D", "questions": "Q", "mixed": "M"}

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
    """The grid of the story covered by the most outlets, as markdown: claims down, outlets
    across, a cell `✓ stance` where the outlet carries the claim and `✗` where it omits it.
    `rows` are GRID_SQL rows. Larger grids are cut, and the cut is said."""
    if not rows:
        return "_No claims found: the grid is empty._"
    stories: dict[str, list[tuple]] = {}
    for row in rows:
        stories.setdefault(row[0], []).append(row)
    story_id, story_rows = max(stories.items(), key=lambda item: (len({r[4] for r in item[1]}), item[0]))
    outlet_names: dict[str, str] = {}
    claims: dict[str, dict] = {}
    for r in story_rows:
        outlet_names.setdefault(r[4], r[5])
        claim = claims.setdefault(r[1], {"text": r[2], "carried": 0, "cells": {}})
        claim["cells"][r[4]] = (r[6], r[7])
        claim["carried"] += bool(r[6])
    # outlets that carry the most claims first, claims most carried first: the top-left corner
    # of the grid is its busiest part
    carried_by_outlet = {o: sum(bool(c["cells"].get(o, (False,))[0]) for c in claims.values()) for o in outlet_names}
    outlets = sorted(outlet_names, key=lambda o: (-carried_by_outlet[o], outlet_names[o] or o))[:max_outlets]
    shown = sorted(claims.items(), key=lambda item: (-item[1]["carried"], item[0]))[:max_claims]
    names = [outlet_names[o] or o for o in outlets]
    # two outlets may share a display name: tell them apart by id
    labels = [n if names.count(n) == 1 else f"{n} ({o})" for n, o in zip(names, outlets)]
    table_rows = []
    for _claim_id, claim in shown:
        row = {"claim": claim["text"]}
        for outlet, label in zip(outlets, labels):
            covered, stance = claim["cells"].get(outlet, (False, None))
            row[label] = f"✓ {stance or '?'}" if covered else "✗"
        table_rows.append(row)
    header = (
        f"Story {markdown_cell(story_id, 40)}: {len(shown)} of {len(claims)} claims, "
        f"{len(outlets)} of {len(outlet_names)} outlets "
        f"(largest of {len(stories)} {'story' if len(stories) == 1 else 'stories'}). "
        "✓ carries the claim (with its stance), ✗ omits it."
    )
    return header + "\n\n" + markdown_table(table_rows, ["claim", *labels], limit=max_claims, width=48)


def render_grid(rows: list[tuple]) -> str:
    if not rows:
        return "(no claims found: the grid is empty)"
    lines: list[str] = []
    stories: dict[str, list[tuple]] = {}
    for row in rows:
        stories.setdefault(row[0], []).append(row)
    for story_id, story_rows in stories.items():
        outlets = sorted({r[5] for r in story_rows})
        short = {name: name[:14] for name in outlets}
        lines.append(f"\nstory {story_id}: {len(outlets)} outlets")
        lines.append(f"  {'claim':<62} " + " ".join(f"{short[o]:>14}" for o in outlets))
        claims: dict[str, dict] = {}
        for r in story_rows:
            claims.setdefault(r[1], {"text": r[2], "origin": r[3], "cells": {}})["cells"][r[5]] = (r[6], r[7])
        for claim in claims.values():
            text = textwrap.shorten(claim["text"], 60, placeholder="…")
            cells = []
            for outlet in outlets:
                covered, stance = claim["cells"].get(outlet, (False, None))
                cells.append(f"{('x ' + MARK.get(stance, '?')) if covered else '.':>14}")
            lines.append(f"  {text:<62} " + " ".join(cells))
    lines.append("\nx = carries the claim (A asserts, R reports, D denies, Q questions, M mixed); . = omits it")
    return "\n".join(lines)


def main() -> int:
    settings = load_settings()
    path = settings.snapshot_db_path
    if not path.exists():
        print(f"no published snapshot at {path}: the last run did not pass its gates", file=sys.stderr)
        return 1
    conn = duckdb.connect(str(path), read_only=True)
    try:
        rows = conn.execute(GRID_SQL).fetchall()
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM marts.dim_document), (SELECT count(*) FROM marts.dim_outlet), "
            "(SELECT count(*) FROM marts.dim_claim)"
        ).fetchone()
    finally:
        conn.close()
    print(render_grid(rows))
    print(f"\n{counts[0]} documents, {counts[1]} outlets, {counts[2]} claims")
    print(f"live warehouse:     {settings.live_db_path}")
    print(f"analyst snapshot:   {path}  (open read-only: make sql)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
