"""animlearn sweep end to end: real worker processes, a real Dask cluster, real signals.

Every score a sweep reports is checked against `animlearn.render` of the same network
and seed: a trial trained in chunks, in another process, resumed from checkpoints or
after its worker was killed must paint exactly the picture an uninterrupted render does.
"""

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import crash
import imageio_ffmpeg
import numpy as np
import pytest
from conftest import gif_frames
from PIL import Image
from test_study_halving import plain_halving

from animlearn.api import render
from animlearn.canvas.metrics import psnr
from animlearn.config.options import StudyOptions
from animlearn.errors import AnimlearnError
from animlearn.io import checkpoint
from animlearn.study import executors, results
from animlearn.study import sweep as sweep_module
from animlearn.study.driver import Study
from animlearn.study.executors import Local
from animlearn.study.show import paintings
from animlearn.study.sweep import SweepInterrupted, sweep
from animlearn.study.worker import Job, Outcome, run_trial

SIZE = 24  # px on the longer side: every trial is tiny
NETS = "{1,2}x16"  # with 2 seeds and the Adam net below: 6 trials
OPTIONS = dict(nets=[NETS, "1x16:relu:adam"], seeds=2, epochs=6, size=SIZE, halving=2, holdout=0.1)
OUTPUTS = ["chart.png", "index.html", "race.gif", "race.mp4", "results.csv", "results.md", "sheet.png"]
UNREACHABLE = "tcp://127.0.0.1:1"


def cli(*args, **popen):
    """A real `animlearn` process, Ctrl-C restored as conftest's start_render does."""
    return subprocess.Popen(
        [sys.executable, "-m", "animlearn", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[1],  # this checkout's animlearn
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        **popen,
    )


@pytest.fixture(scope="module", autouse=True)
def unreachable(image, tmp_path_factory):
    """Started first: reaching no scheduler takes the 20 s connect timeout, which the
    other tests overlap. Its exit code, stderr and seconds, as a thread collects them."""
    out = tmp_path_factory.mktemp("unreachable") / "out"
    start, ended = time.monotonic(), {}
    proc = cli("sweep", image, "-o", out, "--net", NETS, "--scheduler", UNREACHABLE)

    def collect() -> None:
        ended["err"] = proc.communicate()[1]
        ended["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=collect, daemon=True)
    thread.start()
    yield thread, proc, out, ended
    proc.kill()
    thread.join()


def rendered(image, row, tmp_path, holdout=0.0, halflife=None):
    """`animlearn render --net SPEC --seed S` to the row's epoch: (PSNR, hold-out PSNR).
    One frame, the last, is painted: painting does not change training."""
    options = dict(nets=[row.spec], seed=row.seed, epochs=row.epochs, size=SIZE, holdout=holdout)
    options.update(halflife=halflife)
    r = render(image, tmp_path / "r.gif", every=row.epochs, **options)
    return r.psnrs[0], (r.holdout_psnrs[0] if holdout else None)


def scores(result):
    return [(r.trial, r.rung, r.epochs, r.stopped_at, r.psnr, r.holdout_psnr, r.status) for r in result.rows]


@pytest.fixture(scope="module")
def local(image, tmp_path_factory):
    return sweep(image, tmp_path_factory.mktemp("local") / "out", workers=2, **OPTIONS)


def test_a_local_sweep_ranks_every_trial_and_scores_them_as_render_does(local, image, tmp_path):
    assert sorted(p.name for p in local.folder.iterdir()) == sorted([*OUTPUTS, "study.json", "trials"])
    assert sorted(p.name for p in local.outputs) == OUTPUTS
    for name in ("sheet.png", "chart.png", "race.gif"):
        with Image.open(local.folder / name) as im:
            colours = np.unique(np.asarray(im.convert("RGB")).reshape(-1, 3), axis=0)
            assert im.size[0] > SIZE and len(colours) > 20, name
    race = gif_frames(local.folder / "race.gif")
    assert len(race) == 6 and not np.array_equal(race[0], race[-1]), "the trials learn as the race goes"
    reader = imageio_ffmpeg.read_frames(str(local.folder / "race.mp4"))
    width, height = next(reader)["size"]
    *_, last = reader  # the MP4's hold: copies of the last frame
    last = np.frombuffer(last, np.uint8).reshape(height, width, 3)[: race[-1].shape[0], : race[-1].shape[1]]
    assert psnr(last, race[-1]) > 25, "race.mp4 ends on race.gif's last frame"
    specs = ["1x16", "2x16", "1x16:relu:adam"]
    assert sorted((r.spec, r.seed) for r in local.rows) == sorted((s, k) for s in specs for k in (0, 1))
    assert local.trials == 6 and local.retries == 0 and not local.interrupted
    # Halving judges a spec on both its seeds (a look at 1, a cut at 2, then 6): both seeds of
    # the best two of three go on. Trials rank by the furthest rung, then by their spec's mean
    # hold-out PSNR (the score with --holdout), then by their own.
    assert [r.rung for r in local.rows] == [6, 6, 6, 6, 2, 2] and local.rows[0].spec == local.rows[1].spec
    assert all(r.stopped_at == r.rung == r.epochs and r.status == "ok" for r in local.rows)
    lines = results.summarise(results.read(local.folder))
    assert [s.spec for s in lines] == list(dict.fromkeys(r.spec for r in local.rows))
    assert lines[0].holdout_psnr.mean >= lines[1].holdout_psnr.mean
    assert results.rank(results.read(local.folder)) == local.rows  # results.csv holds them all
    table = (local.folder / "results.md").read_text()
    assert table.index(f"`{local.rows[0].spec}`") == min(table.index(f"`{s}`") for s in specs)
    assert "hidden-pixel PSNR" in table
    for row in local.rows:
        assert (row.psnr, row.holdout_psnr) == rendered(image, row, tmp_path, holdout=0.1), row.label
        # a painting per epoch trained: to its rung, or beyond on a guess that halving then dropped
        folder = local.folder / "trials" / row.trial
        assert len(paintings(folder / "paintings.npy")) == epochs_done(folder / "trial.ckpt") >= row.epochs


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    import dask
    import distributed  # the dev extra installs it: missing, the tests that use it fail

    temp = str(tmp_path_factory.mktemp("dask"))  # what a killed worker leaves lands here, not in /tmp
    # A task is rerun on up to 2 workers (default 4) before KilledWorker: fewer restarts to wait for.
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 1}),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            local_directory=temp,
            env={"TMPDIR": temp},
        ) as c,
    ):
        yield c


