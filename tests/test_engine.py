"""The window, frame by frame, under SDL's dummy drivers: HUD pixels, keys, modes, speed,
screenshots."""

import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pygame
import pytest

from agent.checkpoint import load_policy
from agent.defaults import default_config
from agent.trainer import Trainer
from game import make_vector_env, scene_spec
from game.app import SPEEDS, App, AppConfig
from game.hud import BAR, BAR_CHOSEN, BAR_MAX_PX, PAD, WARN, Hud, HudState, wrap_text
from game.modes import PlayMode, TrainMode, WatchMode
from agent.run import RunPlan
from game.race.reward import REWARD_TERMS
from game.race.sensors import OBS_SIZE

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def quit_pygame():
    yield
    pygame.quit()


def press(key, up=False):
    pygame.event.post(pygame.event.Event(pygame.KEYUP if up else pygame.KEYDOWN, key=key))


def bar_pixels(surface, rect, colour):
    """How many pixels of the bar's middle row have the bar's colour."""
    row = rect.y + rect.h // 2
    return sum(surface.get_at((x, row))[:3] == colour for x in range(rect.x, rect.right))


def test_hud_bars_are_as_long_as_the_probabilities():
    pygame.init()
    hud = Hud((400, 720))
    probs = (0.1, 0.55, 0.05, 0.3)
    state = HudState(
        scene="Test",
        mode="watch",
        algo="ppo",
        episode=1,
        episode_step=0,
        episode_return=0.0,
        action_names=("a", "b", "c", "d"),
        probs=probs,
        chosen=1,
        value=1.5,
    )
    surface = pygame.Surface((400, 720))
    hud.draw(surface, state)
    assert len(hud.bar_rects) == 4
    for index, (p, rect) in enumerate(zip(probs, hud.bar_rects, strict=True)):
        colour = BAR_CHOSEN if index == 1 else BAR
        assert bar_pixels(surface, rect, colour) == round(p * BAR_MAX_PX)


def test_a_long_status_wraps_inside_the_hud_panel():
    pygame.init()
    hud = Hud((400, 720))
    status = "episode 12: return 229.6, success: landed safely: came to rest on the ground"
    lines = wrap_text(status, hud.font, 400 - 2 * PAD)
    assert len(lines) >= 2 and " ".join(lines) == status
    assert all(hud.font.size(line)[0] <= 400 - 2 * PAD for line in lines)
    state = HudState(
        scene="Test",
        mode="watch",
        algo="ppo",
        episode=1,
        episode_step=0,
        episode_return=0.0,
        action_names=("a",),
        probs=(1.0,),
        chosen=0,
        status=status,
    )
    surface = pygame.Surface((400, 720))
    hud.draw(surface, state)
    # the status is drawn in WARN colour; none of it reaches the panel's right padding
    right_margin = [surface.get_at((x, y))[:3] for x in range(400 - 10, 400) for y in range(720)]
    assert WARN not in right_margin


def open_app(make_mode, **config):
    """A window showing the mode `make_mode(keyboard)` builds."""
    app = App(AppConfig(**config))
    mode = make_mode(app.keyboard)
    app.attach(mode)
    return app, mode


def play_app(scene="race", **config):
    return open_app(
        lambda keyboard: PlayMode(
            scene_spec(scene), make_vector_env(scene, 1, render_first=True), keyboard, seed=0
        ),
        **config,
    )


def test_play_mode_turns_keys_into_actions_and_the_car_moves_and_turns():
    app, mode = play_app()
    names = mode.scene.action_names
    st = mode.sim.state
    x0, heading0 = float(st.x_m[0]), float(st.heading_rad[0])
    press(pygame.K_UP)
    for _ in range(60):  # 1 s at 1x: 20 steps of 7 m/s^2 less drag of 5% of speed per second
        app.frame()
    assert names[mode.actions[0]] == "gas"
    assert st.speed_mps[0] == pytest.approx(7.0 / 0.05 * (1 - math.exp(-0.05)), rel=0.01)
    assert st.x_m[0] > x0 + 3.0
    press(pygame.K_a)  # WASD works too: gas + left
    for _ in range(15):
        app.frame()
    assert names[mode.actions[0]] == "gas+left"
    assert st.heading_rad[0] > heading0 + 0.1  # turned left
    press(pygame.K_UP, up=True)
    press(pygame.K_a, up=True)
    press(pygame.K_DOWN)
    app.frame()
    app.frame()
    app.frame()
    assert names[mode.actions[0]] == "brake"
    app.close()


