"""Versus: a person races a trained policy (or the scripted driver) over a few laps of a track."""

from __future__ import annotations

import dataclasses
import time

from gymnasium.vector import VectorEnv

from agent.episodes import EnvStepReport, FinishedEpisode
from agent.policy import Policy
from game.baseline import ScriptedDriver
from game.hud import HudState
from game.input import Keyboard, SceneControls
from game.modes.drive import DriveMode
from game.modes.duel import Duel
from game.scenes import SceneSpec
from game.views import BannerView

YOU, AGENT = 0, 1
"""Car 0 is the person's, car 1 the agent's; they never collide."""
MAX_COUNTDOWN_TICK_S = 0.1
"""The countdown advances by at most this much per frame (a pause or a slow frame holds it)."""


class VersusMode(DriveMode):
    """Two cars on one track, yours (the keyboard) and the agent's: a countdown, a race of a few
    laps with both cars' standings side by side, and the result."""

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
        self.rival = "driver" if algo == "driver" else "agent"
        self.duel = Duel(self.sim, ("you", self.rival))
        self.view.labels = {YOU: "you", AGENT: self.rival}
        self.view = BannerView(self.view, self.duel.banner)
        self._ticked_s = time.perf_counter()

    def choose(self) -> None:
        """The agent's action for its car, the keys' for yours."""
        self.output = self.policy.act(self.obs, deterministic=self.greedy)
        self.actions[:] = self.output.action
        self.actions[YOU] = self.controls.action(self.keyboard.held)

    def advance(self, quota: float, deadline_s: float) -> int:
        """Count down (the cars wait on the line), then race."""
        now = time.perf_counter()
        tick_s, self._ticked_s = min(now - self._ticked_s, MAX_COUNTDOWN_TICK_S), now
        if not self.duel.started:
            self.duel.count_down(tick_s)
            return 0
        return super().advance(quota, deadline_s)

    def after_step(self, report: EnvStepReport) -> None:
        """Book the step's episodes, then move the race on by one step."""
        super().after_step(report)
        self.duel.step({e.env_index: int(e.info.get("laps", 0)) for e in report.finished})

    def finish(self, episode: FinishedEpisode) -> None:
        """Book the episode; say who left the track (the laps done still count)."""
        super().finish(episode)
        who = "you" if episode.env_index == YOU else f"the {self.rival}"
        ending = self.scene.ending(episode.info, episode.terminated)
        self.notify(f"{who}: {ending}; back on the start line, laps done still count")

    def reset(self) -> None:
        """A new race: both cars back on the line, and the countdown."""
        super().reset()
        self.duel.restart()

    def policy_drives(self, car: int) -> bool:
        """The HUD follows you, and you are not a policy."""
        return car != YOU

    def key_legend(self) -> tuple[tuple[str, str], ...]:
        """The race's play keys."""
        return tuple(self.controls.legend())

    def hud_state(self) -> HudState:
        """Your episode and keys, with the race's standings side by side (instead of one car's
        lap rows and reward terms)."""
        return dataclasses.replace(
            super().hud_state(), race=None, reward_terms=(), table=self.duel.table()
        )
