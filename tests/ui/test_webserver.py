"""`dagster dev` starts on a free port, its webserver answers and the code location loads."""
from __future__ import annotations

import urllib.request

import pytest

pytestmark = pytest.mark.ui


def test_dagster_dev_serves_the_ui_and_loads_claimgrid(dagster_dev):
    # the fixture returns only once the claimgrid location is LOADED (not a load error)
    with urllib.request.urlopen(f"{dagster_dev.url}/server_info", timeout=10) as response:
        assert b"dagster_webserver_version" in response.read()
    jobs = dagster_dev.graphql(
        '{ repositoriesOrError { ... on RepositoryConnection { nodes { name jobs { name } } } } }'
    )["data"]["repositoriesOrError"]["nodes"]
    assert "claimgrid_all" in {job["name"] for repo in jobs for job in repo["jobs"]}
