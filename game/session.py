"""Windowed sessions: build the mode for play, watch, versus or live training, and run it in the App."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent.policy import Policy
from agent.trainer import Trainer
from game.app import App, AppConfig
from game.input import Keyboard
from game.modes import DriveMode, Mode, ScriptedDriver, TrainMode
from game.scenes import make_vector_env, scene_spec


def _run(build: Callable[[Keyboard], Mode], config: AppConfig, max_frames: int | None) -> App:
    """Open the window first (a missing display fails before anything loads), then run the mode."""
    app = App(config)
    try:
        app.attach(build(app.keyboard))
    except BaseException:
        app.close()
        raise
    app.run(max_frames)
    return app


def drive(scene: str, options: dict[str, Any], config: AppConfig, *, cars: int = 1, human: bool = False,
          policy: Policy | None = None, scripted: bool = False, algo: str | None = None, greedy: bool = False,
          seed: int | None = None, max_frames: int | None = None) -> App:  # fmt: skip
    """Play (human), watch (a policy, or the race's scripted driver, on `cars` cars) or race it (both)."""
    spec = scene_spec(scene)

    def build(keyboard: Keyboard) -> Mode:
        envs = make_vector_env(scene, cars, render_first=True, **options)
        driver = ScriptedDriver(envs.sim) if scripted else policy
        return DriveMode(spec, envs, keyboard if human else None, driver, "driver" if scripted else algo, greedy, seed)

    return _run(build, config, max_frames)


def train(scene: str, trainer: Trainer, config: AppConfig, max_frames: int | None = None) -> App:
    """The agent learns while the window shows it (quitting saves last.pt first); returns the closed App."""
    spec = scene_spec(scene)
    return _run(lambda _: TrainMode(spec, trainer), config, max_frames)
