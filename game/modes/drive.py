"""Driving modes share one loop: a vector env stepped through the agent's EpisodeStepper."""

from __future__ import annotations

import time

import numpy as np
from gymnasium.vector import VectorEnv

from agent.recording import DemoRecorder, outcome
from agent.episodes import EnvStepReport, EpisodeStepper, FinishedEpisode
from agent.policy import PolicyOutput
from agent.demos import plural
from game.hud import HudState
from game.modes.base import (
    LapTally,
    Mode,
    episode_message,
    race_hud,
    race_sim,
    reward_terms,
    scene_view,
)
from game.scenes import SceneSpec


class DriveMode(Mode):
    """Cars (or landers, carts) stepped by whoever drives them; subclasses say who chooses the
    actions."""

    def __init__(
        self,
        scene: SceneSpec,
        envs: VectorEnv,
        seed: int | None = None,
        running: tuple[EpisodeStepper, np.ndarray] | None = None,
    ):
        """`running`: the stepper of envs already under way and their last observations, to
        carry on their episodes (else the envs are reset with `seed`)."""
        self.focus = 0
        """The env (car) the HUD follows."""
        view = scene_view(scene, envs, lambda: self.focus, lambda: int(self.actions[0]))
        super().__init__(scene, view, envs.metadata["render_fps"], envs.num_envs)
        self.sim = race_sim(envs)
        if running is None:
            self.stepper = EpisodeStepper(envs)
            self.obs = self.stepper.reset(seed=seed)
        else:
            self.stepper, self.obs = running
        self.laps = LapTally(envs.num_envs)
        self.actions = np.zeros(envs.num_envs, dtype=np.int64)
        self.output: PolicyOutput | None = None
        """The policy's last decision, when a policy drives."""
        self.last: EnvStepReport | None = None
        self.recorder: DemoRecorder | None = None
        """Records the `recorded_cars`' steps as demonstrations, flushed at each episode's end."""
        self.recorded_cars: tuple[int, ...] = tuple(range(envs.num_envs))

    def record(self, recorder: DemoRecorder, cars: tuple[int, ...] | None = None) -> None:
        """Record the steps of `cars` (default all) with `recorder` from now on."""
        self.recorder = recorder
        if cars is not None:
            self.recorded_cars = cars

    def choose(self) -> None:
        """Set `self.actions` (and `self.output`, when a policy decides) for the next step."""
        raise NotImplementedError

    def advance(self, quota: float, deadline_s: float) -> int:
        """Step every car up to `quota` times; episodes restart as they end (per car)."""
        steps = 0
        while steps < quota and (steps == 0 or time.perf_counter() < deadline_s):
            self.choose()
            before = self.obs
            self.last = self.stepper.step(self.actions, self.output)
            if self.recorder is not None:
                for car in self.recorded_cars:
                    reward = float(self.last.rewards[car])
                    self.recorder.add(car, before[car], int(self.actions[car]), reward)
            self.obs = self.last.obs
            self.after_step(self.last)
            steps += 1
        return steps

    def after_step(self, report: EnvStepReport) -> None:
        """Book the episodes that ended in the step just taken."""
        for episode in report.finished:
            self.finish(episode)

    def finish(self, episode: FinishedEpisode) -> None:
        """Book a finished episode; tell the person how the followed car's ended."""
        self.laps.record(episode)
        self.curve.add(episode.episode_return)
        if episode.env_index == self.focus:
            self.notify(episode_message(self.scene, episode))
        if self.recorder is not None and episode.env_index in self.recorded_cars:
            ending = self.scene.ending(episode.info, episode.terminated)
            self.recorder.end(episode.env_index, **outcome(episode.info, ending))
            self.recorder.flush()

    def reset(self) -> None:
        """Restart every car's episode (the recorded stretches end there)."""
        if self.recorder is not None:
            self.recorder.end_all("restarted")
            self.recorder.flush()
        self.obs = self.stepper.reset()
        self.notify("episode restarted")

    def hud_state(self) -> HudState:
        """The followed car's episode, its action (with the policy's probabilities) and its laps."""
        car = self.focus
        output = self.output if self.policy_drives(car) else None
        return HudState(
            scene=self.scene.title,
            mode=self.name,
            algo=self.algo,
            episode=self.curve.episodes + 1,
            episode_step=int(self.stepper.episode_lengths[car]),
            episode_return=float(self.stepper.episode_returns[car]),
            recent_returns=tuple(self.curve.returns),
            best_return=self.curve.best,
            action_names=self.scene.action_names,
            probs=None if output is None else tuple(float(p) for p in output.probs[car]),
            chosen=int(self.actions[car]),
            value=None if output is None or output.value is None else float(output.value[car]),
            race=None if self.sim is None else race_hud(self.sim, car, self.laps.cars_lapped()),
            status=self.notice(),
            keys=self.key_legend(),
            extra=self.extra_rows(),
            reward_terms=reward_terms(None if self.last is None else self.last.infos, car),
        )

    def policy_drives(self, car: int) -> bool:
        """Whether a policy chose `car`'s action (so the HUD shows its probabilities)."""
        return self.output is not None

    def key_legend(self) -> tuple[tuple[str, str], ...]:
        """The play keys the HUD lists (none when nobody plays)."""
        return ()

    def extra_rows(self) -> tuple[tuple[str, str], ...]:
        """More rows for the HUD: what is being recorded."""
        if self.recorder is None:
            return ()
        recorder = self.recorder
        return (("recording", f"{recorder.steps:,} steps, {plural(recorder.episodes, 'episode')}"),)

    def close(self) -> None:
        """Write the recording's last stretches, then close the envs."""
        try:
            if self.recorder is not None:
                self.recorder.end_all("window closed")
                self.recorder.flush()
        finally:
            self.stepper.close()
