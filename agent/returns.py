"""Returns and advantages: pure numpy functions over arrays of rewards.

Arrays are time-major: index 0 is the first step. Episode boundaries are given by
`episode_ends[t]` (True when the episode ended on step t: terminated or truncated), and no
return ever flows across one.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]


def reward_to_go(rewards: FloatArray, episode_ends: BoolArray, gamma: float) -> FloatArray:
    """Discounted reward-to-go G_t = r_t + gamma * G_{t+1}, restarting at every episode end.

    Args:
        rewards: [T] or [T, num_envs].
        episode_ends: same shape; True on an episode's last step.
        gamma: the discount factor.
    """
    returns = np.zeros_like(rewards, dtype=np.float32)
    following = np.zeros(rewards.shape[1:], dtype=np.float32)
    for t in reversed(range(len(rewards))):
        following = rewards[t] + gamma * following * ~episode_ends[t]
        returns[t] = following
    return returns


def episode_returns(rewards: FloatArray, episode_ends: BoolArray, gamma: float) -> FloatArray:
    """Each step's weight is its whole episode's discounted return G_0 (the high-variance one).

    Same arguments as `reward_to_go`; the REINFORCE variance lesson is swapping the two.
    """
    to_go = reward_to_go(rewards, episode_ends, gamma)
    whole = np.empty_like(to_go)
    starts = np.ones(rewards.shape[1:], dtype=np.bool_)
    current = np.zeros(rewards.shape[1:], dtype=np.float32)
    for t in range(len(rewards)):
        current = np.where(starts, to_go[t], current)
        whole[t] = current
        starts = episode_ends[t]
    return whole


def compute_gae(
    rewards: FloatArray,
    values: FloatArray,
    next_values: FloatArray,
    terminated: BoolArray,
    truncated: BoolArray,
    gamma: float,
    gae_lambda: float,
) -> tuple[FloatArray, FloatArray]:
    """GAE(lambda) advantages and the TD(lambda) returns (advantages + values).

    A time limit is not death: on truncation the target bootstraps from the value of the
    final observation; on termination it never bootstraps (SB3 issue #633, Pardo et al. 2018).

    Args:
        rewards, values: [T, num_envs]; `values[t]` = V(obs_t).
        next_values: [T, num_envs]; the value of the observation that followed step t:
            V(obs_{t+1}) inside an episode, V(final_obs) where step t ended an episode.
        terminated, truncated: [T, num_envs] episode-end flags of step t.
        gamma, gae_lambda: the discount and the GAE trade-off (1 = Monte Carlo, 0 = TD(0)).

    Returns:
        (advantages, returns), both [T, num_envs] float32.
    """
    bootstrap = gamma * next_values * ~terminated
    carry = gamma * gae_lambda * ~(terminated | truncated)
    deltas = rewards + bootstrap - values
    advantages = np.zeros_like(deltas, dtype=np.float32)
    following = np.zeros(deltas.shape[1:], dtype=np.float32)
    for t in reversed(range(len(deltas))):
        following = deltas[t] + carry[t] * following
        advantages[t] = following
    return advantages, advantages + values
