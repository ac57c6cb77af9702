"""The engine: one window, the frame loop (input, step the world, draw, flip), speed and hotkeys."""

from __future__ import annotations

import dataclasses
import gc
import math
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pygame

from game.errors import DisplayError
from game.hud import Hud
from game.input import Hotkey, Keyboard, hotkey_legend
from game.modes import Mode
from game.recorder import Recorder
from game.views import draw_help

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, math.inf)
"""Speed settings: multiples of real time; inf runs as many steps as each frame's time allows.
Below 1x a person can follow (and play) what is too fast at real time, e.g. CartPole."""
WORK_SHARE = 0.75
"""Share of each frame's time the world may use; drawing and events get the rest."""
FREEZE_S = 0.25
"""A frame whose work (not its wait for the next frame) takes longer than this is a freeze."""
HIDDEN_DRIVERS = ("offscreen", "dummy")
"""SDL video drivers that draw in memory only: fine when asked for (tests), an error otherwise."""


@contextmanager
def c_stderr_silenced() -> Iterator[None]:
    """Send what C libraries write to stderr (fd 2) to /dev/null for the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@dataclass(frozen=True)
class AppConfig:
    """The window and how it starts."""

    size_px: tuple[int, int] = (1280, 720)
    hud_width_px: int = 400
    fps: int = 60
    """Frames drawn per second."""
    speed: float = 1.0
    """Initial speed, one of SPEEDS."""
    show_rays: bool = True
    screenshot_dir: Path = Path("screenshots")
    record: Path | None = None
    """Record what the window shows to this .gif or .mp4."""
    screenshot_on_exit: Path | None = None
    """Save the last frame to this PNG when the window closes."""


def speed_label(speed: float) -> str:
    """How a speed reads on the HUD."""
    if math.isinf(speed):
        return "max speed"
    return f"1/{1 / speed:g}x" if speed < 1 else f"{speed:g}x"


class App:
    """Owns the window; `attach` a mode, then run it frame by frame until quit."""

    def __init__(self, config: AppConfig):
        try:
            with c_stderr_silenced():  # SDL and its backends print their probing to fd 2
                pygame.display.init()
                pygame.font.init()
                self.window = pygame.display.set_mode(config.size_px)
        except pygame.error as error:
            pygame.quit()
            raise DisplayError(
                f"cannot open a window ({error}): use --headless to train without one"
            ) from None
        driver = pygame.display.get_driver()
        if driver in HIDDEN_DRIVERS and os.environ.get("SDL_VIDEODRIVER") != driver:
            # with no display, SDL falls back to drawing in memory: a window nobody can see
            pygame.quit()
            raise DisplayError(
                f"cannot open a window (no display found; SDL fell back to its {driver!r} "
                "driver): use --headless to train without one"
            )
        self.config = config
        self.keyboard = Keyboard()
        self.clock = pygame.time.Clock()
        width, height = config.size_px
        self.scene_rect = pygame.Rect(0, 0, width - config.hud_width_px, height)
        self.hud = Hud((config.hud_width_px, height))
        self.speed_index = SPEEDS.index(config.speed)
        self.paused = False
        self.show_rays = config.show_rays
        self.show_help = False
        self.running = True
        self.frames = 0
        self._step_quota = 0.0
        self._step_times: deque[tuple[float, int]] = deque(maxlen=120)
        self.recorder = None if config.record is None else Recorder(config.record, config.fps)
        self.mode: Mode | None = None
        self._below: list[tuple[Mode, int]] = []
        """Modes a pushed mode was opened from (with their speed setting), to go back to on Esc."""
        self.slowest_frame_s = 0.0
        """The longest a frame's work took (events, world, drawing; not the wait), after the
        first."""
        self.freezes = 0
        """Frames whose work took longer than FREEZE_S: the window did not respond meanwhile."""

    def attach(self, mode: Mode) -> None:
        """Show `mode` in the window from the next frame on."""
        # What is loaded by now (torch, numba, the envs: ~257,000 objects watching 64 cars) lives
        # as long as the window; a full garbage collection walked all of it in 310-365 ms, a
        # visible freeze every so often. Frozen, the collector never walks it again.
        gc.collect()
        gc.freeze()
        self.mode = mode
        pygame.display.set_caption(f"Rollout Racer - {mode.scene.title} - {mode.name}")

    def push(self, mode: Mode, speed: float | None = None) -> None:
        """Show `mode` (at `speed`) until Esc, then go back to the current one as it was."""
        self._below.append((self.mode, self.speed_index))
        if speed is not None:
            self.speed_index = SPEEDS.index(speed)
        self.paused = False
        self.attach(mode)

    def _back(self) -> None:
        """Close the pushed mode and show again the one it was opened from."""
        mode, (below, self.speed_index) = self.mode, self._below.pop()
        self.paused = False
        self.attach(below)
        mode.close()

    def _close_modes(self) -> None:
        """Close the mode, then the ones it was pushed from (each, even if one fails)."""
        try:
            if self.mode is not None:
                self.mode.close()
        finally:
            if self._below:
                self.mode = self._below.pop()[0]
                self._close_modes()

    @property
    def speed(self) -> float:
        """The current speed (a multiple of real time, or inf)."""
        return SPEEDS[self.speed_index]

    def run(self, max_frames: int | None = None) -> None:
        """Run frames until quit (or `max_frames`), then close the mode and the window."""
        try:
            while self.running and (max_frames is None or self.frames < max_frames):
                self.frame()
        finally:
            self.close()

    def frame(self) -> None:
        """One frame: handle events, step the world, draw the scene and the HUD, flip, wait."""
        start = time.perf_counter()
        single_step = self._handle_events()
        budget_s = WORK_SHARE / self.config.fps
        if single_step:
            self._ran(self.mode.advance(1, start + budget_s))
        elif math.isinf(self.speed) and not self.paused:
            self._ran(self.mode.advance(math.inf, start + budget_s))  # as many as time allows
        elif not self.paused:
            self._step_quota += self.speed * self.mode.steps_per_second / self.config.fps
            quota = math.floor(self._step_quota)
            ran = self.mode.advance(quota, start + budget_s)
            self._step_quota -= ran
            if ran < quota:
                # the world can't keep up: drop the backlog, don't race to catch up
                self._step_quota %= 1.0
            self._ran(ran)
        self.draw()
        pygame.display.flip()
        if self.recorder is not None:
            self.recorder.add(self.window)
        work_s = time.perf_counter() - start
        if self.frames:  # the first frame also draws the track and warms caches
            self.slowest_frame_s = max(self.slowest_frame_s, work_s)
            self.freezes += work_s > FREEZE_S
        self.clock.tick(self.config.fps)
        self.frames += 1

    def _ran(self, steps: int) -> None:
        self._step_times.append((time.perf_counter(), steps))

    def steps_per_s(self) -> float:
        """Env steps per second over the last two seconds."""
        now = time.perf_counter()
        recent = [(t, n) for t, n in self._step_times if now - t <= 2.0]
        if len(recent) < 2:
            return 0.0
        return sum(n for _, n in recent[1:]) / max(recent[-1][0] - recent[0][0], 1e-9)

    def _handle_events(self) -> bool:
        """Apply every pending event; return whether a single step was asked for."""
        single_step = False
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                self.running = False
            elif self.mode.handle_event(event):
                continue
            hotkey = self.keyboard.handle(event)
            if hotkey is Hotkey.QUIT:
                if self._below:
                    self._back()
                else:
                    self.running = False
            elif hotkey is Hotkey.PAUSE:
                self.paused = not self.paused
            elif hotkey is Hotkey.STEP:
                self.paused, single_step = True, True
            elif hotkey is Hotkey.RESET:
                self.mode.reset()
            elif hotkey is Hotkey.FASTER:
                self.speed_index = min(self.speed_index + 1, len(SPEEDS) - 1)
            elif hotkey is Hotkey.SLOWER:
                self.speed_index = max(self.speed_index - 1, 0)
            elif hotkey is Hotkey.RAYS:
                self.show_rays = not self.show_rays
            elif hotkey is Hotkey.SCREENSHOT:
                self.mode.notify(f"saved {self.screenshot()}")
            elif hotkey is Hotkey.HELP:
                self.show_help = not self.show_help
        return single_step

    def draw(self) -> None:
        """Draw the scene and the HUD into the window."""
        self.mode.view.draw(self.window, self.scene_rect, self.show_rays)
        if self.show_help:
            draw_help(self.window, self.scene_rect, hotkey_legend())
        state = self.mode.hud_state()
        if state is None:
            return  # the mode's view drew its own panel
        state = dataclasses.replace(
            state,
            fps=self.clock.get_fps(),
            steps_per_s=self.steps_per_s() * self.mode.num_envs,
            speed=speed_label(self.speed),
            paused=self.paused,
        )
        self.hud.draw(self.window, state, (self.scene_rect.right, 0))

    def screenshot(self, path: Path | None = None) -> Path:
        """Save what the window shows as a PNG (in screenshot_dir unless a path is given)."""
        if path is None:
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
            path = (
                self.config.screenshot_dir / f"{self.mode.scene.name}-{self.mode.name}-{stamp}.png"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(self.window, str(path))
        return path

    def close(self) -> None:
        """Close the mode (training saves first), the recording and the window."""
        if self.config.screenshot_on_exit is not None and self.frames:
            self.screenshot(self.config.screenshot_on_exit)
        try:
            self._close_modes()
        finally:
            if self.recorder is not None:
                self.recorder.close()
            pygame.quit()
