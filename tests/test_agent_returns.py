"""Returns and advantages against hand-computed values and a plain reference loop."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.returns import compute_gae, episode_returns, reward_to_go


def test_reward_to_go_hand_computed():
    rewards = np.array([1.0, 0.0, 2.0], dtype=np.float32)
    ends = np.array([False, False, True])
    # G2 = 2, G1 = 0 + 0.5 * 2 = 1, G0 = 1 + 0.5 * 1 = 1.5
    np.testing.assert_allclose(reward_to_go(rewards, ends, 0.5), [1.5, 1.0, 2.0])


def test_two_episodes_back_to_back_never_mix():
    rewards = np.array([1.0, 0.0, 2.0, 1.0, 0.0, 2.0], dtype=np.float32)
    ends = np.array([False, False, True, False, False, True])
    np.testing.assert_allclose(reward_to_go(rewards, ends, 0.5), [1.5, 1.0, 2.0] * 2)
    np.testing.assert_allclose(episode_returns(rewards, ends, 0.5), [1.5] * 6)


def test_whole_episode_returns_per_episode():
    rewards = np.array([1.0, 0.0, 2.0, 4.0, 1.0], dtype=np.float32)
    ends = np.array([False, False, True, False, True])
    # episode 1: 1 + 0 + 0.25 * 2 = 1.5; episode 2: 4 + 0.5 * 1 = 4.5
    np.testing.assert_allclose(episode_returns(rewards, ends, 0.5), [1.5, 1.5, 1.5, 4.5, 4.5])


def test_reward_to_go_is_per_env_column():
    rewards = np.array([[1.0, 1.0], [1.0, 1.0]], dtype=np.float32)
    ends = np.array([[True, False], [False, False]])
    np.testing.assert_allclose(reward_to_go(rewards, ends, 1.0), [[1.0, 2.0], [1.0, 1.0]])


def naive_gae(rewards, values, next_values, terminated, truncated, gamma, lam):
    """A deliberately plain per-env, per-step reference."""
    n_steps, num_envs = rewards.shape
    advantages = np.zeros((n_steps, num_envs))
    for env in range(num_envs):
        following = 0.0
        for t in reversed(range(n_steps)):
            bootstrap = 0.0 if terminated[t, env] else next_values[t, env]
            delta = rewards[t, env] + gamma * bootstrap - values[t, env]
            ended = terminated[t, env] or truncated[t, env]
            following = delta + (0.0 if ended else gamma * lam * following)
            advantages[t, env] = following
    return advantages


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    gamma=st.floats(0.5, 1.0),
    lam=st.floats(0.0, 1.0),
    shape=st.tuples(st.integers(1, 12), st.integers(1, 4)),
)
def test_gae_matches_reference_loop(seed, gamma, lam, shape):
    rng = np.random.default_rng(seed)
    rewards = rng.normal(size=shape).astype(np.float32)
    values = rng.normal(size=shape).astype(np.float32)
    next_values = rng.normal(size=shape).astype(np.float32)
    terminated = rng.random(shape) < 0.2
    truncated = ~terminated & (rng.random(shape) < 0.2)
    advantages, returns = compute_gae(
        rewards, values, next_values, terminated, truncated, gamma, lam
    )
    expected = naive_gae(rewards, values, next_values, terminated, truncated, gamma, lam)
    np.testing.assert_allclose(advantages, expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(returns, expected + values, rtol=1e-4, atol=1e-4)


def test_gae_constant_value_like_sb3():
    """SB3's test_gae: reward 1 per step, V = 1 everywhere, one episode terminating at the end."""
    n_steps, gamma, lam = 8, 0.99, 0.95
    rewards = np.ones((n_steps, 1), dtype=np.float32)
    values = np.ones((n_steps, 1), dtype=np.float32)
    terminated = np.zeros((n_steps, 1), dtype=bool)
    terminated[-1] = True
    advantages, _ = compute_gae(
        rewards, values, values.copy(), terminated, np.zeros_like(terminated), gamma, lam
    )
    # delta_t = 1 + gamma - 1 = gamma inside, 1 - 1 = 0 on the terminal step
    expected = np.zeros(n_steps)
    for t in reversed(range(n_steps - 1)):
        expected[t] = gamma + gamma * lam * expected[t + 1]
    np.testing.assert_allclose(advantages[:, 0], expected, rtol=1e-5)


@pytest.mark.parametrize(("terminated", "expected"), [(True, 1.0), (False, 1.0 + 0.9 * 5.0)])
def test_truncation_bootstraps_termination_does_not(terminated, expected):
    one = np.ones((1, 1), dtype=np.float32)
    _, returns = compute_gae(
        one,
        np.zeros_like(one),
        5.0 * one,
        np.array([[terminated]]),
        np.array([[not terminated]]),
        0.9,
        0.95,
    )
    assert returns[0, 0] == pytest.approx(expected)
