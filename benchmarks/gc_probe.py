"""uvicorn, with every garbage collection timed: `python -m benchmarks.gc_probe <uvicorn args>`.

live_fanout.py --gc starts the servers through this. Each collection is recorded as
(wall-clock start, generation, seconds) and, at exit, written as JSON to $GC_PROBE_OUT.
(uvicorn re-raises SIGTERM after its graceful shutdown, with the handler it found installed:
this module's, which writes the file.)
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import signal
import time

from uvicorn.main import main

collections: list[tuple[float, int, float]] = []
_started = [0.0, 0.0]  # wall clock, perf counter


def _timed(phase: str, info: dict) -> None:
    if phase == "start":
        _started[0], _started[1] = time.time(), time.perf_counter()
    else:
        collections.append((_started[0], info["generation"], time.perf_counter() - _started[1]))


def _write() -> None:
    with open(os.environ["GC_PROBE_OUT"], "w") as out:
        json.dump(collections, out)


def _terminated(_signum, _frame) -> None:
    _write()
    os._exit(0)


if __name__ == "__main__":
    gc.callbacks.append(_timed)
    atexit.register(_write)
    signal.signal(signal.SIGTERM, _terminated)
    main()
