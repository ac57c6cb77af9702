"""The batched race env: car by car identical to the single env, Gymnasium's vector contract,
autoreset."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import game
from game.race.driver import drive
from game.race.sensors import OBS_SIZE
from game.race.vector_env import RaceVectorEnv

CARS = 6


def test_make_vec_returns_the_native_batched_env():
    envs = gym.make_vec("RaceTrack-v0", num_envs=CARS, vectorization_mode="vector_entry_point")
    assert isinstance(envs.unwrapped, RaceVectorEnv)
    assert envs.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    assert envs.observation_space.shape == (CARS, OBS_SIZE)
    assert isinstance(game.make_vector_env("race", CARS), RaceVectorEnv)


TRACKS = ("oval", "hairpins", "chicanes", "speedway")


GENERATED = ("random:5", "random:1000003", "hairpins")


@pytest.mark.parametrize(
    ("random_start", "tracks"),
    [
        (False, "oval"),
        (True, "oval"),
        (True, TRACKS),
        (False, TRACKS),
        (True, GENERATED),
        (False, "random:heldout"),
    ],
)
def test_every_car_matches_a_single_env_with_the_same_seed_and_actions(random_start, tracks):
    """Car i matches a single env on its own track (track i modulo their number, when several;
    held-out: the one its seed picks, then the next one each episode, in both)."""
    envs = RaceVectorEnv(CARS, track=tracks, random_start=random_start)
    many = not isinstance(tracks, str)
    names = [tracks[i % len(tracks)] for i in range(CARS)] if many else [tracks] * CARS
    singles = [gym.make("RaceTrack-v0", track=n, random_start=random_start) for n in names]
    obs, info = envs.reset(seed=3)
    for car, env in enumerate(singles):
        single_obs, _ = env.reset(seed=3 + car)
        assert np.array_equal(obs[car], single_obs)
    rng = np.random.default_rng(0)
    endings = 0
    for step in range(2500):
        actions = rng.integers(0, 9, CARS)
        obs, rewards, terminated, truncated, info = envs.step(actions)
        for car, env in enumerate(singles):
            single_obs, reward, single_term, single_trunc, single_info = env.step(int(actions[car]))
            assert (reward, single_term, single_trunc) == (
                rewards[car],
                terminated[car],
                truncated[car],
            ), (step, car)
            assert single_info["laps"] == info["laps"][car]
            if single_term or single_trunc:
                endings += 1
                assert info["_final_obs"][car]
                assert np.array_equal(info["final_obs"][car], single_obs)
                assert info["final_info"]["crashed"][car] == single_info["crashed"]
                single_obs, _ = env.reset()  # the batch autoresets this car on the same step
            assert np.array_equal(obs[car], single_obs), (step, car)
    assert endings >= CARS  # random driving crashes often: autoreset was exercised


def test_driven_cars_lap_and_report_their_laps_in_info():
    envs = RaceVectorEnv(4)
    envs.reset(seed=0)
    best = None
    for _ in range(1000):
        _obs, _rewards, terminated, _truncated, info = envs.step(drive(envs.sim))
        assert not terminated.any()
        best = info["best_lap_s"]
    assert (info["laps"] >= 2).all() and info["_best_lap_s"].all()
    assert np.isfinite(best).all() and (best > 10).all()


def test_bad_actions_are_refused():
    envs = RaceVectorEnv(3)
    envs.reset(seed=0)
    for bad in ([0, 1], [0, 1, 9], [0.5, 1.0, 2.0], [-1, 0, 0]):
        with pytest.raises(ValueError, match="actions: expected 3 integers in"):
            envs.step(np.array(bad))


def test_a_finished_car_says_how_its_episode_ended():
    envs = RaceVectorEnv(2)
    envs.reset(seed=0)
    gas, coast = 3, 0
    while (
        True
    ):  # car 0 floors it into the first bend; car 1 stands still (it has a longer time limit)
        _, _, terminated, truncated, info = envs.step(np.array([gas, coast]))
        if terminated.any() or truncated.any():
            break
    assert terminated[0] and not truncated[1]
    assert info["_final_info"][0] and info["final_info"]["ending"][0] == "left the track"
