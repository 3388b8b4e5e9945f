"""The garbage collector is spared while set-based work goes, and put back as it was after."""

import gc

from q2c_shared.collector import collector_spared


def test_the_collector_is_spared_while_any_holder_is_inside_and_restored_after() -> None:
    before = gc.get_threshold()
    kept = [object() for _ in range(1_000)]  # held before: frozen while work goes

    with collector_spared(10_000):
        assert gc.get_threshold()[0] == max(before[0], 10_000)
        assert gc.get_freeze_count() >= len(kept)
        with collector_spared(100_000):
            assert gc.get_threshold()[0] == max(before[0], 100_000)
        # Another holder is still inside: still spared.
        assert gc.get_threshold()[0] == max(before[0], 100_000)
        assert gc.get_freeze_count() >= len(kept)

    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_collector_is_restored_when_the_work_fails() -> None:
    before = gc.get_threshold()
    try:
        with collector_spared(10_000):
            raise RuntimeError("the batch failed")
    except RuntimeError:
        pass

    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