def test_a_dask_cluster_gives_the_same_results(cluster, local, image, tmp_path):
    result = sweep(image, tmp_path / "out", scheduler=cluster.scheduler_address, **OPTIONS)
    assert scores(result) == scores(local)
    assert sorted(p.name for p in result.outputs) == OUTPUTS


class Recorder:
    """An executor for Study that runs the real jobs on threads and keeps each job with
    its outcome, in the order they ended."""

    retries = 0

    def __init__(self, workers: int = 2):
        self.workers = workers
        self.pool = ThreadPoolExecutor(workers)
        self.done: list[tuple[Job, Outcome]] = []
        self.lock = threading.Lock()

    def submit(self, job: Job) -> Future:
        def run() -> Outcome:
            outcome = run_trial(job)
            with self.lock:
                self.done.append((job, outcome))
            return outcome

        return self.pool.submit(run)

    @staticmethod
    def died(error: BaseException) -> None:
        return None  # threads do not die: any error is the job's own

    def restart(self) -> None:
        raise AssertionError("no worker died")

    def close(self) -> None:
        self.pool.shutdown()


def study(image, folder, workers=2, **options):
    """A Study planned as sweep() plans it, run on a Recorder."""
    options = {"size": SIZE, **options}
    given = {k: options.pop(k) for k in ("nets", "seeds", "halving")}
    plan = sweep_module._plan([image], folder, StudyOptions(**given), options)[0]
    driver, recorder = Study(plan), Recorder(workers)
    try:
        driver.run(recorder)
    finally:
        recorder.close()
    return driver, recorder


def epochs_done(saved: Path) -> int:
    return checkpoint.read(saved).meta["epochs_done"]


def started(job: Job, tmp_path: Path) -> int:
    """The epoch a job starts from: its checkpoint's, 0 without one."""
    if job.checkpoint is None:
        return 0
    saved = tmp_path / "started.ckpt"
    saved.write_bytes(job.checkpoint)
    return checkpoint.read(saved).meta["epochs_done"]


