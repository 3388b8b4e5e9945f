"""Alembic environment of order-svc: its own tables, its own database."""

from sqlmodel import SQLModel

import order_svc.models  # noqa: F401 - registers the tables on SQLModel.metadata
from q2c_shared.migrations import run_migrations

run_migrations(SQLModel.metadata)
