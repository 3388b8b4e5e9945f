"""`make bench-payments` (and `make bench`): how fast payment-svc allocates payments in batches.

What it does, in order:

1. A fresh database, as for bench/invoice_run.py: by default an embedded PostgreSQL 18 in a
   temporary folder with durability on (fsync, synchronous commit, full-page writes); `--fast`
   turns it off; `--database-url` creates a new database on that server and drops it after.
   payment-svc's Alembic migrations are applied as an operator would (`alembic upgrade head`).
2. Seeding, which is not measured: N accounts with K open receivables each (posted invoices of
   100.00, 92.00 plus 8.00 tax, a month apart, due 30 days after their date), one
   `INSERT ... SELECT` over `generate_series` per chunk of accounts, every column listed from
   the `Receivable` model; the newest invoice of an account is inserted first, so allocation
   cannot lean on the order the rows were written in. Then `VACUUM ANALYZE` and `CHECKPOINT`.
3. The measured part: P payments, one for each of the first P accounts, whose amounts follow
   from the account number (`payment_amount`): some pay the oldest invoice exactly, some several
   or all, some part of one, some more than is owed, which leaves credit. They go in batches of
   B payments through `payments.service.record_payment_batch`, the code behind
   `POST /v1/payment-batches` (and, with one payment, behind `POST /v1/payments`),
   each batch in its own transaction (`Database.transaction()`, as a request's), with C batches
   in flight at once (asyncio tasks, over disjoint accounts). The payments are built before the
   clock starts, as the endpoint receives them parsed.
4. Verification: payments == P, each allocated the least of its amount and what its account
   owed, and allocated + unallocated == amount; each receivable's amount_paid == the sum of its
   allocations, none paid beyond its total, its status matching its balance, the oldest due
   dates paid first; one `PaymentReceived` outbox row per payment, one `PaymentAllocated` per
   allocation, one `InvoicePaid` per paid receivable; sum(payments) == sum(allocations) +
   sum(unallocated); the counts and totals are those the amounts imply. Then the results block.
   The exit status is 1 when verification fails.
"""

import argparse
import asyncio
import contextlib
import functools
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
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

from payment_svc.models import Receivable
from payment_svc.payments import service as payments
from payment_svc.payments.schemas import PaymentBatchItem
from payment_svc.statuses import PaymentMethod, ReceivableStatus
from q2c_shared.db import Database
from q2c_shared.ids import new_id

PAYMENT_SVC_DIR = Path(__file__).resolve().parents[1] / "services" / "payment-svc"
EVENT_SOURCE = "/q2c/payment-svc"
SEED_CHUNK_ACCOUNTS = 5_000
"""Accounts seeded per statement (one transaction each, one progress line)."""
CURRENCY = "USD"
RECEIVABLE_SUBTOTAL = Decimal("92.00")
RECEIVABLE_TAX = Decimal("8.00")
RECEIVABLE_TOTAL = RECEIVABLE_SUBTOTAL + RECEIVABLE_TAX
INVOICE_SPACING_DAYS = 30
"""Days between an account's invoices, and from each invoice's date to its due date."""
EVENT_TYPES = ("PaymentReceived", "PaymentAllocated", "InvoicePaid")
"""What a batch writes to the outbox, in the results block's order."""


@dataclass(frozen=True, kw_only=True)
class BenchConfig:
    accounts: int = 20_000
    receivables_per_account: int = 3
    payments: int | None = None
    """One payment for each of the first `payments` accounts; None: every account."""
    received_on: date = date(2026, 2, 10)
    batch_size: int = 1_000
    concurrency: int = 2

    @property
    def payment_count(self) -> int:
        return self.accounts if self.payments is None else self.payments

    @property
    def owed_per_account(self) -> Decimal:
        return RECEIVABLE_TOTAL * self.receivables_per_account


@dataclass(frozen=True, kw_only=True)
class SeedSummary:
    account_ids: list[uuid.UUID]
    """In account-number order: account n is `account_ids[n - 1]`."""
    receivables: int
    seconds: float


@dataclass(frozen=True, kw_only=True)
class AllocationMeasurement(Measurement):
    payments: int
    allocations: int
    invoices_paid: int
    batches: int


