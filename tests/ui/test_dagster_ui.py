"""An engineer's session in the Dagster UI, in a real (headless) Chromium.

Opens the global asset lineage, finds the assets of every stage group, clicks "Materialize all",
picks the samples' landing day in the partition dialog, launches one run, follows it to its
page, waits for it to succeed, reads the asset checks' results in the run's log, and opens the
grid preview on the publish asset. Leaves screenshots in warehouse/screenshots/
(dagster_ui_run.png, dagster_ui_grid_preview.png).
"""
from __future__ import annotations

import re
import shutil
import time
import urllib.request
from collections import defaultdict
from contextlib import nullcontext
from pathlib import Path

import duckdb
import pytest

from orchestration.landed import landing_day_range
from tests.conftest import REPO_ROOT, SAMPLES_DIR
from tests.ui.dagster_dev import SENSOR_RUN_TAG

pytestmark = pytest.mark.ui

SCREENSHOT_COPY = REPO_ROOT / "warehouse" / "screenshots" / "dagster_ui_run.png"
# Generous: the machine is shared; a run on the samples takes ~1 min alone.
RUN_TIMEOUT_MS = 15 * 60 * 1000
UI_TIMEOUT_MS = 90 * 1000

# Stage groups the graph must show whatever the modules behind them look like.
REQUIRED_GROUPS = {
    "ingest", "clean", "language", "outlets", "sentences", "claims",
    "dbt_staging", "dbt_intermediate", "dbt_marts", "publish",
}


def expected_graph() -> tuple[dict[str, list[str]], int]:
    """Asset names by group, and the number of asset checks, as the code location defines them."""
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    groups: dict[str, list[str]] = defaultdict(list)
    for key in graph.materializable_asset_keys:
        groups[graph.get(key).group_name].append(key.path[-1])
    return {g: sorted(names) for g, names in groups.items()}, len(graph.asset_check_keys)


def sidebar_row(page, title: str):
    return page.locator("[class*=AssetSidebarNode_itemContainer]").filter(
        has=page.get_by_title(title, exact=True)
    )


def test_dagster_dev_serves_the_ui_and_loads_claimgrid(dagster_dev):
    """`dagster dev` starts on a free port, its webserver answers and the code location loads
    (in this file, beside the browser test, so both use one `dagster dev`: under xdist a test
    file stays on one worker)."""
    # the fixture returns only once the claimgrid location is LOADED (not a load error)
    with urllib.request.urlopen(f"{dagster_dev.url}/server_info", timeout=10) as response:
        assert b"dagster_webserver_version" in response.read()
    jobs = dagster_dev.graphql(
        '{ repositoriesOrError { ... on RepositoryConnection { nodes { name jobs { name } } } } }'
    )["data"]["repositoriesOrError"]["nodes"]
    assert "claimgrid_all" in {job["name"] for repo in jobs for job in repo["jobs"]}


