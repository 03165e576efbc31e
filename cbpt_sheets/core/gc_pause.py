"""A speed trick of the reading and the checks: the cyclic garbage collector paused."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects (rows, models).

    What it saves: its collections rescan every live object each time enough new ones
    were made, and cost as much as the building itself on 100k rows (the ``large``
    scale of ``python benchmarks/run.py``: check, next). Reference counting still
    frees everything, nothing cyclic is made; the collector is restored on exit.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
