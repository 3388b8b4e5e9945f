"""Paths and versions the deploy tests share (a module of its own: `conftest` is not
importable by name when several test folders have one)."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART = REPO_ROOT / "deploy" / "helm" / "q2c"
PRODUCTION_VALUES = CHART / "values-production.yaml"
KUBE_VERSION = "1.33.0"
