"""Drawn cars: a body with its nose, cockpit and wheels, so the heading shows; made once per colour
and drawn size, rotated once per heading step, then only blitted."""

from __future__ import annotations

import math

import pygame

TEAM_COLOURS = (
    (70, 150, 235),
    (235, 90, 80),
    (90, 200, 120),
    (190, 110, 230),
    (240, 150, 60),
    (60, 200, 210),
    (235, 110, 180),
    (170, 190, 80),
)
"""The swarm's cars, by car number modulo 8."""
FOCUS_COLOUR = (250, 205, 50)
"""The car the HUD follows (and your car in versus)."""
TYRE, COCKPIT, OUTLINE = (22, 22, 26), (40, 48, 66), (15, 15, 18)
HEADING_STEPS = 72
"""Sprites are rotated in 5 degree steps (a car's heading is rounded to the nearest)."""
DETAIL = 4
"""Sprites are drawn this many times larger, then smoothly scaled down (anti-aliased)."""
MIN_LENGTH_PX = 12
"""Cars are never drawn shorter than this, however far out the view is."""


def _draw_car(length: int, width: int, colour: tuple[int, int, int]) -> pygame.Surface:
    """One car pointing right (+x), `length` x `width` pixels at DETAIL times the size."""
    big_l, big_w = length * DETAIL, width * DETAIL
    tyre_w, tyre_l = max(2, big_w // 5), max(3, big_l // 5)
    sprite = pygame.Surface((big_l, big_w + 2 * tyre_w // 3), pygame.SRCALPHA)
    top = tyre_w // 3
    for x in (big_l // 8, big_l - big_l // 8 - tyre_l):  # rear and front axles
        for y in (0, top + big_w - 2 * tyre_w // 3):
            pygame.draw.rect(sprite, TYRE, (x, y, tyre_l, tyre_w), border_radius=tyre_w // 3)
    body = pygame.Rect(0, top, big_l, big_w)
    nose = [
        (big_l * 0.62, top),
        (big_l, top + big_w * 0.3),
        (big_l, top + big_w * 0.7),
        (big_l * 0.62, top + big_w),
    ]
    tail = pygame.Rect(0, top, round(big_l * 0.66), big_w)
    pygame.draw.rect(sprite, colour, tail, border_radius=big_w // 4)
    pygame.draw.polygon(sprite, colour, nose)
    cockpit = pygame.Rect(round(big_l * 0.36), top + big_w // 4, round(big_l * 0.26), big_w // 2)
    pygame.draw.ellipse(sprite, COCKPIT, cockpit)
    stripe = tuple(min(255, c + 60) for c in colour)
    pygame.draw.line(
        sprite,
        stripe,
        (big_l * 0.66, body.centery),
        (big_l * 0.95, body.centery),
        max(1, big_w // 8),
    )
    size = (length, round(sprite.get_height() / DETAIL))
    return pygame.transform.smoothscale(sprite, size)


class CarSprites:
    """Car images for one drawn size, by colour and heading, made when first needed."""

    def __init__(self, length_m: float, width_m: float, scale: float):
        length = max(MIN_LENGTH_PX, round(length_m * scale))
        self.size_px = (length, max(5, round(length * width_m / length_m)))
        self._base: dict[tuple[int, int, int], pygame.Surface] = {}
        self._turned: dict[tuple[tuple[int, int, int], int], pygame.Surface] = {}

    def get(self, colour: tuple[int, int, int], heading_rad: float) -> pygame.Surface:
        """The car in `colour`, turned to `heading_rad` (counter-clockwise from +x, y up)."""
        step = round(heading_rad / (2 * math.pi) * HEADING_STEPS) % HEADING_STEPS
        key = (colour, step)
        sprite = self._turned.get(key)
        if sprite is None:
            base = self._base.get(colour)
            if base is None:
                base = self._base[colour] = _draw_car(*self.size_px, colour)
            sprite = pygame.transform.rotozoom(base, step * 360 / HEADING_STEPS, 1.0)
            self._turned[key] = sprite
        return sprite
