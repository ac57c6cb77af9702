"""The scripted driver as a baseline: scored on the batched env exactly as single envs would
score it."""

import numpy as np

from game import make_env
from game.baseline import ScriptedDriver, evaluate_driver
from game.race.driver import drive
from game.race.vector_env import RaceVectorEnv


def test_driver_baseline_equals_single_env_episodes_with_the_same_seeds():
    result = evaluate_driver({"track": "chicanes"}, episodes=3, seed=10)
    expected = []
    for episode in range(3):
        env = make_env("race", track="chicanes")
        env.reset(seed=10 + episode)
        total, done = 0.0, False
        while not done:
            _, reward, terminated, truncated, _info = env.step(int(drive(env.unwrapped.sim)[0]))
            total, done = total + reward, terminated or truncated
        expected.append(total)
    np.testing.assert_allclose(result.returns, expected, rtol=1e-12)
    assert result.success_rate == 1.0 and result.mean_laps >= 2
    assert 24.0 < result.best_lap_s < 29.0  # the driver laps Chicane Park in about 26.7 s


def test_scripted_driver_speaks_the_policy_interface():
    envs = RaceVectorEnv(3)
    obs, _ = envs.reset(seed=0)
    output = ScriptedDriver(envs.sim).act(obs)
    assert output.action.shape == (3,) and output.value is None
    np.testing.assert_array_equal(output.probs.argmax(axis=1), output.action)
    np.testing.assert_array_equal(output.probs.sum(axis=1), 1.0)
