"""Where trials run: a local process pool by default, or a Dask cluster. Both hand out
concurrent.futures Futures, so the driver has one code path for either.

A trial that kills its worker fails alone. Locally, pebble's pool fails only the job the
dead process held (ProcessExpired), starts a new process in its place and leaves the
other workers' jobs running; the driver runs the job again up to `retries` times. On
Dask the scheduler itself reruns the task elsewhere, up to its allowed-failures (3 by
default), then fails it with KilledWorker; so the driver adds no retries of its own
there. `died()` says whether an error was a worker's death, and how it came.
"""

from __future__ import annotations

import multiprocessing
import re
import shutil
import signal
import tempfile
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from pebble import ProcessExpired, ProcessPool

from ..errors import AnimlearnError
from ..train import available_cores
from .worker import Job, cache_root, claim, run_trial, single_threaded

CONNECT_SECONDS = 20  # to reach a scheduler; the error must come within 30 s
MAX_WORKERS = 1024
RETRIES = 3  # a local job whose worker died runs again this many times, as Dask's allowed-failures


def _start_worker(cache: Path, scratch: str) -> None:
    # The driver handles Ctrl-C and ends its workers; they must not print tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tempfile.tempdir = scratch  # the pool's folder: removed with the pool, even if this process is killed
    single_threaded(claim(cache, "local"))


class Local:
    """A pool of `workers` single-threaded processes on this machine."""

    retries = RETRIES

    def __init__(self, workers: int):
        self.workers = workers
        # spawn: a fresh interpreter, so the one-thread settings apply before numpy loads
        self.context = multiprocessing.get_context("spawn")
        self.pool, self.scratch = self._pool()

    def _pool(self) -> tuple[ProcessPool, str]:
        """A new pool and the folder its workers keep a trial's files in."""
        scratch = tempfile.mkdtemp(prefix="animlearn-pool-")
        pool = ProcessPool(
            self.workers, initializer=_start_worker, initargs=(cache_root(), scratch), context=self.context
        )
        return pool, scratch

    def submit(self, job: Job) -> Future:
        try:
            return self.pool.schedule(run_trial, args=(job,))
        except RuntimeError as e:  # the pool broke since the last result: fail like its jobs
            lost: Future = Future()
            lost.set_exception(BrokenProcessPool(str(e)))
            return lost

    @staticmethod
    def died(error: BaseException) -> str | None:
        if isinstance(error, ProcessExpired):
            return f"its worker process died (exit code {error.exitcode})"
        return None

    def restart(self) -> None:
        """After the whole pool broke (every worker died with no job to blame): a new one."""
        self.close()
        self.pool, self.scratch = self._pool()

    def close(self) -> None:
        """End the pool's workers, this pool's only (pebble's public stop, not a signal to
        the process group), and remove the files of the trials they left unfinished. The
        sweep closes it when no job is left to wait for, or on Ctrl-C or an error."""
        self.pool.stop()
        self.pool.join()
        shutil.rmtree(self.scratch, ignore_errors=True)


class Cluster:
    """A Dask cluster's workers, through distributed's Client and its executor."""

    def __init__(self, address: str):
        if "://" not in address and not re.fullmatch(r"[^\s:/]+:\d+", address):  # else Dask tries 40 s
            raise AnimlearnError(f"--scheduler {address}: give the scheduler's host:port, e.g. 10.0.0.5:8786")
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

    retries = 0  # the scheduler has rerun the task up to its allowed-failures already

    def submit(self, job: Job) -> Future:
        return self.executor.submit(run_trial, job)

    @staticmethod
    def died(error: BaseException) -> str | None:
        from distributed import KilledWorker

        if isinstance(error, KilledWorker):
            return f"{error.allowed_failures + 1} Dask workers died running it"
        return None

    def restart(self) -> None:
        """Nothing to do: the scheduler reruns a dead worker's task elsewhere."""

    def close(self) -> None:
        self.executor.shutdown(wait=False)
        self.client.close()


def connect(workers: int | None, scheduler: str | None) -> Local | Cluster:
    if scheduler:
        return Cluster(scheduler)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise AnimlearnError(f"--workers {workers!r}: give a whole number, 1 or more")
    if workers is not None and workers > MAX_WORKERS:
        raise AnimlearnError(f"--workers {workers}: at most {MAX_WORKERS} (a process each); use --scheduler")
    return Local(workers or available_cores())