@dataclass(frozen=True, kw_only=True)
class Expected:
    """What the payments' amounts imply, worked out apart from the code under test."""

    payments: int
    allocations: int
    invoices_paid: int
    amount: Decimal
    unallocated: Decimal


@dataclass(frozen=True, kw_only=True)
class Verification:
    payments: int
    allocations: int
    invoices_paid: int
    amount: Decimal
    allocated: Decimal
    unallocated: Decimal
    events: dict[str, int]
    problems: list[str] = field(default_factory=list)

    @property
    def events_written(self) -> int:
        return sum(self.events.values())


# --- seeding --------------------------------------------------------------------------------


def _receivable_values(config: BenchConfig) -> dict[str, str]:
    """The SQL of each receivable column, over `a(account_id, n)` and `r(k)` (invoice k of
    account n, k = 1 the oldest)."""
    first_invoice_date = config.received_on - timedelta(
        days=INVOICE_SPACING_DAYS * config.receivables_per_account
    )
    invoice_date = f"DATE '{first_invoice_date.isoformat()}' + (r.k - 1) * {INVOICE_SPACING_DAYS}"
    return {
        "id": "uuidv7()",
        "invoice_id": "uuidv7()",
        "invoice_number": (
            "'INV-' || lpad(((a.n + :first_n - 2) * :per_account + r.k)::text, 7, '0')"
        ),
        "account_id": "a.account_id",
        "currency": f"'{CURRENCY}'",
        "invoice_date": invoice_date,
        "due_date": f"{invoice_date} + {INVOICE_SPACING_DAYS}",
        "subtotal": ":subtotal",
        "tax_total": ":tax_total",
        "total": ":total",
        "amount_paid": "0",
        "credited": "0",
        "balance": ":total",
        "status": f"'{ReceivableStatus.OPEN}'",
    }


def _seed_statement(config: BenchConfig) -> Any:
    """One statement: K open receivables for each account of `:account_ids`.

    Columns are listed from the model: one added with a server default or nullable is left to
    it; one this does not fill and that needs a value stops the benchmark, rather than seeding
    rows the service would never write."""
    values = _receivable_values(config)
    columns: list[str] = []
    for column in Receivable.__table__.columns:
        if column.name in values:
            columns.append(column.name)
        elif not column.nullable and column.server_default is None:
            raise BenchmarkFailed(
                f"seeding does not fill receivables.{column.name}: add it to _receivable_values"
            )
    sql = f"""
        INSERT INTO receivables ({", ".join(columns)})
        SELECT {", ".join(values[c] for c in columns)}
        FROM unnest(:account_ids) WITH ORDINALITY AS a(account_id, n)
        CROSS JOIN generate_series(1, :per_account) AS r(k)
        ORDER BY a.n, r.k DESC
    """
    return text(sql).bindparams(
        bindparam("account_ids", type_=ARRAY(UUID(as_uuid=True))),
        bindparam("per_account", value=config.receivables_per_account),
        bindparam("subtotal", value=RECEIVABLE_SUBTOTAL),
        bindparam("tax_total", value=RECEIVABLE_TAX),
        bindparam("total", value=RECEIVABLE_TOTAL),
    )


async def seed(
    database: Database, config: BenchConfig, *, progress: Progress = lambda _: None
) -> SeedSummary:
    """N accounts x K open receivables (see the module docstring)."""
    started = time.perf_counter()
    statement = _seed_statement(config)
    account_ids: list[uuid.UUID] = []
    for first in range(1, config.accounts + 1, SEED_CHUNK_ACCOUNTS):
        last = min(first + SEED_CHUNK_ACCOUNTS - 1, config.accounts)
        chunk = [new_id() for _ in range(first, last + 1)]
        async with database.transaction() as session:
            await session.execute(statement, {"account_ids": chunk, "first_n": first})
        account_ids += chunk
        progress(
            f"seed: {last:,}/{config.accounts:,} accounts "
            f"({last * config.receivables_per_account:,} open receivables)"
        )
    async with database.engine.connect() as connection:
        receivables = await connection.scalar(text("SELECT count(*) FROM receivables"))
    await settle(database, ["receivables"], progress)
    return SeedSummary(
        account_ids=account_ids, receivables=receivables, seconds=time.perf_counter() - started
    )


# --- the payments ---------------------------------------------------------------------------


