"""deploy/compose.yaml, read as YAML (no `docker compose config` here): the dependency graph,
migrations before services, unique ports, every service's environment, pinned images."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_support import REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "deploy" / "compose.yaml"
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())  # merges the <<: anchors
SERVICES: dict[str, Any] = COMPOSE["services"]
APPS = {"quote": 8001, "order": 8002, "invoice": 8003, "payment": 8004}
ENTRYPOINT = (REPO_ROOT / "deploy" / "docker" / "entrypoint.sh").read_text()


def depends_on(service: dict[str, Any]) -> dict[str, dict[str, str]]:
    value = service.get("depends_on", {})
    if isinstance(value, list):
        return {name: {"condition": "service_started"} for name in value}
    return value


def test_every_dependency_exists_and_the_graph_has_no_cycle():
    for name, service in SERVICES.items():
        for dependency in depends_on(service):
            assert dependency in SERVICES, f"{name} depends on unknown {dependency}"
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"cycle: {' -> '.join((*path, name))}"
        if name in done:
            return
        for dependency in depends_on(SERVICES[name]):
            visit(dependency, (*path, name))
        done.add(name)

    for name in SERVICES:
        visit(name, ())


@pytest.mark.parametrize("key", APPS)
def test_migrations_complete_before_the_service_starts(key):
    service, migrate = SERVICES[f"{key}-svc"], SERVICES[f"{key}-migrate"]
    assert depends_on(service)[f"{key}-migrate"] == {"condition": "service_completed_successfully"}
    assert depends_on(service)["postgres"] == {"condition": "service_healthy"}
    assert depends_on(service)["kafka"] == {"condition": "service_healthy"}
    assert depends_on(migrate)["postgres"] == {"condition": "service_healthy"}
    assert migrate["command"] == ["migrate"]
    assert migrate["restart"] == "no"
    # the job migrates with the image the service runs
    assert migrate["image"] == service["image"] == f"q2c/{key}-svc:local"
    assert migrate["build"] == service["build"]
    assert service["build"]["args"]["SERVICE"] == f"{key}-svc"
    assert service["build"]["dockerfile"] == "deploy/docker/Dockerfile"
    assert (COMPOSE_FILE.parent / service["build"]["context"] / "uv.lock").is_file()
    assert migrate["environment"]["DATABASE_URL"] == service["environment"]["DATABASE_URL"]


def test_host_ports_are_unique_and_the_services_keep_their_ports():
    published = []
    for name, service in SERVICES.items():
        for port in service.get("ports", []):
            published.append((port.rsplit(":", 2)[-2], name))
    hosts = [port for port, _ in published]
    assert len(hosts) == len(set(hosts)), published
    for key, port in APPS.items():
        service = SERVICES[f"{key}-svc"]
        assert service["ports"] == [f"{port}:{port}"]
        assert service["environment"]["PORT"] == port


@pytest.mark.parametrize("key", APPS)
def test_service_environment(key):
    service = SERVICES[f"{key}-svc"]
    env = service["environment"]
    assert re.fullmatch(
        rf"postgresql\+asyncpg://postgres:\$\{{POSTGRES_PASSWORD:-\w+\}}@postgres:5432/q2c_{key}",
        env["DATABASE_URL"],
    )
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert env["KAFKA_ENABLE_IDEMPOTENCE"] == "true"
    assert env["Q2C_API_KEYS"].startswith("${Q2C_API_KEYS:?")  # no default key
    assert service["command"] == ["all"]  # API and workers in one process
    assert "all)" in ENTRYPOINT or "|all)" in ENTRYPOINT
    check = " ".join(service["healthcheck"]["test"])
    assert f"127.0.0.1:{APPS[key]}/readyz" in check
    assert service["user"] == "10001:10001"
    assert service["read_only"] is True and service["tmpfs"] == ["/tmp"]
    if key == "quote":
        assert env["ORDER_SERVICE_URL"] == f"http://order-svc:{APPS['order']}"
        assert env["INVOICE_SERVICE_URL"] == f"http://invoice-svc:{APPS['invoice']}"


def test_kafka_runs_kraft_without_zookeeper():
    kafka = SERVICES["kafka"]
    assert re.fullmatch(r"apache/kafka:\d+\.\d+\.\d+", kafka["image"])
    env = kafka["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert not any("zookeeper" in name for name in SERVICES)
    assert not any("ZOOKEEPER" in key for key in env)
    assert "healthcheck" in kafka


def test_postgres_18_creates_every_service_database():
    postgres = SERVICES["postgres"]
    assert re.fullmatch(r"postgres:18\.\d+", postgres["image"])
    assert "healthcheck" in postgres
    (init_mount,) = [v for v in postgres["volumes"] if v.endswith("/docker-entrypoint-initdb.d:ro")]
    init_dir = COMPOSE_FILE.parent / init_mount.split(":")[0]
    created = set()
    for script in sorted(Path(init_dir).glob("*.sql")):
        created |= set(re.findall(r"CREATE DATABASE (\w+);", script.read_text()))
    used = {
        SERVICES[f"{key}-svc"]["environment"]["DATABASE_URL"].rsplit("/", 1)[-1] for key in APPS
    }
    assert created == used == {f"q2c_{key}" for key in APPS}


def test_every_image_is_pinned():
    for name, service in SERVICES.items():
        image = service["image"]
        assert ":" in image and not image.endswith(":latest"), name
