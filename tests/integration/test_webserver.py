"""`dagster dev` starts on a free port and its webserver answers."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.ui


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dagster_dev_serves_the_ui(tmp_path: Path):
    port = free_port()
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO_ROOT / "ops" / "dagster.yaml").read_text())
    env = {**os.environ, "DAGSTER_HOME": str(home), "CLAIMGRID_WAREHOUSE_DIR": str(tmp_path / "wh")}
    dagster = Path(sys.executable).with_name("dagster")
    proc = subprocess.Popen(
        [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 120
        body = b""
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as r:
                    body = r.read()
                    break
            except OSError:
                time.sleep(1)
        assert b"dagster_webserver_version" in body
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
