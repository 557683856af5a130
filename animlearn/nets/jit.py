"""Options shared by the float kernels (training, painting, the grid); the integer ones
(the barriers, the weights' layout, the LZW coder) need no fastmath and use plain njit."""

# Reassociation lets LLVM vectorise the inner loops; no 'nnan'/'ninf', so a
# diverging network still produces NaN/inf that the trainer can see.
FAST = {"reassoc", "contract", "nsz", "arcp"}
OPTS = dict(cache=True, nogil=True, fastmath=FAST)