def check_chains(recorder: Recorder, tmp_path: Path, first: dict[str, int]) -> dict[str, int]:
    """Each trial's jobs continue one another from `first[trial]` (0: from scratch): none
    trains an epoch twice, and each paints exactly the epochs it trains. The last epochs."""
    reached = dict(first)
    for job, outcome in recorder.done:
        start = started(job, tmp_path)
        assert start == reached.get(job.trial, 0), (job.trial, job.until)
        assert (job.checkpoint is None) == (start == 0)
        assert outcome.epochs == job.until > start and len(outcome.paintings) == job.until - start
        reached[job.trial] = job.until
    return reached


def test_halving_keeps_what_plain_halving_keeps_and_promoted_trials_resume(image, tmp_path):
    folder = tmp_path / "out"
    driver, recorder = study(image, folder, nets=[NETS, "1x16:relu:adam"], seeds=2, halving=2, epochs=12)
    order = [t.id for t in driver.plan.trials]
    spec_of = {t.id: t.spec for t in driver.plan.trials}
    repeats = {s: [t for t in order if spec_of[t] == s] for s in dict.fromkeys(spec_of.values())}
    rungs = driver.scheduler.rungs
    assert rungs == (1, 2, 12)  # a look at half the grace (a tenth of the epochs, at least 2), a cut
    reached = check_chains(recorder, tmp_path, {})
    rung_scores: dict[tuple[str, int], float] = {}
    for _, outcome in recorder.done:
        if outcome.epochs in rungs:
            rung_scores[outcome.trial, outcome.epochs] = outcome.history[-1][1]
    kept, stopped = plain_halving(repeats, rungs, 2, lambda t, e: rung_scores[t, e], look=True)
    assert {k: driver.scheduler.members(k) for k in rungs} == kept and len(kept[12]) == 2
    final = {r.trial: r for r in results.rank(driver.final_rows())}
    for trial in order:
        stop = stopped[spec_of[trial]]
        assert final[trial].stopped_at == final[trial].rung == stop
        assert reached[trial] >= stop  # a guess may have run on, but it trained each epoch once
        if stop > rungs[0]:  # promoted: its first job past the rung below starts from that rung's checkpoint
            low = rungs[rungs.index(stop) - 1]
            job = next(j for j, _ in recorder.done if j.trial == trial and j.until > low)
            assert job.checkpoint is not None and started(job, tmp_path) == low
    # Ranked by the rung reached, then by the spec's mean PSNR (no hold-out), then the trial's
    # own; the winner is as a render paints it.
    mean = {s: sum(final[t].psnr for t in ts) / len(ts) for s, ts in repeats.items()}
    ranked = results.rank(driver.final_rows())
    key = {t: (-final[t].rung, -mean[spec_of[t]], -final[t].psnr) for t in order}
    assert [r.trial for r in ranked] == sorted(order, key=key.__getitem__)
    best = ranked[0]
    assert best.spec == max(kept[12], key=mean.__getitem__) and best.epochs == 12
    assert best.psnr == rendered(image, best, tmp_path)[0]


def mtimes(folder: Path) -> dict[str, int]:
    trials = folder / "trials"
    return {str(p.relative_to(trials)): p.stat().st_mtime_ns for p in trials.rglob("*")}


