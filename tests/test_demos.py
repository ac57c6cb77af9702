"""Demonstrations files: recorded in play mode and by the driver, read exactly, bad ones refused."""

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pygame
import pytest

import game
from agent.demo_file import append_demos, load_demos, save_demos
from agent.demos import DemoEpisode, Demonstrations
from agent.recording import DemoRecorder
from agent.errors import DemoError
from game.app import App, AppConfig
from game.modes import PlayMode
from game.scenes import scene_spec

ROOT = Path(__file__).resolve().parents[1]
RACE = scene_spec("race").demo_spec


@pytest.fixture(autouse=True)
def quit_pygame():
    yield
    pygame.quit()


def some_demos(steps=(5, 3), scene="race"):
    """Demonstrations of `scene` with random numbers, one episode per entry of `steps`."""
    spec = scene_spec(scene).demo_spec
    rng = np.random.default_rng(0)
    recorder = DemoRecorder(spec, "test", {"track": "oval"})
    for car, length in enumerate(steps):
        for _ in range(length):
            obs = rng.random(len(spec.obs_layout), dtype=np.float32)
            recorder.add(car, obs, int(rng.integers(len(spec.action_names))), float(rng.random()))
        recorder.end(car, "left the track", finished=True, success=False, laps=0)
    return recorder.take()


def test_save_then_load_is_exact(tmp_path):
    demos = some_demos()
    save_demos(tmp_path / "d.npz", demos)
    loaded = load_demos(tmp_path / "d.npz", RACE)
    for name in ("obs", "actions", "rewards"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(demos, name))
        assert getattr(loaded, name).dtype == getattr(demos, name).dtype
    assert loaded.episodes == demos.episodes and loaded.steps == 8
    assert loaded.episode_ends.nonzero()[0].tolist() == [4, 7]


def test_a_persons_actions_are_paired_with_what_they_saw_a_moment_before():
    """Observations 0..9 name their step; a person's 4-step stretch, a driver's 3 steps, a
    person's 1 step: with a lag of 2 the person's actions 2, 3 answer observations 0, 1, the
    driver's are untouched, and the 1-step stretch has nothing left."""
    spec = scene_spec("race").demo_spec
    width = len(spec.obs_layout)
    step = 0
    parts = []
    for source, length in (("person", 4), ("driver", 3), ("person (take-over)", 1)):
        recorder = DemoRecorder(spec, source, {"track": "oval"})
        for _ in range(length):
            recorder.add(0, np.full(width, step, np.float32), step % 2, 10.0 * step)
            step += 1
        recorder.end(0, "left the track", finished=True, success=False, laps=0)
        parts.append(recorder.take())
    demos = parts[0] + parts[1] + parts[2]
    lagged = demos.reacting(2)
    assert lagged.obs[:, 0].tolist() == [0, 1, 4, 5, 6]
    assert lagged.actions.tolist() == [0, 1, 0, 1, 0]  # the actions of steps 2, 3, 4, 5, 6
    assert lagged.rewards.tolist() == [20.0, 30.0, 40.0, 50.0, 60.0]
    assert [(e.source, e.length) for e in lagged.episodes] == [("person", 2), ("driver", 3)]
    assert lagged.episode_ends.nonzero()[0].tolist() == [1, 4]
    assert demos.reacting(0).obs.tolist() == demos.obs.tolist()


def test_appending_keeps_what_was_there(tmp_path):
    path = tmp_path / "d.npz"
    first, second = some_demos((4,)), some_demos((2, 6))
    append_demos(path, first)
    total = append_demos(path, second)
    loaded = load_demos(path)
    assert loaded.steps == total.steps == 12 and len(loaded.episodes) == 3
    np.testing.assert_array_equal(loaded.obs, np.concatenate([first.obs, second.obs]))


def test_play_mode_records_the_keys_and_a_replay_gives_the_same_steps(tmp_path):
    """A person drives (synthetic key events through the real play mode); the file holds what
    the env saw and did: replaying its actions on a fresh env with the same seed gives the same
    observations and rewards, bit for bit."""
    path = tmp_path / "play.npz"
    app = App(AppConfig(speed=8.0))
    mode = PlayMode(
        scene_spec("race"), game.make_vector_env("race", 1, render_first=True), app.keyboard, seed=3
    )
    mode.record(DemoRecorder(RACE, "person", {}, path), (0,))
    app.attach(mode)
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_UP))
    for frame in range(40):
        if frame == 20:
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_LEFT))
        app.frame()
    assert mode.hud_state().extra[0][0] == "recording"
    app.close()
    demos = load_demos(path, RACE)
    names = [RACE.action_names[a] for a in demos.actions]
    assert names[0] == "gas" and names[-1] == "gas+left" and set(names) == {"gas", "gas+left"}
    assert demos.steps > 60 and all(e.source == "person" for e in demos.episodes)
    last = demos.episodes[-1]
    assert last.ending == "window closed" and not last.finished
    assert all(e.finished for e in demos.episodes[:-1])
    env = game.make_env("race")
    obs, _ = env.reset(seed=3)
    for t, action in enumerate(demos.actions):
        np.testing.assert_array_equal(demos.obs[t], obs)
        obs, reward, terminated, truncated, _ = env.step(int(action))
        assert np.float32(reward) == demos.rewards[t]
        assert (terminated or truncated) == (demos.episode_ends[t] and t < demos.steps - 1)
        if terminated or truncated:
            obs, _ = env.reset()


