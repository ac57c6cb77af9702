"""Drawing a race with pygame: the track (drawn once, then blitted), the cars and their sensor
rays."""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt
import pygame

from game.race.sensors import RAY_ANGLES_RAD
from game.race.sim import RaceSim
from game.race.track import Track

GRASS = (46, 102, 52)
ASPHALT = (70, 72, 78)
KERB = ((200, 40, 40), (235, 235, 235))
CAR = (240, 190, 40)
OTHER_CARS = (120, 170, 230)
RAY_NEAR, RAY_FAR = (240, 70, 60), (90, 230, 120)
KERB_EVERY = 3
"""Kerb stripes change colour every this many border segments."""
FRAME_SIZE = (640, 480)
"""Size of `render_frame` images [px]."""


class RaceRenderer:
    """Draws one track and any number of its cars into a rectangle of a surface."""

    def __init__(self, track: Track, size_px: tuple[int, int], margin_px: int = 12):
        self.track = track
        self.size_px = size_px
        border = np.vstack([track.left_m, track.right_m])
        lo, hi = border.min(axis=0), border.max(axis=0)
        width, height = size_px
        self.scale = min(
            (width - 2 * margin_px) / (hi[0] - lo[0]), (height - 2 * margin_px) / (hi[1] - lo[1])
        )
        centre_m = (lo + hi) / 2
        self._offset = np.array([width / 2, height / 2]) - centre_m * (self.scale, -self.scale)
        self.background = self._draw_track()

    def to_screen(self, xy_m: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """World metres to pixels in this renderer's rectangle (y points down on screen)."""
        return xy_m * (self.scale, -self.scale) + self._offset

    def _draw_track(self) -> pygame.Surface:
        track = self.track
        surface = pygame.Surface(self.size_px)
        surface.fill(GRASS)
        left, right = self.to_screen(track.left_m), self.to_screen(track.right_m)
        nxt = np.roll(np.arange(len(left)), -1)
        for k in range(len(left)):
            pygame.draw.polygon(surface, ASPHALT, [left[k], left[nxt[k]], right[nxt[k]], right[k]])
        kerb_px = max(1, round(0.6 * self.scale))
        for border in (left, right):
            for k in range(len(border)):
                colour = KERB[(k // KERB_EVERY) % 2]
                pygame.draw.line(surface, colour, border[k], border[nxt[k]], kerb_px)
        start_xy, heading = track.pose_at(np.array([track.start_s_m]))
        normal = np.array([-np.sin(heading[0]), np.cos(heading[0])])
        squares = 8
        for i in range(squares):
            a = start_xy[0] + normal * track.half_width_m * (2 * i / squares - 1)
            b = start_xy[0] + normal * track.half_width_m * (2 * (i + 1) / squares - 1)
            colour = (255, 255, 255) if i % 2 else (20, 20, 20)
            pygame.draw.line(
                surface, colour, *self.to_screen(np.array([a, b])), max(2, kerb_px * 2)
            )
        return surface

    def car_outlines(self, sim: RaceSim) -> npt.NDArray[np.float64]:
        """[N, 4, 2] screen corners of every car's body."""
        st, car = sim.state, sim.car
        half_l, half_w = car.length_m / 2, car.width_m / 2
        corners = np.array(
            [[half_l, half_w], [half_l, -half_w], [-half_l, -half_w], [-half_l, half_w]]
        )
        cos_h, sin_h = np.cos(st.heading_rad)[:, None], np.sin(st.heading_rad)[:, None]
        world_x = st.x_m[:, None] + corners[:, 0] * cos_h - corners[:, 1] * sin_h
        world_y = st.y_m[:, None] + corners[:, 0] * sin_h + corners[:, 1] * cos_h
        return self.to_screen(np.stack([world_x, world_y], axis=-1))

    def draw(
        self,
        surface: pygame.Surface,
        sim: RaceSim,
        focus: int = 0,
        show_rays: bool = True,
        topleft: tuple[int, int] = (0, 0),
    ) -> None:
        """Blit the track, then the cars on it; the `focus` car (which must drive on this track)
        is drawn last, highlighted, with its rays."""
        surface.blit(self.background, topleft)
        shift = np.asarray(topleft, dtype=np.float64)
        outlines = self.car_outlines(sim) + shift
        min_px = 3.0
        on_this_track = sim.state.track == sim.state.track[focus]
        for index, outline in enumerate(outlines):
            if index != focus and on_this_track[index]:
                _draw_car(surface, outline, OTHER_CARS, min_px)
        if show_rays:
            self._draw_rays(surface, sim, focus, shift)
        _draw_car(surface, outlines[focus], CAR, min_px + 1)

    def _draw_rays(
        self, surface: pygame.Surface, sim: RaceSim, focus: int, shift: npt.NDArray[np.float64]
    ) -> None:
        """The focus car's rays, exactly as it senses them, coloured from far (green) to near
        (red)."""
        st = sim.state
        origin = np.array([st.x_m[focus], st.y_m[focus]])
        angles = st.heading_rad[focus] + RAY_ANGLES_RAD
        distances = self.track.cast_rays(origin, st.seg[focus], angles)[0]
        ends = origin + distances[:, None] * np.column_stack([np.cos(angles), np.sin(angles)])
        start = self.to_screen(origin) + shift
        for end, distance in zip(self.to_screen(ends) + shift, distances, strict=True):
            closeness = float(np.clip(1.0 - distance / 25.0, 0.0, 1.0))
            colour = [
                round(f + (n - f) * closeness) for n, f in zip(RAY_NEAR, RAY_FAR, strict=True)
            ]
            pygame.draw.line(surface, colour, start, end, 1)
            pygame.draw.circle(surface, colour, end, 2)


def _draw_car(
    surface: pygame.Surface,
    outline: npt.NDArray[np.float64],
    colour: tuple[int, int, int],
    min_px: float,
) -> None:
    """A car body, or a dot when the track is drawn so small the body would vanish."""
    span = np.ptp(outline, axis=0).max()
    if span < min_px:
        pygame.draw.circle(surface, colour, outline.mean(axis=0), min_px / 2 + 1)
    else:
        pygame.draw.polygon(surface, colour, outline)
        pygame.draw.polygon(surface, (20, 20, 20), outline, 1)


@functools.lru_cache(maxsize=8)
def _renderer_for(track: Track, size_px: tuple[int, int]) -> RaceRenderer:
    return RaceRenderer(track, size_px)


def render_frame(sim: RaceSim, size_px: tuple[int, int] = FRAME_SIZE) -> npt.NDArray[np.uint8]:
    """The race as an RGB image [height, width, 3], drawn off-screen (no window needed)."""
    surface = pygame.Surface(size_px)
    _renderer_for(sim.track_of(0), size_px).draw(surface, sim)
    return np.ascontiguousarray(pygame.surfarray.pixels3d(surface).transpose(1, 0, 2))