def payment_amount(account_number: int, config: BenchConfig) -> Decimal:
    """What account n pays, from n alone: six kinds of payment in turn, the odd cents from n."""
    cents = Decimal(account_number % 100) / 100
    owed = config.owed_per_account
    match account_number % 6:
        case 0:  # the oldest invoice, exactly
            return RECEIVABLE_TOTAL
        case 1:  # the two oldest (every one, if it has fewer), exactly
            return RECEIVABLE_TOTAL * min(2, config.receivables_per_account)
        case 2:  # part of the oldest
            return Decimal("37.00") + cents
        case 3:  # the oldest and part of the next (credit when there is no next)
            return RECEIVABLE_TOTAL + Decimal("40.00") + cents
        case 4:  # everything, exactly
            return owed
        case _:  # everything and more: the rest is the account's credit
            return owed + Decimal("25.00") + cents


def payment_items(account_ids: Sequence[uuid.UUID], config: BenchConfig) -> list[PaymentBatchItem]:
    """One payment for each of the first P accounts, in account order."""
    return [
        PaymentBatchItem(
            account_id=account_id,
            amount=payment_amount(number, config),
            currency=CURRENCY,
            method=PaymentMethod.BANK_TRANSFER,
            reference=f"BENCH-{number:07d}",
            received_on=config.received_on,
        )
        for number, account_id in enumerate(account_ids[: config.payment_count], start=1)
    ]


def expected(config: BenchConfig) -> Expected:
    """Counts and totals the payments must give (each account owes K x 100.00, oldest first)."""
    allocations = invoices_paid = 0
    amount = unallocated = Decimal(0)
    for number in range(1, config.payment_count + 1):
        paid = payment_amount(number, config)
        applied = min(paid, config.owed_per_account)
        amount += paid
        unallocated += paid - applied
        touched = applied / RECEIVABLE_TOTAL  # the oldest first: whole invoices, then part of one
        invoices_paid += int(touched.to_integral_value(rounding=ROUND_FLOOR))
        allocations += int(touched.to_integral_value(rounding=ROUND_CEILING))
    return Expected(
        payments=config.payment_count,
        allocations=allocations,
        invoices_paid=invoices_paid,
        amount=amount,
        unallocated=unallocated,
    )


# --- the measured allocation ----------------------------------------------------------------


async def allocate_payments(
    database: Database,
    items: Sequence[PaymentBatchItem],
    config: BenchConfig,
    *,
    progress: Progress = lambda _: None,
    postgres_pid: int | None = None,
) -> AllocationMeasurement:
    """Record and allocate `items` in batches of `config.batch_size`, each its own transaction,
    `config.concurrency` at once; timed from the first batch to the last commit."""
    chunks = [
        items[start : start + config.batch_size]
        for start in range(0, len(items), config.batch_size)
    ]
    pending = iter(chunks)  # each worker takes the next batch when it is done with one
    totals = {"payments": 0, "allocations": 0, "invoices_paid": 0}

    async def worker() -> None:
        for chunk in pending:
            async with database.transaction() as session:
                result = await payments.record_payment_batch(session, chunk)
            totals["payments"] += len(result.payment_ids)
            totals["allocations"] += result.allocations
            totals["invoices_paid"] += result.invoices_paid

    meter = await Meter.start(database, postgres_pid)
    reporter = asyncio.create_task(_report_progress(meter, totals, len(items), progress))
    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(config.concurrency):
                group.create_task(worker())
        meter.stop()
    finally:
        reporter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reporter
    return AllocationMeasurement(**asdict(await meter.result()), **totals, batches=len(chunks))


async def _report_progress(
    meter: Meter, totals: dict[str, int], payments: int, progress: Progress
) -> None:
    while True:
        await asyncio.sleep(1.0)
        done = totals["payments"]
        progress(
            f"allocate: {done:,}/{payments:,} payments recorded, "
            f"{totals['allocations']:,} allocations ({done / meter.elapsed():,.0f}/s so far)"
        )


# --- verification ---------------------------------------------------------------------------


