"""Set-based SQL the repositories share: arrays as one parameter, parallel arrays as rows."""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, TableValuedAlias, any_, bindparam, column, func
from sqlalchemy.dialects.postgresql import ARRAY, UUID


def one_of(column: Any, ids: Sequence[uuid.UUID]) -> ColumnElement[bool]:
    """`column = ANY(:ids)`: one array parameter, however many ids a run batch holds (an IN
    list binds one parameter per id, and PostgreSQL takes at most 32767)."""
    return column == any_(array(ids, UUID(as_uuid=True)))


def array(values: Sequence[Any], item_type: Any) -> Any:
    return bindparam(None, list(values), type_=ARRAY(item_type))


def unnest(**arrays: tuple[Sequence[Any], Any]) -> TableValuedAlias:
    """`unnest(:a, :b, ...) AS anon(a, b, ...)`: parallel arrays as rows, one parameter per
    column however many rows (for an `UPDATE ... FROM` of a whole batch in one statement)."""
    return (
        func.unnest(*(array(values, item_type) for values, item_type in arrays.values()))
        .table_valued(*(column(name, item_type) for name, (_, item_type) in arrays.items()))
        .render_derived()
    )


def rows_by(rows: Iterable[Any], key: str) -> dict[uuid.UUID, list[Any]]:
    """Rows grouped by the parent id in column `key`, each group in the rows' order."""
    grouped: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped
