"""The HUD panel: episode and learning numbers, the policy's action probabilities, a learning
curve."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pygame

from game.hud_text import fit_text, fmt_number, fmt_seconds, moving_mean, wrap_text

PANEL_BG = (24, 26, 32)
TEXT = (225, 228, 235)
DIM = (140, 146, 160)
ACCENT = (250, 200, 60)
BAR = (90, 160, 250)
BAR_CHOSEN = (250, 200, 60)
BAR_TRACK = (48, 52, 62)
CURVE = (110, 120, 140)
CURVE_MEAN = (120, 220, 140)
WARN = (250, 120, 90)

PAD = 16
"""Panel margin [px]."""
LABEL_W = 118
"""Width of the action-name column beside the bars [px]."""
BAR_MAX_PX = 190
"""Length of a bar at probability 1 [px]; a bar is round(p * BAR_MAX_PX) long."""
BAR_H = 14
ROW_H = 22
CURVE_H = 110
"""The learning curve's height when there is room; it shrinks to fit, down to CURVE_MIN_H."""
CURVE_MIN_H = 40
"""Below this the curve is left out (the rows above and the notices below come first)."""
LABEL_COL_W = 150
"""Width of the label column of the rows [px]; a longer label pushes its value right."""
TABLE_LABEL_W = 110
"""Width of a table's first (label) column [px]; the other columns share the rest."""
MEAN_WINDOW = 20
"""Episodes in the "mean of recent" return and the curve's moving average."""


@dataclass(frozen=True)
class RaceHud:
    """Lap numbers of the car the HUD follows."""

    laps: int
    lap_time_s: float
    last_lap_s: float | None
    best_lap_s: float | None
    cars: int = 1
    """How many cars are on track."""
    cars_lapped: int | None = None
    """How many cars completed a lap in their last episode (with a swarm)."""


@dataclass(frozen=True)
class HudState:
    """Everything the HUD shows, built fresh each frame by the mode (the HUD never sees env or
    agent)."""

    scene: str
    mode: str
    algo: str | None
    episode: int
    episode_step: int
    episode_return: float
    recent_returns: tuple[float, ...] = ()
    """Returns of finished episodes, oldest first (the curve, last and mean)."""
    best_return: float | None = None
    fps: float = 0.0
    steps_per_s: float = 0.0
    speed: str = "1x"
    paused: bool = False
    action_names: tuple[str, ...] = ()
    probs: tuple[float, ...] | None = None
    """The policy's probability of each action for the current observation."""
    chosen: int | None = None
    value: float | None = None
    race: RaceHud | None = None
    status: str = ""
    """What the learner is busy with (e.g. "updating policy 3/40"), or a notice."""
    keys: tuple[tuple[str, str], ...] = ()
    """(keys, control) pairs shown in play mode."""
    total_steps: int | None = None
    """Env steps trained so far (train mode)."""
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    """More (label, value) rows, e.g. the learner's last losses."""
    reward_terms: tuple[tuple[str, float], ...] = ()
    """The last step's reward term by term, for scenes that name them (the race)."""
    table: tuple[tuple[str, ...], ...] = ()
    """A small table, first row the column heads: e.g. the versus race, you and the agent side by
    side."""


