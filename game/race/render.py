"""Drawing a race with pygame: the circuit (drawn once, then blitted), the cars' fading trails, the
cars themselves, the followed car's sensor rays and the racing line's points it sees ahead; on a
long track the camera follows that car and a minimap shows the whole lap."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pygame

from game.race.car_sprites import FOCUS_COLOUR, TEAM_COLOURS, CarSprites
from game.race.quads import MAX_RANGE_M
from game.race.sensors import OBS_NAMES, POINTS_AHEAD_M, POINTS_SCALE_M, RAY_ANGLES_RAD
from game.race.sim import RaceSim
from game.race.track import Track
from game.race.track_art import ASPHALT, GRAVEL_WIDTH_M, draw_track
from game.race.trails import Trails

RAY_NEAR, RAY_FAR = (240, 70, 60), (90, 230, 120)
LINE_AHEAD = (110, 200, 255)
"""The racing line's points the followed car sees (its observation), as dots: joined, the chord
to the 60 m point would cut across the infield of a corner the line goes round."""
_FIRST_POINT = OBS_NAMES.index(f"racing line {POINTS_AHEAD_M[0]:.0f} m ahead, forward")
HALO, LABEL, LABEL_BG = (255, 255, 255), (255, 255, 255), (10, 12, 16)
HALO_DARK = (10, 12, 16)
MINIMAP_BG, MINIMAP_TRACK = (10, 12, 16, 170), (150, 154, 166)
FRAME_SIZE = (640, 480)
"""Size of `render_frame` images [px]."""
FOLLOW_BELOW_PX_PER_M = 3.0
"""A track that would be drawn smaller than this to fit the view whole is followed instead."""
FOLLOW_PX_PER_M = 5.0
"""The follow camera's scale: a car about 22 px long."""
MINIMAP_PX = (220, 160)