def test_a_rerun_trains_nothing_twice_and_more_epochs_go_on_from_the_checkpoints(local, image, tmp_path):
    folder = tmp_path / "out"
    shutil.copytree(local.folder, folder)
    before = mtimes(folder)
    again = sweep(image, folder, workers=2, **OPTIONS)
    assert scores(again) == scores(local) and mtimes(folder) == before
    _, recorder = study(image, folder, **OPTIONS)
    assert recorder.done == []
    # Twice the epochs: rungs 1, 2, 6 become 1, 2, 12 (the trend at 2 now runs on to 12, so
    # another spec may go on). Every trial goes on from where it stopped, never from scratch.
    reached = {r.trial: epochs_done(folder / "trials" / r.trial / "trial.ckpt") for r in local.rows}
    driver, recorder = study(image, folder, **dict(OPTIONS, epochs=12))
    assert recorder.done and all(job.checkpoint is not None for job, _ in recorder.done)
    reached = check_chains(recorder, tmp_path, reached)
    best = results.rank(driver.final_rows())[0]
    assert best.epochs == 12
    # the study decays at its first pace, a quarter of 6 epochs, as a resumed render would
    assert json.loads((folder / "study.json").read_text())["study"]["halflife"] == 1.5
    assert (best.psnr, best.holdout_psnr) == rendered(image, best, tmp_path, holdout=0.1, halflife=1.5)
    # 16 epochs: rungs 1, 2, 16, every trial past 2 already: measured there from its
    # checkpoint's scores, not trained from scratch again.
    driver, recorder = study(image, folder, **dict(OPTIONS, epochs=16))
    assert recorder.done and all(job.checkpoint is not None for job, _ in recorder.done)
    check_chains(recorder, tmp_path, reached)
    ranked = results.rank(driver.final_rows())
    assert [r.rung for r in ranked] == [16, 16, 16, 16, 2, 2]
    for row in ranked:
        assert (row.psnr, row.holdout_psnr) == rendered(image, row, tmp_path, 0.1, 1.5), row.label