class Hud:
    """Draws a HudState into a panel; remembers where it drew the bars (for tests and overlays)."""

    def __init__(self, size_px: tuple[int, int]):
        self.size_px = size_px
        self.title_font = pygame.font.Font(None, 30)
        self.font = pygame.font.Font(None, 21)
        self.small = pygame.font.Font(None, 18)
        self.bar_rects: list[pygame.Rect] = []
        """Where each action's full-length bar slot was drawn, in panel coordinates."""
        self.curve_box: pygame.Rect | None = None
        """Where the learning curve's box was drawn last (None when there was no room)."""
        self.drawn: dict[str, list[pygame.Rect]] = {}
        """Where each part's text was drawn last time, in panel coordinates: "rows" (labels and
        values), "table" (every cell), "status", "keys", "hint" (for tests and overlays)."""

    def draw(
        self, surface: pygame.Surface, state: HudState, topleft: tuple[int, int] = (0, 0)
    ) -> None:
        """Draw the panel for `state` with its top-left corner at `topleft` on `surface`."""
        panel = pygame.Surface(self.size_px)
        panel.fill(PANEL_BG)
        self.drawn = {"rows": [], "table": [], "status": [], "keys": [], "hint": []}
        y = self._header(panel, state, PAD)
        y = self._numbers(panel, state, y + 6)
        y = self._table(panel, state.table, y + 8)
        y = self._policy(panel, state, y + 10)
        # The notices and keys are laid out upwards from the hint line, so however long they
        # wrap they never reach it; the curve takes the room that is left between.
        footer_y = self._footer(panel, state)
        self._curve(panel, state, y + 10, footer_y - 8)
        surface.blit(panel, topleft)

    def _text(
        self,
        panel: pygame.Surface,
        text: str,
        xy: tuple[int, int],
        font: pygame.font.Font | None = None,
        colour: tuple[int, int, int] = TEXT,
    ) -> pygame.Rect:
        return panel.blit((font or self.font).render(text, True, colour), xy)

    def _header(self, panel: pygame.Surface, state: HudState, y: int) -> int:
        self._text(panel, state.scene, (PAD, y), self.title_font, ACCENT)
        parts = [state.mode] + ([state.algo.upper()] if state.algo else []) + [state.speed]
        if state.paused:
            parts.append("PAUSED")
        rect = self._text(
            panel, "  ·  ".join(parts), (PAD, y + 28), colour=WARN if state.paused else DIM
        )
        return rect.bottom

    def _rows(self, panel: pygame.Surface, rows: Sequence[tuple[str, str]], y: int) -> int:
        """Label/value rows in two columns."""
        for label, value in rows:
            label_rect = self._text(panel, label, (PAD, y), colour=DIM)
            value_rect = self._text(panel, value, (max(PAD + LABEL_COL_W, label_rect.right + 8), y))
            self.drawn["rows"] += [label_rect, value_rect]
            y += ROW_H - 2
        return y

    def _table(self, panel: pygame.Surface, table: Sequence[Sequence[str]], y: int) -> int:
        """A table with a label column and equal value columns; a cell is cut to its column."""
        if not table:
            return y
        columns = len(table[0]) - 1
        width = (self.size_px[0] - 2 * PAD - TABLE_LABEL_W) // max(columns, 1)
        for row_index, row in enumerate(table):
            for col, cell in enumerate(row):
                x = PAD if col == 0 else PAD + TABLE_LABEL_W + (col - 1) * width
                room = (TABLE_LABEL_W if col == 0 else width) - 8
                colour = ACCENT if row_index == 0 else DIM if col == 0 else TEXT
                text = fit_text(cell, self.font, room)
                self.drawn["table"].append(self._text(panel, text, (x, y), colour=colour))
            y += ROW_H if row_index == 0 else ROW_H - 2
        return y

    def _numbers(self, panel: pygame.Surface, state: HudState, y: int) -> int:
        recent = state.recent_returns
        last = fmt_number(recent[-1]) if recent else "-"
        mean = (
            fmt_number(sum(recent[-MEAN_WINDOW:]) / len(recent[-MEAN_WINDOW:])) if recent else "-"
        )
        rows = [
            ("episode", f"{state.episode}   step {state.episode_step}"),
            ("return", fmt_number(state.episode_return)),
            ("last / mean / best", f"{last} / {mean} / {fmt_number(state.best_return)}"),
        ]
        if state.race is not None:
            race = state.race
            rows += [
                ("laps", f"{race.laps}   lap {race.lap_time_s:5.1f} s"),
                (
                    "last / best lap",
                    f"{fmt_seconds(race.last_lap_s)} / {fmt_seconds(race.best_lap_s)}",
                ),
            ]
            if race.cars > 1:
                lapped = "-" if race.cars_lapped is None else f"{race.cars_lapped} of {race.cars}"
                rows.append(("cars that lapped", lapped))
        if state.reward_terms:
            shown = [(n, v) for n, v in state.reward_terms if v] or state.reward_terms[:1]
            rows.append(
                ("last reward", ", ".join(f"{n.replace('_', ' ')} {v:+.2f}" for n, v in shown))
            )
        if state.total_steps is not None:
            rows.append(("trained steps", f"{state.total_steps:,}"))
        rows.append(("fps / steps per s", f"{state.fps:4.0f} / {state.steps_per_s:,.0f}"))
        rows += list(state.extra)
        return self._rows(panel, rows, y)

    def _policy(self, panel: pygame.Surface, state: HudState, y: int) -> int:
        title = "policy" if state.probs is not None else "actions"
        header = self._text(panel, title, (PAD, y), colour=ACCENT)
        if state.value is not None:
            self._text(panel, f"value {state.value:8.2f}", (PAD + 150, y))
        y = header.bottom + 6
        self.bar_rects = []
        for index, name in enumerate(state.action_names):
            chosen = index == state.chosen
            self._text(panel, name, (PAD, y), self.small, TEXT if chosen else DIM)
            slot = pygame.Rect(PAD + LABEL_W, y + 1, BAR_MAX_PX, BAR_H)
            pygame.draw.rect(panel, BAR_TRACK, slot)
            self.bar_rects.append(slot)
            if state.probs is not None:
                p = state.probs[index]
                length = round(p * BAR_MAX_PX)
                if length:
                    pygame.draw.rect(
                        panel, BAR_CHOSEN if chosen else BAR, (slot.x, slot.y, length, BAR_H)
                    )
                self._text(
                    panel,
                    f"{100 * p:3.0f}%",
                    (slot.right + 8, y),
                    self.small,
                    TEXT if chosen else DIM,
                )
            elif chosen:
                pygame.draw.rect(panel, BAR_CHOSEN, slot, 2)
            y += ROW_H - 3
        return y

    def _curve(self, panel: pygame.Surface, state: HudState, y: int, bottom: int) -> None:
        """The curve between `y` and `bottom`, as tall as CURVE_H when there is room."""
        height = min(CURVE_H, bottom - (y + 22))
        self.curve_box = None
        if height < CURVE_MIN_H:
            return
        self._text(panel, "learning curve (episode returns)", (PAD, y), colour=ACCENT)
        box = self.curve_box = pygame.Rect(PAD, y + 22, self.size_px[0] - 2 * PAD, height)
        pygame.draw.rect(panel, BAR_TRACK, box, 1)
        returns = state.recent_returns
        if len(returns) >= 2:
            low, high = min(returns), max(returns)
            span = high - low or 1.0

            def point(i: int, value: float) -> tuple[float, float]:
                return (
                    box.x + 2 + i * (box.w - 4) / (len(returns) - 1),
                    box.bottom - 3 - (value - low) / span * (box.h - 6),
                )

            pygame.draw.lines(panel, CURVE, False, [point(i, r) for i, r in enumerate(returns)])
            means = moving_mean(returns, MEAN_WINDOW)
            pygame.draw.lines(
                panel, CURVE_MEAN, False, [point(i, m) for i, m in enumerate(means)], 2
            )
            self._text(panel, fmt_number(high), (box.x + 4, box.y + 2), self.small, DIM)
            self._text(panel, fmt_number(low), (box.x + 4, box.bottom - 16), self.small, DIM)
            self._text(
                panel,
                f"{len(returns)} episodes",
                (box.right - 90, box.bottom - 16),
                self.small,
                DIM,
            )
        else:
            self._text(panel, "appears after two episodes", (box.x + 8, box.y + 8), self.small, DIM)

    def _footer(self, panel: pygame.Surface, state: HudState) -> int:
        """The hint line at the bottom, the keys and the status above it; returns their top."""
        hint_y = self.size_px[1] - PAD - 14
        self.drawn["hint"].append(
            self._text(
                panel,
                "H: keys    Space: pause    + / -: speed    Esc: quit",
                (PAD, hint_y),
                self.small,
                DIM,
            )
        )
        lines = wrap_text(state.status, self.font, panel.get_width() - 2 * PAD)
        key_h = ROW_H - 5
        top = hint_y - 6 - len(state.keys) * key_h - len(lines) * ROW_H
        y = top
        for line in lines:
            self.drawn["status"].append(self._text(panel, line, (PAD, y), colour=WARN))
            y += ROW_H
        for keys, control in state.keys:
            self.drawn["keys"].append(self._text(panel, keys, (PAD, y), self.small, DIM))
            self.drawn["keys"].append(
                self._text(panel, control, (PAD + LABEL_COL_W, y), self.small)
            )
            y += key_h
        return top
