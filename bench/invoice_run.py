"""`make bench`: how fast one invoice run bills and posts N accounts x M order products.

What it does, in order:

1. A fresh database: by default an embedded PostgreSQL 18 in a temporary folder with durability
   on (fsync, synchronous commit, full-page writes), as production runs; `--fast` turns it off.
   With `--database-url` it creates a new database on that server instead and drops it after.
   invoice-svc's Alembic migrations are applied as an operator would (`alembic upgrade head`).
2. Seeding, which is not measured. One order of M recurring order products (monthly, billed in
   advance, starting on the target date) goes through `service.create_billing_schedules`, the
   code the `OrderActivated` handler runs, so its schedules and periods are exactly what the
   service writes. Those rows are then replicated in SQL for the other N - 1 accounts, one
   `INSERT ... SELECT` per chunk: every column copied from the template except the ids (new
   UUIDv7s), the order, contract and account (one order per account, its own numbers), and the
   bill-to (the account itself, as for the template, whose products name no billing account).
   Each account is in the bill-to read model with a New York address, and a tax rate for New
   York and the seats' tax code exists, so the run taxes every line as it would in production.
   Then `VACUUM ANALYZE` (the steady state autovacuum keeps a production table in) and a
   `CHECKPOINT` (so that the one the seeding's write-ahead log calls for is not taken during
   the run).
3. The measured part: queue a run with `post=true` (`service.create_invoice_run`), claim it as a
   worker does (`runs.claimed_run`) and execute it (`runs.execute_run`) with the service's
   batch settings (`invoice_run_batch_accounts`, `invoice_run_batches_in_flight`) until it
   completes. Only the first period of each order product is due by the target date, so the run
   bills N invoices of M lines each.
4. Verification: the run completed; invoices == N, lines == N x M, every invoice posted with a
   number from a gapless series, one `InvoicePosted` outbox row per invoice, no due period left
   pending. Then the results block. The exit status is 1 when verification fails.
"""

import argparse
import asyncio
import contextlib
import functools
import json
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from _harness import (
    BenchmarkFailed,
    Measurement,
    Meter,
    Progress,
    WrittenRows,
    add_database_arguments,
    copy_floor,
    measurement_rows,
    positive,
    results_table,
    run_benchmark,
    server_version,
    settle,
)
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from invoice_svc.bill_to_accounts.service import record_account
from invoice_svc.models import BillingPeriod, BillingSchedule
from invoice_svc.runs import worker as runs
from invoice_svc.runs.schemas import InvoiceRunCreate
from invoice_svc.runs.service import create_invoice_run
from invoice_svc.schedules.service import create_billing_schedules
from invoice_svc.settings import InvoiceSettings
from invoice_svc.statuses import InvoiceRunStatus, PeriodStatus
from invoice_svc.tax_rates.schemas import TaxRateCreate
from invoice_svc.tax_rates.service import create_tax_rate
from q2c_shared.billing.periods import term_end_date
from q2c_shared.db import Database
from q2c_shared.events import contracts
from q2c_shared.ids import new_id

INVOICE_SVC_DIR = Path(__file__).resolve().parents[1] / "services" / "invoice-svc"
EVENT_SOURCE = "/q2c/invoice-svc"
SEED_CHUNK_ACCOUNTS = 2_000
"""Accounts replicated per seeding statement (one transaction each, one progress line)."""
BENCH_ADDRESS = {"line1": "1 Broadway", "city": "New York", "region": "NY", "country": "US"}
BENCH_TAX_RATE = Decimal("8.875")
"""Every account is billed in New York, where the seats' tax code bears this rate: each line
is taxed (the run reads the rates and the accounts' addresses as it would in production)."""


@dataclass(frozen=True, kw_only=True)
class BenchConfig:
    accounts: int = 20_000
    products_per_account: int = 5
    term_months: int = 12
    target_date: date = date(2026, 1, 1)
    batch_accounts: int = 1000
    batches_in_flight: int = 3

    @property
    def lines(self) -> int:
        return self.accounts * self.products_per_account


@dataclass(frozen=True, kw_only=True)
class SeedSummary:
    schedules: int
    periods: int
    seconds: float


@dataclass(frozen=True, kw_only=True)
class RunMeasurement(Measurement):
    run_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class Verification:
    invoices: int
    lines: int
    posted: int
    outbox_events: int
    first_number: str | None
    last_number: str | None
    problems: list[str] = field(default_factory=list)


# --- seeding --------------------------------------------------------------------------------


