"""The payment allocation benchmark (bench/payment_allocation.py, `make bench-payments`) in
miniature, so that it keeps working: its seeding, the batches it times and its verification,
against the session's real database. Nothing about speed is asserted here."""

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType

from q2c_shared.db import Database
from q2c_shared.testing.service import truncate_all

BENCH_SCRIPT = Path(__file__).resolve().parents[3] / "bench" / "payment_allocation.py"


def _load_bench() -> ModuleType:
    """bench/ is a folder of scripts, not a package: load the script from its path, with
    bench/ on the path for the helpers it imports (`_harness`), as when it runs."""
    if str(BENCH_SCRIPT.parent) not in sys.path:
        sys.path.append(str(BENCH_SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("q2c_bench_payment_allocation", BENCH_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


async def test_the_benchmark_allocates_55_payments_over_60_accounts_and_verifies_them(
    database_url,
):
    config = bench.BenchConfig(
        accounts=60, receivables_per_account=3, payments=55, batch_size=10, concurrency=2
    )
    database = Database(database_url, event_source=bench.EVENT_SOURCE)
    try:
        await truncate_all(database)  # other tests' payments and events would be counted
        seeded = await bench.seed(database, config)
        items = bench.payment_items(seeded.account_ids, config)
        measured = await bench.allocate_payments(database, items, config)
        verification = await bench.verify(database, config)
        floor = await bench.copy_floor(database_url, bench.ALLOCATION_WRITES, lambda _: None)
    finally:
        await database.dispose()

    assert (len(seeded.account_ids), seeded.receivables) == (60, 180)
    assert verification.problems == []
    # Payments of account n, by n % 6: 100.00 (one invoice), 200.00 (two), 37.xx (part of
    # one), 140.xx (one and part of the next), 300.00 (all), 325.xx (all, and credit).
    kinds = [n % 6 for n in range(1, 56)]
    allocations = {0: 1, 1: 2, 2: 1, 3: 2, 4: 3, 5: 3}
    paid = {0: 1, 1: 2, 2: 0, 3: 1, 4: 3, 5: 3}
    assert (measured.payments, measured.batches) == (55, 6)
    assert verification.payments == 55
    assert verification.allocations == measured.allocations == sum(allocations[k] for k in kinds)
    assert verification.invoices_paid == measured.invoices_paid == sum(paid[k] for k in kinds)
    assert verification.events == {
        "PaymentReceived": 55,
        "PaymentAllocated": verification.allocations,
        "InvoicePaid": verification.invoices_paid,
    }
    credit = sum(Decimal("25.00") + Decimal(n % 100) / 100 for n in range(5, 56, 6))
    assert verification.unallocated == credit
    assert verification.amount == verification.allocated + verification.unallocated
    # The floor writes again what allocating wrote: the payments, their allocations, the
    # receivables they paid (one payment per account: a receivable per allocation) and the
    # events.
    assert floor.rows == 55 + 2 * verification.allocations + verification.events_written