def test_lunar_and_cartpole_keys():
    for scene, key, expected in (
        ("lunar", pygame.K_UP, "main engine"),
        ("cartpole", pygame.K_RIGHT, "push right"),
    ):
        app, mode = play_app(scene)
        press(key)
        for _ in range(5):
            app.frame()
        assert mode.scene.action_names[mode.actions[0]] == expected
        app.close()


def test_pause_single_step_and_speed_change_steps_per_frame():
    app, mode = play_app()

    def steps_over(frames):
        before = mode.sim.state.steps[0]
        for _ in range(frames):
            app.frame()
        return mode.sim.state.steps[0] - before

    assert steps_over(60) == 20  # 1x: the race runs 20 steps per simulated second at 60 fps
    press(pygame.K_SPACE)
    assert steps_over(30) == 0 and app.paused
    press(pygame.K_n)
    assert steps_over(1) == 1  # one step while paused
    press(pygame.K_SPACE)
    for _ in range(3):
        press(pygame.K_EQUALS)
    app.frame()
    assert app.speed == SPEEDS[SPEEDS.index(1.0) + 3] == 8.0
    assert steps_over(30) == 80  # 8x: 8 * 20 steps per second for half a second
    app.close()


def test_screenshot_is_a_png_of_the_window(tmp_path):
    app, _ = play_app()
    app.frame()
    path = app.screenshot(tmp_path / "shot.png")
    image = pygame.image.load(str(path))
    assert image.get_size() == app.config.size_px
    assert (
        len({image.get_at((x, 300))[:3] for x in range(0, 1280, 20)}) > 3
    )  # a picture, not a blank
    app.close()


def test_screenshot_key_writes_into_the_screenshot_folder(tmp_path):
    app, _mode = play_app("cartpole", screenshot_dir=tmp_path)
    press(pygame.K_F12)
    app.frame()
    assert len(list(tmp_path.glob("cartpole-play-*.png"))) == 1
    app.close()


def tiny_cartpole_trainer(run_dir, total=2_000):
    train_config, algo_config = default_config("cartpole", "ppo", live=True)
    import dataclasses

    train_config = dataclasses.replace(train_config, total_timesteps=total, eval_every_steps=0)
    envs = make_vector_env("cartpole", train_config.num_envs, render_first=True)
    return Trainer(
        RunPlan(train_config, algo_config, run_dir, scene_spec("cartpole").action_names), envs
    )


def test_live_training_changes_the_policy_and_grows_the_curve(tmp_path):
    trainer = tiny_cartpole_trainer(tmp_path)
    before = [p.detach().clone() for p in trainer.policy.model.parameters()]
    app, mode = open_app(lambda _: TrainMode(scene_spec("cartpole"), trainer), speed=math.inf)
    # Frames at max speed each get a slice of time, so a busy machine needs more of them.
    give_up = time.monotonic() + 120
    while (
        not (trainer.updates >= 2 and len(mode.curve.returns) >= 5) and time.monotonic() < give_up
    ):
        app.frame()
    state = mode.hud_state()
    assert trainer.updates >= 2
    assert len(state.recent_returns) >= 5
    assert state.probs is not None and math.isclose(sum(state.probs), 1.0, rel_tol=1e-5)
    after = list(trainer.policy.model.parameters())
    assert any(
        not np.allclose(a.detach().numpy(), b.numpy()) for a, b in zip(after, before, strict=True)
    )
    app.close()
    assert (tmp_path / "last.pt").exists()


def test_quitting_during_training_leaves_a_loadable_checkpoint(tmp_path):
    trainer = tiny_cartpole_trainer(tmp_path, total=1_000_000)
    app, _mode = open_app(lambda _: TrainMode(scene_spec("cartpole"), trainer), speed=math.inf)
    for _ in range(20):
        app.frame()
    press(pygame.K_ESCAPE)
    app.run()
    assert not app.running
    policy, metadata = load_policy(tmp_path / "last.pt", expect_scene="cartpole")
    assert metadata["num_timesteps"] == trainer.num_timesteps > 0
    assert policy.act(np.zeros((1, 4), dtype=np.float32)).probs.shape == (1, 2)


