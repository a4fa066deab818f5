"""Handing freed heap memory back to the system."""
from __future__ import annotations

import ctypes


def return_freed_heap() -> None:
    """glibc keeps what a process frees in its arenas, and memory freed in blocks of many sizes
    fragments them: the process's footprint then grows with the work it has done, not with what
    it holds. `malloc_trim` returns the free pages. A no-op where libc is not glibc."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