def template_order(config: BenchConfig) -> contracts.OrderActivated:
    """The `OrderActivated` of one account: M monthly seats billed in advance from the target
    date for `term_months`, one legal entity, net 30, no billing account (bill-to = account)."""
    account_id = str(new_id())
    contract_id = str(new_id())
    start = config.target_date
    end = term_end_date(start, config.term_months)
    products = [
        contracts.OrderProductSnapshot(
            id=str(new_id()),
            product_id=str(new_id()),
            sku=f"seat-{position}",
            product_name=f"Seat tier {position}",
            charge_type="recurring",
            billing_type="advance",
            billing_frequency="monthly",
            tax_code="SAAS",
            quantity=Decimal(position),
            net_unit_price=Decimal("10.00") + position,
            monthly_amount=(Decimal("10.00") + position) * position,
            start_date=start,
            end_date=end,
        )
        for position in range(1, config.products_per_account + 1)
    ]
    return contracts.OrderActivated(
        order=contracts.OrderSnapshot(
            id=str(new_id()),
            number=_order_number(1),
            contract_id=contract_id,
            account_id=account_id,
            currency="USD",
            payment_term="net_30",
            legal_entity="q2c Inc",
            billing_day_of_month=start.day,
            activated_on=start,
            order_products=products,
        ),
        contract=contracts.ContractSnapshot(
            id=contract_id,
            number=_contract_number(1),
            account_id=account_id,
            start_date=start,
            end_date=end,
            subscriptions=[],
        ),
    )


def _order_number(n: int) -> str:
    return f"O-{n:07d}"


def _contract_number(n: int) -> str:
    return f"C-{n:07d}"


def _replication_statement() -> Any:
    """One statement: for each account in `:account_ids`, an order (and contract) of its own
    with a copy of every template schedule, and a copy of every template period for each.

    Columns are listed from the models, so a column added to either table is copied from the
    template without touching this."""
    schedule_overrides = {
        "id": "uuidv7()",
        "order_id": "o.order_id",
        "order_number": "'O-' || lpad(o.n::text, 7, '0')",
        "order_product_id": "uuidv7()",
        "account_id": "o.account_id",
        "bill_to_account_id": "o.account_id",
        "contract_id": "o.contract_id",
        "contract_number": "'C-' || lpad(o.n::text, 7, '0')",
        "created_at": "now()",
    }
    period_overrides = {"id": "uuidv7()", "billing_schedule_id": "s.id"}
    schedule_columns = [column.name for column in BillingSchedule.__table__.columns]
    period_columns = [column.name for column in BillingPeriod.__table__.columns]
    sql = f"""
        WITH new_orders AS MATERIALIZED (
            SELECT a.account_id, a.n + :first_n - 1 AS n,
                   uuidv7() AS order_id, uuidv7() AS contract_id
            FROM unnest(:account_ids) WITH ORDINALITY AS a(account_id, n)
        ),
        bill_tos AS (
            INSERT INTO bill_to_accounts (account_id, name, currency, billing_address,
                                          payment_term, legal_entity, tax_exempt,
                                          source_event_time)
            SELECT o.account_id, 'Bench customer ' || o.n, 'USD', CAST(:billing_address AS jsonb),
                   'net_30', 'q2c Inc', false, now()
            FROM new_orders o
        ),
        new_schedules AS (
            INSERT INTO billing_schedules ({", ".join(schedule_columns)})
            SELECT {", ".join(schedule_overrides.get(c, f"t.{c}") for c in schedule_columns)}
            FROM new_orders o CROSS JOIN billing_schedules t
            WHERE t.order_id = :template_order_id
            ORDER BY o.n, t.order_product_id
            RETURNING id, product_id
        )
        INSERT INTO billing_periods ({", ".join(period_columns)})
        SELECT {", ".join(period_overrides.get(c, f"t.{c}") for c in period_columns)}
        FROM new_schedules s
        JOIN billing_schedules ts
          ON ts.order_id = :template_order_id AND ts.product_id = s.product_id
        JOIN billing_periods t ON t.billing_schedule_id = ts.id
    """
    return text(sql).bindparams(
        bindparam("account_ids", type_=ARRAY(UUID(as_uuid=True))),
        bindparam("billing_address", value=json.dumps(BENCH_ADDRESS)),
    )


