"""Watch: a trained policy (or the race's scripted driver) drives one or many copies."""

from __future__ import annotations

import numpy as np
from gymnasium.vector import VectorEnv

from agent.episodes import EpisodeStepper
from agent.policy import Policy
from game.baseline import ScriptedDriver
from game.modes.base import leader
from game.modes.drive import DriveMode
from game.scenes import SceneSpec


class WatchMode(DriveMode):
    """`policy` drives every env; on the race the HUD follows the leading car."""

    name = "watch"

    def __init__(
        self,
        scene: SceneSpec,
        envs: VectorEnv,
        policy: Policy | ScriptedDriver,
        algo: str | None = None,
        greedy: bool = False,
        seed: int | None = None,
        running: tuple[EpisodeStepper, np.ndarray] | None = None,
    ):
        super().__init__(scene, envs, seed, running)
        self.policy, self.algo, self.greedy = policy, algo, greedy

    def choose(self) -> None:
        """The policy's actions for every env."""
        self.output = self.policy.act(self.obs, deterministic=self.greedy)
        self.actions[:] = self.output.action

    def advance(self, quota: float, deadline_s: float) -> int:
        """Step, then follow the leader."""
        steps = super().advance(quota, deadline_s)
        if self.sim is not None:
            self.focus = leader(self.sim, self.focus)
        return steps
