"""Browser-test setup: Debian's Chromium (installed with apt when missing)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.ui.dagster_dev import DagsterDev, running_dagster_dev

CHROMIUM = Path("/usr/bin/chromium")
# A browser download is impossible here (no internet at run time): Playwright drives the system
# Chromium. The background-networking flags stop Chromium from calling Google's hosts, which
# this machine's closed network refuses many at a time.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]


def install_chromium() -> None:
    """CI runs as root on a fresh Debian machine without a browser: install Debian's."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], env=env, check=True, timeout=900)
    subprocess.run(["apt-get", "install", "-y", "-q", "chromium"],
                   env=env, check=True, timeout=1800)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        if shutil.which("apt-get") is None:
            pytest.skip(f"{CHROMIUM} is missing and this machine has no apt-get to install Debian's chromium")
        if os.geteuid() != 0:
            pytest.skip(f"{CHROMIUM} is missing; installing it needs root: sudo apt-get install -y chromium")
        install_chromium()
    assert CHROMIUM.exists(), f"apt-get installed chromium but {CHROMIUM} is absent"
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path: Path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def dagster_dev(tmp_path_factory) -> DagsterDev:
    """One `dagster dev` (webserver, daemon, code server) for the tests of test_dagster_ui.py,
    stopped when they are done: left up for the session, its daemon, sensor ticks and webserver
    kept using the worker's core under every test that came after them."""
    with running_dagster_dev(tmp_path_factory.mktemp("dagster_dev")) as dev:
        yield dev
