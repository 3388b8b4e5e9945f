"""Wait until a service's database carries this image's migrations (the entrypoint's
`wait-for-schema` mode, run as an init container before the API and worker start).

Ready when the database's Alembic revision is the image's head, or a revision this image does
not know: a newer schema, which a rolled-back image runs on (migrations expand first and contract
a release later, so the previous release works on the next schema). Not ready while the database
has no revision or an older one: the migration Job has not finished yet.

    python wait_for_schema.py services/<name>-svc/alembic.ini   (DATABASE_URL from the environment)

Exits 0 when ready, 1 after WAIT_FOR_SCHEMA_TIMEOUT_SECONDS (default 600).
"""

import asyncio
import os
import sys
import time

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine


async def current_revisions(url: str) -> set[str]:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            heads = await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_heads()
            )
    finally:
        await engine.dispose()
    return set(heads)


def verdict(script: ScriptDirectory, current: set[str]) -> tuple[bool, str]:
    heads = set(script.get_heads())
    if current == heads:
        return True, f"at head {', '.join(sorted(heads))}"
    if not current:
        return False, "no migrations applied yet"
    for revision in current:
        try:
            script.get_revision(revision)
        except CommandError:
            return True, f"at {revision}, newer than this image's head (a rollback)"
    return False, f"at {', '.join(sorted(current))}, head is {', '.join(sorted(heads))}"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 64
    url = os.environ.get("DATABASE_URL")
    if not url:
        print("wait-for-schema: DATABASE_URL is not set", file=sys.stderr)
        return 64
    script = ScriptDirectory.from_config(Config(argv[1]))
    timeout = float(os.environ.get("WAIT_FOR_SCHEMA_TIMEOUT_SECONDS", "600"))
    interval = float(os.environ.get("WAIT_FOR_SCHEMA_INTERVAL_SECONDS", "2"))
    deadline = time.monotonic() + timeout
    last = ""
    while True:
        try:
            ready, status = verdict(script, asyncio.run(current_revisions(url)))
        except Exception as error:  # the database is not reachable (yet): keep waiting
            ready, status = False, f"database not reachable: {error}"
        if status != last:
            print(f"wait-for-schema: {status}", flush=True)
            last = status
        if ready:
            return 0
        if time.monotonic() >= deadline:
            print(f"wait-for-schema: gave up after {timeout:.0f} s", file=sys.stderr)
            return 1
        time.sleep(interval)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
