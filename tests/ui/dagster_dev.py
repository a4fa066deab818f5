"""Start `dagster dev` the way an engineer does (`make ui`), but isolated: a temporary
DAGSTER_HOME (the repository's ops/dagster.yaml: pool `duckdb` limited to 1; the landing sensor's
runs held in the queue, see instance_settings), a temporary warehouse and a free port. Shared by
the webserver smoke test and the browser test."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.conftest import REPO_ROOT

VENV_BIN = Path(sys.executable).parent

WORKSPACE_QUERY = """
{ workspaceOrError { __typename ... on Workspace { locationEntries {
    name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } }
} } } }
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class DagsterDev:
    url: str
    home: Path
    warehouse_dir: Path
    log_path: Path

    def graphql(self, query: str, variables: dict | None = None, timeout: float = 10) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def log_tail(self, chars: int = 6000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


def dagster_dev_env(home: Path, warehouse_dir: Path, landing_dir: Path | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "CLAIMGRID_WAREHOUSE_DIR": str(warehouse_dir),
        "DAGSTER_DISABLE_TELEMETRY": "1",
        "GX_ANALYTICS_ENABLED": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    if landing_dir is not None:
        env["CLAIMGRID_LANDING_DIR"] = str(landing_dir)
    return env


# The landing sensor is on by default and ticks as soon as the daemon is up, before a browser has
# clicked anything: its run on the samples did the work and the run launched from the UI found
# nothing new. Its runs wait in the queue instead (a tag limit of 0), so the UI's run is the one
# that ingests, builds and publishes; that the sensor asked for a run stays visible in the queue.
SENSOR_RUN_TAG = ("dagster/sensor_name", "landing_folder_sensor")


def instance_settings() -> dict:
    """The repository's ops/dagster.yaml, with the landing sensor's runs held in the queue."""
    settings = yaml.safe_load((REPO_ROOT / "ops" / "dagster.yaml").read_text(encoding="utf-8"))
    key, value = SENSOR_RUN_TAG
    settings["concurrency"]["runs"]["tag_concurrency_limits"] = [{"key": key, "value": value, "limit": 0}]
    return settings


@contextmanager
def running_dagster_dev(
    base_dir: Path, landing_dir: Path | None = None, startup_timeout: float = 240
) -> Iterator[DagsterDev]:
    """`dagster dev -w workspace.yaml` until the claimgrid code location has loaded; stops the
    whole process group (webserver, daemon, code server, runs) on exit."""
    home = base_dir / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(instance_settings()))
    warehouse_dir = base_dir / "warehouse"
    warehouse_dir.mkdir(exist_ok=True)
    port = free_port()
    log_path = base_dir / "dagster_dev.log"
    dev = DagsterDev(f"http://127.0.0.1:{port}", home, warehouse_dir, log_path)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(VENV_BIN / "dagster"), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO_ROOT, env=dagster_dev_env(home, warehouse_dir, landing_dir),
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: teardown reaches every child
        )
    try:
        wait_for_code_location(dev, proc, startup_timeout)
        yield dev
    finally:
        stop_process_group(proc)


def wait_for_code_location(dev: DagsterDev, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dagster dev exited with {proc.returncode}:\n{dev.log_tail()}")
        try:
            entries = dev.graphql(WORKSPACE_QUERY)["data"]["workspaceOrError"]["locationEntries"]
        except (OSError, KeyError, TypeError, ValueError) as error:
            last = repr(error)
        else:
            last = json.dumps(entries)
            for entry in entries:
                loaded = entry.get("locationOrLoadError") or {}
                if loaded.get("__typename") == "PythonError":
                    raise RuntimeError(f"code location {entry['name']} failed to load: {loaded['message']}")
                if entry["loadStatus"] == "LOADED" and loaded.get("__typename") == "RepositoryLocation":
                    return
        time.sleep(1)
    raise TimeoutError(f"claimgrid did not load within {timeout:.0f}s ({last}):\n{dev.log_tail()}")


def stop_process_group(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    except ProcessLookupError:
        pass
    # dagster dev may exit before the children it told to stop have done so
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
