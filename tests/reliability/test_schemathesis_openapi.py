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
cases: tests/reliability/schemathesis.toml. Each run also gets real ids (an account with a
quote, an order and its contract, a posted invoice with a credit note, a payment allocated to
it...) as fixed values of the path and query parameters of those names, so the operations on
one resource reach its code instead of answering 404 to random ids.
"""

import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from world import created, first, posted_invoice, price_book, product

SERVICE_NAMES = ("quote", "order", "invoice", "payment")
CONFIG = Path(__file__).with_name("schemathesis.toml")
"""Checks, phases and bounds (10 examples per operation and phase, deterministic)."""
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def schemathesis_command(
    base_url: str, api_key: str, report_dir: Path, config: Path = CONFIG
) -> list[str]:
    """The command line; printed by a failing test, to rerun against `make run`'s stack."""
    return [
        str(SCHEMATHESIS),
        "--config-file",
        str(config),
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
async def real_ids(suite) -> dict[str, str]:
    """One of each resource, by the name of the parameter that names it."""
    customer, invoice = await posted_invoice(suite, name="Schemathesis Ltd")
    async with (
        suite.client("quote") as quote_svc,
        suite.client("order") as order_svc,
        suite.client("invoice") as invoice_svc,
        suite.client("payment") as payment_svc,
    ):
        seat = await product(quote_svc)
        book = await price_book(quote_svc, [(seat, "31.00")])
        quote = await created(
            quote_svc,
            "/v1/quotes",
            {
                "account_id": customer["id"],
                "price_book_id": book["id"],
                "start_date": "2026-01-15",
                "term_months": 12,
                "lines": [{"product_id": seat["id"], "quantity": "2"}],
            },
        )
        order = await first(order_svc, "/v1/orders", account_id=customer["id"])
        line = invoice["lines"][0]
        credit_note = await created(
            invoice_svc,
            f"/v1/invoices/{invoice['id']}/credit-notes",
            {"reason": "Goodwill", "lines": [{"invoice_line_id": line["id"], "amount": "1.00"}]},
        )
        tax_rate = await created(
            invoice_svc,
            "/v1/tax-rates",
            {"country": "US", "region": "TX", "tax_code": "schemathesis", "rate_percent": "6.25"},
        )
        payment = await created(
            payment_svc,
            "/v1/payments",
            {
                "account_id": customer["id"],
                "amount": "100.00",
                "currency": "USD",
                "method": "bank_transfer",
                "reference": "WIRE-SCHEMATHESIS",
                "received_on": "2026-02-10",
            },
        )
        receivable = await first(payment_svc, "/v1/receivables", invoice_id=invoice["id"])
    return {
        "account_id": customer["id"],
        "product_id": seat["id"],
        "price_book_id": book["id"],
        "quote_id": quote["id"],
        "line_id": quote["lines"][0]["id"],
        "order_id": order["id"],
        "contract_id": order["contract_id"],
        "invoice_id": invoice["id"],
        "invoice_run_id": invoice["invoice_run_id"],
        "credit_note_id": credit_note["id"],
        "tax_rate_id": tax_rate["id"],
        "payment_id": payment["id"],
        "allocation_id": payment["allocations"][0]["id"],
        "receivable_id": receivable["id"],
    }


def _config_with(ids: dict[str, str], folder: Path) -> Path:
    """schemathesis.toml plus the real ids as fixed parameter values."""
    config = folder / "schemathesis.toml"
    values = "".join(f'{name} = "{value}"\n' for name, value in sorted(ids.items()))
    config.write_text(f"{CONFIG.read_text()}\n[parameters]\n{values}")
    return config


@pytest.fixture(scope="module")
def schemathesis_runs(suite, real_ids, tmp_path_factory) -> Iterator[dict[str, tuple]]:
    """The four runs, started together: the services are separate processes, so on a 2-core
    machine the runs overlap instead of queueing (measured: 110 s together, 168 s one after
    another). Each writes its report to a file of its own."""
    folder = tmp_path_factory.mktemp("schemathesis")
    config = _config_with(real_ids, folder)
    runs: dict[str, tuple[list[str], Path, subprocess.Popen]] = {}
    try:
        for name in SERVICE_NAMES:
            command = schemathesis_command(
                suite.base_url(name), suite.api_key, folder / f"{name}-report", config
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