class RaceRenderer:
    """Draws one track and any number of its cars into a rectangle of a surface: the whole track
    fitted to it, or (a long track) a view following one car, with a minimap."""

    def __init__(
        self,
        track: Track,
        size_px: tuple[int, int],
        margin_px: int = 12,
        follow: bool | None = None,
    ):
        self.track = track
        self.size_px = size_px
        border = np.vstack([track.left_m, track.right_m])
        # the gravel outside the corners is part of the circuit drawn
        lo, hi = border.min(axis=0) - GRAVEL_WIDTH_M, border.max(axis=0) + GRAVEL_WIDTH_M
        width, height = size_px
        fit = min(
            (width - 2 * margin_px) / (hi[0] - lo[0]), (height - 2 * margin_px) / (hi[1] - lo[1])
        )
        self.follows = fit < FOLLOW_BELOW_PX_PER_M if follow is None else follow
        """Whether the view follows the focus car (else it shows the whole track)."""
        self.scale = FOLLOW_PX_PER_M if self.follows else fit
        """Pixels per metre."""
        if self.follows:
            margin = max(width, height) // 2
            bg_size = tuple(int(v) for v in np.ceil((hi - lo) * self.scale) + 2 * margin)
        else:
            bg_size = size_px
        centre_m = (lo + hi) / 2
        self._offset = np.array(bg_size) / 2 - centre_m * (self.scale, -self.scale)
        self.camera = np.zeros(2)
        """The view's top-left corner on the background [px] (0, 0 unless following)."""
        self.background = pygame.Surface(bg_size)
        draw_track(self.background, track, self._to_background, self.scale)
        self._sprites: CarSprites | None = None
        self._trails: Trails | None = None
        self._minimap = Minimap(track, MINIMAP_PX) if self.follows else None
        self._label_font: pygame.font.Font | None = None

    def _to_background(self, xy_m: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return xy_m * (self.scale, -self.scale) + self._offset

    def to_screen(self, xy_m: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """World metres to pixels in this renderer's rectangle (y points down on screen)."""
        return self._to_background(xy_m) - self.camera

    def draw(
        self,
        surface: pygame.Surface,
        sim: RaceSim,
        focus: int = 0,
        show_rays: bool = True,
        topleft: tuple[int, int] = (0, 0),
        labels: dict[int, str] | None = None,
    ) -> None:
        """The track, the trails, the cars on it (the `focus` one last, highlighted, with its
        rays; `focus` must drive on this renderer's track), and `labels` over the cars they name."""
        st = sim.state
        shown = st.track == st.track[focus]  # cars on other tracks are elsewhere
        xy = np.column_stack([st.x_m, st.y_m])
        if self.follows:
            wanted = self._to_background(xy[focus]) - np.array(self.size_px) / 2
            room = np.array(self.background.get_size()) - self.size_px
            self.camera = np.clip(wanted, 0, room)
        rect = pygame.Rect(topleft, self.size_px)
        clip = surface.get_clip()
        surface.set_clip(rect)
        surface.blit(self.background, topleft, pygame.Rect(*self.camera.astype(int), *self.size_px))
        shift = np.asarray(topleft, dtype=np.float64)

        def on_screen(points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
            return self.to_screen(points) + shift

        colours = [TEAM_COLOURS[car % len(TEAM_COLOURS)] for car in range(sim.num_cars)]
        colours[focus] = FOCUS_COLOUR
        if self._trails is None:
            self._trails = Trails(xy)
        self._trails.update(xy)
        self._trails.draw(
            surface, on_screen, colours, ASPHALT, max(1, round(0.35 * self.scale)), shown
        )
        if self._sprites is None:
            self._sprites = CarSprites(sim.car.length_m, sim.car.width_m, self.scale)
        centres = on_screen(xy)
        for car in range(sim.num_cars):
            if car != focus and shown[car]:
                self._blit_car(surface, colours[car], st.heading_rad[car], centres[car])
        if show_rays:
            self._draw_senses(surface, sim, focus, on_screen)
        halo_r = 0.75 * self._sprites.size_px[0]
        pygame.draw.circle(surface, HALO, centres[focus], halo_r, 2)
        self._blit_car(surface, FOCUS_COLOUR, st.heading_rad[focus], centres[focus])
        if labels:
            # each tag on the side away from the other tagged cars (so side by side, neither
            # tag covers the other car), or above a car on its own
            middle = np.mean([centres[car] for car in labels], axis=0)
            for car, text in labels.items():
                away = centres[car] - middle
                norm = float(np.hypot(*away))
                away = away / norm if norm > 1 else np.array([0.0, -1.0])
                self._label(surface, text, centres[car] + away * (halo_r + 12))
        if self._minimap is not None:
            self._minimap.draw(surface, rect, xy, focus, colours, shown)
        surface.set_clip(clip)

    def _blit_car(
        self,
        surface: pygame.Surface,
        colour: tuple[int, int, int],
        heading_rad: float,
        centre: npt.NDArray[np.float64],
    ) -> None:
        sprite = self._sprites.get(colour, float(heading_rad))
        surface.blit(sprite, sprite.get_rect(center=(round(centre[0]), round(centre[1]))))

    def _label(self, surface: pygame.Surface, text: str, centre: npt.NDArray[np.float64]) -> None:
        """A small tag over a car."""
        if self._label_font is None:
            self._label_font = pygame.font.Font(None, 20)
        image = self._label_font.render(text, True, LABEL)
        box = image.get_rect(center=(round(centre[0]), round(centre[1]))).inflate(8, 4)
        pygame.draw.rect(surface, LABEL_BG, box, border_radius=4)
        surface.blit(image, image.get_rect(center=box.center))

    def _draw_senses(
        self,
        surface: pygame.Surface,
        sim: RaceSim,
        focus: int,
        on_screen: Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]],
    ) -> None:
        """What the focus car senses, read back from its own observation: its rays, coloured
        from far (green) to near (red), and the racing line's points ahead (metres forward and
        to the left of the car)."""
        st = sim.state
        origin = np.array([st.x_m[focus], st.y_m[focus]])
        heading = float(st.heading_rad[focus])
        seen = sim.observe(np.array([focus]))[0].astype(np.float64)
        angles = heading + RAY_ANGLES_RAD
        distances = seen[: len(RAY_ANGLES_RAD)] * MAX_RANGE_M
        ends = origin + distances[:, None] * np.column_stack([np.cos(angles), np.sin(angles)])
        start = on_screen(origin)
        for end, distance in zip(on_screen(ends), distances, strict=True):
            closeness = float(np.clip(1.0 - distance / 25.0, 0.0, 1.0))
            colour = [
                round(f + (n - f) * closeness) for n, f in zip(RAY_NEAR, RAY_FAR, strict=True)
            ]
            pygame.draw.line(surface, colour, start, end, 1)
            pygame.draw.circle(surface, colour, end, 2)
        ahead = seen[_FIRST_POINT : _FIRST_POINT + 2 * len(POINTS_AHEAD_M)]
        forward, left = ahead.reshape(-1, 2).T * POINTS_SCALE_M
        cos_h, sin_h = np.cos(heading), np.sin(heading)
        points = origin + np.column_stack(
            [forward * cos_h - left * sin_h, forward * sin_h + left * cos_h]
        )
        for point in on_screen(points):
            pygame.draw.circle(surface, HALO_DARK, point, 4)
            pygame.draw.circle(surface, LINE_AHEAD, point, 3)


class Minimap:
    """The whole track small, in a corner: every car a dot, the followed one larger."""

    def __init__(self, track: Track, size_px: tuple[int, int], margin_px: int = 10):
        border = np.vstack([track.left_m, track.right_m])
        lo, hi = border.min(axis=0), border.max(axis=0)
        width, height = size_px
        self.scale = min(
            (width - 2 * margin_px) / (hi[0] - lo[0]), (height - 2 * margin_px) / (hi[1] - lo[1])
        )
        self._offset = np.array(size_px) / 2 - (lo + hi) / 2 * (self.scale, -self.scale)
        self.image = pygame.Surface(size_px, pygame.SRCALPHA)
        self.image.fill(MINIMAP_BG)
        line = self.to_map(track.centerline_m)
        pygame.draw.lines(
            self.image, MINIMAP_TRACK, True, line, max(2, round(track.width_m * self.scale))
        )

    def to_map(self, xy_m: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """World metres to pixels of the minimap."""
        return xy_m * (self.scale, -self.scale) + self._offset

    def draw(
        self,
        surface: pygame.Surface,
        rect: pygame.Rect,
        xy_m: npt.NDArray[np.float64],
        focus: int,
        colours: list[tuple[int, int, int]],
        shown: npt.NDArray[np.bool_],
    ) -> pygame.Rect:
        """The minimap in `rect`'s bottom-right corner, with the `shown` cars at `xy_m`."""
        where = self.image.get_rect(bottomright=(rect.right - 10, rect.bottom - 10))
        surface.blit(self.image, where)
        dots = self.to_map(xy_m) + where.topleft
        for car, dot in enumerate(dots):
            if car != focus and shown[car]:
                pygame.draw.circle(surface, colours[car], dot, 2)
        pygame.draw.circle(surface, HALO, dots[focus], 5)
        pygame.draw.circle(surface, colours[focus], dots[focus], 4)
        return where


@functools.lru_cache(maxsize=8)
def _renderer_for(track: Track, size_px: tuple[int, int]) -> RaceRenderer:
    return RaceRenderer(track, size_px, follow=False)


def render_frame(sim: RaceSim, size_px: tuple[int, int] = FRAME_SIZE) -> npt.NDArray[np.uint8]:
    """The race as an RGB image [height, width, 3], drawn off-screen (no window needed): the whole
    track, whatever its length."""
    surface = pygame.Surface(size_px)
    _renderer_for(sim.track_of(0), size_px).draw(surface, sim)
    return np.ascontiguousarray(pygame.surfarray.pixels3d(surface).transpose(1, 0, 2))
