"""`q2c-dev`: run q2c on one machine (embedded PostgreSQL, a Tansu broker, the four services)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from q2c_devstack._console import Console, configure_logging
from q2c_devstack.stack import (
    DEFAULT_KAFKA_PORT,
    DEFAULT_PG_PORT,
    SERVICES,
    StackOptions,
    run_servers,
    run_suite,
)

_SERVICE_PORTS = ", ".join(f"{s.service_name} {s.port}" for s in SERVICES)

_RUN_HELP = f"""\
Run the whole suite in the foreground, until Ctrl-C:

  1. PostgreSQL 18 with its data in <var-dir>/postgres (initialised on the first run only)
  2. the databases q2c_quote, q2c_order, q2c_invoice, q2c_payment
  3. each service's migrations (alembic upgrade head; a no-op when current)
  4. a Kafka-compatible broker (Tansu, in memory) on 127.0.0.1:{DEFAULT_KAFKA_PORT},
     unless KAFKA_BOOTSTRAP_SERVERS names a cluster to use instead; then the topics
  5. an API key: Q2C_API_KEYS, else <var-dir>/api-key (created on the first run)
  6. the services, each line of their output tagged:
     {_SERVICE_PORTS}

Ctrl-C or SIGTERM stops the services, then the broker, then PostgreSQL, and exits 0.
If a service dies, everything is stopped and the exit code is 1.
Logs of the servers: <var-dir>/postgres.log and <var-dir>/tansu.log.
"""

_SERVERS_HELP = """\
Start only PostgreSQL and the Kafka broker in the foreground and print their addresses,
for running a service or the tests by hand against them. Ctrl-C stops both.
"""


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--var-dir",
        type=Path,
        default=Path("var"),
        help="where PostgreSQL data, logs and the API key live (default: ./var)",
    )
    parser.add_argument(
        "--pg-port",
        type=int,
        default=DEFAULT_PG_PORT,
        help=f"PostgreSQL port on 127.0.0.1 (default: {DEFAULT_PG_PORT})",
    )
    parser.add_argument(
        "--kafka-port",
        type=int,
        default=DEFAULT_KAFKA_PORT,
        help=f"port of the Tansu broker on 127.0.0.1 (default: {DEFAULT_KAFKA_PORT})",
    )
    parser.add_argument(
        "--fast",
        action="store_true",
        help="turn PostgreSQL durability off (fsync etc.): quicker, but data can be lost "
        "in a crash; for throw-away data only",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="q2c-dev",
        description="Run q2c, the quote-to-cash suite, on one machine.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="the whole suite in the foreground",
        description=_RUN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_server_options(run)
    run.add_argument(
        "--no-services",
        action="store_true",
        help="prepare PostgreSQL, databases, migrations, broker and topics, but start no service",
    )
    run.add_argument(
        "--repo-root",
        type=Path,
        default=None,
        help="the q2c workspace root holding services/ (default: found from this package)",
    )
    run.add_argument(
        "--health-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long the services may take to answer GET /healthz (default: 60)",
    )
    run.set_defaults(handler=_run)

    servers = commands.add_parser(
        "servers",
        help="only PostgreSQL and the broker, in the foreground",
        description=_SERVERS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_server_options(servers)
    servers.set_defaults(handler=_servers)

    demo = commands.add_parser(
        "demo",
        help="walk a quote to cash against a running suite",
        description="Walk a quote to cash against a running suite (see `q2c-dev demo --help`).",
        add_help=False,
    )
    demo.add_argument("demo_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    demo.set_defaults(handler=_demo)

    test = commands.add_parser(
        "test",
        help="run the test suites, one pytest process each, and total them",
        description="Run each suite (a folder with tests) in its own pytest process against "
        "real PostgreSQL and Kafka started by the tests; print one total line at the end.",
    )
    test.add_argument("suites", nargs="+", help="folders, e.g. shared services/quote-svc tests")
    test.add_argument("--pytest-args", default="", help="extra pytest arguments, quoted")
    test.set_defaults(handler=_test)
    return parser


def _options(args: argparse.Namespace) -> StackOptions:
    return StackOptions(
        var_dir=args.var_dir.expanduser().absolute(),
        pg_port=args.pg_port,
        kafka_port=args.kafka_port,
        start_services=not getattr(args, "no_services", False),
        fast=args.fast,
        health_timeout=getattr(args, "health_timeout", 60.0),
        repo_root=getattr(args, "repo_root", None),
    )


def _run(args: argparse.Namespace) -> int:
    console = Console()
    configure_logging(console, verbose=args.verbose)
    return run_suite(_options(args), console)


def _servers(args: argparse.Namespace) -> int:
    console = Console()
    configure_logging(console, verbose=args.verbose)
    return run_servers(_options(args), console)


def _demo(args: argparse.Namespace) -> int:
    from q2c_devstack.demo import main as demo_main  # lazily: it pulls in the HTTP client code

    return demo_main(args.demo_args)


def _test(args: argparse.Namespace) -> int:
    from q2c_devstack.testrun import run_suites

    return run_suites(args.suites, args.pytest_args.split())


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
