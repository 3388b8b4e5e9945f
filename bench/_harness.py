"""What the benchmarks share: a fresh database to run against, the measurement of the timed part
(wall clock, the process's CPU and peak RSS, PostgreSQL's active and CPU seconds), the floor it
is compared with (the same rows written with plain COPY, in the same run), progress lines and
the results block.

The scripts import it as `_harness` (bench/ is on `sys.path` when a script runs; the smoke tests
that load a script put it there too).
"""

import argparse
import asyncio
import io
import resource
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from q2c_shared.db import Database

Progress = Callable[[str], None]


class BenchmarkFailed(RuntimeError):
    """The benchmark did not produce what it should have (the message lists what is wrong)."""


# --- the database ---------------------------------------------------------------------------


def add_database_arguments(parser: argparse.ArgumentParser) -> None:
    """`--database-url`, `--fast` and `--keep-db`, which `fresh_database` takes."""
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL 18 server to use instead of an embedded one, as a SQLAlchemy URL "
        "(postgresql+asyncpg://user@host:port/any_db): the benchmark creates a fresh database "
        "q2c_bench_<random> on it (the role needs CREATEDB) and drops it afterwards",
    )
    parser.add_argument(
        "--fast",
        action="store_true",
        help="embedded server only: durability off (fsync, synchronous_commit, "
        "full_page_writes), like the test servers; the default keeps it on, like production",
    )
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help="keep the database afterwards (embedded: its data directory) and print where",
    )


@dataclass(frozen=True, kw_only=True)
class BenchDatabase:
    url: str
    durability: str
    """How durable the server's commits are, for the results block."""
    postgres_pid: int | None
    """The embedded server's postmaster, whose processes' CPU is measured; None otherwise."""


@contextmanager
def fresh_database(
    args: argparse.Namespace, *, service_dir: Path, progress: Progress
) -> Iterator[BenchDatabase]:
    """A new database with the service's migrations applied as an operator would (`alembic
    upgrade head`): on an embedded PostgreSQL 18 in a temporary folder (durability on unless
    `args.fast`), or on the server at `args.database_url`. Afterwards the database is dropped
    and the embedded server stopped and deleted, unless `args.keep_db`."""
    from q2c_shared.testing.service import migrate  # imports pytest: only when running

    embedded = None
    scratch: Path | None = None
    database_name = f"q2c_bench_{uuid.uuid4().hex[:8]}"
    try:
        if args.database_url:
            server_url = args.database_url
            durability = "durability as that server is configured"
        else:
            from q2c_devstack.servers import EmbeddedPostgres, free_port

            scratch = Path(tempfile.mkdtemp(prefix="q2c-bench-"))
            embedded = EmbeddedPostgres(scratch / "data", port=free_port(), fast=args.fast)
            progress(f"PostgreSQL: starting an embedded server in {scratch}")
            embedded.start()
            server_url = embedded.url()
            durability = "durability off (--fast)" if args.fast else "durability on (fsync)"
        database_url = asyncio.run(_create_database(server_url, database_name))
        progress(f"PostgreSQL: database {database_name} created; applying migrations")
        migrate(service_dir, database_url)
        yield BenchDatabase(
            url=database_url,
            durability=durability,
            postgres_pid=embedded.pid if embedded else None,
        )
    finally:
        if args.keep_db:
            where = f"data directory {scratch / 'data'}" if scratch else "server"
            print(f"kept database {database_name} ({where})")
        elif args.database_url:
            asyncio.run(_drop_database(args.database_url, database_name))
        if embedded is not None:
            embedded.stop()
        if scratch is not None and not args.keep_db:
            shutil.rmtree(scratch, ignore_errors=True)


async def _create_database(server_url: str, name: str) -> str:
    url = make_url(server_url)
    connection = await asyncpg.connect(_libpq_dsn(server_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return url.set(database=name).render_as_string(hide_password=False)


async def _drop_database(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(_libpq_dsn(server_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def _libpq_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def server_version(database: Database) -> str:
    async with database.engine.connect() as connection:
        return str(await connection.scalar(text("SHOW server_version")))


async def settle(database: Database, tables: Sequence[str], progress: Progress) -> None:
    """Leave the seeded database as a production one is between runs: `VACUUM ANALYZE` the
    seeded tables (the state autovacuum keeps them in, hint bits set, so the measured part
    does not pay for the seeding's), then `CHECKPOINT`, so that the checkpoint the seeding's
    write-ahead log calls for is not taken while the measured part runs (sharing the disk and
    the CPU with it)."""
    async with database.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        listed = ", ".join(tables)
        progress(f"seed: VACUUM ANALYZE {listed}, then CHECKPOINT")
        await autocommit.execute(text(f"VACUUM ANALYZE {listed}"))
        await autocommit.execute(text("CHECKPOINT"))


# --- measuring ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Measurement:
    seconds: float
    process_cpu_seconds: float
    peak_rss_bytes: int | None
    postgres_active_seconds: float | None = None
    postgres_cpu_seconds: float | None = None
    floor: "Floor | None" = None
    """The same rows written with plain COPY (`copy_floor`), measured after the timed part."""


class Meter:
    """Measures the timed part of a benchmark:

        meter = await Meter.start(database, postgres_pid)
        ...  # the timed part
        meter.stop()
        measurement = await meter.result()  # disposes of the database's engine

    Wall clock and CPU are this process's; the peak RSS is counted afresh from `start`, so it is
    the timed part's, not the seeding's; PostgreSQL's are those of the benchmark's database
    (active seconds) and of the embedded server's processes (CPU)."""

    def __init__(self, database: Database, postgres_pid: int | None) -> None:
        self._database = database
        self._postgres_pid = postgres_pid
        self._server_cpu_before: dict[int, float] | None = None
        self._active_before: float | None = None
        self._cpu_started = 0.0
        self._started = 0.0
        self._stopped: tuple[float, float, int | None] | None = None

    @classmethod
    async def start(cls, database: Database, postgres_pid: int | None) -> "Meter":
        meter = cls(database, postgres_pid)
        meter._server_cpu_before = _server_cpu(postgres_pid)
        meter._active_before = await _postgres_active_seconds(database)
        _reset_peak_rss()
        meter._cpu_started = time.process_time()
        meter._started = time.perf_counter()
        return meter

    def elapsed(self) -> float:
        return time.perf_counter() - self._started

    def stop(self) -> None:
        self._stopped = (
            time.perf_counter() - self._started,
            time.process_time() - self._cpu_started,
            _peak_rss_bytes(),
        )

    async def result(self) -> Measurement:
        if self._stopped is None:
            raise RuntimeError("Meter.result() before Meter.stop()")
        seconds, cpu_seconds, peak_rss = self._stopped
        server_cpu = _server_cpu(self._postgres_pid)
        await self._database.engine.dispose()  # a backend flushes its statistics when it exits
        active_after = await _postgres_active_seconds(self._database, settle=True)
        return Measurement(
            seconds=seconds,
            process_cpu_seconds=cpu_seconds,
            peak_rss_bytes=peak_rss,
            postgres_active_seconds=(
                None
                if self._active_before is None or active_after is None
                else active_after - self._active_before
            ),
            postgres_cpu_seconds=_cpu_spent(self._server_cpu_before, server_cpu),
        )


async def _postgres_active_seconds(database: Database, *, settle: bool = False) -> float | None:
    """`pg_stat_database.active_time` of this database: time backends spent executing
    statements (a backend reports it at most once a second, and when it exits)."""
    query = text("SELECT active_time FROM pg_stat_database WHERE datname = current_database()")
    value: float | None = None
    for _ in range(10 if settle else 1):
        async with database.engine.connect() as connection:
            current = await connection.scalar(query)
        if current is None:
            return None
        if value is not None and float(current) == value:
            break
        value = float(current)
        if settle:
            await asyncio.sleep(0.3)
    return None if value is None else value / 1000


def _server_cpu(postgres_pid: int | None) -> dict[int, float] | None:
    """CPU seconds of every process of the (embedded, local) server, by pid."""
    if postgres_pid is None:
        return None
    import psutil

    try:
        postmaster = psutil.Process(postgres_pid)
        processes = [postmaster, *postmaster.children(recursive=True)]
    except psutil.Error:
        return None
    cpu: dict[int, float] = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        cpu[process.pid] = times.user + times.system
    return cpu


def _cpu_spent(before: dict[int, float] | None, after: dict[int, float] | None) -> float | None:
    """CPU the server's processes used in between (a process that exited meanwhile is lost;
    the pool's backends are all still there when `after` is taken)."""
    if before is None or after is None:
        return None
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def _reset_peak_rss() -> None:
    """Start the peak-RSS count afresh, so the figure is the timed part's, not the seeding's
    (Linux: writing 5 to clear_refs resets VmHWM)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_rss_bytes() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    if sys.platform == "darwin":
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# --- the floor ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenRows:
    """Rows the timed part wrote: those of `table` that `where` (SQL) selects."""

    table: str
    where: str = "true"


@dataclass(frozen=True, kw_only=True)
class Floor:
    seconds: float
    rows: int
    """Rows written, in every table together."""


async def copy_floor(
    database_url: str, written: Sequence[WrittenRows], progress: Progress
) -> Floor:
    """The floor of the timed part: the rows it wrote, written again with plain COPY.

    The rows are read back (untimed), then copied in one transaction into empty copies of their
    tables (`LIKE ... INCLUDING ALL`: the same columns, defaults, checks and indexes, no foreign
    keys), on the same server with the same durability, after a `CHECKPOINT` as the timed part
    had. No billing engine writing those rows can beat that on this machine, so the ratio of
    the timed part to it is what to compare between runs on a machine whose speed drifts."""
    connection = await asyncpg.connect(_libpq_dsn(database_url))
    copies: list[tuple[str, io.BytesIO]] = []
    rows = 0
    try:
        for source in written:
            buffer = io.BytesIO()
            status = await connection.copy_from_query(
                f"SELECT * FROM {source.table} WHERE {source.where}",
                output=buffer,
                format="binary",
            )
            rows += int(status.split()[-1])
            copy = f"bench_floor_{source.table}"
            await connection.execute(f"DROP TABLE IF EXISTS {copy}")
            await connection.execute(f"CREATE TABLE {copy} (LIKE {source.table} INCLUDING ALL)")
            copies.append((copy, buffer))
        await connection.execute("CHECKPOINT")
        progress(f"floor: COPY the same {rows:,} rows into {len(copies)} empty table copies")
        started = time.perf_counter()
        async with connection.transaction():
            for copy, buffer in copies:
                buffer.seek(0)
                await connection.copy_to_table(copy, source=buffer, format="binary")
        seconds = time.perf_counter() - started
        for copy, _ in copies:
            await connection.execute(f"DROP TABLE {copy}")
    finally:
        await connection.close()
    return Floor(seconds=seconds, rows=rows)


def floor_rows(measurement: Measurement, *, timed_part: str) -> list[tuple[str, str]]:
    """The floor's rows of the results block: its time, and the timed part's ratio to it."""
    floor = measurement.floor
    assert floor is not None
    return [
        (f"floor: the same {floor.rows:,} rows by plain COPY (s)", f"{floor.seconds:.2f}"),
        (f"{timed_part} / floor", f"{measurement.seconds / floor.seconds:.2f}x"),
    ]


# --- output ---------------------------------------------------------------------------------


def results_table(title: str, rows: Sequence[tuple[str, str]]) -> str:
    """The results block: the title, then one aligned `label  value` row each."""
    width = max(len(label) for label, _ in rows)
    body = "\n".join(f"  {label:<{width}}  {value}" for label, value in rows)
    return f"{title}\n{body}"


def measurement_rows(measurement: Measurement, *, timed_part: str) -> list[tuple[str, str]]:
    """The rows every benchmark reports of its timed part (`timed_part`: "run", "allocation")."""
    return [
        (f"peak RSS of the {timed_part} (MB)", megabytes(measurement.peak_rss_bytes)),
        ("bench process CPU seconds", f"{measurement.process_cpu_seconds:.2f}"),
        ("PostgreSQL active seconds, all sessions", seconds(measurement.postgres_active_seconds)),
        ("PostgreSQL CPU seconds, all processes", seconds(measurement.postgres_cpu_seconds)),
        *([] if measurement.floor is None else floor_rows(measurement, timed_part=timed_part)),
    ]


class Verified(Protocol):
    problems: list[str]
    """What verification found wrong; empty when the benchmark held up."""


M = TypeVar("M")
V = TypeVar("V", bound=Verified)


def run_benchmark(
    args: argparse.Namespace,
    *,
    service_dir: Path,
    measure: Callable[[str, Progress, int | None], Awaitable[tuple[M, V, str]]],
    results: Callable[..., str],
    verified: str,
) -> int:
    """What a benchmark script's `main` does, its exit status returned: a fresh database for
    the service (`fresh_database`), the benchmark itself (`measure(database_url, progress,
    postgres_pid)`: the measurement, its verification and the server's version), then the
    results block (`results(measurement, verification, durability=..., server_version=...)`)
    and what verification found wrong, or what it checked (`verified`): 1 when anything was
    wrong."""
    progress = printer(time.perf_counter())
    with fresh_database(args, service_dir=service_dir, progress=progress) as fresh:
        measurement, verification, version = asyncio.run(
            measure(fresh.url, progress, fresh.postgres_pid)
        )
        print()
        print(
            results(
                measurement,
                verification,
                durability=fresh.durability,
                server_version=version,
            )
        )
    if verification.problems:
        print("\nVERIFICATION FAILED:", file=sys.stderr)
        for problem in verification.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"\nverified: {verified}")
    return 0


def megabytes(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 1_048_576:,.0f}"


def seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def positive(value: str) -> int:
    """An argparse type: an integer of at least 1."""
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def printer(started: float) -> Progress:
    """Progress lines prefixed with the seconds since `started`."""

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f}s] {message}", flush=True)

    return progress
