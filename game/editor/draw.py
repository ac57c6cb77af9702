"""The editor's picture: the track as driven, the points, the problem, the panel."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pygame

from game.editor import storage
from game.editor.editor import Editor
from game.editor.validation import Check
from game.hud import ACCENT, DIM, PAD, PANEL_BG, ROW_H, TEXT, WARN
from game.hud_text import wrap_text
from game.views import draw_help
from game.race.track_art import ASPHALT, GRASS, KERB

POINT = (245, 245, 245)
SHARP = (250, 150, 50)
SELECTED = (250, 200, 60)
OUTLINE = (20, 20, 20)
CONTROL_LINE = (150, 160, 175)
PROBLEM = (255, 60, 60)
GOOD = (120, 220, 140)
POINT_PX = 5
"""Radius of a point's dot [px]."""
LEGEND_ROW_PX = 15
LEGEND_KEYS_PX = 112
"""Width of the keys' column in the panel's list [px]."""
FAR_PX = 100_000.0
"""Screen coordinates are clamped to this [px] before pygame draws them."""

BORDER_STRIPE = 3
"""The borders change colour every this many segments (so each segment can be seen)."""


class EditorView:
    """Draws the editor into the scene rectangle and its panel to the right of it."""

    def __init__(self, editor: Editor, legend: Sequence[tuple[str, str]]):
        self.editor = editor
        self.legend = legend
        self.show_help = False
        self.font = pygame.font.Font(None, 21)
        self.small = pygame.font.Font(None, 18)
        self.title_font = pygame.font.Font(None, 30)
        self._layer: pygame.Surface | None = None
        self._layer_key: tuple = ()

    def draw(self, surface: pygame.Surface, rect: pygame.Rect, show_rays: bool = True) -> None:
        """Draw the track and the points into `rect`, and the panel from rect.right to the edge."""
        editor = self.editor
        check = editor.check
        surface.blit(self._track_layer(check, rect.size), rect.topleft)
        clip = surface.get_clip()
        surface.set_clip(rect)
        shift = np.asarray(rect.topleft, dtype=np.float64)
        self._draw_start(surface, shift)
        self._draw_points(surface, shift)
        self._draw_problem(surface, check, shift)
        if editor.prompt is not None:
            self._draw_box(surface, rect, "Save as: " + editor.prompt.text + "|")
        elif editor.offer is not None:
            self._draw_box(surface, rect, "Restore unsaved changes? Enter: yes   Esc: no")
        if self.show_help:
            draw_help(surface, rect, self.legend)
        surface.set_clip(clip)
        panel = pygame.Rect(rect.right, 0, surface.get_width() - rect.right, surface.get_height())
        if panel.w > 0:
            self._draw_panel(surface, panel, check)

    def _track_layer(self, check: Check, size: tuple[int, int]) -> pygame.Surface:
        """Grass, asphalt and kerbs as the car would drive them; redrawn only when they change."""
        view = self.editor.viewport
        key = (id(check), view.scale, *view.centre_m, size)
        if self._layer is not None and key == self._layer_key:
            return self._layer
        layer = pygame.Surface(size)
        layer.fill(GRASS[0])
        if check.left_m is not None:
            # Far outside the view pygame would be given huge coordinates: clamp them.
            left = np.clip(view.to_screen(check.left_m), -FAR_PX, FAR_PX)
            right = np.clip(view.to_screen(check.right_m), -FAR_PX, FAR_PX)
            nxt = np.roll(np.arange(len(left)), -1)
            for k in range(len(left)):
                pygame.draw.polygon(
                    layer, ASPHALT, [left[k], left[nxt[k]], right[nxt[k]], right[k]]
                )
            kerb_px = max(1, round(0.6 * view.scale))
            for border in (left, right):
                for k in range(len(border)):
                    colour = KERB[(k // BORDER_STRIPE) % 2]
                    pygame.draw.line(layer, colour, border[k], border[nxt[k]], kerb_px)
        self._layer, self._layer_key = layer, key
        return layer

    def _draw_start(self, surface: pygame.Surface, shift: npt.NDArray[np.float64]) -> None:
        """The chequered start line across the track, and the arrow (the way the cars drive)
        that drags it."""
        editor = self.editor
        pose = editor.start_pose()
        if pose is None:
            return
        half = editor.draft.width_m / 2
        normal = np.array([-pose.ahead[1], pose.ahead[0]])
        view = editor.viewport
        line_px = max(3, round(0.8 * view.scale))
        squares = 8
        for i in range(squares):
            a = pose.xy_m + normal * half * (2 * i / squares - 1)
            b = pose.xy_m + normal * half * (2 * (i + 1) / squares - 1)
            ends = view.to_screen(np.array([a, b])) + shift
            pygame.draw.line(surface, (255, 255, 255) if i % 2 else (20, 20, 20), *ends, line_px)
        size, base = pose.arrow_m, pose.xy_m + pose.ahead * pose.arrow_m * 0.5
        arrow = [
            base + pose.ahead * size * 1.2,
            base + normal * size * 0.5,
            base - normal * size * 0.5,
        ]
        pygame.draw.polygon(surface, SELECTED, view.to_screen(np.array(arrow)) + shift)
        pygame.draw.polygon(surface, OUTLINE, view.to_screen(np.array(arrow)) + shift, 1)

    def _draw_points(self, surface: pygame.Surface, shift: npt.NDArray[np.float64]) -> None:
        """The control polygon, and every point: a dot if smooth, a square if a sharp corner."""
        editor = self.editor
        draft = editor.draft
        if not draft.points:
            return
        screen = editor.viewport.to_screen(np.asarray(draft.points)) + shift
        if len(screen) >= 2:
            pygame.draw.lines(surface, CONTROL_LINE, len(screen) >= 3, screen, 1)
        area = pygame.Rect(shift, editor.viewport.size_px).inflate(4 * POINT_PX, 4 * POINT_PX)
        inside = (screen >= area.topleft).all(axis=1) & (screen <= area.bottomright).all(axis=1)
        for index in np.flatnonzero(inside):
            x, y = screen[index]
            if index in draft.sharp:
                box = pygame.Rect(0, 0, 2 * POINT_PX, 2 * POINT_PX)
                box.center = (round(x), round(y))
                pygame.draw.rect(surface, SHARP, box)
                pygame.draw.rect(surface, OUTLINE, box, 1)
            else:
                pygame.draw.circle(surface, POINT, (x, y), POINT_PX)
                pygame.draw.circle(surface, OUTLINE, (x, y), POINT_PX, 1)
        if editor.selected is not None and editor.selected < len(screen):
            pygame.draw.circle(surface, SELECTED, screen[editor.selected], POINT_PX + 4, 2)
        first = screen[0]
        label = self.small.render("1", True, TEXT)
        surface.blit(label, (first[0] + POINT_PX + 2, first[1] - POINT_PX - 12))

    def _draw_problem(
        self, surface: pygame.Surface, check: Check, shift: npt.NDArray[np.float64]
    ) -> None:
        """A red ring where the validator found the problem (a crossing, a tight curve, a point)."""
        error = check.error
        if error is None:
            return
        view = self.editor.viewport
        places = []
        if error.at_m is not None:
            places.append(error.at_m)
        if error.point is not None and error.point < len(check.draft.points):
            places.append(check.draft.points[error.point])
        pulse = 0.5 + 0.5 * math.sin(pygame.time.get_ticks() / 150)
        for place in places:
            centre = view.to_screen(np.asarray(place)) + shift
            pygame.draw.circle(surface, PROBLEM, centre, 14 + 4 * pulse, 3)
            pygame.draw.circle(surface, PROBLEM, centre, 3)

    def _draw_box(self, surface: pygame.Surface, rect: pygame.Rect, text: str) -> None:
        """A line of text in a box along the bottom of the scene (the prompt, the offer)."""
        box = pygame.Rect(rect.x + 20, rect.bottom - 60, rect.w - 40, 40)
        pygame.draw.rect(surface, PANEL_BG, box)
        pygame.draw.rect(surface, ACCENT, box, 2)
        surface.blit(self.font.render(text, True, TEXT), (box.x + 12, box.y + 12))

    def _draw_panel(self, surface: pygame.Surface, panel: pygame.Rect, check: Check) -> None:
        """Name, file, length, width, points, the validation result, the last message, the keys."""
        editor, draft = self.editor, self.editor.draft
        surface.fill(PANEL_BG, panel)
        x, y = panel.x + PAD, PAD
        width_px = panel.w - 2 * PAD
        surface.blit(self.title_font.render("Track editor", True, ACCENT), (x, y))
        y += 34
        where = "new track (not saved yet)" if editor.path is None else storage.shown(editor.path)
        if editor.dirty:
            state = "unsaved changes"
        else:
            state = "saved" if editor.path is not None and editor.path.exists() else "not saved yet"
        length = "-" if check.track is None else f"{check.track.length_m:.0f} m"
        rows = [
            ("name", draft.name),
            ("file", where),
            ("", state),
            ("length", length),
            ("width", f"{draft.width_m:g} m"),
            ("points", f"{len(draft.points)}   ({len(draft.sharp)} sharp)"),
        ]
        for label, value in rows:
            surface.blit(self.font.render(label, True, DIM), (x, y))
            for line in wrap_text(value, self.font, width_px - 80) or [""]:
                surface.blit(
                    self.font.render(line, True, WARN if value == "unsaved changes" else TEXT),
                    (x + 80, y),
                )
                y += ROW_H - 2
        keys_top = panel.bottom - PAD - len(self.legend) * LEGEND_ROW_PX
        if check.error is None:
            status, status_colour = ["valid: ready to save and drive"], GOOD
        else:
            status, status_colour = wrap_text(str(check.error), self.font, width_px), PROBLEM
        message = wrap_text(editor.message, self.font, width_px)
        for lines, colour in ((status, status_colour), (message, ACCENT)):
            y += 8
            for line in lines:
                if y + ROW_H > keys_top:
                    break  # the list of keys stays whole
                surface.blit(self.font.render(line, True, colour), (x, y))
                y += ROW_H - 2
        for row, (keys, meaning) in enumerate(self.legend):
            y = keys_top + row * LEGEND_ROW_PX
            surface.blit(self.small.render(keys, True, DIM), (x, y))
            surface.blit(self.small.render(meaning, True, TEXT), (x + LEGEND_KEYS_PX, y))
