"""UUIDv7 ids: the right version and variant bits, the creation time up front, sortable."""

import itertools
import time
import uuid

import pytest

from q2c_shared import ids as ids_module
from q2c_shared.ids import new_id, new_ids, parse_id


def unix_ms(identifier: uuid.UUID) -> int:
    return identifier.int >> 80


def test_ids_are_uuid_version_7_with_the_rfc_variant() -> None:
    for identifier in (new_id() for _ in range(200)):
        assert identifier.version == 7
        assert identifier.variant == uuid.RFC_4122
        assert str(identifier)[14] == "7"  # what a reader sees in the text form
        assert str(identifier)[19] in "89ab"


def test_ids_start_with_their_creation_time_in_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    identifier = new_id()
    after = time.time_ns() // 1_000_000

    assert before <= unix_ms(identifier) <= after


def test_ids_made_one_after_another_sort_in_creation_order() -> None:
    # Thousands of ids share a millisecond here; they must still sort as they were made,
    # since the outbox relays one transaction's events in id order.
    identifiers = [new_id() for _ in range(5_000)]

    assert identifiers == sorted(identifiers)
    assert len(set(identifiers)) == len(identifiers)
    # The case that matters occurred: ids made within the same millisecond.
    assert any(unix_ms(a) == unix_ms(b) for a, b in itertools.pairwise(identifiers))


def test_ids_sort_the_same_as_text_bytes_and_integers() -> None:
    # PostgreSQL compares uuids byte by byte; keyset pagination depends on it agreeing.
    identifiers = [new_id() for _ in range(100)]

    assert (
        sorted(identifiers, key=str)
        == sorted(identifiers, key=lambda i: i.bytes)
        == sorted(identifiers)
    )


def test_ids_keep_increasing_when_the_clock_steps_back(monkeypatch) -> None:
    # NTP may step the wall clock back; ids made afterwards must still sort after earlier ones.
    readings = iter([2_000_000_000_000_000_000, 1_999_999_999_000_000_000] * 3)
    monkeypatch.setattr(ids_module.time, "time_ns", lambda: next(readings))

    identifiers = [new_id() for _ in range(6)]

    assert identifiers == sorted(identifiers)
    assert len(set(identifiers)) == 6
    assert all(identifier.version == 7 for identifier in identifiers)


def test_ids_made_in_bulk_are_the_same_kind_and_keep_the_order() -> None:
    identifiers = [new_id(), *new_ids(3_000), new_id(), *new_ids(1), *new_ids(0), new_id()]

    assert len(identifiers) == 3_004
    assert identifiers == sorted(identifiers)
    assert len(set(identifiers)) == len(identifiers)
    assert all(isinstance(i, uuid.UUID) and i.version == 7 for i in identifiers)
    assert all(i.variant == uuid.RFC_4122 for i in identifiers)
    assert sorted(identifiers, key=str) == identifiers  # as PostgreSQL compares them
    assert uuid.UUID(str(identifiers[1])) == identifiers[1]


def test_bulk_ids_move_to_the_next_millisecond_when_the_random_bits_run_out(monkeypatch) -> None:
    # Later than any clock reading the other tests made, so the first id takes fresh bits:
    # the last random value there is.
    monkeypatch.setattr(ids_module.time, "time_ns", lambda: 3_000_000_000_000_000_000)
    fresh = iter([(1 << ids_module._RANDOM_BITS) - 1, 0, 0])
    monkeypatch.setattr(ids_module, "_fresh_random", lambda: next(fresh))

    identifiers = new_ids(3)

    assert identifiers == sorted(identifiers)
    first_ms = 3_000_000_000_000
    assert [unix_ms(i) for i in identifiers] == [first_ms, first_ms + 1, first_ms + 1]


def test_an_id_parsed_from_its_text_is_the_id() -> None:
    identifier = new_id()

    assert parse_id(str(identifier)) == identifier == uuid.UUID(str(identifier))
    assert isinstance(parse_id(str(identifier)), uuid.UUID)
    with pytest.raises(ValueError):
        parse_id("not-an-id")
