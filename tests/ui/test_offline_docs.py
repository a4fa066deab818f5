"""`make docs` output opened in a real (headless) Chromium with the network cut: every request
that leaves the machine (anything but file:// and loopback) is aborted and recorded. The GX
Data Docs index must list the validation results and open one; the dbt docs must show a model
page with its description and columns; no page may raise a script error."""
from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from orchestration.checks.gates import GATES
from orchestration.docs import build_dbt_docs, build_gx_docs

pytestmark = pytest.mark.ui

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# the blocking gate of the cleaned documents: one validation result the docs must list
SUITE = next(g.suite_name for g in GATES if g.asset == "raw/documents" and g.blocking)
TIMEOUT_MS = 60 * 1000


@pytest.fixture(scope="module")
def docs_dir(sample_warehouse: Path, tmp_path_factory) -> Path:
    """`make docs` on a copy of the session's run on the samples (dbt docs generate opens the
    warehouse it documents, so not the shared one)."""
    warehouse = tmp_path_factory.mktemp("docs") / "warehouse"
    shutil.copytree(sample_warehouse, warehouse)
    docs = warehouse / "docs"
    build_gx_docs(warehouse, docs)
    build_dbt_docs(warehouse, docs)
    return docs


@pytest.fixture
def offline_page(browser):
    """A page whose network stops at the machine's edge; yields (page, blocked, errors)."""
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    blocked: list[str] = []
    errors: list[str] = []

    def only_local(route):
        url = urlparse(route.request.url)
        if url.scheme in ("file", "data", "blob", "about") or url.hostname in LOOPBACK:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", only_local)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page, blocked, errors
    context.close()


def test_gx_data_docs_list_and_show_validation_results_offline(docs_dir: Path, offline_page):
    from playwright.sync_api import expect

    page, blocked, errors = offline_page
    page.goto((docs_dir / "gx" / "index.html").as_uri())
    # bootstrap-table (vendored JS) fills the results table from the page's data: no JS, no rows
    results = page.locator("#section-1-content-block-2-1-body-table tbody tr")
    expect(results.first).to_be_visible()
    assert results.count() >= 5, f"only {results.count()} validation results listed"
    # bootstrap-table's search box (vendored JS) filters the list down to one suite
    page.get_by_placeholder("Search").first.press_sequentially(SUITE)
    expect(results).not_to_have_count(10)
    for row in results.all():
        expect(row).to_contain_text(SUITE)
    result = results.filter(has=page.get_by_role("link", name=SUITE, exact=True))
    expect(result).to_have_count(1)
    # the vendored Bootstrap CSS is applied: its navbar sticks to the top, a plain <nav> does not
    assert page.locator("nav.navbar").first.evaluate("e => getComputedStyle(e).position") != "static"
    # a row opens its validation result (the index's JS does the navigation)
    result.locator("td").nth(1).click()
    expect(page).to_have_url(re.compile(f"/validations/{SUITE}/"))
    expect(page.locator("body")).to_contain_text("Evaluated Expectations")
    expect(page.locator("body")).to_contain_text("Succeeded")
    assert not errors, f"script errors with the network off: {errors}"
    assert not blocked, f"Data Docs still load from the internet: {sorted(set(blocked))}"


def test_dbt_docs_show_model_pages_offline(docs_dir: Path, offline_page):
    from playwright.sync_api import expect

    page, blocked, errors = offline_page
    page.goto((docs_dir / "dbt" / "index.html").as_uri() + "#!/model/model.claimgrid.fct_outlet_claims")
    body = page.locator("body")
    expect(body).to_contain_text("fct_outlet_claims")
    expect(body).to_contain_text("is_covered")
    expect(body).not_to_contain_text("(loading)")
    page.goto((docs_dir / "dbt" / "index.html").as_uri() + "#!/model/model.claimgrid.dim_story")
    expect(page.locator("body")).to_contain_text("first_published_at")
    assert not errors, f"script errors with the network off: {errors}"
    assert not blocked, f"dbt docs load from the internet: {sorted(set(blocked))}"
