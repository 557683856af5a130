"""Training: the trainer, its kernels and optimizers. Kept light: importing the package
does not load Numba."""

import os


def available_cores() -> int:
    """The cores this process may run on (os.sched_getaffinity is Linux's; macOS has none)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