async def verify(database: Database, config: BenchConfig) -> Verification:
    """Check what the batches left in the database against what the payments imply."""
    async with database.engine.connect() as connection:
        # Fresh statistics, so the planner joins thousands of rows as thousands, not as a few.
        await connection.execute(
            text("ANALYZE payments, payment_allocations, receivables, outbox_events")
        )
        payments = (
            await connection.execute(
                text(
                    """
                    WITH allocated AS (
                        SELECT payment_id, sum(amount) AS amount
                        FROM payment_allocations GROUP BY payment_id
                    )
                    SELECT count(*) AS payments,
                           coalesce(sum(p.amount), 0) AS amount,
                           coalesce(sum(p.allocated), 0) AS allocated,
                           coalesce(sum(p.unallocated), 0) AS unallocated,
                           count(*) FILTER (WHERE p.allocated + p.unallocated <> p.amount)
                               AS parts_not_adding_up,
                           count(*) FILTER (WHERE p.allocated <> coalesce(a.amount, 0))
                               AS allocated_not_its_allocations,
                           count(*) FILTER (WHERE p.allocated <> least(p.amount, :owed))
                               AS not_allocated_what_was_owed
                    FROM payments p LEFT JOIN allocated a ON a.payment_id = p.id
                    """
                ),
                {"owed": config.owed_per_account},
            )
        ).one()
        allocations = (
            await connection.execute(
                text(
                    "SELECT count(*) AS allocations, coalesce(sum(amount), 0) AS amount "
                    "FROM payment_allocations"
                )
            )
        ).one()
        receivables = (
            await connection.execute(
                text(
                    """
                    WITH allocated AS (
                        SELECT receivable_id, sum(amount) AS amount
                        FROM payment_allocations GROUP BY receivable_id
                    )
                    SELECT count(*) FILTER (WHERE r.status = :paid) AS paid,
                           count(*) FILTER (WHERE r.amount_paid <> coalesce(a.amount, 0))
                               AS paid_not_its_allocations,
                           count(*) FILTER (WHERE r.amount_paid > r.total - r.credited
                                            OR r.balance < 0) AS over_paid,
                           count(*) FILTER (WHERE r.amount_paid + r.credited + r.balance
                                                  <> r.total) AS parts_not_adding_up,
                           count(*) FILTER (WHERE (r.status = :paid) <> (r.balance = 0)
                                            OR r.status NOT IN (:paid, :open))
                               AS status_not_balance,
                           count(*) FILTER (WHERE r.status = :paid AND r.paid_on IS NULL)
                               AS paid_without_date
                    FROM receivables r LEFT JOIN allocated a ON a.receivable_id = r.id
                    """
                ),
                {"paid": ReceivableStatus.PAID, "open": ReceivableStatus.OPEN},
            )
        ).one()
        # Oldest due date first: no account has paid on an invoice while an older one is open.
        paid_before_older = await connection.scalar(
            text(
                """
                SELECT count(*) FROM receivables newer
                JOIN receivables older
                  ON older.account_id = newer.account_id AND older.currency = newer.currency
                 AND older.due_date < newer.due_date AND older.balance > 0
                WHERE newer.amount_paid > 0
                """
            )
        )
        events = dict(
            (
                await connection.execute(
                    text("SELECT event_type, count(*) FROM outbox_events GROUP BY event_type")
                )
            ).all()
        )
        # Each event names its entity: no payment, allocation or paid receivable lacks one.
        # (EXCEPT, not a correlated EXISTS: a set operation, whatever the planner estimates.)
        without_event = (
            await connection.execute(
                text(
                    """
                    SELECT
                      (SELECT count(*) FROM (
                         SELECT id::text FROM payments
                         EXCEPT SELECT envelope->'data'->'payment'->>'id' FROM outbox_events
                                WHERE event_type = 'PaymentReceived') AS missing)
                        AS payments,
                      (SELECT count(*) FROM (
                         SELECT id::text FROM payment_allocations
                         EXCEPT SELECT envelope->'data'->>'allocation_id' FROM outbox_events
                                WHERE event_type = 'PaymentAllocated') AS missing)
                        AS allocations,
                      (SELECT count(*) FROM (
                         SELECT invoice_id::text FROM receivables WHERE status = :paid
                         EXCEPT SELECT envelope->>'subject' FROM outbox_events
                                WHERE event_type = 'InvoicePaid') AS missing)
                        AS invoices_paid
                    """
                ),
                {"paid": ReceivableStatus.PAID},
            )
        ).one()
    implied = expected(config)
    problems: list[str] = []

    def expect(what: str, actual: Any, wanted: Any) -> None:
        if actual != wanted:
            problems.append(f"{what}: {actual}, expected {wanted}")

    expect("payments", payments.payments, implied.payments)
    expect(
        "payments whose allocated + unallocated is not their amount",
        payments.parts_not_adding_up,
        0,
    )
    expect(
        "payments whose allocated is not the sum of their allocations",
        payments.allocated_not_its_allocations,
        0,
    )
    expect(
        "payments not allocated the least of their amount and what was owed",
        payments.not_allocated_what_was_owed,
        0,
    )
    expect("allocations", allocations.allocations, implied.allocations)
    expect("receivables paid", receivables.paid, implied.invoices_paid)
    expect(
        "receivables whose amount_paid is not the sum of their allocations",
        receivables.paid_not_its_allocations,
        0,
    )
    expect("receivables paid beyond their total", receivables.over_paid, 0)
    expect("receivables whose parts do not add up", receivables.parts_not_adding_up, 0)
    expect(
        "receivables whose status does not match their balance",
        receivables.status_not_balance,
        0,
    )
    expect("paid receivables without paid_on", receivables.paid_without_date, 0)
    expect("receivables paid on while an older one is open", paid_before_older, 0)
    expect("PaymentReceived events", events.get("PaymentReceived", 0), implied.payments)
    expect("PaymentAllocated events", events.get("PaymentAllocated", 0), implied.allocations)
    expect("InvoicePaid events", events.get("InvoicePaid", 0), implied.invoices_paid)
    expect(
        "other events",
        {kind: count for kind, count in events.items() if kind not in EVENT_TYPES},
        {},
    )
    expect("payments without their PaymentReceived", without_event.payments, 0)
    expect("allocations without their PaymentAllocated", without_event.allocations, 0)
    expect("paid receivables without their InvoicePaid", without_event.invoices_paid, 0)
    expect(
        "sum(payments) - sum(allocations) - sum(unallocated)",
        payments.amount - allocations.amount - payments.unallocated,
        0,
    )
    expect("sum(payments)", payments.amount, implied.amount)
    expect("sum(unallocated): the accounts' credit", payments.unallocated, implied.unallocated)
    return Verification(
        payments=payments.payments,
        allocations=allocations.allocations,
        invoices_paid=receivables.paid,
        amount=payments.amount,
        allocated=payments.allocated,
        unallocated=payments.unallocated,
        events=events,
        problems=problems,
    )


