"""Where the threads of one network meet: atomics, a barrier, a stop word.

Numba has no atomics, so two intrinsics emit LLVM's atomic load (acquire) and
store (release). A team's threads each publish how many barriers they have
reached in a padded slot of `flags`; a barrier waits until every slot has
caught up, or until the stop word is raised. Waiting spins a while, then yields
the core, so an oversubscribed machine does not burn its time.
"""

from __future__ import annotations

import threading

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

PAD = 16  # int64 slots between two threads' counters: one per 128-byte line pair
LINE = 16  # float32 values in a 64-byte cache line
SPINS = 1 << 12  # checks (some µs) before a wait starts yielding its core


def _pointer(context, builder, sig, args):
    aryty = sig.args[0]
    ary = context.make_array(aryty)(context, builder, args[0])
    return cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]])


@intrinsic
def load_acquire(typingctx, arr, idx):
    """arr[idx] of an int64 array, read atomically with acquire ordering."""

    def codegen(context, builder, sig, args):
        return builder.load_atomic(_pointer(context, builder, sig, args), "acquire", 8)

    return types.int64(arr, idx), codegen


@intrinsic
def store_release(typingctx, arr, idx, val):
    """arr[idx] = val in an int64 array, written atomically with release ordering."""

    def codegen(context, builder, sig, args):
        builder.store_atomic(args[2], _pointer(context, builder, sig, args), "release", 8)
        return context.get_dummy_value()

    return types.void(arr, idx, types.int64), codegen


@intrinsic
def yield_core(typingctx):
    """sched_yield(): let another thread run on this core."""

    def codegen(context, builder, sig, args):
        fnty = ir.FunctionType(ir.IntType(32), [])
        builder.call(cgutils.get_or_insert_function(builder.module, fnty, "sched_yield"), [])
        return context.get_dummy_value()

    return types.void(), codegen


@njit(cache=True, nogil=True)
def meet(flags, stop, me, threads, gen):
    """Barrier number `gen` (1, 2, ... within a call) of thread `me` of `threads`.
    True once every thread has reached it; False as soon as `stop[0]` is raised."""
    if threads == 1:
        return True
    store_release(flags, me * PAD, gen)
    spins = 0
    for other in range(threads):
        while load_acquire(flags, other * PAD) < gen:
            if load_acquire(stop, 0) != 0:
                return False
            spins += 1
            if spins > SPINS:
                yield_core()
    return True


@njit(cache=True, nogil=True)
def unit_starts(sizes):
    """Where each layer's units start in a team's `acts`, each on a cache line of its
    own, and (last) how many floats that takes. With the slice bounds on lines too
    (kernels.ALIGN), no two threads write to one line: a line written by both would
    bounce between the cores while they write it."""
    starts = np.zeros(len(sizes) + 1, dtype=np.int64)
    for layer in range(len(sizes)):
        starts[layer + 1] = starts[layer] + (sizes[layer] + LINE - 1) // LINE * LINE
    return starts


def team_zeros(*shape: int) -> np.ndarray:
    """float32 zeros of `shape` for a team to share, starting on a cache line."""
    n = int(np.prod(shape))
    raw = np.zeros(n + LINE, np.float32)
    at = (-raw.ctypes.data // raw.itemsize) % LINE
    return raw[at : at + n].reshape(shape)


def team_flags(threads: int) -> np.ndarray:
    """The barrier counters of a team of `threads`, all at zero."""
    return np.zeros(threads * PAD, np.int64)


class Stop(threading.Event):
    """A stop request that also reaches the kernels: setting it raises `word[0]`,
    which releases every barrier at once."""

    def __init__(self) -> None:
        super().__init__()
        self.word = np.zeros(1, np.int64)

    def set(self) -> None:
        self.word[0] = 1
        super().set()

    def clear(self) -> None:
        self.word[0] = 0
        super().clear()
