"""Where trials run: a local process pool by default, or a Dask cluster. Both are
concurrent.futures executors, so the driver has one code path for either.

A local worker that dies (killed, out of memory) breaks Python's pool: the pool is
made anew and the jobs it held are submitted again. A Dask cluster reschedules a
dead worker's task by itself.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import tempfile
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ..errors import AnimlearnError
from .worker import Job, cache_root, claim, run_trial, single_threaded

CONNECT_SECONDS = 20  # to reach a scheduler; the error must come within 30 s


def _start_worker(cache: Path, scratch: str) -> None:
    # The driver handles Ctrl-C and ends its workers; they must not print tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tempfile.tempdir = scratch  # the pool's folder: removed with the pool, even if this process is killed
    single_threaded(claim(cache, "local"))


class Local:
    """A pool of `workers` single-threaded processes on this machine."""

    def __init__(self, workers: int):
        self.workers = workers
        # spawn: a fresh interpreter, so the one-thread settings apply before numpy loads
        self.context = multiprocessing.get_context("spawn")
        self.pool, self.scratch = self._pool()

    def _pool(self) -> tuple[ProcessPoolExecutor, str]:
        """A new pool and the folder its workers keep a trial's files in."""
        scratch = tempfile.mkdtemp(prefix="animlearn-pool-")
        pool = ProcessPoolExecutor(
            self.workers, mp_context=self.context, initializer=_start_worker, initargs=(cache_root(), scratch)
        )
        return pool, scratch

    def submit(self, job: Job) -> Future:
        try:
            return self.pool.submit(run_trial, job)
        except BrokenProcessPool as e:  # a worker died since the last result: fail like its jobs
            lost: Future = Future()
            lost.set_exception(e)
            return lost

    def restart(self) -> None:
        """After a worker died: the old pool is broken, its jobs are lost."""
        self.close(now=True)
        self.pool, self.scratch = self._pool()

    def close(self, now: bool = False) -> None:
        """Shut the pool down, at once with `now` (Ctrl-C: the workers ignore SIGINT, so they
        are terminated; this pool's only, not other processes this one started), then remove
        the files of the trials they left unfinished."""
        processes = list((self.pool._processes or {}).values()) if now else []
        for process in processes:
            process.terminate()
        self.pool.shutdown(wait=not now, cancel_futures=True)
        for process in processes:
            process.join(5)
        shutil.rmtree(self.scratch, ignore_errors=True)


class Cluster:
    """A Dask cluster's workers, through distributed's Client and its executor."""

    def __init__(self, address: str):
        try:
            from distributed import Client
        except ImportError:
            raise AnimlearnError(
                f"--scheduler {address}: Dask is not installed; pip install 'animlearn[dask]'"
            ) from None
        try:
            self.client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as e:
            why = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise AnimlearnError(
                f"--scheduler {address}: cannot reach a Dask scheduler ({why}); check the address "
                "and that the scheduler is running"
            ) from None
        self.workers = max(1, len(self.client.scheduler_info()["workers"]))
        self.executor: Executor = self.client.get_executor(pure=False)

    def submit(self, job: Job) -> Future:
        return self.executor.submit(run_trial, job)

    def restart(self) -> None:
        """Nothing to do: the scheduler reruns a dead worker's task elsewhere."""

    def close(self, now: bool = False) -> None:
        self.executor.shutdown(wait=False)
        self.client.close()


def connect(workers: int | None, scheduler: str | None) -> Local | Cluster:
    if scheduler:
        return Cluster(scheduler)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise AnimlearnError(f"--workers {workers!r}: give a whole number, 1 or more")
    return Local(workers or len(os.sched_getaffinity(0)))
