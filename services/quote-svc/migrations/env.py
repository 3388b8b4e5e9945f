"""Alembic environment of quote-svc: its own tables, its own database."""

from sqlmodel import SQLModel

import quote_svc.models  # noqa: F401 - registers the tables on SQLModel.metadata
from q2c_shared.migrations import run_migrations

run_migrations(SQLModel.metadata)
