"""The image recipe, read as text (no Docker engine here, and hadolint is not packaged): pinned
bases, one ARG SERVICE, a non-root runtime without build tools, and recipes that stay in step
with the workspace (uv version, members, which services render PDFs)."""

import fnmatch
import re
import subprocess
import tomllib

import pytest
from deploy_support import REPO_ROOT

DOCKER = REPO_ROOT / "deploy" / "docker"
DOCKERFILE = (DOCKER / "Dockerfile").read_text()
ENTRYPOINT = DOCKER / "entrypoint.sh"
SERVICE_DIRS = sorted(path.parent for path in (REPO_ROOT / "services").glob("*/pyproject.toml"))


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    result = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


INSTRUCTIONS = instructions(DOCKERFILE)
GLOBAL_ARGS = dict(
    arg.split("=", 1)
    for keyword, arg in INSTRUCTIONS[
        : next(i for i, (keyword, _) in enumerate(INSTRUCTIONS) if keyword == "FROM")
    ]
    if keyword == "ARG" and "=" in arg
)


def stages() -> dict[str, list[tuple[str, str]]]:
    result: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for keyword, rest in INSTRUCTIONS:
        if keyword == "FROM":
            name = rest.split(" AS ")[-1].strip() if " AS " in rest else rest
            current = result.setdefault(name, [("FROM", rest)])
        elif current is not None:
            current.append((keyword, rest))
    return result


STAGES = stages()
RUNTIME = STAGES["runtime"]


def resolve(image: str) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda m: GLOBAL_ARGS[m.group(1)], image)


def test_multi_stage_with_a_runtime_last():
    assert list(STAGES) == ["uv", "builder", "runtime"]
    assert INSTRUCTIONS[-1][0] == "CMD"


@pytest.mark.parametrize("stage", ["uv", "builder", "runtime"])
def test_every_base_is_pinned_to_a_version(stage):
    image = resolve(STAGES[stage][0][1].split(" AS ")[0].split()[-1])
    name, _, tag = image.rpartition(":")
    assert name and tag, f"{image} has no tag"
    assert "latest" not in image
    assert re.match(r"^\d+\.\d+\.\d+", tag), f"{image}: pin a full version"


def test_bases_match_the_workspace():
    makefile = (REPO_ROOT / "Makefile").read_text()
    uv_version = re.search(r"^UV_VERSION := (\S+)$", makefile, re.M).group(1)
    assert resolve("${UV_IMAGE}") == f"ghcr.io/astral-sh/uv:{uv_version}"
    requires = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"][
        "requires-python"
    ]
    assert ">=3.11,<3.12" in requires
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", resolve("${PYTHON_IMAGE}"))
    # builder and runtime share the base: the virtualenv's interpreter path must exist at run time
    assert STAGES["builder"][0][1].startswith("${PYTHON_IMAGE}")
    assert STAGES["runtime"][0][1].startswith("${PYTHON_IMAGE}")


def test_service_is_a_build_argument_of_both_stages():
    for stage in ("builder", "runtime"):
        assert ("ARG", "SERVICE") in STAGES[stage]


def test_locked_production_install_of_one_package():
    syncs = [rest for keyword, rest in STAGES["builder"] if keyword == "RUN" and "uv sync" in rest]
    assert len(syncs) == 2
    for sync in syncs:
        for flag in ("--frozen", "--no-dev", '--package "${SERVICE}"'):
            assert flag in sync
    assert "--no-install-workspace" in syncs[0]
    assert "--no-editable" in syncs[1]


def test_dependency_layer_mounts_every_workspace_pyproject():
    members = {"pyproject.toml", "uv.lock", "shared/pyproject.toml", "devstack/pyproject.toml"}
    members |= {str((path / "pyproject.toml").relative_to(REPO_ROOT)) for path in SERVICE_DIRS}
    mounted = set(re.findall(r"--mount=type=bind,source=(\S+?),target=", DOCKERFILE))
    assert mounted == members


