"""Options shared by every Numba kernel."""

# Reassociation lets LLVM vectorise the inner loops; no 'nnan'/'ninf', so a
# diverging network still produces NaN/inf that the trainer can see.
FAST = {"reassoc", "contract", "nsz", "arcp"}
OPTS = dict(cache=True, nogil=True, fastmath=FAST)
