"""deploy/: the docker-compose file and the Helm values, checked against the code. No image can be
pulled and no cluster reached on the development machine or in CI, so this is what is tested of
them: that they parse, name the services issue 14 asks for, and use the names and environment
variables the code reads (the same pieces run as local processes in tests/distributed)."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from orchestration.local_cluster import CELERY_APP, CELERY_QUEUE, PRODUCTION_DAGSTER_YAML
from orchestration.settings import DEFAULT_CELERY_BROKER, EXECUTORS, REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
SETTINGS_SOURCE = (REPO_ROOT / "orchestration" / "settings.py").read_text()
CLAIMGRID_SETTINGS = set(re.findall(r'env\.get\("(CLAIMGRID_[A-Z_]+)"', SETTINGS_SOURCE))
# the variables a worker and the code location must both have for the profile to work
PROFILE_SETTINGS = {"CLAIMGRID_EXECUTOR", "CLAIMGRID_CELERY_BROKER", "CLAIMGRID_CELERY_BACKEND",
                    "CLAIMGRID_LANDING_DIR", "CLAIMGRID_WAREHOUSE_DIR"}
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["dagster"]


def _env_names_in_instance_yaml(path: Path) -> set[str]:
    found = set()

    def walk(node):
        if isinstance(node, dict):
            if set(node) == {"env"}:
                found.add(node["env"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(yaml.safe_load(path.read_text()))
    return found


INSTANCE_ENV = _env_names_in_instance_yaml(PRODUCTION_DAGSTER_YAML)


def _amqp(url: str) -> dict[str, str]:
    match = re.fullmatch(r"amqp://(?P<user>[^:]+):(?P<password>[^@]+)@(?P<host>[^:/]+):(?P<port>\d+)//", url)
    assert match, f"not an amqp URL: {url}"
    return match.groupdict()


def test_the_production_instance_reads_its_connection_from_the_environment():
    assert INSTANCE_ENV == {"DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB"}
    assert PROFILE_SETTINGS <= CLAIMGRID_SETTINGS
    assert _amqp(DEFAULT_CELERY_BROKER)["host"] == "localhost"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


DAGSTER_SERVICES = ("code_server", "webserver", "daemon", "worker1", "worker2")


def test_compose_has_every_service_of_the_profile(compose):
    assert set(compose["services"]) == {"postgres", "rabbitmq", *DAGSTER_SERVICES}


def test_compose_services_share_the_instance_and_the_settings(compose):
    services = compose["services"]
    postgres = services["postgres"]["environment"]
    rabbitmq = services["rabbitmq"]["environment"]
    for name in DAGSTER_SERVICES:
        env = services[name]["environment"]
        assert INSTANCE_ENV <= set(env), name
        assert {k for k in env if k.startswith("CLAIMGRID_")} <= CLAIMGRID_SETTINGS, name
        assert PROFILE_SETTINGS <= set(env), name
        assert env["CLAIMGRID_EXECUTOR"] == "celery" and "celery" in EXECUTORS
        assert env["DAGSTER_PG_HOST"] == "postgres"
        assert (env["DAGSTER_PG_USER"], env["DAGSTER_PG_PASSWORD"], env["DAGSTER_PG_DB"]) == \
            (postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"], postgres["POSTGRES_DB"])
        broker = _amqp(env["CLAIMGRID_CELERY_BROKER"])
        assert broker["host"] == "rabbitmq"
        assert (broker["user"], broker["password"]) == (rabbitmq["RABBITMQ_DEFAULT_USER"], rabbitmq["RABBITMQ_DEFAULT_PASS"])
    # the code server and the workers read and write the same landing folder and warehouse
    mounts = {name: set(services[name]["volumes"]) for name in ("code_server", "worker1", "worker2")}
    assert mounts["code_server"] == mounts["worker1"] == mounts["worker2"]


def _worker_name(command: list[str]) -> str:
    return command[command.index("-n") + 1]


def test_compose_workers_and_code_server_run_this_code(compose):
    services = compose["services"]
    code_server = services["code_server"]["command"]
    assert code_server[code_server.index("-m") + 1] == PYPROJECT["module_name"]
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())["load_from"][0]["grpc_server"]
    assert workspace["host"] == "code_server" and str(workspace["port"]) == code_server[code_server.index("-p") + 1]
    assert workspace["location_name"] == PYPROJECT["code_location_name"]
    for name in ("webserver", "daemon"):
        command = services[name]["command"]
        assert command[command.index("-w") + 1].endswith("deploy/workspace.yaml")
    workers = [services[name]["command"] for name in ("worker1", "worker2")]
    for command in workers:
        assert command[command.index("-A") + 1] == CELERY_APP
        assert command[command.index("-Q") + 1] == CELERY_QUEUE
    assert len({_worker_name(c) for c in workers}) == 2, "two workers with one name are one worker in the logs"
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "cp ops/production/dagster.yaml" in dockerfile and "'.[distributed]'" in dockerfile


@pytest.fixture(scope="module")
def helm_values() -> dict:
    return yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())


@pytest.fixture(scope="module")
def worker_manifest() -> dict:
    return yaml.safe_load((DEPLOY / "helm" / "celery-workers.yaml").read_text())


def _env_list(entries: list[dict]) -> dict[str, object]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in entries}


def test_helm_code_location_and_workers_agree(helm_values, worker_manifest):
    deployment = helm_values["dagster-user-deployments"]["deployments"][0]
    grpc_args = deployment["dagsterApiGrpcArgs"]
    assert grpc_args[grpc_args.index("--module-name") + 1] == PYPROJECT["module_name"]
    assert helm_values["runLauncher"]["type"] == "K8sRunLauncher"
    code_env = _env_list(deployment["env"])
    assert PROFILE_SETTINGS <= set(code_env) and set(code_env) <= CLAIMGRID_SETTINGS
    assert code_env["CLAIMGRID_EXECUTOR"] == "celery"

    container = worker_manifest["spec"]["template"]["spec"]["containers"][0]
    worker_env = _env_list(container["env"])
    for name, value in code_env.items():
        assert worker_env.get(name) == value, f"{name}: the workers run with another setting than the code location"
    assert container["image"] == f"{deployment['image']['repository']}:{deployment['image']['tag']}"
    command = container["command"]
    assert (command[command.index("-A") + 1], command[command.index("-Q") + 1]) == (CELERY_APP, CELERY_QUEUE)
    assert worker_manifest["spec"]["replicas"] >= 2

    # the chart's instance: its ConfigMap (release `dagster`), its PostgreSQL secret, its RabbitMQ
    password = worker_env["DAGSTER_PG_PASSWORD"]["secretKeyRef"]
    assert password["name"] == helm_values["global"]["postgresqlSecretName"]
    assert worker_env["DAGSTER_HOME"] == helm_values["global"]["dagsterHome"]
    volumes = worker_manifest["spec"]["template"]["spec"]["volumes"]
    assert {"name": "dagster-instance", "configMap": {"name": "dagster-instance"}} in volumes
    broker = _amqp(code_env["CLAIMGRID_CELERY_BROKER"])
    rabbitmq = helm_values["rabbitmq"]
    assert rabbitmq["enabled"] and broker["host"] == "dagster-rabbitmq" and int(broker["port"]) == rabbitmq["service"]["port"]
    assert (broker["user"], broker["password"]) == (rabbitmq["rabbitmq"]["username"], rabbitmq["rabbitmq"]["password"])
    postgresql = helm_values["postgresql"]
    assert postgresql["postgresqlScheme"] == yaml.safe_load(PRODUCTION_DAGSTER_YAML.read_text())[
        "storage"]["postgres"]["postgres_db"]["scheme"]
    # the same pool limit as ops/production/dagster.yaml: one DuckDB writer
    production = yaml.safe_load(PRODUCTION_DAGSTER_YAML.read_text())
    assert helm_values["additionalInstanceConfig"]["concurrency"]["pools"] == production["concurrency"]["pools"]
    # the data every machine shares is one volume claim
    claims = {v["persistentVolumeClaim"]["claimName"] for v in volumes if "persistentVolumeClaim" in v}
    assert claims == {v["persistentVolumeClaim"]["claimName"] for v in deployment["volumes"]}
