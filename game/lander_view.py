"""LunarLander drawn from its Box2D state, with a camera that keeps the whole flight area in view.

Gymnasium's own frame is a fixed 20 x 13.3 m viewport whose top edge is where the lander starts:
its body begins above the frame, and any climb leaves it. Here the camera shows the full width
the lander may use (leaving it ends the episode), from the ground to above the start, and zooms
out as far as the lander climbs. The env is Gymnasium's, unchanged; it never renders (with a
render_mode it also simulates flame particles, ~4x slower), so the flames are drawn here from
the action taken.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pygame
from gymnasium.envs.box2d import lunar_lander as ll

WIDTH_M = ll.VIEWPORT_W / ll.SCALE
"""The flight area's width: the lander leaving [0, WIDTH_M] ends the episode ("flew out of
view")."""
START_Y_M = ll.VIEWPORT_H / ll.SCALE
"""Where the lander starts (its centre), at the top of Gymnasium's frame."""
SIDE_MARGIN_M = 1.0
"""Room beside the flight area, so a lander at its edge is still seen whole."""
BELOW_M = 0.5
"""Room shown below the ground's lowest possible point (y = 0)."""
HEADROOM_M = 2.5
"""Room kept above the lander's top (and above the start)."""
BODY_TOP_M = max(y for _, y in ll.LANDER_POLY) / ll.SCALE
"""How far the body reaches above its centre."""
ZOOM_IN_RATE = 0.05
"""Share of the gap the camera closes per frame when the lander comes back down (zooming out
is immediate, so the lander is never off screen)."""

SKY_TOP, SKY_BOTTOM = (6, 8, 20), (28, 30, 58)
GROUND, GROUND_EDGE = (118, 116, 124), (200, 198, 206)
PAD, POLE, FLAG = (235, 200, 70), (230, 230, 230), (240, 200, 40)
BODY, BODY_EDGE = (150, 128, 240), (60, 54, 110)
LEG, LEG_TOUCHING = (150, 128, 240), (110, 230, 130)
FLAME_CORE, FLAME_OUTER = (255, 240, 180), (250, 130, 40)
BOUNDS = (80, 84, 120)

MAIN, SIDES = 2, {1: -1, 3: +1}
"""The main engine's action; each side engine's action and its `direction` in Gymnasium's step."""


