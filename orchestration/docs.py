"""`make docs`: GX Data Docs and dbt docs, offline, into warehouse/docs/{gx,dbt}/.

GX Data Docs: every stage suite is re-validated against the live warehouse (what the last run
left, passing or not — the docs must show why a run went red), or the published snapshot when
no live warehouse exists. Dump text is hostile input and Data Docs render unexpected values as
raw HTML, so every value GX observed is sanitised (escaped, truncated) before the result is
stored and rendered. The GX project used to render is a scratch copy under warehouse/docs/, so
building docs never writes into the repository's expectations/ folder.

GX's page templates load jQuery, Bootstrap and friends from CDNs; make_offline points them at
copies vendored from npm (expectations/data_docs_vendor/, with their licences), so the docs work
with the network off.

dbt docs: `dbt docs generate --static` writes one self-contained HTML file (no CDN, no server);
it is written as both index.html and static_index.html, because dbt's own index.html fetches
manifest.json with XHR, which browsers refuse on file:// (it stays on "loading").

    python -m orchestration.docs [--warehouse DIR] [--out DIR] [--skip-dbt]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from orchestration.checks.gx_validation import (
    focus,
    focus_result,
    forbidden_patterns,
    sanitise_tree,
    validate_batch,
)
from orchestration.checks.gates import GATES
from orchestration.dbt_project import DBT_EXECUTABLE
from orchestration.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, LIVE_DB_NAME, SNAPSHOT_DB_NAME, load_settings

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

SITE_NAME = "claimgrid"
SCRATCH_NAME = ".gx_project"
VENDOR_DIR = EXPECTATIONS_DIR / "data_docs_vendor"


def _site_config(out_dir: Path) -> dict:
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(out_dir)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }


def _scratch_context(docs_dir: Path, out_dir: Path):
    """A throwaway GX file project holding copies of the suites, its Data Docs site pointed at
    out_dir. Rebuilt from scratch each time so stale results never linger in the docs."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    scratch = docs_dir / SCRATCH_NAME
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.rmtree(out_dir, ignore_errors=True)
    scratch.mkdir(parents=True)
    context = gx.get_context(mode="file", project_root_dir=str(scratch))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    context.variables.data_docs_sites = {SITE_NAME: _site_config(out_dir)}
    context.variables.save()
    context = gx.get_context(mode="file", project_root_dir=str(scratch))
    for suite_file in (EXPECTATIONS_DIR / "gx" / "expectations").glob("*.json"):
        shutil.copy(suite_file, Path(context.root_directory) / "expectations" / suite_file.name)
    return gx.get_context(mode="file", project_root_dir=str(scratch))


def sanitise_validation_result(result) -> None:
    """In place: every value the data put into a GX result (observed values, unexpected lists
    and counts, exception messages) becomes escaped, truncated text."""
    for item in result.results:
        if item.result:
            details = focus_result(item.expectation_config, item.result)
            if details.get("partial_unexpected_index_list"):
                patterns = forbidden_patterns(item.expectation_config)
                details["partial_unexpected_index_list"] = [
                    {k: focus(v, patterns) for k, v in row.items()} if isinstance(row, dict) else row
                    for row in details["partial_unexpected_index_list"]
                ]
            item.result = sanitise_tree(details)
        if item.exception_info:
            item.exception_info = sanitise_tree(item.exception_info, limit=500)


def _source_database(warehouse_dir: Path) -> Path:
    live = warehouse_dir / LIVE_DB_NAME
    if live.exists():
        return live
    snapshot = warehouse_dir / SNAPSHOT_DB_NAME
    if snapshot.exists():
        return snapshot
    raise SystemExit(f"no warehouse in {warehouse_dir}: run `make run` first")


