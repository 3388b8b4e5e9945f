"""Sparing set-based work (invoice runs, payment batches) the cyclic garbage collector's walks.

A batch makes tens or hundreds of thousands of objects (rows, event data, envelopes) and keeps
many of them alive until its COPYs. With the default thresholds the collector ran every 700 new
objects, walked and promoted them, and each full collection that followed walked every
long-lived object of the process as well (the app, SQLAlchemy's and pydantic's caches): a
quarter of an invoice run's CPU, more than half of a payment batch's.
"""

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_holders = 0
_thresholds_before = gc.get_threshold()


@contextlib.contextmanager
def collector_spared(young_objects_per_collection: int) -> Iterator[None]:
    """While any holder is inside: the objects the process held when the first one entered are
    frozen (`gc.freeze`: still freed by reference counting, just not walked), and the youngest
    generation is collected every `young_objects_per_collection` new objects (at least; the
    highest asked for wins) rather than every 700. Both are undone when the last holder leaves
    (`gc.unfreeze` hands the frozen objects back to the collector), so nothing leaks."""
    global _holders, _thresholds_before
    with _lock:
        if _holders == 0:
            gc.freeze()
            _thresholds_before = gc.get_threshold()
        young, *older = gc.get_threshold()
        if young < young_objects_per_collection:
            gc.set_threshold(young_objects_per_collection, *older)
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0:
                gc.set_threshold(*_thresholds_before)
                gc.unfreeze()
