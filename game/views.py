"""Scene views: how each scene is drawn into its part of the window."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import gymnasium as gym
import numpy as np
import pygame

from game.hud import ACCENT, DIM, TEXT
from game.race.render import RaceRenderer
from game.race.sim import RaceSim

BACKGROUND = (12, 14, 18)
BANNER_BG = (10, 12, 16, 200)


class SceneView(Protocol):
    """Draws the scene into a rectangle of the window."""

    def draw(self, surface: pygame.Surface, rect: pygame.Rect, show_rays: bool) -> None:
        """Draw the current state of the scene into `rect`."""


class FrameView:
    """A Gymnasium scene, hosted through the RGB frames of its env (made with
    render_mode="rgb_array")."""

    def __init__(self, env: Callable[[], gym.Env]):
        self._env = env

    def draw(self, surface: pygame.Surface, rect: pygame.Rect, show_rays: bool) -> None:
        """Scale the env's frame to fit `rect`, keeping its proportions."""
        frame = np.ascontiguousarray(self._env().render())  # [height, width, 3]
        image = pygame.image.frombuffer(frame.tobytes(), (frame.shape[1], frame.shape[0]), "RGB")
        scale = min(rect.w / image.get_width(), rect.h / image.get_height())
        size = (round(image.get_width() * scale), round(image.get_height() * scale))
        surface.fill(BACKGROUND, rect)
        surface.blit(
            pygame.transform.smoothscale(image, size), image.get_rect(size=size, center=rect.center)
        )


class RaceView:
    """The race drawn natively: the track, every car, and the followed car's sensor rays."""

    def __init__(self, sim: Callable[[], RaceSim], focus: Callable[[], int] = lambda: 0):
        self._sim = sim
        self._focus = focus
        self.labels: dict[int, str] = {}
        """Tags drawn over cars, by car (e.g. "you" and "agent" in a versus race)."""
        self.renderer: RaceRenderer | None = None

    def draw(self, surface: pygame.Surface, rect: pygame.Rect, show_rays: bool) -> None:
        """Draw the track fitted to `rect` (or following the focus car on a long track), the cars
        on it, and (optionally) the rays."""
        sim = self._sim()
        renderer = self.renderer
        track = sim.track_of(self._focus())
        if renderer is None or renderer.track is not track or renderer.size_px != rect.size:
            renderer = self.renderer = RaceRenderer(track, rect.size)
        renderer.draw(surface, sim, self._focus(), show_rays, rect.topleft, self.labels)


class BannerView:
    """Another view with a banner over it (a countdown, a result) whenever `banner()` gives one:
    a headline, then smaller lines."""

    def __init__(self, view: SceneView, banner: Callable[[], tuple[str, ...] | None]):
        self.view = view
        self._banner = banner
        self._fonts: tuple[pygame.font.Font, pygame.font.Font] | None = None
        self.box: pygame.Rect | None = None
        """Where the banner was drawn last (None when there was none)."""

    def draw(self, surface: pygame.Surface, rect: pygame.Rect, show_rays: bool) -> None:
        """The view, then the banner centred over it."""
        self.view.draw(surface, rect, show_rays)
        banner = self._banner()
        self.box = None
        if not banner:
            return
        if self._fonts is None:
            self._fonts = (pygame.font.Font(None, 96), pygame.font.Font(None, 30))
        big, small = self._fonts
        headline, *lines = banner
        images = [big.render(headline, True, ACCENT)]
        images += [small.render(line, True, TEXT) for line in lines]
        width = max(image.get_width() for image in images) + 60
        height = sum(image.get_height() + 8 for image in images) + 32
        box = pygame.Surface((width, height), pygame.SRCALPHA)
        box.fill(BANNER_BG)
        y = 16
        for image in images:
            box.blit(image, image.get_rect(midtop=(width // 2, y)))
            y += image.get_height() + 8
        self.box = surface.blit(box, box.get_rect(center=rect.center))


def draw_help(
    surface: pygame.Surface, rect: pygame.Rect, legend: Sequence[tuple[str, str]]
) -> None:
    """A translucent box listing the engine's keys, over the scene."""
    font = pygame.font.Font(None, 22)
    box = pygame.Surface(rect.size, pygame.SRCALPHA)
    box.fill((10, 12, 16, 215))
    y = 20
    box.blit(font.render("Keys", True, ACCENT), (24, y))
    for keys, meaning in legend:
        y += 26
        box.blit(font.render(keys, True, TEXT), (24, y))
        box.blit(font.render(meaning, True, DIM), (200, y))
    surface.blit(box, rect.topleft)