def build_gx_docs(warehouse_dir: Path, docs_dir: Path, only: set[str] | None = None) -> Path:
    """Validate every stage suite (or the suites named in `only`) against the warehouse and
    render Data Docs into docs_dir/gx. Returns the index.html path. Suites whose tables do not
    exist yet are skipped."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    out_dir = docs_dir / "gx"
    context = _scratch_context(docs_dir, out_dir)
    batch_definition = (
        context.data_sources.add_pandas("claimgrid_frames")
        .add_dataframe_asset("frame")
        .add_batch_definition_whole_dataframe("whole_frame")
    )
    source = _source_database(warehouse_dir)
    run_id = RunIdentifier(run_name=f"docs-{source.stem}", run_time=datetime.now(timezone.utc))
    conn = duckdb.connect(str(source), read_only=True)
    try:
        for spec in GATES:
            if only is not None and spec.suite_name not in only:
                continue
            try:
                frame = spec.frame(conn)
            except duckdb.CatalogException:
                continue   # the stage has not run on this warehouse
            suite = context.suites.get(spec.suite_name)
            result = validate_batch(batch_definition, suite, frame)
            sanitise_validation_result(result)
            key = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=spec.suite_name),
                run_id=run_id,
                batch_identifier=f"{source.stem}-{spec.asset.replace('/', '.')}",
            )
            context.validation_results_store.set(key, result)
    finally:
        conn.close()
    context.build_data_docs(site_names=[SITE_NAME])
    make_offline(out_dir)
    return out_dir / "index.html"


def make_offline(site_dir: Path, vendor_dir: Path = VENDOR_DIR) -> int:
    """Copy the vendored JS/CSS into site_dir/static/vendor and rewrite every page of the site
    to load them (and the GX logo) from there instead of CDNs. Returns the pages rewritten.
    Subresource-integrity and crossorigin attributes go with the CDN: they are what made a
    browser refuse a file:// script."""
    spec = json.loads((vendor_dir / "assets.json").read_text())
    static = site_dir / "static"
    shutil.copytree(vendor_dir, static / "vendor", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("assets.json"))
    dropped = re.compile(
        r'<script src="(?:' + "|".join(re.escape(u) for u in spec["dropped"]) + r')"></script>\s*'
    )
    cdn_attributes = re.compile(r'\s+(?:integrity="[^"]*"|crossorigin="[^"]*")')
    pages = 0
    for page in site_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        to_static = os.path.relpath(static, page.parent).replace(os.sep, "/") + "/"
        text = dropped.sub("", text)
        for url, local in spec["urls"].items():
            text = text.replace(f'"{url}"', f'"{to_static}vendor/{local}"')
        for prefix, local in spec["prefixes"].items():
            text = text.replace(prefix, to_static + local.removeprefix("static/"))
        text = re.sub(r'(<(?:script|link)[^>]*"' + re.escape(to_static) + r'vendor/[^>]*>)',
                      lambda m: cdn_attributes.sub("", m.group(1)), text)
        page.write_text(text, encoding="utf-8")
        pages += 1
    return pages


def build_dbt_docs(warehouse_dir: Path, docs_dir: Path) -> Path:
    """`dbt docs generate --static` against the warehouse; copies the single-file site (and
    the JSON artifacts) into docs_dir/dbt."""
    out_dir = docs_dir / "dbt"
    env = {**os.environ, "CLAIMGRID_WAREHOUSE_DIR": str(warehouse_dir)}
    target = docs_dir / ".dbt_target"
    subprocess.run(
        [DBT_EXECUTABLE, "docs", "generate", "--static", "--quiet",
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target)],
        cwd=DBT_PROJECT_DIR, env=env, check=True,
    )
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    for name in ("static_index.html", "manifest.json", "catalog.json"):
        if (target / name).exists():
            shutil.copy(target / name, out_dir / name)
    shutil.copy(target / "static_index.html", out_dir / "index.html")
    return out_dir / "index.html"


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=settings.warehouse_dir)
    parser.add_argument("--out", type=Path, default=None, help="default: <warehouse>/docs")
    parser.add_argument("--skip-dbt", action="store_true")
    args = parser.parse_args(argv)
    warehouse_dir = args.warehouse.resolve()
    docs_dir = (args.out or warehouse_dir / "docs").resolve()
    print(f"GX Data Docs: {build_gx_docs(warehouse_dir, docs_dir)}")
    if not args.skip_dbt:
        print(f"dbt docs:     {build_dbt_docs(warehouse_dir, docs_dir)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