# --- the command ----------------------------------------------------------------------------


def results_block(
    config: BenchConfig,
    measurement: AllocationMeasurement,
    verification: Verification,
    *,
    durability: str,
    server_version: str,
) -> str:
    seconds = measurement.seconds
    events = verification.events
    rows = [
        ("accounts (N)", f"{config.accounts:,}"),
        ("open receivables per account (K)", f"{config.receivables_per_account:,}"),
        ("allocation seconds", f"{seconds:.2f}"),
        ("payments recorded", f"{verification.payments:,}"),
        ("payments/s", f"{verification.payments / seconds:,.0f}"),
        ("allocations", f"{verification.allocations:,}"),
        ("allocations/s", f"{verification.allocations / seconds:,.0f}"),
        ("invoices paid in full", f"{verification.invoices_paid:,}"),
        ("amount received", f"{verification.amount:,} {CURRENCY}"),
        ("left as credit (unallocated)", f"{verification.unallocated:,} {CURRENCY}"),
        ("events written to the outbox", f"{verification.events_written:,}"),
        (
            "  PaymentReceived, PaymentAllocated, InvoicePaid",
            ", ".join(f"{events.get(kind, 0):,}" for kind in EVENT_TYPES),
        ),
        *measurement_rows(measurement, timed_part="allocation"),
        (
            "payments per batch, batches in flight",
            f"{config.batch_size:,}, {config.concurrency}",
        ),
        ("PostgreSQL", f"{server_version}, {durability}"),
    ]
    return results_table("payment allocation benchmark: results", rows)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    defaults = BenchConfig()
    parser = argparse.ArgumentParser(
        prog="bench/payment_allocation.py",
        description="Benchmark payment-svc's payment batches: seed N accounts x K open "
        "receivables into a fresh database, then time recording and allocating one payment "
        "per account (oldest due date first, some paying one invoice, some several, some part "
        "of one, some more than owed) in batches, each its own transaction, verify the result "
        "(payments, allocations, receivables, events in the outbox, totals) and print "
        "payments/s, allocations/s and the process's peak RSS. Seeding is not timed.",
        epilog="Examples: make bench-payments;  "
        "make bench-payments PAYMENT_ARGS='--batch-size 2000';  "
        "uv run python bench/payment_allocation.py --fast --accounts 5000",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--accounts", type=positive, default=defaults.accounts, help="accounts seeded (N)"
    )
    parser.add_argument(
        "--receivables-per-account",
        type=positive,
        default=defaults.receivables_per_account,
        help="open receivables (posted invoices of 100.00, a month apart) per account (K)",
    )
    parser.add_argument(
        "--payments",
        type=positive,
        default=argparse.SUPPRESS,
        help="payments (P), one each for the first P accounts, at most N (default: N)",
    )
    parser.add_argument(
        "--received-on",
        type=date.fromisoformat,
        default=defaults.received_on,
        help="the payments' date; the invoices are dated before it (ISO date)",
    )
    parser.add_argument(
        "--batch-size",
        type=positive,
        default=defaults.batch_size,
        help="payments per batch: one record_payment_batch call, one transaction "
        "(POST /v1/payment-batches takes up to 10,000)",
    )
    parser.add_argument(
        "--concurrency",
        type=positive,
        default=defaults.concurrency,
        help="batches in flight at once, over disjoint accounts",
    )
    add_database_arguments(parser)
    args = parser.parse_args(argv)
    args.payments = getattr(args, "payments", None)
    if args.payments is not None and args.payments > args.accounts:
        parser.error(
            f"--payments ({args.payments}) is more than --accounts ({args.accounts}): one "
            "payment per account, so that the batches in flight never share an account"
        )
    return args


