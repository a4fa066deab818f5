"""The production profile played by processes on one machine: a PostgreSQL server for the Dagster
instance, a RabbitMQ broker, Celery workers and a code server, each started in a private folder
on free loopback ports and stopped afterwards. `make run-distributed` and the distributed tests
use it; deploy/ runs the same pieces as containers.

Each worker is a process group of its own, so killing one (`CeleryWorker.kill`) is a machine lost
mid-step: its unacknowledged task goes back to the broker and to the other worker.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from orchestration.settings import REPO_ROOT, code_location

PRODUCTION_DAGSTER_YAML = REPO_ROOT / "ops" / "production" / "dagster.yaml"
INSTALL_SERVICES = REPO_ROOT / "ops" / "production" / "install_services.sh"
CELERY_APP = "orchestration.celery_app"
# The Celery queue dagster-celery submits steps to (dagster_celery.make_app's only queue).
CELERY_QUEUE = "dagster"
PG_USER = "dagster"
PG_DB = "dagster"
STARTUP_TIMEOUT_SECONDS = 120


class ServiceError(RuntimeError):
    """A service did not start; the message carries the end of its log."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


def postgres_bindir() -> Path | None:
    """Debian's PostgreSQL server binaries: `pg_config --bindir`, else the newest installed."""
    candidates = []
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        if found.returncode == 0:
            candidates.append(Path(found.stdout.strip()))
    candidates += [Path(p).parent for p in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)]
    return next((c for c in candidates if (c / "initdb").exists() and (c / "pg_ctl").exists()), None)


RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")


def missing_services() -> list[str]:
    """The Debian packages this profile needs that are not installed."""
    missing = []
    if postgres_bindir() is None:
        missing.append("postgresql")
    if not (RABBITMQ_BIN / "rabbitmq-server").exists() or shutil.which("epmd") is None:
        missing.append("rabbitmq-server")
    return missing


