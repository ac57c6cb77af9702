"""The three scenes behind one interface: descriptions, keys, success, and vector envs."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.envs.box2d.lunar_lander import heuristic
from gymnasium.vector import AutoresetMode

import game
from game import SCENES, SceneError, make_env, make_vector_env, scene_spec


@pytest.mark.parametrize("name", SCENES)
def test_every_scene_describes_itself_the_same_way(name):
    env = make_env(name)
    spec = env.scene
    assert spec is scene_spec(name) and spec.name == name
    assert isinstance(env.action_space, gym.spaces.Discrete)
    assert len(spec.action_names) == env.action_space.n
    assert spec.title and spec.success
    assert spec.noop_action in range(env.action_space.n)
    for combo, action in spec.control_actions.items():
        assert combo <= set(spec.controls) and action in range(env.action_space.n)
    _obs, info = env.reset(seed=0)
    assert info["is_success"] is False
    _, _, _, _, info = env.step(spec.noop_action)
    assert "is_success" in info


def test_gymnasium_scenes_are_unchanged():
    assert make_env("lunar").unwrapped.spec.id == "LunarLander-v3"
    cartpole = make_env("cartpole")
    assert cartpole.unwrapped.spec.id == "CartPole-v1"
    assert cartpole.spec.max_episode_steps == 500
    assert cartpole.get_wrapper_attr("_max_episode_steps") == 500


def test_race_keys_combine_like_a_driver_expects():
    race = scene_spec("race")
    names = race.action_names
    assert names[race.action_for(frozenset())] == "coast"
    assert names[race.action_for(frozenset({"gas", "left"}))] == "gas+left"
    assert names[race.action_for(frozenset({"brake", "right"}))] == "brake+right"
    assert names[race.action_for(frozenset({"gas"}))] == "gas"
    assert race.controls["gas"] == ("up", "w")


def test_lunar_keys_fire_the_engines():
    lunar = scene_spec("lunar")
    assert lunar.action_names == ("noop", "left engine", "main engine", "right engine")
    assert lunar.action_for(frozenset({"main"})) == 2
    assert lunar.action_for(frozenset({"left"})) == 1
    assert lunar.action_for(frozenset()) == 0


def run_episode(env, policy, seed):
    obs, info = env.reset(seed=seed)
    while True:
        obs, _reward, terminated, truncated, info = env.step(policy(obs))
        if terminated or truncated:
            return info, terminated, truncated


def test_cartpole_succeeds_only_when_the_pole_stays_up_for_500_steps():
    env = make_env("cartpole")
    balance = lambda obs: int(obs[2] + 0.5 * obs[3] > 0)  # noqa: E731  push towards the fall
    info, terminated, truncated = run_episode(env, balance, seed=0)
    assert truncated and not terminated and info["is_success"]
    assert info["ending"] == "kept the pole up to the time limit"
    info, terminated, _ = run_episode(env, lambda obs: 0, seed=0)
    assert terminated and not info["is_success"] and info["ending"] == "pole fell"


def test_cartpole_names_a_cart_that_leaves_the_track():
    env = make_env("cartpole")
    # Balance the pole while pushing the cart ever further right: the cart leaves before the pole
    # falls.
    drift = lambda obs: int(obs[2] + 0.5 * obs[3] + 0.02 * (2.6 - obs[0]) > 0)  # noqa: E731
    info, terminated, _ = run_episode(env, drift, seed=0)
    assert terminated and info["ending"] == "cart left the track"
    assert abs(env.unwrapped.state[0]) > env.unwrapped.x_threshold


def test_lunar_succeeds_when_the_lander_comes_to_rest_and_fails_when_it_crashes():
    env = make_env("lunar")
    info, terminated, _ = run_episode(env, lambda obs: heuristic(env.unwrapped, obs), seed=1)
    assert terminated and info["is_success"] and info["ending"] == "landed"
    # Firing only the right engine spins the lander into the ground.
    info, terminated, _ = run_episode(env, lambda obs: 3, seed=1)
    assert terminated and not info["is_success"] and info["ending"] == "crashed"
    # The main engine alone carries it up and off the side of the view.
    info, terminated, _ = run_episode(env, lambda obs: 2, seed=1)
    assert terminated and not info["is_success"] and info["ending"] == "flew out of view"
    assert (
        abs(env.unwrapped.lander.position.x - 10) > 10
    )  # the view is 20 units wide, centred at 10


def test_endings_are_said_as_they_happened():
    scene = game.scene_spec("race")
    assert (
        scene.ending({"ending": "left the track", "laps": 2}, True) == "left the track after 2 laps"
    )
    assert scene.ending({"ending": "time limit", "laps": 1}, False) == "time limit after 1 lap"
    assert game.scene_spec("lunar").ending({"ending": "landed"}, True) == "landed"


def test_race_success_is_a_completed_lap():
    from game.race.driver import drive

    env = make_env("race")
    info, _terminated, truncated = run_episode(
        env, lambda obs: int(drive(env.unwrapped.sim)[0]), seed=0
    )
    assert info["is_success"] and info["laps"] >= 1
    assert truncated and info["ending"] == "time limit"


def test_vector_envs_autoreset_on_the_same_step_and_only_env_0_renders():
    envs = make_vector_env("cartpole", 3, render_first=True)
    assert envs.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    assert [e.render_mode for e in envs.envs] == ["rgb_array", None, None]
    envs.reset(seed=0)
    for _ in range(200):
        obs, _reward, terminated, _truncated, info = envs.step(np.zeros(3, dtype=np.int64))
        if terminated.any():
            break
    done = np.flatnonzero(terminated)
    assert len(done) and info["_final_obs"][done].all()
    # The final obs is the fallen pole; the returned obs is already the next episode's start.
    assert np.abs(info["final_obs"][done[0]][2]) > 0.2
    assert np.abs(obs[done[0]]).max() <= 0.05


def test_unknown_scene_is_one_clear_line():
    with pytest.raises(
        SceneError, match=r"^--scene: expected one of race, lunar, cartpole, got 'pong'$"
    ):
        make_env("pong")
    assert game.SCENES.keys() == {"race", "lunar", "cartpole"}