async def seed(
    database: Database, config: BenchConfig, *, progress: Progress = lambda _: None
) -> SeedSummary:
    """Billing schedules and periods for `config.accounts` accounts (see the module docstring)."""
    started = time.perf_counter()
    template = template_order(config)
    async with database.transaction() as session:
        created = await create_billing_schedules(session, template)
    if created != config.products_per_account:
        raise BenchmarkFailed(
            f"the template order got {created} schedules, not {config.products_per_account}"
        )
    async with database.transaction() as session:
        await create_tax_rate(
            session,
            TaxRateCreate(country="US", region="NY", tax_code="SAAS", rate_percent=BENCH_TAX_RATE),
        )
        await record_account(
            session,
            contracts.AccountSnapshot(
                id=template.order.account_id,
                name="Bench customer 1",
                currency="USD",
                billing_address=contracts.BillingAddress.model_validate(BENCH_ADDRESS),
                payment_term="net_30",
                legal_entity="q2c Inc",
            ),
            event_time=datetime.now(UTC),
        )
    template_order_id = uuid.UUID(template.order.id)
    statement = _replication_statement()
    for first in range(2, config.accounts + 1, SEED_CHUNK_ACCOUNTS):
        last = min(first + SEED_CHUNK_ACCOUNTS - 1, config.accounts)
        account_ids = [new_id() for _ in range(first, last + 1)]
        async with database.transaction() as session:
            await session.execute(
                statement,
                {
                    "account_ids": account_ids,
                    "first_n": first,
                    "template_order_id": template_order_id,
                },
            )
        progress(
            f"seed: {last:,}/{config.accounts:,} accounts "
            f"({last * config.products_per_account:,} schedules)"
        )
    async with database.engine.connect() as connection:
        counts = (
            await connection.execute(
                text(
                    "SELECT (SELECT count(*) FROM billing_schedules), "
                    "(SELECT count(*) FROM billing_periods)"
                )
            )
        ).one()
    await settle(database, ["billing_schedules", "billing_periods"], progress)
    return SeedSummary(
        schedules=counts[0], periods=counts[1], seconds=time.perf_counter() - started
    )


# --- the measured run -----------------------------------------------------------------------


async def run_invoice_run(
    database: Database,
    config: BenchConfig,
    *,
    progress: Progress = lambda _: None,
    postgres_pid: int | None = None,
) -> RunMeasurement:
    """Queue a posting run and execute it as a worker would; timed from queueing to done."""
    reporter = asyncio.create_task(_report_progress(database, config, progress))
    meter = await Meter.start(database, postgres_pid)
    try:
        async with database.transaction() as session:
            queued = await create_invoice_run(
                session, InvoiceRunCreate(target_date=config.target_date, post=True)
            )
        async with runs.claimed_run(database) as run_id:
            if run_id != queued.id:
                raise BenchmarkFailed(f"claimed run {run_id}, not the queued run {queued.id}")
            await runs.execute_run(
                database,
                run_id,
                batch_accounts=config.batch_accounts,
                batches_in_flight=config.batches_in_flight,
            )
        meter.stop()
    finally:
        reporter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reporter
    return RunMeasurement(run_id=run_id, **asdict(await meter.result()))


async def _report_progress(database: Database, config: BenchConfig, progress: Progress) -> None:
    started = time.perf_counter()
    while True:
        await asyncio.sleep(1.0)
        async with database.engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "SELECT status, invoices_created, invoices_posted FROM invoice_runs "
                        "ORDER BY created_at DESC LIMIT 1"
                    )
                )
            ).first()
        if row is not None:
            elapsed = time.perf_counter() - started
            progress(
                f"run: {row.invoices_posted:,}/{config.accounts:,} invoices posted "
                f"({row.invoices_posted / elapsed:,.0f}/s so far, {row.status})"
            )


# --- verification ---------------------------------------------------------------------------


