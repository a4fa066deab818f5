"""Markdown previews in materialization metadata carry dump text: it must not break the table,
format itself or inject HTML, whatever it holds. Rendered here with a real CommonMark renderer
with raw HTML *allowed* (the worst case) and the table extension, then parsed."""
from __future__ import annotations

import random
from html.parser import HTMLParser

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from orchestration.assets.common import progress_line
from orchestration.grid import (
    OMITTED,
    cell_mark,
    largest_story_grids,
    markdown_cell,
    markdown_table,
    preview_markdown,
    terminal_text,
)

HOSTILE = [
    "a | b || c",
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "*bold* **strong** _em_ ~~gone~~ `code`",
    "[click](javascript:alert(1)) ![img](http://x/y.png) <http://evil.example>",
    "# heading\n- list\n> quote\r\n\t| --- |",
    "back\\slash \\| escaped pipe \\",
    "&amp; &lt;b&gt; entity",
]
TABLE_TAGS = {"table", "thead", "tbody", "tr", "th", "td"}


class TableShape(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.cells_per_row: list[int] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self.cells_per_row.append(0)
        elif tag in ("td", "th"):
            self.cells_per_row[-1] += 1


def render(markdown: str) -> TableShape:
    shape = TableShape()
    shape.feed(MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown))
    return shape


def assert_clean_table(markdown: str, columns: int, rows: int) -> None:
    shape = render(markdown)
    assert set(shape.tags) <= TABLE_TAGS | {"p"}, shape.tags  # no script, a, img, em, code ...
    assert shape.tags.count("table") == 1
    assert shape.cells_per_row == [columns] * (rows + 1)


def test_hostile_cells_stay_in_their_cells():
    rows = [{"claim": text, "note": text[::-1]} for text in HOSTILE]
    table = markdown_table(rows, ["claim", "note"])
    assert_clean_table(table, columns=2, rows=len(HOSTILE))
    assert "<script" not in table and "<img" not in table


def test_hostile_headers_are_escaped_too():
    assert_clean_table(markdown_table([{"a|b": "x", "<b>": "y"}], ["a|b", "<b>"]), columns=2, rows=1)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=120), min_size=1, max_size=4))
def test_any_text_keeps_the_table_shape(texts):
    columns = [f"c{i}" for i in range(len(texts))]
    table = markdown_table([dict(zip(columns, texts))], columns)
    assert_clean_table(table, columns=len(columns), rows=1)


def test_cells_are_truncated_before_escaping():
    cell = markdown_cell("|" * 500, width=20)
    assert cell == "\\|" * 19 + "…"
    assert markdown_cell("x" * 10, width=20) == "x" * 10
    assert markdown_cell(None) == ""
    assert markdown_cell("line one\n\nline\ttwo") == "line one line two"