ALLOCATION_WRITES = (
    WrittenRows("payments"),
    WrittenRows("payment_allocations"),
    WrittenRows("receivables", "amount_paid > 0"),
    WrittenRows(
        "outbox_events", "event_type IN ('PaymentReceived', 'PaymentAllocated', 'InvoicePaid')"
    ),
)
"""What allocating writes: the payments, their allocations, the receivables they paid (updated)
and the payment events. The floor writes these rows again with COPY."""


async def bench(
    database_url: str, config: BenchConfig, progress: Progress, postgres_pid: int | None
) -> tuple[AllocationMeasurement, Verification, str]:
    database = Database(database_url, event_source=EVENT_SOURCE)
    try:
        progress(
            f"seed: {config.accounts:,} accounts x {config.receivables_per_account} open "
            f"receivables of {RECEIVABLE_TOTAL} {CURRENCY}"
        )
        summary = await seed(database, config, progress=progress)
        progress(
            f"seed: done, {summary.receivables:,} receivables in {summary.seconds:.1f}s "
            "(not measured)"
        )
        items = payment_items(summary.account_ids, config)
        await database.engine.dispose()
        progress(
            f"allocate: {len(items):,} payments, {config.batch_size:,} per batch, "
            f"{config.concurrency} in flight"
        )
        measurement = await allocate_payments(
            database, items, config, progress=progress, postgres_pid=postgres_pid
        )
        progress(f"allocate: done in {measurement.seconds:.2f}s; verifying")
        verification = await verify(database, config)
        measurement = replace(
            measurement, floor=await copy_floor(database_url, ALLOCATION_WRITES, progress)
        )
        version = await server_version(database)
    finally:
        await database.dispose()
    return measurement, verification, version


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = BenchConfig(
        accounts=args.accounts,
        receivables_per_account=args.receivables_per_account,
        payments=args.payments,
        received_on=args.received_on,
        batch_size=args.batch_size,
        concurrency=args.concurrency,
    )
    return run_benchmark(
        args,
        service_dir=PAYMENT_SVC_DIR,
        measure=lambda url, progress, postgres_pid: bench(url, config, progress, postgres_pid),
        results=functools.partial(results_block, config),
        verified=(
            "payments == P, each allocated min(amount, owed) oldest due date first "
            "with allocated + unallocated == amount; receivables' amount_paid == their "
            "allocations, none over-paid, status matching balance; one PaymentReceived per "
            "payment, one PaymentAllocated per allocation, one InvoicePaid per paid invoice; "
            "sum(payments) == sum(allocations) + sum(unallocated)"
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