async def verify(database: Database, run_id: uuid.UUID, config: BenchConfig) -> Verification:
    """Check what the run left in the database against what N x M must give."""
    async with database.engine.connect() as connection:
        run = (
            await connection.execute(
                text("SELECT * FROM invoice_runs WHERE id = :run_id"), {"run_id": run_id}
            )
        ).one()
        invoices = (
            await connection.execute(
                text(
                    """
                    SELECT count(*) AS invoices,
                           count(*) FILTER (WHERE status = 'posted' AND number IS NOT NULL)
                               AS posted,
                           count(DISTINCT account_id) AS bill_tos,
                           min(number) AS first_number,
                           max(number) AS last_number
                    FROM invoices WHERE invoice_run_id = :run_id
                    """
                ),
                {"run_id": run_id},
            )
        ).one()
        lines, taxed_lines = (
            await connection.execute(
                text(
                    "SELECT count(*), count(*) FILTER (WHERE l.tax_rate_percent = :rate "
                    "AND l.tax_amount = round(l.amount * :rate / 100, 2)) "
                    "FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id "
                    "WHERE i.invoice_run_id = :run_id"
                ),
                {"run_id": run_id, "rate": BENCH_TAX_RATE},
            )
        ).one()
        # Gapless: per series, the numbers taken are distinct and run without a hole up to
        # the series' last number.
        series = (
            await connection.execute(
                text(
                    """
                    SELECT i.legal_entity, count(*) AS numbered,
                           count(DISTINCT i.number) AS distinct_numbers,
                           min(substring(i.number FROM '[0-9]+$')::bigint) AS low,
                           max(substring(i.number FROM '[0-9]+$')::bigint) AS high,
                           max(s.last_number) AS last_number
                    FROM invoices i
                    LEFT JOIN number_series s
                      ON s.legal_entity = coalesce(i.legal_entity, '') AND s.kind = 'invoice'
                    WHERE i.number IS NOT NULL
                    GROUP BY i.legal_entity
                    """
                )
            )
        ).all()
        outbox = (
            await connection.execute(
                text(
                    """
                    SELECT count(*) AS events,
                           count(DISTINCT i.id) AS invoices_with_event
                    FROM outbox_events o
                    LEFT JOIN invoices i
                      ON i.id = (o.envelope->>'subject')::uuid AND i.invoice_run_id = :run_id
                    WHERE o.event_type = 'InvoicePosted'
                    """
                ),
                {"run_id": run_id},
            )
        ).one()
        still_due = await connection.scalar(
            text(
                "SELECT count(*) FROM billing_periods "
                "WHERE status = :pending AND billable_date <= :target_date"
            ),
            {"pending": PeriodStatus.PENDING, "target_date": config.target_date},
        )
    problems: list[str] = []

    def expect(what: str, actual: Any, expected: Any) -> None:
        if actual != expected:
            problems.append(f"{what}: {actual}, expected {expected}")

    expect("run status", run.status, InvoiceRunStatus.COMPLETED)
    if run.error:
        problems.append(f"run error: {run.error}")
    expect("invoices", invoices.invoices, config.accounts)
    expect("invoices posted with a number", invoices.posted, config.accounts)
    expect("bill-to accounts invoiced", invoices.bill_tos, config.accounts)
    expect("lines", lines, config.lines)
    expect("lines taxed at the bill-to's rate, rounded per line", taxed_lines, config.lines)
    expect(
        "run counters (invoices, lines, posted)",
        (run.invoices_created, run.lines_created, run.invoices_posted),
        (config.accounts, config.lines, config.accounts),
    )
    expect("InvoicePosted events in the outbox", outbox.events, config.accounts)
    expect(
        "invoices of the run with their InvoicePosted", outbox.invoices_with_event, config.accounts
    )
    expect("due periods left pending", still_due, 0)
    for row in series:
        label = f"series {row.legal_entity or '(none)'}"
        expect(f"{label}: duplicate numbers", row.numbered - row.distinct_numbers, 0)
        expect(f"{label}: numbers from low to high", row.high - row.low + 1, row.numbered)
        expect(f"{label}: last number given out", row.last_number, row.high)
    return Verification(
        invoices=invoices.invoices,
        lines=lines,
        posted=invoices.posted,
        outbox_events=outbox.events,
        first_number=invoices.first_number,
        last_number=invoices.last_number,
        problems=problems,
    )


# --- the command ----------------------------------------------------------------------------