def test_runtime_is_non_root_without_build_tools_or_uv():
    users = [rest for keyword, rest in RUNTIME if keyword == "USER"]
    assert users == ["10001:10001"]
    setup = " ".join(rest for keyword, rest in RUNTIME if keyword == "RUN")
    assert "--uid 10001" in setup and "--gid 10001" in setup
    for tool in ("build-essential", "gcc", "g++", " make", "-dev ", "uv sync", "pip install"):
        assert tool not in setup, f"the runtime installs {tool.strip()}"
    copies = [rest for keyword, rest in RUNTIME if keyword == "COPY"]
    assert not any("/uv" in copy for copy in copies)
    assert "--no-install-recommends" in setup
    # USER comes after everything that needs root
    assert [keyword for keyword, _ in RUNTIME].index("USER") > max(
        i for i, (keyword, _) in enumerate(RUNTIME) if keyword in ("RUN", "COPY")
    )


def test_no_healthcheck_kubernetes_probes_instead():
    assert "HEALTHCHECK" not in {keyword for keyword, _ in INSTRUCTIONS}


def test_weasyprint_libraries_for_exactly_the_services_that_render_pdfs():
    renders_pdfs, plain = set(), set()
    for path in SERVICE_DIRS:
        dependencies = tomllib.loads((path / "pyproject.toml").read_text())["project"][
            "dependencies"
        ]
        uses_weasyprint = any(re.match(r"weasyprint\b", dep, re.I) for dep in dependencies)
        (renders_pdfs if uses_weasyprint else plain).add(path.name)
    setup = " ".join(rest for keyword, rest in RUNTIME if keyword == "RUN")
    case = re.search(r"([\w|-]+)\)\s+apt-get update;", setup).group(1)
    assert set(case.split("|")) == renders_pdfs
    for name in plain:
        assert f"{name}) ;;" in setup
    for package in (
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz-subset0",
        "fonts-liberation",
        "fonts-dejavu-core",
    ):
        assert package in setup


def test_entrypoint_runs_every_mode():
    entrypoint = [rest for keyword, rest in RUNTIME if keyword == "ENTRYPOINT"]
    assert entrypoint == ['["/usr/local/lib/q2c/entrypoint.sh"]']
    assert ("CMD", '["api"]') in RUNTIME
    text = ENTRYPOINT.read_text()
    for mode in ("api)", "worker|all)", "migrate)", "wait-for-schema)"):
        assert mode in text
    assert "RUN_BACKGROUND_WORKERS=false" in text and "RUN_BACKGROUND_WORKERS=true" in text
    subprocess.run(["sh", "-n", str(ENTRYPOINT)], check=True)


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule, near enough: the last matching pattern wins, a pattern matching a folder
    takes what is below it, `!` re-includes. (fnmatch's `*` also crosses `/`.)"""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.removeprefix("!")
        if any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes):
            ignored = not negate
    return ignored


def test_dockerignore_keeps_the_build_inputs_and_drops_the_rest():
    patterns = [
        line.strip()
        for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    needed = [
        "uv.lock",
        "pyproject.toml",
        "shared/pyproject.toml",
        "shared/src/q2c_shared/app.py",
        "devstack/pyproject.toml",
        "deploy/docker/Dockerfile",
        "deploy/docker/entrypoint.sh",
        "deploy/docker/wait_for_schema.py",
    ]
    for path in SERVICE_DIRS:
        name = path.name
        module = name.replace("-", "_")
        needed += [
            f"services/{name}/pyproject.toml",
            f"services/{name}/alembic.ini",
            f"services/{name}/migrations/env.py",
            f"services/{name}/src/{module}/app.py",
        ]
    for path in needed:
        assert not _ignored(path, patterns), f".dockerignore drops {path}"
    for path in (
        ".venv/bin/python",
        ".git/HEAD",
        "var/postgres",
        ".tools/bin/uv",
        "services/invoice-svc/tests/test_runs.py",
        "shared/src/q2c_shared/__pycache__",
    ):
        assert _ignored(path, patterns), f".dockerignore keeps {path}"
