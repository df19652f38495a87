"""What a worker does once before it consumes: what it built at start is frozen out of the
garbage collector's full collections, and the garbage of the start-up is collected, not frozen;
glibc's malloc keeps two arenas, not one per thread."""

from __future__ import annotations

import gc
import os
import platform
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.worker import freeze_startup_objects


class Node:
    cycle: Node | None = None


@pytest.fixture
def unfrozen_afterwards() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the test session collects as usual


def test_objects_built_at_start_are_frozen_and_startup_garbage_is_collected(
    unfrozen_afterwards: None,
) -> None:
    built = [Node() for _ in range(100)]  # lives as long as the worker
    garbage = Node()
    garbage.cycle = garbage  # only the collector frees a cycle
    collected = weakref.ref(garbage)
    del garbage
    gc.disable()  # no automatic collection may free the cycle before the function does
    try:
        before = gc.get_freeze_count()
        freeze_startup_objects()
    finally:
        gc.enable()

    assert gc.get_freeze_count() >= before + len(built)
    assert collected() is None, "start-up garbage was frozen instead of collected"


# Six threads allocate at once (and wait for each other, so none hands its arena back by
# exiting), then glibc's malloc_info lists the arenas, one ``<heap nr=...>`` each.
COUNT_ARENAS = """
import ctypes, sys, tempfile, threading
from streams.worker import limit_malloc_arenas
limited = limit_malloc_arenas() if sys.argv[1] == "limit" else None
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
barrier = threading.Barrier(7)
def allocate():
    kept = [bytes(4096 + i) for i in range(64)]  # past pymalloc's 512 bytes: glibc's malloc
    barrier.wait()
    barrier.wait()
threads = [threading.Thread(target=allocate) for _ in range(6)]
for thread in threads:
    thread.start()
barrier.wait()
with tempfile.NamedTemporaryFile() as out:
    stream = libc.fopen(out.name.encode(), b"w")
    libc.malloc_info(0, ctypes.c_void_p(stream))
    libc.fclose(ctypes.c_void_p(stream))
    print(limited, open(out.name).read().count("<heap nr="))
barrier.wait()
"""


def count_arenas(mode: str, **env: str) -> tuple[str, int]:
    environment = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"} | env
    result = subprocess.run(
        [sys.executable, "-c", COUNT_ARENAS, mode],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    limited, arenas = result.stdout.split()
    return limited, int(arenas)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc arenas are glibc's")
def test_the_worker_keeps_two_malloc_arenas_however_many_threads_allocate() -> None:
    assert count_arenas("limit") == ("True", 2)
    # Without the limit the same threads get an arena each: the count above is the limit's.
    _, arenas = count_arenas("none")
    assert arenas >= 4


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc arenas are glibc's")
def test_an_operators_malloc_arena_max_is_left_as_set() -> None:
    limited, arenas = count_arenas("limit", MALLOC_ARENA_MAX="3")
    assert (limited, arenas) == ("False", 3)
