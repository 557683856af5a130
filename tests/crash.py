"""A trial that kills its worker, for the fault tests: run_trial, except that a job of
the spec CRASHES going on from a checkpoint ends its process at once, as a segfault or
the out-of-memory killer would. Each job is logged to the file $CRASH_LOG names, if set.
The tests put it in place of executors.run_trial; worker processes import it by name."""

import os

from animlearn.study.worker import Job, Outcome, run_trial

CRASHES = "2x16"


def run_or_crash(job: Job) -> Outcome:
    if os.environ.get("CRASH_LOG"):
        with open(os.environ["CRASH_LOG"], "a") as log:
            log.write(f"{job.spec} {job.until}\n")
    if job.spec == CRASHES and job.checkpoint is not None:
        os._exit(3)
    return run_trial(job)
