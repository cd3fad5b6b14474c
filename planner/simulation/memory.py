"""Keep freed memory in the process for the next large array (glibc on Linux).

A run allocates and frees year-long arrays (members x steps, 100 MB each for the sample) dozens
of times. glibc hands every block above its mmap threshold back to the kernel when freed, and
the next array faults its pages in again: on the virtual machines this was measured on, that
page faulting was a quarter of a run (``planner run`` on the sample, hourly: 11.7 s -> 9.7 s).
:func:`keep_freed_memory` raises the thresholds so large blocks come from the heap and stay
there for reuse; the process keeps up to about a gigabyte it no longer uses until it ends.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_done = False


def keep_freed_memory() -> bool:
    """Tune glibc's malloc once per process; False where there is no glibc (nothing changes)."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        ok = (libc.mallopt(_M_MMAP_THRESHOLD, 1 << 30) == 1 and libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30) == 1
              and libc.mallopt(_M_TOP_PAD, 1 << 28) == 1)
    except (OSError, AttributeError):
        return False
    _done = ok
    return ok


#: Python's cyclic garbage collector for a batch command: a collection of the youngest objects
#: every 100,000 allocations (700 by default), older ones rarely. The year's tables and the
#: project's objects are allocated once and live to the end: collecting every 700 objects walked
#: them again and again (5 % of ``planner run``'s CPU in perf, both processes; 0.5 s of CPU less
#: on the sample). Young cycles are still collected, so memory stays bounded.
BATCH_GC_THRESHOLDS = (100_000, 50, 100)


def collect_less() -> None:
    """Set :data:`BATCH_GC_THRESHOLDS` (a command that ends when its job is done: ``planner run``
    and its report helper; not the app, whose objects come and go)."""
    import gc

    gc.set_threshold(*BATCH_GC_THRESHOLDS)