def test_watch_mode_runs_a_saved_checkpoint(tmp_path):
    trainer = tiny_cartpole_trainer(tmp_path)
    trainer.save(tmp_path / "model.pt")
    trainer.envs.close()
    policy, _ = load_policy(tmp_path / "model.pt", expect_scene="cartpole")
    envs = make_vector_env("cartpole", 1, render_first=True)
    app, mode = open_app(
        lambda _: WatchMode(scene_spec("cartpole"), envs, policy, algo="ppo", greedy=True),
        speed=4.0,
    )
    for _ in range(30):
        app.frame()
    state = mode.hud_state()
    assert mode.name == "watch" and mode.sim is None
    assert state.probs is not None and state.value is not None
    assert state.chosen == int(np.argmax(state.probs))  # greedy
    assert mode.stepper.episode_lengths[0] > 0 or mode.curve.returns
    app.close()


def driving_policy():
    """A tiny untrained race policy: enough to drive cars around for the engine's sake."""
    import dataclasses

    from agent.policy import make_policy

    _, algo_config = default_config("race", "ppo")
    return make_policy(OBS_SIZE, 9, dataclasses.replace(algo_config, normalize_obs=False), seed=0)


def test_watch_shows_several_copies_and_follows_the_leader():
    envs = make_vector_env("race", 6)
    app, mode = open_app(
        lambda _: WatchMode(scene_spec("race"), envs, driving_policy(), seed=0), speed=8.0
    )
    st = mode.sim.state
    for _ in range(40):
        app.frame()
    assert mode.sim.num_cars == 6 and (st.steps > 0).all()
    travelled = st.travelled_m
    assert (
        travelled[mode.focus] >= travelled.max() - 10.0
    )  # the HUD follows the leader (within the margin)
    state = mode.hud_state()
    assert state.probs is not None and state.race is not None and state.race.cars == 6
    # the HUD reads the reward term by term from the one table, for the car it follows
    assert [name for name, _ in state.reward_terms] == list(REWARD_TERMS)
    progress = dict(state.reward_terms)["progress"]
    assert progress == mode.last.infos["reward_components"]["progress"][mode.focus]
    app.close()


@pytest.mark.parametrize("driver", ["x11", None])
def test_no_display_is_one_line_that_suggests_headless(driver):
    """Asked for X11 without one, or nothing asked for: SDL then falls back to drawing offscreen,
    a window nobody would see, which is refused the same way."""
    if driver is None and not sys.platform.startswith("linux"):
        pytest.skip("SDL finds a display on its own elsewhere")
    hidden = ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")
    env = {key: value for key, value in os.environ.items() if key not in hidden}
    if driver is not None:
        env["SDL_VIDEODRIVER"] = driver
    result = subprocess.run(
        [sys.executable, "main.py", "--mode", "play", "--frames", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--headless" in lines[0], result.stderr


def test_live_training_without_a_display_leaves_no_empty_run_directory(tmp_path):
    env = {
        key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")
    }
    env["SDL_VIDEODRIVER"] = "x11"
    run_dir = tmp_path / "run"
    result = subprocess.run(
        [
            sys.executable,
            "main.py",
            "--mode",
            "train",
            "--scene",
            "cartpole",
            "--run-dir",
            str(run_dir),
            "--frames",
            "1",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "--headless" in result.stderr
    assert result.stdout == ""  # no "run directory: ..." for a run that never started
    assert not run_dir.exists()


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_record_writes_a_playable_video_of_the_window(tmp_path, suffix):
    import imageio.v3 as iio

    path = tmp_path / f"clip{suffix}"
    app, _ = play_app(record=path)
    for _ in range(12):
        app.frame()
    app.close()
    frames = iio.imread(path, index=None)
    width, height = app.config.size_px
    expected = (4, height // 2, width // 2, 3) if suffix == ".gif" else (12, height, width, 3)
    assert frames.shape[:3] == expected[:3] and frames.shape[-1] >= 3
    assert frames.std() > 10  # pictures, not blank frames


def test_record_refuses_other_formats(tmp_path):
    from game.errors import GameError

    with pytest.raises(GameError, match=r"--record: expected a file ending in \.gif or \.mp4"):
        play_app(record=tmp_path / "clip.avi")