def children_of(pid: int) -> set[int]:
    """Every live descendant of `pid`, from /proc."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, todo = set(), [pid]
    while todo:
        pid = todo.pop()
        kids = {p for p, parent in parents.items() if parent == pid}
        found |= kids
        todo += kids
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def kill_when_training(folder: Path, pids, killed: list[int]) -> threading.Thread:
    """A thread that SIGKILLs a worker process (from `pids()`) once a trial has stored its
    first checkpoint, so the sweep has a trial running and more to do."""

    def kill() -> None:
        deadline = time.monotonic() + 120
        while not any((folder / "trials").glob("*/trial.ckpt")) and time.monotonic() < deadline:
            time.sleep(0.01)
        pid = pids()
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    thread = threading.Thread(target=kill, daemon=True)
    thread.start()
    return thread


KILLED = dict(nets=[NETS], seeds=2, epochs=30, size=SIZE)  # 4 trials in chunks of 5 epochs


@pytest.fixture
def temp(tmp_path, monkeypatch):
    """The temporary folder this process (so a local pool's workers) uses: empty at the end?"""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))  # for the workers it starts
    return folder


def new_children(before: set[int]) -> list[int]:
    """This process's multiprocessing children, but for those in `before` (the cluster's)."""
    return [p.pid for p in multiprocessing.active_children() if p.pid not in before]


def test_a_local_worker_killed_mid_trial_is_replaced(image, tmp_path, temp):
    before = set(new_children(set()))

    def pool_worker() -> int:
        while len(workers := new_children(before)) < 2:
            time.sleep(0.01)
        return workers[0]

    killed: list[int] = []
    thread = kill_when_training(tmp_path / "out", pool_worker, killed)
    result = sweep(image, tmp_path / "out", workers=2, **KILLED)
    thread.join(5)
    assert killed and result.retries <= 1  # it held a job, which ran again, or was between two
    assert len(result.rows) == 4 and all(r.epochs == 30 and r.status == "ok" for r in result.rows)
    for row in result.rows:
        assert row.psnr == rendered(image, row, tmp_path)[0], row.label
        assert len(paintings(result.folder / "trials" / row.trial / "paintings.npy")) == 30
    assert not new_children(before) and not list(temp.iterdir()), "the killed worker's files are gone"


def test_a_killed_local_worker_fails_only_its_own_job_and_the_pool_goes_on(image, temp):
    settings = dict(epochs=5000, size=SIZE, lr=0.1, lr_scale="fan-in", holdout=0.0)
    long, short = (Job("t", "1x16", 0, image.read_bytes(), ".png", settings, n) for n in (5000, 3))
    before = set(new_children(set()))
    workers = Local(2)
    try:
        jobs = [workers.submit(long), workers.submit(long)]
        while not all(job.running() for job in jobs):  # each on its own worker
            time.sleep(0.01)
        os.kill(new_children(before)[0], signal.SIGKILL)
        done = [job.exception(timeout=120) for job in jobs]
        [error] = [e for e in done if e is not None]
        assert workers.died(error) == "its worker process died (exit code -9)"
        [survivor] = [job for job, e in zip(jobs, done) if e is None]
        assert survivor.result().epochs == 5000, "the other worker's job was lost with the dead one"
        assert workers.submit(short).result(timeout=60).epochs == 3  # a new worker took the dead one's place
    finally:
        workers.close()
    assert not new_children(before) and not list(temp.iterdir())


def test_ctrl_c_in_python_stops_the_sweeps_own_workers_only(cluster, image, tmp_path, temp):
    from distributed import Client

    csv = tmp_path / "out" / results.CSV_NAME

    def ctrl_c() -> None:
        while not (csv.is_file() and len(csv.read_text().splitlines()) > 1):
            time.sleep(0.01)
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    with Client(cluster.scheduler_address, set_as_default=False) as client:
        dask_workers = client.run(os.getpid)
        before = set(new_children(set()))
        handler = signal.signal(signal.SIGINT, signal.default_int_handler)  # even if a shell ignores it
        try:
            threading.Thread(target=ctrl_c, daemon=True).start()
            with pytest.raises(SweepInterrupted) as caught:
                sweep(image, tmp_path / "out", workers=2, **KILLED)
        finally:
            signal.signal(signal.SIGINT, handler)
        assert client.run(os.getpid) == dask_workers, "a Dask worker this process started was ended"
    interrupted = caught.value.result
    assert interrupted.interrupted and 1 <= len(interrupted.rows) < 4
    assert results.rank(results.read(tmp_path / "out")) == interrupted.rows
    assert not new_children(before) and not list(temp.iterdir())


def test_a_workers_numba_cache_is_its_own_and_the_next_worker_reuses_it(tmp_path):
    code = "import sys; from pathlib import Path; from animlearn.study.worker import claim; "
    code += "print(claim(Path(sys.argv[1]), 'dask').name, flush=True); sys.stdin.read()"

    def worker() -> tuple[subprocess.Popen, str]:
        proc = subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        return proc, proc.stdout.readline().strip()

    (first, one), (second, two) = worker(), worker()
    first.communicate()  # it ends
    third, three = worker()
    second.communicate(), third.communicate()
    assert (one, two, three) == ("dask-1", "dask-2", "dask-1")


def test_ctrl_c_writes_the_results_so_far_and_a_rerun_finishes(image, tmp_path):
    out = tmp_path / "out"
    args = ["sweep", image, "-o", out, "--net", "{1,2}x{32,64}", "--seeds", "2"]
    args += ["--epochs", "30", "--size", "32", "--workers", "2"]
    temp = tmp_path / "tmp"  # the workers' temporary folders
    temp.mkdir()
    env = dict(os.environ, TMPDIR=str(temp))
    proc = cli(*args, process_group=0, env=env)  # its own group: Ctrl-C reaches the workers too
    csv = out / results.CSV_NAME
    while proc.poll() is None and not (csv.is_file() and len(csv.read_text().splitlines()) > 1):
        time.sleep(0.01)
    workers = children_of(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGINT)  # a second Ctrl-C, as the sweep stops: it is held, not lost
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    messages = [line for line in err.splitlines() if line.startswith("animlearn:")]
    assert len(messages) == 1 and "Traceback" not in err, err
    assert "interrupted; wrote results.csv, results.md, index.html (" in messages[0], messages[0]
    assert workers, "the sweep ran in worker processes"
    deadline = time.monotonic() + 5
    while any(map(alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(alive, workers)), "stray worker processes"
    assert not list(out.rglob(".*")) and not list(temp.iterdir()), "temporary files left"
    done = results.read(out)
    assert 1 <= len({r.trial for r in done}) < 8
    assert (out / "results.md").read_text().startswith("| rank |")
    finished = {r.trial: mtimes(out)[f"{r.trial}/trial.ckpt"] for r in done if r.stopped_at == 30}
    proc = cli(*args)
    out_text, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "8 trials" in out_text and "Traceback" not in err
    rows = results.rank(results.read(out))
    assert len(rows) == 8 and all(r.epochs == 30 and r.status == "ok" for r in rows)
    assert {t: mtimes(out)[f"{t}/trial.ckpt"] for t in finished} == finished, "finished trials not retrained"


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--net", "{2,4x64"], "'{' at column 1 is never closed"),
        (["--net", "{2,4}x64:foo"], "gives '2x64:foo': unknown option 'foo'"),
        (["--net", "{1..20}x{1..16}"], "the sweep has 320 trials (more than 300); add --yes"),
        (["--net", NETS, "--seeds", "0"], "--seeds 0"),
        (["--net", NETS, "--halving", "1"], "--halving 1"),
        (["--net", NETS, "--halving", "2", "--grace", "0"], "--grace 0"),
        (["--net", NETS, "--workers", "0"], "--workers 0"),
        (["--net", NETS, "--scheduler", "foo"], "--scheduler foo: give the scheduler's host:port"),
        (["--net", NETS, "--workers", "99999999999999999999"], "at most 1024"),
        (["--net", NETS, "--seeds", "1000000000", "--yes"], "over 100,000"),
        (["--net", NETS, "--size", "1", "--holdout", "every-other"], "a 1×1 picture has no pixel to test"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_before_anything_runs(image, tmp_path, flags, message):
    out = tmp_path / "out"
    proc = cli("sweep", image, "-o", out, "--size", SIZE, *flags)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert err.count("\n") == 1 and err.startswith("animlearn: error: ") and message in err, err
    assert not out.exists()


def test_a_folder_that_cannot_be_written_is_one_line_and_exit_2(image):
    proc = cli("sweep", image, "-o", "/proc/animlearn-study", "--net", NETS, "--size", SIZE)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and err.count("\n") == 1 and "cannot write in /proc" in err, err


def test_a_missing_picture_is_one_line_and_exit_2(tmp_path):
    proc = cli("sweep", tmp_path / "nope.png", "-o", tmp_path / "out", "--net", NETS)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and err.count("\n") == 1 and "nope.png" in err, err
    assert not (tmp_path / "out").exists()
    with pytest.raises(AnimlearnError, match="nope.png"):
        sweep(tmp_path / "nope.png", tmp_path / "out", nets=[NETS])


def test_an_unreachable_scheduler_is_named_within_30_seconds(unreachable):
    thread, proc, out, ended = unreachable
    thread.join(60)
    assert ended["seconds"] < 30
    assert proc.returncode == 2 and ended["err"].count("\n") == 1, ended["err"]
    assert f"--scheduler {UNREACHABLE}: cannot reach a Dask scheduler" in ended["err"]
    assert not out.exists()


def test_a_dask_worker_killed_mid_trial_leaves_its_trial_to_another(cluster, image, tmp_path):
    from distributed import Client

    with Client(cluster.scheduler_address, set_as_default=False) as client:

        def busy_worker() -> int:
            while True:
                busy = [w for w, tasks in client.processing().items() if tasks]
                if busy:
                    return client.run(os.getpid, workers=busy[:1])[busy[0]]
                time.sleep(0.01)

        killed: list[int] = []
        thread = kill_when_training(tmp_path / "out", busy_worker, killed)
        result = sweep(image, tmp_path / "out", scheduler=cluster.scheduler_address, **KILLED)
        thread.join(5)
        assert killed and killed[0] not in client.run(os.getpid).values()
        assert len(result.rows) == 4 and all(r.epochs == 30 and r.status == "ok" for r in result.rows)
        for row in result.rows:
            assert row.psnr == rendered(image, row, tmp_path)[0], row.label
        client.wait_for_workers(2, timeout=30)


def test_a_trial_that_kills_its_dask_workers_fails_alone_and_the_sweep_finishes(
    cluster, image, tmp_path, monkeypatch
):
    from distributed import Client

    monkeypatch.setattr(executors, "run_trial", crash.run_or_crash)
    study = dict(nets="{1,2}x16", seeds=1, epochs=12, size=SIZE)  # chunks of 2 epochs
    result = sweep(image, tmp_path / "out", scheduler=cluster.scheduler_address, **study)
    by_spec = {r.spec: r for r in result.rows}
    assert by_spec["1x16"].status == "ok" and by_spec["1x16"].epochs == 12
    failed = by_spec[crash.CRASHES]  # its first chunk trained, then each try of its second killed a worker
    assert (failed.status, failed.epochs, failed.note) == ("failed", 2, "2 Dask workers died running it")
    assert "seed 0 failed: 2 Dask workers died running it" in (result.folder / "results.md").read_text()
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=60)
