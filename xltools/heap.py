"""The loaded book and Python's cycle collector.

A big book loads as half a million objects the collector tracks (a pandas Timestamp per date in a
column that also holds text, lists of rows); every full collection walks all of them again, and an
operation that makes many objects (validate's issues, the monthly batch) triggers a dozen such
collections. On a 100,000-customer book (measured on a busy machine) full collections took 0.88 s
of a validate and 3.7 s of a monthly run, walking a book that had not changed; with the load
paused (:func:`paused`) and the book settled, 0.10 s and about 1.3 s. :func:`settled` moves what exists once the book is loaded out of the collector's sight
(:func:`gc.freeze`) for the length of an operation, and back after it.

Frozen objects are still freed when their last reference goes (reference counting is untouched);
only a frozen object caught in a reference cycle waits for the end of the block to be collected.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def settled() -> Iterator[None]:
    """Everything alive now is left out of cyclic garbage collections until the block ends.

    >>> import gc
    >>> with settled():
    ...     gc.get_freeze_count() > 0
    True
    >>> gc.get_freeze_count()
    0
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No automatic cyclic collection inside the block (a load: it makes half a million objects
    and no garbage cycles worth a collection that walks them all, again and again, as they
    grow); collections resume, as they were, when it ends.

    >>> import gc
    >>> with paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def give_back() -> None:
    """Collect what reference cycles hold (parsed XML trees) and hand the freed heap back to the
    system: glibc keeps it otherwise, and the next phase's peak (a batch's next step) would stack
    on the last one's leftovers, not be its largest step's."""
    import ctypes
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):    # not glibc (macOS, Windows, musl): nothing to hand back
        pass


_M_ARENA_MAX = -8        # mallopt's parameter (glibc malloc.h)


def bound_heap() -> None:
    """One glibc heap for every thread of a command (called once, at its start), Arrow's
    buffers included.

    By default each thread that allocates gets a heap of its own (deflate's and Arrow's
    workers), and what they free stays held in their heaps, apart from the main one, which
    later frames cannot reuse. Measured on the 100k book's import of 200,000 rows (maxrss, in
    one process, CPU time alike): 1,384-1,406 MB as it was, 1,238-1,249 MB with one heap. (Big
    blocks always mapped apart, mallopt's M_MMAP_THRESHOLD at 128 KB, gave 40 MB more but cost
    2 s of CPU: page faults.) Only where glibc is.

    Arrow's own allocator (mimalloc) keeps what it frees too, out of reach of the next step's
    frames: with Arrow allocating from the same heap (unless ``ARROW_DEFAULT_MEMORY_POOL`` names
    one) the monthly batch on the 100k book peaked at 1,161-1,166 MB instead of 1,379-1,380, and
    the import at 1,094-1,098 instead of 1,143-1,144, in no more time."""
    import ctypes
    import os
    import sys
    if "pyarrow" in sys.modules:      # (Arrow reads the variable when it first allocates)
        import pyarrow
        if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
            pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_ARENA_MAX, 1)
