"""The invoice-run benchmark (bench/invoice_run.py, `make bench`) in miniature, so that it keeps
working: its seeding, the run it times and its verification, against the session's real
database. Nothing about speed is asserted here."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from q2c_shared.db import Database
from q2c_shared.testing.service import truncate_all

BENCH_SCRIPT = Path(__file__).resolve().parents[3] / "bench" / "invoice_run.py"


def _load_bench() -> ModuleType:
    """bench/ is a folder of scripts, not a package: load the script from its path, with
    bench/ on the path for the helpers it imports (`_harness`), as when it runs."""
    if str(BENCH_SCRIPT.parent) not in sys.path:
        sys.path.append(str(BENCH_SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("q2c_bench_invoice_run", BENCH_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


async def test_the_benchmark_bills_50_accounts_of_2_products_and_verifies_them(database_url):
    config = bench.BenchConfig(
        accounts=50, products_per_account=2, batch_accounts=20, batches_in_flight=2
    )
    database = Database(database_url, event_source=bench.EVENT_SOURCE)
    try:
        await truncate_all(database)  # other tests' periods would be due as well
        seeded = await bench.seed(database, config)
        measured = await bench.run_invoice_run(database, config)
        verification = await bench.verify(database, measured.run_id, config)
        floor = await bench.copy_floor(database_url, bench.INVOICE_RUN_WRITES, lambda _: None)
    finally:
        await database.dispose()

    assert (seeded.schedules, seeded.periods) == (50 * 2, 50 * 2 * config.term_months)
    assert verification.problems == []
    assert (verification.invoices, verification.lines, verification.posted) == (50, 100, 50)
    assert verification.outbox_events == 50
    assert (verification.first_number, verification.last_number) == ("INV-000001", "INV-000050")
    # The floor writes again what the run wrote: its run row, 50 invoices, 100 lines, 100 billed
    # periods, the number series and 50 InvoicePosted events.
    assert floor.rows == 1 + 50 + 100 + 100 + 1 + 50
    assert floor.seconds > 0