class LanderView:
    """Draws env 0 of LunarLander natively; `action()` is the action it took last (for flames)."""

    def __init__(self, env: Callable[[], Any], action: Callable[[], int | None]):
        self._env = env
        self._action = action
        self._top_m = START_Y_M + BODY_TOP_M + HEADROOM_M
        self._sky: pygame.Surface | None = None
        self._rng = np.random.default_rng(0)
        self.scale = 1.0
        """Pixels per metre of the last frame drawn."""
        self._origin = (0.0, 0.0)

    def camera(self, rect: pygame.Rect) -> None:
        """Fit the flight area's width and the height up to the lander (or the start) to `rect`."""
        lander = getattr(self._env(), "lander", None)
        needed = START_Y_M + BODY_TOP_M + HEADROOM_M
        if lander is not None:
            needed = max(needed, lander.position[1] + BODY_TOP_M + HEADROOM_M)
        top = (
            needed if needed > self._top_m else self._top_m + ZOOM_IN_RATE * (needed - self._top_m)
        )
        self._top_m = top
        width_m = WIDTH_M + 2 * SIDE_MARGIN_M
        self.scale = min(rect.w / width_m, rect.h / (top + BELOW_M))
        left_px = rect.x + (rect.w - width_m * self.scale) / 2
        self._origin = (left_px + SIDE_MARGIN_M * self.scale, rect.bottom - BELOW_M * self.scale)

    def to_screen(self, x_m: float, y_m: float) -> tuple[float, float]:
        """World metres to window pixels (y up in the world, down on screen)."""
        return self._origin[0] + x_m * self.scale, self._origin[1] - y_m * self.scale

    def draw(self, surface: pygame.Surface, rect: pygame.Rect, show_rays: bool) -> None:
        """Sky, the flight area's bounds, the ground and pad, the lander and its flames."""
        self.camera(rect)
        if self._sky is None or self._sky.get_size() != rect.size:
            self._sky = _sky(rect.size)
        surface.blit(self._sky, rect)
        env = self._env()
        if not hasattr(env, "sky_polys"):  # not reset yet
            return
        clip = surface.get_clip()
        surface.set_clip(rect)
        self._bounds(surface, rect)
        self._ground(surface, env, rect)
        self._flames(surface, env)
        for leg in env.legs:
            self._body(surface, leg, LEG_TOUCHING if leg.ground_contact else LEG)
        self._body(surface, env.lander, BODY)
        surface.set_clip(clip)

    def _bounds(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        """Dashed lines where the flight area ends left and right."""
        for x_m in (0.0, WIDTH_M):
            x, _ = self.to_screen(x_m, 0.0)
            for y in range(rect.top, rect.bottom, 16):
                pygame.draw.line(surface, BOUNDS, (x, y), (x, y + 8))

    def _ground(self, surface: pygame.Surface, env: Any, rect: pygame.Rect) -> None:
        """The terrain down to the bottom of the view, the pad between its flags."""
        ridge = [poly[0] for poly in env.sky_polys] + [env.sky_polys[-1][1]]
        points = [self.to_screen(x, y) for x, y in ridge]
        left, right = rect.left, rect.right
        ground = [(left, points[0][1]), *points, (right, points[-1][1])]
        pygame.draw.polygon(surface, GROUND, [*ground, (right, rect.bottom), (left, rect.bottom)])
        pygame.draw.lines(surface, GROUND_EDGE, False, ground, 2)
        pad_y = env.helipad_y
        pygame.draw.line(
            surface,
            PAD,
            self.to_screen(env.helipad_x1, pad_y),
            self.to_screen(env.helipad_x2, pad_y),
            max(2, round(0.12 * self.scale)),
        )
        for x_m in (env.helipad_x1, env.helipad_x2):
            foot, top = self.to_screen(x_m, pad_y), self.to_screen(x_m, pad_y + 50 / ll.SCALE)
            pygame.draw.line(surface, POLE, foot, top, 2)
            flag = [top, self.to_screen(x_m, pad_y + 40 / ll.SCALE)]
            flag.append(self.to_screen(x_m + 25 / ll.SCALE, pad_y + 45 / ll.SCALE))
            pygame.draw.polygon(surface, FLAG, flag)

    def _body(self, surface: pygame.Surface, body: Any, colour: tuple[int, int, int]) -> None:
        """A Box2D body's polygon, filled and outlined."""
        for fixture in body.fixtures:
            transform = fixture.body.transform
            points = [self.to_screen(*(transform * v)) for v in fixture.shape.vertices]
            pygame.draw.polygon(surface, colour, points)
            pygame.draw.polygon(surface, BODY_EDGE, points, 2)

    def _flames(self, surface: pygame.Surface, env: Any) -> None:
        """The engine that fired in the last step, as a flickering flame."""
        action = self._action()
        lander = env.lander
        if action == MAIN:
            # from the bottom of the body, pointing down the lander's axis
            self._flame(surface, lander, (0.0, -10 / ll.SCALE), (0.0, -1.0), 1.0)
        elif action in SIDES:
            side = -SIDES[action]  # Gymnasium puts the side exhaust opposite `direction`
            nozzle = (side * 17 / ll.SCALE, ll.SIDE_ENGINE_HEIGHT / ll.SCALE)
            self._flame(surface, lander, nozzle, (float(side), 0.0), 0.45)

    def _flame(
        self,
        surface: pygame.Surface,
        lander: Any,
        nozzle: tuple[float, float],
        direction: tuple[float, float],
        size_m: float,
    ) -> None:
        length = size_m * (0.8 + 0.4 * self._rng.random())
        angle = lander.angle
        cos_a, sin_a = math.cos(angle), math.sin(angle)

        def world(local_x: float, local_y: float) -> tuple[float, float]:
            px, py = lander.position
            return self.to_screen(
                px + local_x * cos_a - local_y * sin_a, py + local_x * sin_a + local_y * cos_a
            )

        dx, dy = direction
        half = 0.18 * size_m
        base_a = (nozzle[0] - dy * half, nozzle[1] + dx * half)
        base_b = (nozzle[0] + dy * half, nozzle[1] - dx * half)
        tip = (nozzle[0] + dx * length, nozzle[1] + dy * length)
        inner_tip = (nozzle[0] + dx * length * 0.55, nozzle[1] + dy * length * 0.55)
        pygame.draw.polygon(surface, FLAME_OUTER, [world(*base_a), world(*tip), world(*base_b)])
        inner_a = (nozzle[0] - dy * half * 0.5, nozzle[1] + dx * half * 0.5)
        inner_b = (nozzle[0] + dy * half * 0.5, nozzle[1] - dx * half * 0.5)
        pygame.draw.polygon(
            surface, FLAME_CORE, [world(*inner_a), world(*inner_tip), world(*inner_b)]
        )


def _sky(size: tuple[int, int]) -> pygame.Surface:
    """A night sky: a vertical gradient with fixed stars."""
    width, height = size
    t = np.linspace(0.0, 1.0, height)[:, None]
    rows = np.array(SKY_TOP) * (1 - t) + np.array(SKY_BOTTOM) * t  # [height, 3]
    pixels = np.broadcast_to(rows[None, :, :], (width, height, 3)).astype(np.uint8)
    sky = pygame.surfarray.make_surface(np.ascontiguousarray(pixels))
    rng = np.random.default_rng(7)
    for x, y, bright in zip(
        rng.integers(0, width, 160),
        rng.integers(0, height, 160),
        rng.integers(90, 230, 160),
        strict=True,
    ):
        sky.set_at((int(x), int(y)), (int(bright), int(bright), int(bright)))
    return sky