def test_eval_records_the_scripted_driver_episode_by_episode(tmp_path, capsys):
    from main import main

    path = tmp_path / "driver.npz"
    argv = ["--mode", "eval", "--driver", "--episodes", "2", "--demos", str(path), "--json"]
    assert main(argv) == 0
    demos = load_demos(path, RACE)
    assert [e.source for e in demos.episodes] == ["driver", "driver"]
    assert all(e.finished and e.success and e.laps >= 1 for e in demos.episodes)
    # each episode's return is the sum of its recorded rewards
    ends = np.cumsum([e.length for e in demos.episodes])
    sums = [demos.rewards[a:b].sum() for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    np.testing.assert_allclose(sums, [e.episode_return for e in demos.episodes], rtol=1e-5)
    assert "2 episodes by driver" in capsys.readouterr().err


def damage(kind, path):
    """Write a demonstrations file broken in one way to `path`."""
    demos = some_demos()
    if kind == "another scene":
        save_demos(path, some_demos((3,), scene="lunar"))
    elif kind == "another layout":
        save_demos(path, Demonstrations("race", ("a",) * 14, *_rest(demos)))
    elif kind == "truncated":
        save_demos(path, demos)
        path.write_bytes(path.read_bytes()[:300])
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "NaN":
        demos.obs[2, 4] = np.nan
        save_demos(path, demos)
    elif kind == "no steps":
        save_demos(path, Demonstrations(*_head(demos), demos.obs[:0], *_empty(demos)))
    elif kind == "a pickle":
        np.savez(path, header=np.array([{"format": "x"}], dtype=object))
    elif kind == "unknown action":
        demos.actions[0] = 9
        save_demos(path, demos)
    elif kind == "flipped bit":
        save_demos(path, demos)
        data = bytearray(path.read_bytes())
        data[data.index(demos.obs.tobytes()[:8]) + 3] ^= 0x10
        path.write_bytes(bytes(data))


def _rest(demos):
    return demos.action_names, demos.obs, demos.actions, demos.rewards, demos.episodes


def _head(demos):
    return demos.scene, demos.obs_layout, demos.action_names


def _empty(demos):
    return demos.actions[:0], demos.rewards[:0], ()


KINDS = (
    "another scene",
    "another layout",
    "truncated",
    "empty",
    "NaN",
    "no steps",
    "a pickle",
    "unknown action",
    "flipped bit",
)


@pytest.mark.parametrize("kind", KINDS)
def test_a_bad_file_is_one_line_and_nothing_is_loaded(tmp_path, kind):
    path = tmp_path / "bad.npz"
    damage(kind, path)
    with pytest.raises(DemoError) as caught:
        load_demos(path, RACE)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message and "expected" in message


def test_appending_to_a_file_of_another_scene_leaves_it_as_it_was(tmp_path):
    path = tmp_path / "lunar.npz"
    save_demos(path, some_demos((3,), scene="lunar"))
    before = path.read_bytes()
    with pytest.raises(DemoError, match="scene: expected 'race', got 'lunar'"):
        append_demos(path, some_demos())
    assert path.read_bytes() == before and zipfile.is_zipfile(path)


def test_a_file_of_a_layout_as_wide_is_refused_naming_its_first_other_column(tmp_path):
    path = tmp_path / "centreline.npz"
    demos = some_demos()
    layout = (*RACE.obs_layout[:13], "lateral offset", *RACE.obs_layout[14:])
    save_demos(path, Demonstrations("race", layout, *_rest(demos)))
    with pytest.raises(DemoError) as caught:
        load_demos(path, RACE)
    assert str(caught.value).endswith(
        ", value 13 'lateral offset' where 'offset from the racing line' is expected"
    )


def test_training_from_a_bad_file_is_one_line_before_anything_starts(tmp_path):
    path = tmp_path / "nan.npz"
    damage("NaN", path)
    result = subprocess.run(
        [
            sys.executable,
            "main.py",
            "--mode",
            "train",
            "--headless",
            "--demos",
            str(path),
            "--run-dir",
            str(tmp_path / "run"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"main.py: error: {path}: obs: expected finite numbers, got NaN or infinity"
    ]
    assert not (tmp_path / "run" / "last.pt").exists()


def test_demos_flags_are_checked_before_anything_runs(tmp_path):
    from game.cli import build_parser
    from game.flag_rules import check_flags
    from game.errors import UsageError

    def message(*argv):
        with pytest.raises(UsageError) as caught:
            check_flags(build_parser("").parse_args(list(argv)))
        return str(caught.value)

    missing = str(tmp_path / "none.npz")
    assert message("--demos", missing) == (
        f"--demos: expected an existing demonstrations file, got {missing!r}"
    )
    assert message("--bc-epochs", "5").startswith("--bc-epochs: expected with --mode train")
    run = tmp_path / "run"
    run.mkdir()
    (run / "last.pt").write_bytes(b"")
    assert message("--resume", str(run), "--demos", missing).startswith(
        "--demos: expected a new run"
    )


def test_demo_episode_fields_are_plain_json():
    episode = DemoEpisode(3, "person", {"track": "oval"}, "time limit", True, 1.5, False, 0)
    assert episode.laps == 0 and episode.options == {"track": "oval"}


def test_live_training_clones_then_lets_a_person_take_over_the_followed_car(tmp_path):
    """The HUD shows the phase, the demonstrations and the clone's accuracy; holding Shift drives
    the car the HUD follows (the HUD says so), releasing it hands the car back, and the steps
    driven are in the run's demos.npz."""
    from agent.run import DEMOS, new_run
    from agent.trainer import Trainer
    from game.baseline import evaluate_driver
    from game.modes import TrainMode

    recorder = DemoRecorder(RACE, "driver", {})
    evaluate_driver({}, episodes=1, recorder=recorder)
    save_demos(tmp_path / "driver.npz", recorder.take())
    plan = new_run(
        "race",
        "ppo",
        live=True,
        num_envs=4,
        run_dir=tmp_path / "run",
        action_names=RACE.action_names,
        obs_layout=RACE.obs_layout,
        demos=tmp_path / "driver.npz",
        bc_epochs=2,
    )
    app = App(AppConfig(speed=8.0))
    trainer = Trainer(plan, game.make_vector_env("race", 4))
    mode = TrainMode(scene_spec("race"), trainer, app.keyboard)
    app.attach(mode)
    app.frame()
    rows = dict(mode.hud_state().extra)
    assert rows["phase"] == "1 cloning" and rows["demonstrations"] == f"{plan.demos.steps:,} steps"
    while trainer.clone_result is None:
        app.frame()
    app.frame()
    rows = dict(mode.hud_state().extra)
    assert rows["phase"] == "2 PPO, after cloning"
    accuracy = f"clone {100 * trainer.clone_result.accuracy:.1f}%"
    assert rows["demonstrations"] == f"{plan.demos.steps:,} steps, {accuracy}"
    gas = RACE.action_names.index("gas")
    for key in (pygame.K_LSHIFT, pygame.K_UP):
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key))
    for _ in range(30):
        app.frame()
    car = mode.focus
    assert trainer.takeover.current == (car, gas) and mode.driving
    assert mode.hud_state().status == f"you are driving car {car} (release Shift)"
    assert trainer.takeover.steps > 0 and mode.last.actions[car] == gas
    pygame.event.post(pygame.event.Event(pygame.KEYUP, key=pygame.K_LSHIFT))
    app.frame()
    assert trainer.takeover.current is None and not mode.driving
    assert mode.notice() == "car handed back to the agent"
    driven = trainer.takeover.steps
    app.close()
    demos = load_demos(tmp_path / "run" / DEMOS, RACE)
    assert demos.steps == driven and (demos.actions == gas).all()
    assert [e.ending for e in demos.episodes] == ["handed back"]
    assert demos.episodes[0].source == "person (take-over)"


def test_the_person_fixture_is_a_few_laps_of_the_hairpins_without_leaving_the_track():
    """tests/fixtures/person-hairpins.npz: driven through X key events in the real play window
    (bench/person.py); bench/demos.py learns from it."""
    demos = load_demos(ROOT / "tests" / "fixtures" / "person-hairpins.npz", RACE)
    assert {e.source for e in demos.episodes} == {"person"}
    assert all(e.options == {"track": "hairpins"} for e in demos.episodes)
    assert all(e.ending != "left the track" for e in demos.episodes)
    laps_driven = sum(e.episode_return for e in demos.episodes) / 100  # 100 per lap driven
    assert laps_driven >= 2.5 and demos.steps < 4000