def test_engineer_materializes_everything_from_the_ui(browser, dagster_dev, tmp_path: Path):
    from playwright.sync_api import expect

    expect.set_options(timeout=UI_TIMEOUT_MS)  # expect() does not follow the context's default
    groups, check_count = expected_graph()
    sample_day = landing_day_range(SAMPLES_DIR)[-1]
    assert REQUIRED_GROUPS <= set(groups), f"stage groups missing from the definitions: {REQUIRED_GROUPS - set(groups)}"
    started = time.monotonic()

    with nullcontext(dagster_dev) as dev:   # the session's dagster dev (tests/ui/conftest.py)
        context = browser.new_context(viewport={"width": 1600, "height": 1400})
        context.set_default_timeout(UI_TIMEOUT_MS)
        page = context.new_page()
        # A fresh instance greets the first visitor with a newsletter dialog over the page.
        page.add_locator_handler(
            page.get_by_text("Join the Dagster community"),
            lambda: page.get_by_role("button", name="Skip").click(),
        )
        try:
            # 1. The asset graph: every stage group, and every asset inside it.
            page.goto(f"{dev.url}/asset-groups")
            expect(page.get_by_text("Global asset lineage")).to_be_visible()
            for group in sorted(groups):
                row = sidebar_row(page, group)
                expect(row).to_have_count(1)
                caret = row.get_by_role("img", name="arrow_drop_down")
                caret.click()
                for name in groups[group]:
                    # a group and its asset may share a name ("sentences"): expect both rows
                    expect(sidebar_row(page, name)).to_have_count(2 if name == group else 1)
                caret.click()  # collapse again so the next group's rows fit on screen
            page.screenshot(path=str(tmp_path / "asset_graph.png"))

            # 2. Materialize everything and follow the run the UI launched. The document stages
            # are partitioned by landing day: the dialog asks which days (the samples' one).
            page.get_by_role("button", name="Materialize all").click()
            dialog = page.get_by_role("dialog").filter(has_text="Partition selection")
            days = dialog.get_by_placeholder("No matching partitions")
            days.fill(sample_day)
            days.press("Enter")
            expect(dialog.get_by_text("1 partition", exact=True)).to_be_visible()
            dialog.get_by_role("button", name="Launch 1 run").click()
            toast = page.get_by_text(re.compile(r"^Launched run [0-9a-f]{8}"))
            expect(toast).to_be_visible()
            short_id = toast.inner_text().split()[-1]
            page.get_by_text("View", exact=True).first.click()
            page.wait_for_url(re.compile(rf"/runs/{short_id}[0-9a-f-]+"))
            run_id = page.url.rstrip("/").split("/runs/")[1].split("?")[0]

            # 3. The run page's status tag turns Success (or tells us it did not).
            final = page.get_by_text(re.compile(r"^(Success|Failure|Canceled)$")).first
            expect(final).to_be_visible(timeout=RUN_TIMEOUT_MS)
            assert final.inner_text() == "Success", f"run {run_id} ended {final.inner_text()}:\n{dev.log_tail()}"
            expect(page.get_by_text(f"{check_count} checks", exact=True)).to_be_visible()

            # 4. The checks' outcomes in the run log: evaluations shown as succeeded; a failure
            # shown may only be a warning check (those report, they do not gate).
            page.get_by_placeholder("Filter…").fill("type:ASSET_CHECK_EVALUATION")
            succeeded = page.get_by_text(re.compile(r"^Check \S+ succeeded for materialization of "))
            expect(succeeded.first).to_be_visible()
            failed_shown = {
                text.split()[1]
                for text in page.get_by_text(re.compile(r"^Check \S+ failed")).all_inner_texts()
            }
            screenshot = tmp_path / "dagster_ui_run.png"
            page.screenshot(path=str(screenshot))

            # 5. The publish asset's page: its row count and the grid preview, rendered as one
            # table (escaped claim text cannot add cells, markup or scripts).
            page.goto(f"{dev.url}/assets/analytics_snapshot")
            expect(page.get_by_text("Row count", exact=True)).to_be_visible()
            page.get_by_text("[Show Markdown]").click()
            dialog = page.get_by_role("dialog").filter(has_text="grid_preview")
            expect(dialog.locator("table")).to_have_count(1)
            expect(dialog.locator("tr").first).to_be_visible()
            expect(dialog.locator("script")).to_have_count(0)
            header_cells = dialog.locator("tr").first.locator("th").count()
            for row in dialog.locator("tr").all()[1:]:
                assert row.locator("td").count() == header_cells
            grid_screenshot = tmp_path / "dagster_ui_grid_preview.png"
            dialog.screenshot(path=str(grid_screenshot))
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"))
            print(f"dagster dev log tail:\n{dev.log_tail()}")
            raise
        finally:
            context.close()

        # What the UI showed is what happened (read from the instance's event log): the run
        # launched from the UI evaluated every check, every blocking one passed, and the publish
        # step left a snapshot. The landing sensor, on by default, asked for a run of its own,
        # which the test instance holds in the queue (tests/ui/dagster_dev.py).
        outcomes = check_outcomes(dev.home, run_id)
        assert len({name for name, _, _ in outcomes}) == check_count, len(outcomes)
        blocking_failed = [name for name, passed, blocking in outcomes if blocking and not passed]
        assert not blocking_failed
        assert queued_sensor_runs(dev.home), "the landing sensor asked for no run"
        warned = {name for name, passed, _ in outcomes if not passed}
        assert failed_shown <= warned, failed_shown - warned
        print(f"{check_count} checks: {check_count - len(warned)} passed, {len(warned)} warnings {sorted(warned)}")
        snapshot = dev.warehouse_dir / "analytics.duckdb"
        with duckdb.connect(str(snapshot), read_only=True) as conn:
            assert conn.execute("SELECT count(*) FROM marts.dim_document").fetchone()[0] > 0

    SCREENSHOT_COPY.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot, SCREENSHOT_COPY)
    shutil.copy(grid_screenshot, SCREENSHOT_COPY.with_name("dagster_ui_grid_preview.png"))
    print(f"UI test wall time {time.monotonic() - started:.0f}s; screenshot {SCREENSHOT_COPY}")


def check_outcomes(home: Path, run_id: str) -> list[tuple[str, bool, bool]]:
    """(check name, passed, blocking) of every check evaluation of the run, from the instance's
    event log."""
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(home))
    try:
        records = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        evaluations = [r.dagster_event.event_specific_data for r in records]
        return [
            (e.asset_check_key.name, e.passed, e.severity == dg.AssetCheckSeverity.ERROR)
            for e in evaluations
        ]
    finally:
        instance.dispose()


def queued_sensor_runs(home: Path) -> list[str]:
    """Ids of the runs the landing sensor asked for, still waiting in the queue."""
    import dagster as dg
    from dagster._core.storage.dagster_run import RunsFilter

    key, value = SENSOR_RUN_TAG
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        runs = instance.get_runs(filters=RunsFilter(tags={key: value}, statuses=[dg.DagsterRunStatus.QUEUED]))
        return [run.run_id for run in runs]
    finally:
        instance.dispose()
