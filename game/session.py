"""Windowed sessions: open the window, build the mode for play, watch, versus or live training, run
it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent.recording import DemoRecorder
from agent.policy import Policy
from agent.trainer import Trainer
from game.app import App, AppConfig
from game.baseline import ScriptedDriver
from game.input import Keyboard
from game.modes import Mode, PlayMode, TrainMode, VersusMode, WatchMode
from game.race.track_choice import HELD_OUT, held_out_seed
from game.scenes import make_vector_env, scene_spec

VERSUS_TIME_LIMIT_S = 600.0
"""A versus episode's time limit: ten minutes, where training's is about one slow lap."""


def run_window(
    build: Callable[[Keyboard], Mode], config: AppConfig, max_frames: int | None = None
) -> App:
    """Open the window first (a missing display fails before anything loads), then run the mode."""
    app = App(config)
    try:
        app.attach(build(app.keyboard))
    except BaseException:
        app.close()
        raise
    app.run(max_frames)
    return app


def drive(
    scene: str,
    options: dict[str, Any],
    config: AppConfig,
    *,
    cars: int = 1,
    human: bool = False,
    policy: Policy | None = None,
    scripted: bool = False,
    algo: str | None = None,
    greedy: bool = False,
    seed: int | None = None,
    max_frames: int | None = None,
    recorder: DemoRecorder | None = None,
) -> App:
    """Play (human), watch (a policy, or the race's scripted driver, on `cars` cars) or race it
    (both); `recorder` records the person's car (playing) or every car (watching)."""
    spec = scene_spec(scene)

    versus = human and (policy is not None or scripted)
    if scene == "race" and (versus or cars > 1) and options.get("track") == HELD_OUT:
        # cars racing or watched together share one track: the held-out one --seed picks
        options = {**options, "track": f"random:{held_out_seed(seed or 0)}"}
    if versus:
        # a front row of two, and a race of several laps is never cut by the time limit
        options = {**options, "side_by_side": True, "time_limit_s": VERSUS_TIME_LIMIT_S}
    elif scene == "race" and cars > 1:
        options = {**options, "spread_start": True}  # round the track, not one on another

    def build(keyboard: Keyboard) -> Mode:
        envs = make_vector_env(scene, 2 if versus else cars, render_first=True, **options)
        driver = ScriptedDriver(envs.sim) if scripted else policy
        who = "driver" if scripted else algo
        if driver is None:
            mode = PlayMode(spec, envs, keyboard, seed)
        elif versus:
            mode = VersusMode(spec, envs, keyboard, driver, who, greedy, seed)
        else:
            mode = WatchMode(spec, envs, driver, who, greedy, seed)
        if recorder is not None:
            mode.record(recorder, (0,) if human else None)  # car 0 is the person's
        return mode

    return run_window(build, config, max_frames)


def train(
    trainer_factory: Callable[[], Trainer], config: AppConfig, max_frames: int | None = None
) -> App:
    """The agent learns while the window shows it (quitting saves last.pt first); returns the closed
    App.

    The trainer is made once the window is open, so no run starts where no window can.
    """

    def build(keyboard: Keyboard) -> Mode:
        trainer = trainer_factory()
        return TrainMode(scene_spec(trainer.train_config.scene), trainer, keyboard)

    return run_window(build, config, max_frames)
