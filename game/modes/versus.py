"""Versus: a person races a trained policy (or the scripted driver) on the same track."""

from __future__ import annotations

import numpy as np
from gymnasium.vector import VectorEnv

from agent.episodes import FinishedEpisode
from agent.policy import Policy
from game.baseline import ScriptedDriver
from game.hud import fmt_seconds
from game.input import Keyboard, SceneControls
from game.modes.drive import DriveMode
from game.scenes import SceneSpec

YOU, AGENT = 0, 1
"""Car 0 is the person's, car 1 the agent's; they never collide."""


class VersusMode(DriveMode):
    """Two cars on one track: yours (the keyboard) and the agent's; best laps compared."""

    name = "versus"

    def __init__(
        self,
        scene: SceneSpec,
        envs: VectorEnv,
        keyboard: Keyboard,
        policy: Policy | ScriptedDriver,
        algo: str | None = None,
        greedy: bool = False,
        seed: int | None = None,
    ):
        if envs.num_envs != 2:
            raise ValueError(f"envs: expected 2 cars (you and the agent), got {envs.num_envs}")
        super().__init__(scene, envs, seed)
        self.keyboard = keyboard
        self.controls = SceneControls(scene)
        self.policy, self.algo, self.greedy = policy, algo, greedy
        self.best_laps = np.full(2, np.nan)
        """Each car's best lap over the whole session (NaN before its first)."""

    def choose(self) -> None:
        """The agent's action for its car, the keys' for yours."""
        self.output = self.policy.act(self.obs, deterministic=self.greedy)
        self.actions[:] = self.output.action
        self.actions[YOU] = self.controls.action(self.keyboard.held)

    def advance(self, quota: float, deadline_s: float) -> int:
        """Step both cars and keep the session's best laps."""
        steps = super().advance(quota, deadline_s)
        self.best_laps = np.fmin(self.best_laps, self.sim.state.best_lap_s)
        return steps

    def finish(self, episode: FinishedEpisode) -> None:
        """Book the episode; your result comes with both best laps."""
        super().finish(episode)
        if episode.env_index == YOU:
            self.notify(
                f"{self.notice()}; best lap: you {fmt_seconds(self.best_laps[YOU])}, "
                f"agent {fmt_seconds(self.best_laps[AGENT])}"
            )

    def policy_drives(self, car: int) -> bool:
        """The HUD follows you, and you are not a policy."""
        return car != YOU

    def key_legend(self) -> tuple[tuple[str, str], ...]:
        """The race's play keys."""
        return tuple(self.controls.legend())

    def extra_rows(self) -> tuple[tuple[str, str], ...]:
        """The agent's laps and both best laps (after the recording's row)."""
        return (
            *super().extra_rows(),
            ("agent laps", str(int(self.sim.state.laps[AGENT]))),
            (
                "best lap: you / agent",
                f"{fmt_seconds(self.best_laps[YOU])} / {fmt_seconds(self.best_laps[AGENT])}",
            ),
        )