def results_block(
    config: BenchConfig,
    measurement: RunMeasurement,
    verification: Verification,
    *,
    durability: str,
    server_version: str,
) -> str:
    seconds = measurement.seconds
    rows = [
        ("accounts (N)", f"{config.accounts:,}"),
        ("order products per account (M)", f"{config.products_per_account:,}"),
        ("run seconds", f"{seconds:.2f}"),
        ("invoices posted", f"{verification.posted:,}"),
        ("invoices/s", f"{verification.posted / seconds:,.0f}"),
        ("lines", f"{verification.lines:,}"),
        ("lines/s", f"{verification.lines / seconds:,.0f}"),
        ("InvoicePosted events in outbox", f"{verification.outbox_events:,}"),
        ("invoice numbers", f"{verification.first_number} .. {verification.last_number}"),
        *measurement_rows(measurement, timed_part="run"),
        (
            "batch accounts, batches in flight",
            f"{config.batch_accounts:,}, {config.batches_in_flight}",
        ),
        ("PostgreSQL", f"{server_version}, {durability}"),
    ]
    return results_table("invoice run benchmark: results", rows)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    service_settings = InvoiceSettings()
    defaults = BenchConfig(
        batch_accounts=service_settings.invoice_run_batch_accounts,
        batches_in_flight=service_settings.invoice_run_batches_in_flight,
    )
    parser = argparse.ArgumentParser(
        prog="bench/invoice_run.py",
        description="Benchmark one invoice-svc invoice run with posting: seed N accounts x M "
        "recurring order products (monthly, billed in advance) into a fresh database, then "
        "time queueing a run (post=true) and executing it as a worker does, verify the "
        "result (invoices, lines, gapless numbers, InvoicePosted in the outbox) and print "
        "invoices/s, lines/s and the run's peak RSS. Seeding is not timed.",
        epilog="Examples: make bench-invoices;  "
        "make bench-invoices INVOICE_ARGS='--accounts 2000';  "
        "uv run python bench/invoice_run.py --fast --products-per-account 10",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--accounts",
        type=positive,
        default=defaults.accounts,
        help="bill-to accounts (N), one order each; the run makes one invoice per account",
    )
    parser.add_argument(
        "--products-per-account",
        type=positive,
        default=defaults.products_per_account,
        help="recurring order products per order (M): the lines of each invoice",
    )
    parser.add_argument(
        "--term-months",
        type=positive,
        default=defaults.term_months,
        help="months each order product runs: periods seeded per product (one is due)",
    )
    parser.add_argument(
        "--target-date",
        type=date.fromisoformat,
        default=defaults.target_date,
        help="the run's target and invoice date; the orders start on it (ISO date)",
    )
    parser.add_argument(
        "--batch-accounts",
        type=positive,
        default=defaults.batch_accounts,
        help="accounts per run batch; the default is invoice-svc's INVOICE_RUN_BATCH_ACCOUNTS",
    )
    parser.add_argument(
        "--batches-in-flight",
        type=positive,
        default=defaults.batches_in_flight,
        help="batches billed at once; the default is invoice-svc's INVOICE_RUN_BATCHES_IN_FLIGHT",
    )
    add_database_arguments(parser)
    return parser.parse_args(argv)


INVOICE_RUN_WRITES = (
    WrittenRows("invoice_runs"),
    WrittenRows("invoices"),
    WrittenRows("invoice_lines"),
    WrittenRows("billing_periods", "invoice_id IS NOT NULL"),
    WrittenRows("number_series"),
    WrittenRows("outbox_events"),
)
"""What the run writes: its run row, the invoices, their lines, the billed periods (updated),
the number series and the InvoicePosted events. The floor writes these rows again with COPY."""


async def bench(
    database_url: str, config: BenchConfig, progress: Progress, postgres_pid: int | None
) -> tuple[RunMeasurement, Verification, str]:
    database = Database(database_url, event_source=EVENT_SOURCE)
    try:
        progress(
            f"seed: {config.accounts:,} accounts x {config.products_per_account} order products, "
            f"{config.term_months} monthly periods each"
        )
        summary = await seed(database, config, progress=progress)
        progress(
            f"seed: done, {summary.schedules:,} schedules and {summary.periods:,} periods "
            f"in {summary.seconds:.1f}s (not measured)"
        )
        await database.engine.dispose()
        progress(
            f"run: queue and execute one invoice run, post=true, "
            f"{config.batch_accounts:,} accounts per batch, {config.batches_in_flight} in flight"
        )
        measurement = await run_invoice_run(
            database, config, progress=progress, postgres_pid=postgres_pid
        )
        progress(f"run: done in {measurement.seconds:.2f}s; verifying")
        verification = await verify(database, measurement.run_id, config)
        measurement = replace(
            measurement, floor=await copy_floor(database_url, INVOICE_RUN_WRITES, progress)
        )
        version = await server_version(database)
    finally:
        await database.dispose()
    return measurement, verification, version


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = BenchConfig(
        accounts=args.accounts,
        products_per_account=args.products_per_account,
        term_months=args.term_months,
        target_date=args.target_date,
        batch_accounts=args.batch_accounts,
        batches_in_flight=args.batches_in_flight,
    )
    return run_benchmark(
        args,
        service_dir=INVOICE_SVC_DIR,
        measure=lambda url, progress, postgres_pid: bench(url, config, progress, postgres_pid),
        results=functools.partial(results_block, config),
        verified=(
            "invoices == N, lines == N x M, all posted with gapless numbers, "
            "one InvoicePosted outbox row each, no due period left pending"
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
