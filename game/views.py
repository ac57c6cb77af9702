"""Scene views: how each scene is drawn into its part of the window."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import gymnasium as gym
import numpy as np
import pygame

from game.race.render import RaceRenderer
from game.race.sim import RaceSim

BACKGROUND = (12, 14, 18)


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
        self._renderer: RaceRenderer | None = None

    def draw(self, surface: pygame.Surface, rect: pygame.Rect, show_rays: bool) -> None:
        """Draw the whole track fitted to `rect`, the cars on it, and (optionally) the rays."""
        sim = self._sim()
        renderer = self._renderer
        track = sim.track_of(self._focus())
        if renderer is None or renderer.track is not track or renderer.size_px != rect.size:
            renderer = self._renderer = RaceRenderer(track, rect.size)
        renderer.draw(surface, sim, focus=self._focus(), show_rays=show_rays, topleft=rect.topleft)
