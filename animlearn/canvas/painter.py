"""The painter: on its own thread beside training, each scheduled moment becomes a frame.

A frame is every model's picture, scored, enlarged, outlined where pixels are
held out, composed with titles, the chart and the caption, and appended to the
frame buffer; then `on_frame`, if given, gets the frame and its log rows on the
painter's thread, so they can be written while the run goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from ..io.target import Holdout
from ..nets.model import Model
from .buffer import FrameBuffer
from .compose import Composer
from .metrics import Scoreboard
from .paint import enlarge, outline, picture, upscale_factor
from .plot import chart

STRIP_HEIGHT = 120  # px of the --plot strip


class Painter:
    def __init__(
        self,
        board: Scoreboard,
        buffer: FrameBuffer,
        holdout: Holdout | None,
        *,
        show_target: bool,
        captions: bool,
        plot: bool,
        on_paint: Callable[[float, list[np.ndarray]], None] | None = None,
        on_frame: Callable[[np.ndarray, list[dict]], None] | None = None,
        compose: bool = True,
        threads: int = 1,
    ):
        """`on_frame(frame, rows)` gets each frame and its log rows as they are made;
        without `compose`, a moment is only painted, scored and handed to `on_paint`;
        `threads` share each picture's rows."""
        self.board, self.buffer, self.on_paint, self.on_frame = board, buffer, on_paint, on_frame
        self.compose, self.threads = compose, threads
        self.height, self.width = board.target.shape[:2]
        self.k = upscale_factor(self.width, self.height)
        patches = holdout.tested if holdout is not None and holdout.patches else None
        self.mask = None if patches is None else np.kron(patches, np.ones((self.k, self.k), bool))
        self.target_panel = self._panel(board.target) if show_target else None
        titles = board.titles() + (["target"] if show_target else [])
        shown = (self.width * self.k, self.height * self.k)
        self.composer = Composer(titles, *shown, captions=captions, strip_height=STRIP_HEIGHT if plot else 0)
        self.plot = plot
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="paint")
        self._pending: Future | None = None

    def submit(self, label: str, x: float, models: list[Model], losses: list[float], seconds: float) -> None:
        """Paint `models` (copies the training threads no longer touch) at x epochs."""
        self.wait()  # at most one frame in flight keeps memory bounded
        self._pending = self._pool.submit(self._frame, label, x, models, losses, seconds)

    def wait(self) -> None:
        """Return once every frame submitted so far is in the buffer."""
        if self._pending is not None:
            self._pending.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _panel(self, picture: np.ndarray) -> np.ndarray:
        panel = enlarge(picture, self.k)
        return panel if self.mask is None else outline(panel, self.mask)

    def _frame(self, label: str, x: float, models: list[Model], losses: list[float], seconds: float) -> None:
        small = [picture(m, self.width, self.height, self.threads) for m in models]
        for n, painting in enumerate(small):
            self.board.score(n, painting, x)
        if self.on_paint is not None:
            self.on_paint(x, small)
        frame = self._compose(label, small) if self.compose else None
        rows = self.board.log(label, losses, seconds)
        if frame is not None and self.on_frame is not None:
            self.on_frame(frame, rows)

    def _compose(self, label: str, small: list[np.ndarray]) -> np.ndarray:
        panels = [self._panel(painting) for painting in small]
        if self.target_panel is not None:
            panels.append(self.target_panel)
        strip = None
        if self.plot:
            board = self.board
            dashed = board.held_history if board.held_out is not None else None
            # The axis grows with the run (no fixed total), so a resumed run's frames match.
            strip = chart(self.composer.width, STRIP_HEIGHT, board.history, board.names, dashed, "epochs")
        # No total in the caption: a resumed, longer run keeps the same frames.
        frame = self.composer.compose(panels, f"epoch {label}", strip, self.board.titles())
        self.buffer.append(frame)
        return frame
