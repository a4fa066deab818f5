"""`python -m orchestration.report`: the grid and what the snapshot holds, printed from the
published snapshot (read-only, like any analyst; never the live warehouse). The grid itself is
orchestration/grid.py's, the same renderer as the UI preview."""
from __future__ import annotations

import shutil
import sys

import duckdb

from orchestration.grid import largest_story_grids, terminal_text
from orchestration.settings import load_settings

COUNTS_SQL = """
SELECT (SELECT count(*) FROM marts.dim_document), (SELECT count(*) FROM marts.dim_outlet),
       (SELECT count(*) FROM marts.dim_story), (SELECT count(*) FROM marts.dim_claim),
       (SELECT count(*) FROM marts.fct_retractions)
"""
REPORTED_STORIES, REPORTED_CLAIMS = 3, 15
# stories whose documents share no claim with another document: no grid to show, say so
LONE_STORIES_SQL = """
SELECT story_id, outlet_names, document_count, title FROM marts.dim_story
WHERE claim_count = 0 ORDER BY document_count DESC, story_id LIMIT 5
"""


def snapshot_report(conn: duckdb.DuckDBPyConnection, width: int = 120) -> str:
    # the stories and cells the terminal shows, not the whole grid (8 M rows at 10k dumps); no
    # more than `width` outlet columns fit
    grids, stories = largest_story_grids(conn, REPORTED_STORIES, REPORTED_CLAIMS, max_outlets=width)
    lines = [terminal_text(grids, stories, width, REPORTED_STORIES, REPORTED_CLAIMS), ""]
    documents, outlets, stories, claims, retracted = conn.execute(COUNTS_SQL).fetchone()
    lines.append(f"{documents} documents, {outlets} outlets, {stories} stories, {claims} claims"
                 + (f", {retracted} retracted documents (marts.fct_retractions)" if retracted else ""))
    for story_id, outlet_names, document_count, title in conn.execute(LONE_STORIES_SQL).fetchall():
        about = f" — {title}" if title else ""
        lines.append(f"  no claim shared with another document: {story_id} ({outlet_names}, "
                     f"{document_count} document{'s' if document_count != 1 else ''}){about}"[:width])
    return "\n".join(lines)


def main() -> int:
    settings = load_settings()
    path = settings.snapshot_db_path
    if not path.exists():
        print(f"no published snapshot at {path}: the last run did not pass its gates", file=sys.stderr)
        return 1
    conn = duckdb.connect(str(path), read_only=True)
    try:
        print(snapshot_report(conn, width=min(140, max(80, shutil.get_terminal_size((120, 40)).columns))))
    finally:
        conn.close()
    print(f"live warehouse:     {settings.live_db_path}")
    print(f"analyst snapshot:   {path}  (open read-only: make sql)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
