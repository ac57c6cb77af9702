"""What a new user meets first in the window: slow speeds, CartPole's keys, the real endings,
watched cars spread over the track, no output from a run that cannot open its window."""

import dataclasses
import itertools
import math
import os
import subprocess
import sys

import numpy as np
import pygame
import pytest
from test_engine import ROOT, driving_policy, open_app, play_app, press

from agent.config import fit_batch_size
from agent.defaults import default_config
from agent.run import RunPlan
from agent.trainer import Trainer
from game import make_vector_env, scene_spec, session
from game.app import SPEEDS, AppConfig, speed_label
from game.input import SceneControls
from game.modes import TrainMode
from game.race.car_state import ENDINGS


@pytest.fixture(autouse=True)
def quit_pygame():
    yield
    pygame.quit()


def test_slower_than_real_time_for_every_scene():
    assert SPEEDS[:3] == (0.25, 0.5, 1.0)
    assert speed_label(0.25) == "1/4x" and speed_label(0.5) == "1/2x" and speed_label(8.0) == "8x"
    for scene in ("race", "lunar", "cartpole"):
        app, mode = play_app(scene)
        ran = []

        def counted(quota, deadline, advance=mode.advance, ran=ran):
            ran.append(advance(quota, deadline))
            return ran[-1]

        mode.advance = counted
        for _ in range(3):  # 1x -> 1/2x -> 1/4x, and no slower
            press(pygame.K_MINUS)
        app.frame()
        assert app.speed == 0.25
        ran.clear()
        for _ in range(120):  # two seconds at 60 frames per second
            app.frame()
        # a quarter of real time: half a second of game time
        assert sum(ran) == pytest.approx(0.5 * mode.steps_per_second, abs=1)
        app.close()


def cartpole_idle_run(held_key=None, steps=40):
    """CartPole from seed 3 with `held_key` held (or none): the cart's positions and actions."""
    app, mode = play_app("cartpole")
    if held_key is not None:
        app.keyboard.held.add(held_key)
    cart = mode.stepper.envs.unwrapped.envs[0].unwrapped
    mode.obs = mode.stepper.reset(seed=3)
    xs, actions = [], []
    for _ in range(steps):
        mode.advance(1, math.inf)
        if mode.curve.episodes:
            break
        xs.append(float(cart.state[0]))
        actions.append(int(mode.actions[0]))
    app.close()
    return xs, actions, mode


def test_cartpole_with_no_key_pushes_left_and_right_in_turn_and_says_so():
    xs, actions, mode = cartpole_idle_run()
    assert set(actions[:2]) == {0, 1} and all(a != b for a, b in itertools.pairwise(actions))
    assert max(abs(x) for x in xs) < 0.05  # the cart stays put
    pushed_xs, pushed, _ = cartpole_idle_run(pygame.K_LEFT)
    assert set(pushed) == {0} and len(pushed) < len(actions)  # held left: it falls sooner
    assert pushed_xs[-1] < -0.1
    legend = dict(SceneControls(scene_spec("cartpole")).legend())
    assert legend["no key"] == "push left and right in turn"
    assert ("no key", "push left and right in turn") in mode.hud_state().keys
    # the other scenes keep their no-op
    race = SceneControls(scene_spec("race"))
    assert [race.action(set()) for _ in range(3)] == [0, 0, 0]


def run_until_focus_episodes(mode, app, count, give_up_frames=4000):
    """Frames at max speed until the followed env finished `count` episodes; the notices."""
    notices = []
    notify = mode.notify

    def record(text):
        notices.append(text)
        notify(text)

    mode.notify = record
    for _ in range(give_up_frames):
        if sum(text.startswith("episode:") for text in notices) >= count:
            break
        app.frame()
    return [text for text in notices if text.startswith("episode:")]


@pytest.mark.parametrize(
    ("scene", "real_endings"),
    [
        ("lunar", {"crashed", "flew out of view", "landed"}),
        ("cartpole", {"pole fell", "cart left the track"}),
        ("race", {ENDINGS[True]}),
    ],
)
def test_live_training_shows_how_each_episode_really_ended(tmp_path, scene, real_endings):
    """An untrained policy's episodes end early, never at the time limit: the window must say
    how (LunarLander's used to say "time limit" for every crash)."""
    train_config, algo_config = default_config(scene, "ppo", live=True)
    train_config = dataclasses.replace(train_config, eval_every_steps=0, num_envs=2)
    envs = make_vector_env(scene, 2, render_first=True)
    trainer = Trainer(RunPlan(train_config, fit_batch_size(algo_config, 2)), envs)
    app, mode = open_app(lambda _: TrainMode(scene_spec(scene), trainer), speed=math.inf)
    lengths = []
    original = mode._on_env_step

    def on_step(report):
        lengths.extend(e.length for e in report.finished if e.env_index == mode.focus)
        original(report)

    mode._on_env_step = on_step
    notices = run_until_focus_episodes(mode, app, 3)
    app.close()
    assert len(notices) >= 3
    limit = {"lunar": 1000, "cartpole": 500, "race": 10**9}[scene]
    for text, length in zip(notices, lengths, strict=False):
        assert length < limit
        ending = text.split(", ", 1)[1]
        assert ending.split(" after ")[0] in real_endings, text


def test_a_crash_in_play_says_crashed():
    app, mode = play_app("lunar", speed=math.inf)  # nobody touches the keys: it falls
    notices = run_until_focus_episodes(mode, app, 1)
    assert notices[0].endswith(", crashed")
    assert mode.hud_state().status == notices[-1]
    app.close()


def test_watching_many_cars_spreads_them_over_the_track():
    app = session.drive(
        "race", {}, AppConfig(), cars=16, policy=driving_policy(), algo="ppo", max_frames=1
    )
    sim = app.mode.sim
    length = sim.track.length_m
    s = np.sort(sim.state.s_m)
    gaps = np.diff(np.concatenate([s, [s[0] + length]]))
    assert sim.num_cars == 16
    # evenly round the lap (a sixteenth apart, give or take the start's lateral jitter)
    assert gaps == pytest.approx(np.full(16, length / 16), abs=0.5)


def test_a_single_watched_car_still_starts_on_the_line():
    app = session.drive("race", {}, AppConfig(), policy=driving_policy(), max_frames=1)
    sim = app.mode.sim
    length = sim.track.length_m
    behind_or_ahead = (sim.state.s_m[0] - sim.track.start_s_m) % length
    assert min(behind_or_ahead, length - behind_or_ahead) < 1.5


def test_no_display_prints_only_the_hint_and_leaves_no_runs_directory(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["SDL_VIDEODRIVER"] = "x11"
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--mode", "train", "--scene", "cartpole"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "--headless" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no runs/<run> and no empty runs/ either


def test_max_speed_keeps_stepping_frame_after_frame():
    """At max speed each frame runs what its time allows (the backlog arithmetic once turned
    into NaN after the first frame, and play and watch then stood still)."""
    app, mode = play_app("race", speed=math.inf)
    per_frame = []
    for _ in range(5):
        before = int(mode.sim.state.steps[0]) + 10_000 * mode.curve.episodes
        app.frame()
        per_frame.append(int(mode.sim.state.steps[0]) + 10_000 * mode.curve.episodes - before)
    assert all(steps > 1 for steps in per_frame), per_frame
    app.close()