def _grid_warehouse(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    """A DuckDB with the four marts the grid reads, holding `rows`: (story_id, claim_id,
    claim_text, origin, outlet_id, outlet_name, is_covered, stance, attributed_to[, story title]),
    one per cell of fct_outlet_claims."""
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA marts")
    conn.execute("CREATE TABLE marts.fct_outlet_claims (story_id VARCHAR, claim_id VARCHAR, outlet_id VARCHAR, "
                 "is_covered BOOLEAN, stance VARCHAR, attributed_to VARCHAR)")
    conn.execute("CREATE TABLE marts.dim_claim (claim_id VARCHAR, story_id VARCHAR, claim_text VARCHAR, origin VARCHAR, "
                 "outlet_count BIGINT)")
    conn.execute("CREATE TABLE marts.dim_outlet (outlet_id VARCHAR, outlet_name VARCHAR)")
    conn.execute("CREATE TABLE marts.dim_story (story_id VARCHAR, title VARCHAR)")
    if rows:
        conn.executemany("INSERT INTO marts.fct_outlet_claims VALUES (?, ?, ?, ?, ?, ?)",
                         [(r[0], r[1], r[4], r[6], r[7], r[8]) for r in rows])
        claims = {r[1]: (r[1], r[0], r[2], r[3]) for r in rows}
        conn.executemany("INSERT INTO marts.dim_claim VALUES (?, ?, ?, ?, ?)",
                         [(*c, sum(1 for r in rows if r[1] == c[0] and r[6])) for c in claims.values()])
        conn.executemany("INSERT INTO marts.dim_outlet VALUES (?, ?)", sorted({(r[4], r[5]) for r in rows}))
        conn.executemany("INSERT INTO marts.dim_story VALUES (?, ?)",
                         sorted({(r[0], r[9] if len(r) > 9 else None) for r in rows}))
    return conn


def preview_of(rows: list[tuple], max_claims: int = 8, max_outlets: int = 6) -> str:
    with _grid_warehouse(rows) as conn:
        grids, stories = largest_story_grids(conn, 1, max_claims, max_outlets)
    return preview_markdown(grids, stories, max_claims, max_outlets)


HOSTILE_CLAIM = "The *minister* said | <script>alert(1)</script> [x](javascript:y)"
# two stories; in s1 two outlets share a display name, and o2 has no row for c2 (it reads as omitted)
SMALL_GRID = [
    ("s1", "c1", HOSTILE_CLAIM, "discovered", "o1", "Daily | Paper", True, "asserts", None),
    ("s1", "c1", HOSTILE_CLAIM, "discovered", "o2", "Same Name", False, None, None),
    ("s1", "c1", HOSTILE_CLAIM, "discovered", "o3", "Same Name", True, "denies", None),
    ("s1", "c2", "a second claim", "discovered", "o1", "Daily | Paper", False, None, None),
    ("s1", "c2", "a second claim", "discovered", "o3", "Same Name", True, "reports", None),
    ("s2", "c9", "a smaller story", "catalog", "o1", "Daily | Paper", True, "asserts", None),
]


def test_the_largest_story_comes_first_its_busiest_outlets_and_claims_top_left():
    with _grid_warehouse(SMALL_GRID) as conn:
        grids, stories = largest_story_grids(conn, 5, max_claims=10, max_outlets=10)
    assert stories == 2 and [g.story_id for g in grids] == ["s1", "s2"]
    s1 = grids[0]
    # o3 carries two claims, o1 one, o2 none; c1 is carried by two outlets, c2 by one
    assert s1.outlets == [("o3", "Same Name (o3)"), ("o1", "Daily | Paper"), ("o2", "Same Name (o2)")]
    assert s1.claims == [("c1", HOSTILE_CLAIM, ["✓ denies", "✓ asserts", "✗"]),
                         ("c2", "a second claim", ["✓ reports", "✗", "✗"])]      # (c2, o2): no row, omitted
    assert s1.claim_count == 2 and s1.marks == {"✓ denies", "✓ asserts", "✓ reports", "✗"}


def test_grid_preview_marks_carried_and_omitted_claims_and_escapes_claim_text():
    preview = preview_of(SMALL_GRID)
    header, table = preview.split("\n\n", 1)
    assert "s1" in header and "2 of 2 claims" in header and "3 of 3 outlets" in header
    assert "(largest of 2 stories)" in header
    assert_clean_table(table, columns=4, rows=2)
    assert table.splitlines()[0] == "| claim | Same Name \\(o3\\) | Daily \\| Paper | Same Name \\(o2\\) |"
    assert "✓ asserts" in table and "✓ denies" in table and "✓ reports" in table and "✗" in table
    assert "<script" not in preview


def test_grid_preview_cuts_large_grids_and_says_so():
    rows = [
        ("s", f"c{c:02d}", f"claim {c}", "discovered", f"o{o}", f"outlet {o}", (c + o) % 2 == 0, "reports", None)
        for c in range(30) for o in range(10)
    ]
    preview = preview_of(rows, max_claims=8, max_outlets=6)
    assert "8 of 30 claims" in preview and "6 of 10 outlets" in preview
    assert_clean_table(preview.split("\n\n", 1)[1], columns=7, rows=8)


def test_empty_grid():
    assert "empty" in preview_of([])
    assert "empty" in terminal_text([], 0)


def test_progress_line_has_count_rate_and_time_left():
    line = progress_line("split documents", 40, 200, 4.0)
    assert line.startswith("split documents 40/200 (10.0/s, 4s elapsed")
    assert "~16s left" in line
    assert progress_line("cleaned", 5, 5, 1.0, unit="documents").startswith("cleaned 5/5 documents (5.0/s")


def _random_grid(seed: int) -> list[tuple]:
    """Several stories (ties in outlet count), shared outlet names, missing cells, ties in
    carried counts."""
    rng = random.Random(seed)
    rows = []
    for s in range(rng.randint(2, 6)):
        outlets = rng.sample(range(12), rng.randint(1, 12))
        for c in range(rng.randint(1, 25)):
            for o in outlets:
                if rng.random() < 0.15:
                    continue  # no row: the cell reads as omitted
                covered = rng.random() < 0.5
                rows.append((f"s{s}", f"s{s}-c{c:02d}", f"claim {s}.{c}", "discovered", f"o{o:02d}",
                             f"Outlet {o % 5}", covered, rng.choice(["asserts", "denies", "reports"]) if covered else None,
                             None, f"story {s}"))
    return rows


@pytest.mark.parametrize("seed", range(5))
def test_grids_read_from_duckdb_follow_the_ranking_and_any_cut_is_a_corner_of_the_whole(seed):
    # publish and the terminal report fetch only the cells they show: each cut must be the
    # top-left corner of the whole grid, and the whole grid must hold every row's mark
    rows = _random_grid(seed)
    conn = _grid_warehouse(rows)
    whole, stories = largest_story_grids(conn, 10, 10**6, 10**6)
    outlets_of = {}
    for r in rows:
        outlets_of.setdefault(r[0], set()).add(r[4])
    assert stories == len(outlets_of)
    assert [g.story_id for g in whole] == sorted(outlets_of, key=lambda s: (-len(outlets_of[s]), s))
    marks = {(r[1], r[4]): cell_mark(r[6], r[7]) for r in rows}
    for grid in whole:
        outlet_ids = [o for o, _ in grid.outlets]
        assert set(outlet_ids) == outlets_of[grid.story_id]
        cells = {(claim_id, o): cell for claim_id, _, row in grid.claims for o, cell in zip(outlet_ids, row)}
        assert cells == {(c, o): marks.get((c, o), OMITTED) for c, _, _ in grid.claims for o in outlet_ids}
        carried_by_claim = [sum(cell != OMITTED for cell in row) for _, _, row in grid.claims]
        assert carried_by_claim == sorted(carried_by_claim, reverse=True)
        carried_by_outlet = [sum(row[i] != OMITTED for _, _, row in grid.claims) for i in range(len(outlet_ids))]
        assert carried_by_outlet == sorted(carried_by_outlet, reverse=True)
    for max_claims, max_outlets in [(1, 1), (3, 4), (8, 6), (40, 40)]:
        cut, cut_stories = largest_story_grids(conn, 1, max_claims, max_outlets)
        assert cut_stories == stories and cut[0].outlets == whole[0].outlets
        assert cut[0].claims == [(c, t, row[:max_outlets]) for c, t, row in whole[0].claims[:max_claims]]
        assert preview_markdown(cut, stories, max_claims, max_outlets) == preview_markdown(
            whole, stories, max_claims, max_outlets)
        for width in (60, 120):
            cut, _ = largest_story_grids(conn, 2, max_claims, max_outlets=width)
            assert terminal_text(cut, stories, width, 2, max_claims) == terminal_text(whole, stories, width, 2, max_claims)
