"""One analyst's round on the snapshot, in a process of its own (as `make sql` is): every example
query, then again with a story chosen. Used by test_queries while a pipeline run writes.

    python -m tests.integration.query_round SNAPSHOT
"""
from __future__ import annotations

import sys

import duckdb

from tests.integration.test_queries import QUERIES, SET_STORY, run_query

if __name__ == "__main__":
    conn = duckdb.connect(sys.argv[1], read_only=True)
    try:
        for path in QUERIES:
            run_query(conn, path)
        conn.execute(SET_STORY)
        for path in QUERIES:
            run_query(conn, path)
    finally:
        conn.close()
