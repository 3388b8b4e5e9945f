"""Schemathesis over each service's OpenAPI document, against the running stack (issue 12).

`schemathesis run --checks all` on quote-svc, order-svc, invoice-svc and payment-svc: every
operation is called with generated requests, valid and invalid, and every answer is checked: no
5xx, a status code and content type the document declares, a body and headers matching the
declared schema, invalid data refused with a 4xx, valid data not refused for its shape, a
request without the key refused with 401, a method the path does not have answered 405 with
an `Allow` header.

The CLI, not the pytest plugin: the plugin's lazy (fixture-loaded) schemas rewrite a pytest
internal that pytest 9.2 removed (`Node._nodeid`), and the schema can only be loaded from the
running stack, after collection. The CLI is also what an operator runs to reproduce a finding
(docs/adr/0023-reliability-suite.md).

Bounded so that `make test` stays short, and deterministic so that every run sends the same
cases: tests/reliability/schemathesis.toml.
"""

import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVICE_NAMES = ("quote", "order", "invoice", "payment")
CONFIG = Path(__file__).with_name("schemathesis.toml")
"""Checks, phases and bounds (10 examples per operation and phase, deterministic)."""
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def schemathesis_command(base_url: str, api_key: str, report_dir: Path) -> list[str]:
    """The command line; printed by a failing test, to rerun against `make run`'s stack."""
    return [
        str(SCHEMATHESIS),
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        f"{base_url}/openapi.json",
        "--header",
        f"Authorization: Bearer {api_key}",
        "--output-truncate",
        "false",
        "--report",
        "junit",
        "--report-dir",
        str(report_dir),
    ]


@pytest.fixture(scope="module")
def schemathesis_runs(suite, tmp_path_factory) -> Iterator[dict[str, tuple]]:
    """The four runs, started together: the services are separate processes, so on a 2-core
    machine the runs overlap instead of queueing (110 s for the four today, 168 s one after
    another). Each writes its report to a file of its own."""
    folder = tmp_path_factory.mktemp("schemathesis")
    runs: dict[str, tuple[list[str], Path, subprocess.Popen]] = {}
    try:
        for name in SERVICE_NAMES:
            command = schemathesis_command(
                suite.base_url(name), suite.api_key, folder / f"{name}-report"
            )
            output = folder / f"{name}-svc.txt"
            with output.open("w") as sink:
                process = subprocess.Popen(
                    command, cwd=folder, stdout=sink, stderr=subprocess.STDOUT, text=True
                )
            runs[name] = (command, output, process)
        yield runs
    finally:
        for _, _, process in runs.values():
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.mark.parametrize("name", SERVICE_NAMES, ids=[f"{name}-svc" for name in SERVICE_NAMES])
def test_every_operation_answers_as_its_openapi_says(schemathesis_runs, name):
    command, output_path, process = schemathesis_runs[name]
    returncode = process.wait(timeout=900)
    output = output_path.read_text()
    print(output[output.find("SUMMARY") :])
    assert returncode == 0, f"{shlex.join(command)}\n\n{output}"
