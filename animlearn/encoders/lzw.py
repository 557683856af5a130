"""GIF's LZW coder, lossy: each pixel may take any code whose colour is close enough.

A lossless coder extends the current string only while the dictionary holds the
exact next index. This one also accepts another index for a pixel if its colour
is within `match` (RGB distance) of the pixel's nearest palette colour's
distance to the true colour, or the "unchanged" index if what is on screen is
within `loose` of it. Where the exact index breaks the string, the allowed one
whose string then goes on longest is taken (the least error among equals). Longer
strings mean fewer codes, and every pixel's error stays bounded against its true
colour in this frame, so it never accumulates. (gifsicle's --lossy judges against
the already quantized picture instead, and knows nothing of what is on screen.)

Imported lazily: Numba compiles this on first use and caches it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

CLEAR_CODE = 256  # LZW's reset code for 8-bit pixels; END follows it
END = 257
FIRST = 258  # the first string code
LIMIT = 4096  # codes are at most 12 bits


@njit(cache=True, nogil=True)
def _sq(colours, s, rgb, i):
    """Squared RGB distance of palette entry `s` to pixel `i` of `rgb` (n x 3)."""
    d0 = colours[s, 0] - rgb[i, 0]
    d1 = colours[s, 1] - rgb[i, 1]
    d2 = colours[s, 2] - rgb[i, 2]
    return d0 * d0 + d1 * d1 + d2 * d2


@njit(cache=True, nogil=True)
def _choices(rgb, nearest, shown, has_shown, colours, clear, keep, loose, match):
    """Per pixel: the lossless index, the largest squared error a colour may have,
    and the squared error of leaving it unchanged (inf where that is not allowed)."""
    n = len(nearest)
    pref = nearest.copy()
    bound = np.empty(n, np.float32)
    stay = np.full(n, np.inf, np.float32)
    for p in range(n):
        near = np.sqrt(_sq(colours, nearest[p], rgb, p))
        bound[p] = (near + match) ** 2
        if has_shown:
            e = _sq(colours, shown[p], rgb, p)
            old = np.sqrt(e)
            if old <= near + keep:
                pref[p] = clear
            if old <= near + loose:
                stay[p] = e
    return pref, bound, stay


@njit(cache=True, nogil=True)
def _error(s, p, rgb, shown, colours, clear, bound, stay):
    """Pixel p's squared error if drawn with index s; inf if s is not allowed there."""
    if s == clear:
        return stay[p]
    e = _sq(colours, s, rgb, p)
    return e if e <= bound[p] else np.inf


@njit(cache=True, nogil=True)
def _step(node, p, pref, child, first, sibling, symbol, rgb, shown, colours, clear, bound, stay):
    """The code one pixel longer than `node` for pixel p: the exact index if the dictionary
    has it, else the allowed one with the least error; -1 if none."""
    c = child[node, pref[p]]
    if c >= 0:
        return c
    pick = -1
    err = np.inf
    k = first[node]
    while k >= 0:
        e = _error(symbol[k], p, rgb, shown, colours, clear, bound, stay)
        if e < err:
            pick, err = k, e
        k = sibling[k]
    return pick


@njit(cache=True, nogil=True)
def _reach(node, p, n, pref, child, first, sibling, symbol, rgb, shown, colours, clear, bound, stay):
    """How many pixels from p on the string `node` goes on to, step by step."""
    q = p
    while q < n:
        node = _step(node, q, pref, child, first, sibling, symbol, rgb, shown, colours, clear, bound, stay)
        if node < 0:
            break
        q += 1
    return q - p


@njit(cache=True, nogil=True)
def encode(rgb, nearest, shown, has_shown, colours, clear, keep, loose, match, drawn, out):  # noqa: C901
    """LZW codes, packed LSB first, for n pixels; returns the bytes written to `out`.

    rgb (n x 3 float32) the true colours, nearest (n) each one's palette index,
    shown (n) the index on screen (read only if `has_shown`), colours (256 x 3
    float32) the palette, `clear` the index that leaves a pixel unchanged. A pixel
    is redrawn, lossless, when its shown colour is more than `keep` further from the
    true one than the nearest is; the lossy matching may also leave it unchanged
    within `loose` (>= keep) or draw any colour within `match`. drawn (n) receives
    the index each pixel got.
    """
    n = len(nearest)
    pref, bound, stay = _choices(rgb, nearest, shown, has_shown, colours, clear, keep, loose, match)
    child = np.full((LIMIT, 256), -1, np.int16)  # child[code, index]: the code one index longer
    first = np.full(LIMIT, -1, np.int16)  # a code's children as a list: first, then sibling
    sibling = np.full(LIMIT, -1, np.int16)
    parent = np.zeros(LIMIT, np.int16)
    symbol = np.arange(LIMIT).astype(np.int16)  # the last index of each code's string
    acc = np.uint64(0)  # bits not yet written
    bits = 0
    size = 0
    width = 9  # the decoder's code width, tracked as it will see it
    dnext = FIRST  # the decoder's next code; it adds one per code after the first since a reset
    started = False
    nxt = FIRST  # the encoder's next code
    node = -1
    for i in range(n + 3):
        # which code goes out now: -1 none, else a string, a reset or the end
        code = -1
        if i == 0:
            code = CLEAR_CODE
        elif i == n + 2:
            code = END
        elif i == n + 1:
            code = node
        else:
            p = i - 1
            c = -1
            if node >= 0:
                c = child[node, pref[p]]
                if c < 0:
                    # the allowed continuation that goes on longest, then the least error
                    best = -1
                    err = np.inf
                    k = first[node]
                    while k >= 0:
                        e = _error(symbol[k], p, rgb, shown, colours, clear, bound, stay)
                        if e < np.inf:
                            r = _reach(
                                k,
                                p + 1,
                                n,
                                pref,
                                child,
                                first,
                                sibling,
                                symbol,
                                rgb,
                                shown,
                                colours,
                                clear,
                                bound,
                                stay,
                            )
                            if r > best or (r == best and e < err):
                                best, err, c = r, e, k
                        k = sibling[k]
            if c >= 0:
                node = c
                drawn[p] = symbol[c]
            else:
                if node >= 0:
                    code = node
                    if nxt < LIMIT:
                        child[node, pref[p]] = nxt
                        parent[nxt], symbol[nxt] = node, pref[p]
                        sibling[nxt], first[node] = first[node], nxt
                        nxt += 1
                node = pref[p]
                drawn[p] = pref[p]
        if code < 0:
            continue
        acc |= np.uint64(code) << np.uint64(bits)
        bits += width
        while bits >= 8:
            out[size] = np.uint8(acc & np.uint64(0xFF))
            size += 1
            acc >>= np.uint64(8)
            bits -= 8
        if code == CLEAR_CODE:
            width, dnext, started = 9, FIRST, False
        elif code != END:
            if started and dnext < LIMIT:
                dnext += 1
                if dnext == 1 << width and width < 12:
                    width += 1
            started = True
            if nxt == LIMIT:  # the dictionary is full: reset it, then the decoder's
                for c in range(FIRST, LIMIT):
                    child[parent[c], symbol[c]] = -1
                first[:] = -1
                nxt = FIRST
                acc |= np.uint64(CLEAR_CODE) << np.uint64(bits)
                bits += width
                width, dnext, started = 9, FIRST, False
    if bits > 0:
        out[size] = np.uint8(acc & np.uint64(0xFF))
        size += 1
    return size
