"""The published snapshot explains itself: dbt's descriptions are DuckDB comments on every mart
table and column, stories have a dimension with a headline, and the grid reads the same in the
terminal, the UI preview and SQL."""
from __future__ import annotations

import pytest
import yaml

from orchestration.grid import largest_story_grids, preview_markdown, terminal_text
from tests.conftest import DBT_DIR, REPO_ROOT

pytestmark = pytest.mark.integration


def test_every_mart_column_and_table_has_its_dbt_description_as_a_comment(snapshot):
    columns, commented = snapshot.execute(
        "SELECT count(*), count(comment) FROM duckdb_columns() WHERE database_name = 'analytics' AND schema_name = 'marts'"
    ).fetchone()
    assert columns > 50 and commented == columns
    assert snapshot.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts' AND comment IS NULL").fetchone()[0] == 0
    spec = yaml.safe_load((DBT_DIR / "models" / "marts" / "fct_outlet_claims.yml").read_text())["models"][0]
    described = {c["name"]: c["description"] for c in spec["columns"]}
    comments = dict(snapshot.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE schema_name = 'marts' AND table_name = 'fct_outlet_claims'"
    ).fetchall())
    assert comments == {name: text.strip() for name, text in described.items()}


def test_dim_story_has_one_row_per_story_with_counts_that_add_up(snapshot):
    stories = snapshot.execute(
        "SELECT story_id, title, first_published_at, last_published_at, outlet_count, document_count, claim_count "
        "FROM marts.dim_story").fetchall()
    by_document = dict(snapshot.execute(
        "SELECT story_id, count(*) FROM marts.dim_document GROUP BY story_id").fetchall())
    assert {s[0]: s[5] for s in stories} == by_document
    claims = dict(snapshot.execute("SELECT story_id, count(*) FROM marts.dim_claim GROUP BY story_id").fetchall())
    assert all(s[6] == claims.get(s[0], 0) for s in stories)
    # the four-outlet story is titled by a headline one of its documents carries
    largest = max(stories, key=lambda s: s[4])
    titles = {r[0] for r in snapshot.execute(
        "SELECT title FROM marts.dim_document WHERE story_id = ?", [largest[0]]).fetchall()}
    assert largest[1] in titles and largest[2] <= largest[3]


def test_terminal_preview_and_sql_grid_show_the_same_cells(snapshot):
    grids, stories = largest_story_grids(snapshot, 1, max_claims=10**6, max_outlets=10**6)
    grid = grids[0]
    snapshot.execute(f"SET VARIABLE story_id = '{grid.story_id}'")
    try:
        result = snapshot.execute((REPO_ROOT / "warehouse" / "queries" / "story_grid.sql").read_text())
        columns = [d[0] for d in result.description]
        sql_cells = {row[0]: dict(zip(columns[3:], row[3:])) for row in result.fetchall()}
    finally:
        snapshot.execute("RESET VARIABLE story_id")
    labels = [label for _, label in grid.outlets]
    assert set(labels) == set(columns[3:]), "full outlet names, as in SQL"
    assert {claim_id: dict(zip(labels, cells)) for claim_id, _, cells in grid.claims} == sql_cells
    text = terminal_text(grids, stories, width=200, max_claims=50)
    preview = preview_markdown(grids, stories, max_claims=50, max_outlets=50)
    for _, _, cells in grid.claims:
        for cell in cells:
            assert cell in text and cell in preview
    for label in labels:
        assert label in text
