"""`python -m orchestration.report`: the outlet x claim grid from the published snapshot.

Reads analytics.duckdb read-only, like any analyst; never the live warehouse.
"""
from __future__ import annotations

import sys
import textwrap

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