def _as_postgres_user() -> list[str]:
    """initdb and postgres refuse to run as root: as root, run them as Debian's `postgres` user."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


@dataclass
class PostgresServer:
    root: Path
    port: int
    password: str
    bindir: Path
    host: str = "127.0.0.1"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def env(self) -> dict[str, str]:
        """The connection, in the names ops/production/dagster.yaml reads."""
        return {"DAGSTER_PG_HOST": self.host, "DAGSTER_PG_PORT": str(self.port), "DAGSTER_PG_USER": PG_USER,
                "DAGSTER_PG_PASSWORD": self.password, "DAGSTER_PG_DB": PG_DB}

    def start(self) -> None:
        self.root.mkdir(parents=True)
        password_file = self.root / "password"
        password_file.write_text(self.password + "\n")
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            os.chown(password_file, owner.pw_uid, owner.pw_gid)
        run_as = _as_postgres_user()
        subprocess.run([*run_as, str(self.bindir / "initdb"), "-D", str(self.data_dir), "-U", PG_USER,
                        f"--pwfile={password_file}", "--auth-local=trust", "--auth-host=scram-sha-256",
                        "-E", "UTF8", "--locale=C.UTF-8"], check=True, capture_output=True)
        password_file.unlink()
        options = f"-h {self.host} -p {self.port} -k {self.root} -c fsync=off -c max_connections=200"
        started = subprocess.run([*run_as, str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log),
                                  "-o", options, "-w", "-t", str(STARTUP_TIMEOUT_SECONDS), "start"],
                                 capture_output=True, text=True)
        if started.returncode != 0:
            raise ServiceError(f"PostgreSQL did not start on port {self.port}:\n{_tail(self.log)}")
        subprocess.run([str(self.bindir / "createdb"), "-h", self.host, "-p", str(self.port), "-U", PG_USER, PG_DB],
                       check=True, env={**os.environ, "PGPASSWORD": self.password})

    def stop(self) -> None:
        if self.data_dir.exists():
            subprocess.run([*_as_postgres_user(), str(self.bindir / "pg_ctl"), "-D", str(self.data_dir),
                            "-m", "fast", "-w", "stop"], capture_output=True)


@dataclass
class RabbitMQBroker:
    """A RabbitMQ node of its own: its own Erlang port mapper (epmd) on a free port, so nothing
    is left behind and nothing is shared with another node on the machine."""

    root: Path
    port: int = field(default_factory=free_port)
    epmd_port: int = field(default_factory=free_port)
    dist_port: int = field(default_factory=free_port)
    _epmd: subprocess.Popen | None = None
    _server: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def _env(self) -> dict[str, str]:
        return {**os.environ, "HOME": str(self.root),          # the Erlang cookie lives in $HOME
                "RABBITMQ_NODENAME": f"claimgrid{self.port}@localhost", "RABBITMQ_NODE_PORT": str(self.port),
                "RABBITMQ_DIST_PORT": str(self.dist_port), "ERL_EPMD_PORT": str(self.epmd_port),
                "RABBITMQ_MNESIA_BASE": str(self.root / "mnesia"), "RABBITMQ_LOG_BASE": str(self.root / "log"),
                "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq"), "RABBITMQ_PID_FILE": str(self.root / "pid"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins")}

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start the node without waiting for it (see wait_ready)."""
        self.root.mkdir(parents=True)
        (self.root / "enabled_plugins").write_text("[].\n")
        # Loopback only. A step may run for hours: the broker must not close a worker's channel
        # for holding an unacknowledged task that long (RabbitMQ's default is 30 minutes).
        (self.root / "rabbitmq.conf").write_text(f"listeners.tcp.1 = 127.0.0.1:{self.port}\nconsumer_timeout = 86400000\n")
        env = self._env()
        self._epmd = subprocess.Popen(["epmd", "-port", str(self.epmd_port), "-address", "127.0.0.1"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        with open(self.log, "w") as log:
            # cwd: where Erlang leaves erl_crash.dump if the node dies
            self._server = subprocess.Popen([str(RABBITMQ_BIN / "rabbitmq-server")], env=env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True, cwd=self.root)

    def wait_ready(self) -> None:
        waited = subprocess.run([str(RABBITMQ_BIN / "rabbitmqctl"), "wait", "--timeout", str(STARTUP_TIMEOUT_SECONDS),
                                 str(self.root / "pid")], env=self._env(), capture_output=True, text=True)
        if waited.returncode != 0:
            raise ServiceError(f"RabbitMQ did not start on port {self.port}:\n{waited.stderr}\n{_tail(self.log)}")

    def stop(self) -> None:
        if self._server is not None:
            subprocess.run([str(RABBITMQ_BIN / "rabbitmqctl"), "stop", str(self.root / "pid")], env=self._env(),
                           capture_output=True, timeout=120)
            _end(self._server)
        if self._epmd is not None:
            _end(self._epmd)


def _end(process: subprocess.Popen, grace: float = 20.0) -> None:
    """Stop a process group we started: SIGTERM, then SIGKILL after `grace` seconds."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def _start_service(command: list[str], log: Path, env: Mapping[str, str]) -> subprocess.Popen:
    """A process group of its own (so it can be stopped or killed whole), its output appended to `log`."""
    with open(log, "a") as out:
        return subprocess.Popen(command, env=dict(env), cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _wait_ready(name: str, process: subprocess.Popen, log: Path, ready: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceError(f"{name} exited with {process.returncode}:\n{_tail(log)}")
        if ready():
            return
        time.sleep(0.5)
    raise ServiceError(f"{name} not ready after {timeout:.0f} s:\n{_tail(log)}")


@dataclass
class CeleryWorker:
    """One machine of the pool: a Celery worker running one step at a time."""

    name: str
    log: Path
    env: Mapping[str, str]
    process: subprocess.Popen | None = None

    @property
    def hostname(self) -> str:
        """The name Dagster's step logs give ("Celery worker": ...)."""
        return f"{self.name}@{socket.gethostname()}"

    def start(self) -> None:
        command = [sys.executable, "-m", "celery", "-A", CELERY_APP, "worker", "-n", self.hostname,
                   "-Q", CELERY_QUEUE, "-P", "threads", "-c", "1", "--prefetch-multiplier", "1", "--without-gossip",
                   "--without-mingle", "-l", "INFO"]
        self.process = _start_service(command, self.log, self.env)

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT_SECONDS) -> None:
        _wait_ready(f"worker {self.name}", self.process, self.log,
                    lambda: f"{self.hostname} ready." in self.log.read_text(errors="replace"), timeout)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def freeze(self) -> None:
        os.killpg(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.killpg(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        """The machine dies: SIGKILL to the worker and its child, no goodbye to the broker."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None:
            _end(self.process, grace=60)


@dataclass
class CodeServer:
    """The code location served over gRPC, as deploy/ serves it to the webserver and the daemon:
    they and the CLI (`dagster job backfill -w`) read the definitions from it and it launches the
    runs, instead of each starting a server of its own (each a full import of the code location)."""

    port: int
    log: Path
    env: Mapping[str, str]
    process: subprocess.Popen | None = None

    def workspace(self) -> str:
        """workspace.yaml's code location, served by this server."""
        _, location = code_location()
        return yaml.safe_dump({"load_from": [{"grpc_server": {
            "host": "127.0.0.1", "port": self.port, "location_name": location}}]})

    def start(self) -> None:
        module, location = code_location()
        command = [sys.executable, "-m", "dagster", "api", "grpc", "-m", module, "--location-name", location,
                   "-h", "127.0.0.1", "-p", str(self.port)]
        self.process = _start_service(command, self.log, self.env)

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT_SECONDS) -> None:
        """The server binds its port once the code location is loaded."""
        def accepts() -> bool:
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", self.port)) == 0

        _wait_ready("code server", self.process, self.log, accepts, timeout)

    def stop(self) -> None:
        if self.process is not None:
            _end(self.process)


def prepare_dagster_home(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    shutil.copy(PRODUCTION_DAGSTER_YAML, path / "dagster.yaml")
    return path


@dataclass
class LocalCluster:
    root: Path
    postgres: PostgresServer
    broker: RabbitMQBroker
    dagster_home: Path
    settings_env: dict[str, str]
    workers: list[CeleryWorker] = field(default_factory=list)
    code_server: CodeServer | None = None
    keep: bool = False          # leave the folder (data, logs) behind when the cluster stops

    @property
    def env(self) -> dict[str, str]:
        """What every process of the profile reads: the instance, the broker, the settings."""
        return {**os.environ, **self.settings_env, **self.postgres.env(), "DAGSTER_HOME": str(self.dagster_home),
                "CLAIMGRID_EXECUTOR": "celery", "CLAIMGRID_CELERY_BROKER": self.broker.url,
                "CLAIMGRID_CELERY_BACKEND": "rpc://"}

    @property
    def workspace(self) -> Path:
        """The workspace file of the daemon and the CLI: the cluster's code server."""
        return self.root / "workspace.yaml"

    def start_code_server(self) -> CodeServer:
        self.code_server = CodeServer(free_port(), self.root / "code_server.log", self.env)
        self.workspace.write_text(self.code_server.workspace(), encoding="utf-8")
        self.code_server.start()
        return self.code_server

    def add_worker(self, name: str) -> CeleryWorker:
        worker = CeleryWorker(name, self.root / f"{name}.log", self.env)
        worker.start()
        self.workers.append(worker)
        return worker

    def worker(self, hostname: str) -> CeleryWorker:
        return next(w for w in self.workers if w.hostname == hostname)

    @contextmanager
    def instance(self) -> Iterator:
        """The cluster's Dagster instance, opened from this process (dagster.yaml reads the
        connection from the environment, so it is set while the block runs)."""
        import dagster as dg

        saved = {key: os.environ.get(key) for key in self.postgres.env()}
        os.environ.update(self.postgres.env())
        try:
            with dg.DagsterInstance.from_config(str(self.dagster_home)) as instance:
                yield instance
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@contextmanager
def local_cluster(worker_names: tuple[str, ...] = ("worker1", "worker2"), settings_env: Mapping[str, str] | None = None,
                  root: Path | None = None, keep: bool = False) -> Iterator[LocalCluster]:
    """PostgreSQL, RabbitMQ, one Celery worker per name and the code server, up until the block ends.

    `root` (default: a new temporary folder) holds the data, the logs and DAGSTER_HOME; it must be
    a folder Debian's `postgres` user may enter when this runs as root."""
    missing = missing_services()
    if missing:
        raise ServiceError(f"missing Debian packages: {' '.join(missing)} (install: {INSTALL_SERVICES})")
    bindir = postgres_bindir()
    root = Path(root) if root else Path(tempfile.mkdtemp(prefix="claimgrid-cluster-"))
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    with ExitStack() as stack:
        # Everything starts at once: the broker node boots and the workers import the code location
        # (most of a worker's start) while PostgreSQL is initialised; a worker connects to the
        # broker when it is up (broker_connection_retry_on_startup) and to the instance per step.
        postgres = PostgresServer(root / "postgres", free_port(), os.urandom(12).hex(), bindir)
        broker = RabbitMQBroker(root / "rabbitmq")
        stack.callback(broker.stop)
        stack.callback(postgres.stop)
        broker.launch()
        cluster = LocalCluster(root, postgres, broker, prepare_dagster_home(root / "dagster_home"), dict(settings_env or {}),
                               keep=keep)
        stack.callback(lambda: [worker.stop() for worker in cluster.workers])
        for name in worker_names:
            cluster.add_worker(name)
        postgres.start()
        # the code server opens the instance (PostgreSQL) as it starts
        cluster.start_code_server()
        stack.callback(cluster.code_server.stop)
        broker.wait_ready()
        for worker in cluster.workers:
            worker.wait_ready()
        cluster.code_server.wait_ready()
        yield cluster
    if not cluster.keep:
        shutil.rmtree(root, ignore_errors=True)
