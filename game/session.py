"""Windowed sessions: build the mode for play, watch or live training, and run it in the App."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym

from agent.policy import Policy
from agent.trainer import Trainer
from game.app import App, AppConfig
from game.input import Keyboard
from game.modes import Mode, PlayMode, TrainMode, WatchMode
from game.scenes import make_env, scene_spec


def _display_env(scene: str, options: dict[str, Any]) -> gym.Env:
    """The env a person sees: the race is drawn natively, the others from their RGB frames."""
    render_mode = None if scene_spec(scene).name == "race" else "rgb_array"
    return make_env(scene, render_mode=render_mode, **options)


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


def play(scene: str, options: dict[str, Any], seed: int | None, config: AppConfig,
         max_frames: int | None = None) -> App:  # fmt: skip
    """A person drives the scene with the keyboard."""
    spec = scene_spec(scene)
    return _run(lambda keyboard: PlayMode(spec, _display_env(scene, options), keyboard, seed), config, max_frames)


def watch(scene: str, options: dict[str, Any], policy: Policy, algo: str | None, greedy: bool,
          seed: int | None, config: AppConfig, max_frames: int | None = None) -> App:  # fmt: skip
    """A trained policy plays the scene."""
    spec = scene_spec(scene)
    return _run(
        lambda _: WatchMode(spec, _display_env(scene, options), policy, algo, greedy, seed), config, max_frames
    )


def train(scene: str, trainer: Trainer, config: AppConfig, max_frames: int | None = None) -> App:
    """The agent learns while the window shows env 0 (quitting saves last.pt first)."""
    spec = scene_spec(scene)
    return _run(lambda _: TrainMode(spec, trainer), config, max_frames)
