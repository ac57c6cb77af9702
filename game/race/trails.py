"""Each car's recent path, drawn as a trail that fades behind it (the lines the swarm drives)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pygame

POINTS = 24
"""Positions kept per car."""
SPACING_M = 1.2
"""A new position is kept once the car is this far from the last one."""
JUMP_M = 12.0
"""A car further than this from its last position was put back at a start: its trail restarts."""
SHADES = 3
"""The trail is drawn in this many pieces, each closer to the car's colour than the one before."""


class Trails:
    """The last POINTS positions of every car, spaced SPACING_M apart (world metres)."""

    def __init__(self, xy_m: npt.NDArray[np.float64]):
        self.points = np.repeat(xy_m[:, None, :], POINTS, axis=1)
        """[cars, POINTS, 2] oldest first."""

    def update(self, xy_m: npt.NDArray[np.float64]) -> None:
        """Note where the cars are now."""
        if len(xy_m) != len(self.points):
            self.points = np.repeat(xy_m[:, None, :], POINTS, axis=1)
            return
        gap = np.hypot(*(xy_m - self.points[:, -1]).T)
        jumped = gap > JUMP_M
        self.points[jumped] = xy_m[jumped, None, :]
        moved = (gap >= SPACING_M) & ~jumped
        self.points[moved, :-1] = self.points[moved, 1:]
        self.points[moved, -1] = xy_m[moved]

    def draw(
        self,
        surface: pygame.Surface,
        to_screen: Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]],
        colours: list[tuple[int, int, int]],
        background: tuple[int, int, int],
        width_px: int,
        shown: npt.NDArray[np.bool_],
    ) -> None:
        """The `shown` cars' trails in their colours, fading into `background` towards their
        oldest ends."""
        screen = to_screen(self.points)
        moving = np.flatnonzero(shown & (np.ptp(screen, axis=1).max(axis=1) >= 2))  # still: none
        mix = (np.arange(SHADES) + 1) / (SHADES + 1)
        base = np.array(background, dtype=np.float64)
        tones = base + (np.array(colours)[:, None, :] - base) * mix[None, :, None]
        tones = tones.astype(int).tolist()
        paths = screen.tolist()  # plain lists: pygame reads them much faster than arrays
        piece = POINTS // SHADES
        for car in moving:
            path, tone = paths[car], tones[car]
            for shade in range(SHADES):
                part = path[shade * piece : (shade + 1) * piece + 1]
                pygame.draw.lines(surface, tone[shade], False, part, width_px)
