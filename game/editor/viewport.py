"""The editor's camera: world metres to screen pixels and back, zoom and pan."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

MIN_SCALE, MAX_SCALE = 0.02, 60.0
"""Zoom limits [px per m]: a 40 km span fits an 880 px view; a 0.1 m step is still 6 px."""


class Viewport:
    """Which part of the world the editor's view shows: a centre and a scale (y points up)."""

    def __init__(
        self,
        size_px: tuple[int, int],
        scale: float = 4.0,
        centre_m: tuple[float, float] = (0.0, 0.0),
    ):
        self.size_px = size_px
        self.scale = scale
        """Pixels per metre."""
        self.centre_m = np.asarray(centre_m, dtype=np.float64)

    def to_screen(self, xy_m: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """World positions [..., 2] in metres to pixels in the view (y down)."""
        offset = (np.asarray(xy_m, dtype=np.float64) - self.centre_m) * (self.scale, -self.scale)
        return offset + np.asarray(self.size_px, dtype=np.float64) / 2

    def to_world(self, xy_px: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Pixels in the view [..., 2] to world positions in metres."""
        offset = (
            np.asarray(xy_px, dtype=np.float64) - np.asarray(self.size_px, dtype=np.float64) / 2
        )
        return offset / (self.scale, -self.scale) + self.centre_m

    def zoom(self, factor: float, about_px: tuple[float, float]) -> None:
        """Zoom by `factor`, keeping the world point under `about_px` where it is."""
        anchor = self.to_world(about_px)
        self.scale = float(np.clip(self.scale * factor, MIN_SCALE, MAX_SCALE))
        self.centre_m += anchor - self.to_world(about_px)

    def pan(self, dx_px: float, dy_px: float) -> None:
        """Move the picture by this many pixels (the world follows the mouse)."""
        self.centre_m -= np.array([dx_px, -dy_px]) / self.scale

    def fit(self, xy_m: npt.ArrayLike, margin_px: float = 40.0) -> None:
        """Show all of these world points, centred, `margin_px` from the edges."""
        xy = np.asarray(xy_m, dtype=np.float64).reshape(-1, 2)
        if len(xy) == 0:
            return
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        span = np.maximum(hi - lo, 1.0)
        room = np.maximum(np.asarray(self.size_px, dtype=np.float64) - 2 * margin_px, 1.0)
        self.scale = float(np.clip((room / span).min(), MIN_SCALE, MAX_SCALE))
        self.centre_m = (lo + hi) / 2
