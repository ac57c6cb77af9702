"""Train: the agent learns while you watch, the trainer's loop run a slice per frame; once it has
trained its steps, the trained policy drives on until the person quits.

Hold Shift to take over the car the HUD follows: the scene's keys then drive it, at real time,
and your steps are recorded (run_dir/demos.npz) and cloned by the learner; release Shift to
hand the car back.
"""

from __future__ import annotations

import dataclasses
import time

from agent.clone import CloneReport
from agent.episodes import EnvStepReport
from agent.evaluation import EvalReport
from agent.learner import UpdateReport
from agent.metrics import logged_returns
from agent.trainer import Trainer
from game.hud import HudState
from game.input import Keyboard, SceneControls, key_code
from game.modes.base import (
    LapTally,
    Mode,
    episode_message,
    leader,
    race_hud,
    race_sim,
    reward_terms,
    scene_view,
)
from game.modes.watch import WatchMode
from game.scenes import SceneSpec


TAKEOVER_KEYS = ("left shift", "right shift")
"""Held, the person drives the followed car (pygame key names)."""
TAKEOVER_LEGEND = ("shift + arrows", "drive it yourself")


class TrainMode(Mode):
    """The trainer's envs, drawn while it learns: on the race a swarm of cars, the HUD following
    the leader; the Gymnasium scenes show env 0."""

    name = "train"

    def __init__(self, scene: SceneSpec, trainer: Trainer, keyboard: Keyboard | None = None):
        envs = trainer.envs
        self.focus = 0
        """The env (car) the HUD follows."""
        view = scene_view(scene, envs, lambda: self.focus, self._first_action)
        super().__init__(scene, view, envs.metadata["render_fps"], envs.num_envs)
        self.sim = race_sim(envs)
        self.trainer = trainer
        self.algo = trainer.train_config.algo
        if trainer.plan.resumed is not None and trainer.run_dir is not None:
            # a resumed run's curve starts from the history its metrics.csv holds
            self.curve.extend(logged_returns(trainer.run_dir, trainer.num_timesteps))
        self._reports = trainer.run()
        self._updating = False
        self._status = ""
        self.finished = False
        self.watching: WatchMode | None = None
        """Once training is done: the trained policy driving the same envs."""
        self.last: EnvStepReport | None = None
        self.laps = LapTally(envs.num_envs)
        self._started_s = time.perf_counter()
        self.first_lap_s: float | None = None
        """Wall seconds from the start of live training to the first lap any car completed."""
        self.keyboard = keyboard
        self.controls = SceneControls(scene)
        self._takeover_keys = {key_code(name) for name in TAKEOVER_KEYS}
        self.driving = False
        """Whether the person drives the followed car now."""
        self._drive_budget = 0.0
        self._drive_clock = time.perf_counter()

    def advance(self, quota: float, deadline_s: float) -> int:
        """Pull the trainer's work units until `quota` env steps ran or the frame's time is up.

        An update (or evaluation) in progress keeps running within the frame's time even once
        the quota is met, so the window stays responsive while the learner works.
        """
        if self.watching is not None:
            return self._watch(quota, deadline_s)
        quota = self._take_over(quota)
        steps = 0
        while not self.finished and time.perf_counter() < deadline_s:
            if steps >= quota and not self._updating:
                break
            try:
                report = next(self._reports)
            except StopIteration:
                self._finish()
                break
            if isinstance(report, EnvStepReport):
                steps += 1
                self._on_env_step(report)
            elif isinstance(report, UpdateReport):
                self._updating = report.stats is None
                self._status = (
                    ""
                    if report.stats
                    else (
                        f"updating the policy: step {report.gradient_step} "
                        f"of {report.planned_steps}"
                    )
                )
            elif isinstance(report, CloneReport):
                self._updating = report.result is None and report.gradient_step < (
                    report.planned_steps
                )
                self._status = "" if not self._updating else self._clone_message(report)
            elif isinstance(report, EvalReport):
                self._updating = report.result is None
                self._status = (
                    ""
                    if report.result
                    else (f"evaluating: episode {report.episodes_done} of {report.episodes}")
                )
        if self.driving:
            self._drive_budget -= steps
        if self.sim is not None:
            if not self.driving:  # the car you drive stays followed
                self.focus = leader(self.sim, self.focus)
            if self.first_lap_s is None and self.sim.state.laps.any():
                self.first_lap_s = time.perf_counter() - self._started_s
                self.notify(f"first lap after {self.first_lap_s:.1f} s of training!")
        return steps

    def _finish(self) -> None:
        """Training is done (last.pt is written): the trained policy drives on, as in watch."""
        self.finished = True
        trainer = self.trainer
        self._status = ""
        # the envs carry on where training left them (a swarm stays spread over the track)
        running = None if self.last is None else (trainer.stepper, self.last.obs)
        self.watching = WatchMode(
            self.scene,
            trainer.envs,
            trainer.policy,
            self.algo,
            seed=trainer.train_config.seed + trainer.num_timesteps,
            running=running,
        )
        self.watching.curve = self.curve  # the view stays: it shows the same envs
        self.notify(
            f"training finished after {trainer.num_timesteps:,} steps: now the trained policy "
            "drives (Esc quits; the run is saved)"
        )

    def _watch(self, quota: float, deadline_s: float) -> int:
        """Step the trained policy's envs; the HUD follows its leader."""
        steps = self.watching.advance(quota, deadline_s)
        self.focus = self.watching.focus
        return steps

    def reset(self) -> None:
        """Restart the episodes once training is done (while learning, the trainer owns them)."""
        if self.watching is None:
            super().reset()
        else:
            self.watching.reset()

    def _first_action(self) -> int | None:
        """Env 0's last action (None before the first step)."""
        if self.watching is not None:
            return int(self.watching.actions[0])
        return None if self.last is None else int(self.last.actions[0])

    def _take_over(self, quota: float) -> float:
        """Hand the followed car to the person while Shift is held (and back on release); while
        they drive, the world runs at real time at most. Returns the frame's step quota."""
        held = set() if self.keyboard is None else self.keyboard.held
        driving = bool(held & self._takeover_keys) and not self.finished
        now = time.perf_counter()
        if driving and not self.driving:
            self._drive_budget, self._drive_clock = 1.0, now
            self.notify("you are driving: release Shift to hand the car back")
        elif self.driving and not driving:
            self.trainer.take_over(None)
            self.notify("car handed back to the agent")
        self.driving = driving
        if not driving:
            return quota
        self.trainer.take_over(self.focus, self.controls.action(held))
        self._drive_budget = min(
            self._drive_budget + (now - self._drive_clock) * self.steps_per_second, 2.0
        )
        self._drive_clock = now
        return min(quota, float(int(self._drive_budget)))

    def _clone_message(self, report: CloneReport) -> str:
        """What cloning is doing, for the status line."""
        if report.phase == "take-over":
            return (
                f"learning from your driving: step {report.gradient_step} of {report.planned_steps}"
            )
        accuracy = "" if report.accuracy is None else f", accuracy {100 * report.accuracy:.0f}%"
        return (
            f"cloning the demonstrations: step {report.gradient_step} of "
            f"{report.planned_steps}{accuracy}"
        )

    def _demo_rows(self) -> tuple[tuple[str, str], ...]:
        """The phase (cloning, then RL), the demonstrations and the clone's accuracy (its
        agreement with the demonstrator), and the steps a person drove."""
        trainer, rows = self.trainer, ()
        demos, result = trainer.plan.demos, trainer.clone_result
        if result is not None:
            rows += (
                ("phase", f"2 {self.algo.upper()}, after cloning"),
                ("demonstrations", f"{result.steps:,} steps, clone {100 * result.accuracy:.1f}%"),
            )
        elif demos is not None:
            rows += (("phase", "1 cloning"), ("demonstrations", f"{demos.steps:,} steps"))
        if trainer.takeover.steps:
            rows += (("your steps", f"{trainer.takeover.steps:,}, cloned as it learns"),)
        return rows

    def _on_env_step(self, report: EnvStepReport) -> None:
        self.last = report
        for episode in report.finished:
            if episode.env_index == self.focus:
                self.notify(episode_message(self.scene, episode))
            self.laps.record(episode)
            self.curve.add(episode.episode_return)

    def hud_state(self) -> HudState:
        """The followed car's episode and the policy's view of it, plus the learner's progress."""
        if self.watching is not None:
            return dataclasses.replace(
                self.watching.hud_state(),
                mode="trained: watching",
                status=self.notice()
                or (
                    f"training finished after {self.trainer.num_timesteps:,} steps; "
                    "the trained policy drives (Esc quits)"
                ),
                total_steps=self.trainer.num_timesteps,
                extra=self._learner_rows(),
            )
        report, focus = self.last, self.focus
        output = None if report is None else report.policy
        status = self._driving_status() or self._status or self.notice()
        return HudState(
            scene=self.scene.title,
            mode=self.name,
            algo=self.algo,
            episode=self.trainer.episodes + 1,
            episode_step=0 if report is None else int(report.episode_lengths[focus]),
            episode_return=0.0 if report is None else float(report.episode_returns[focus]),
            recent_returns=tuple(self.curve.returns),
            best_return=self.curve.best,
            action_names=self.scene.action_names,
            probs=None if output is None else tuple(float(p) for p in output.probs[focus]),
            chosen=None if report is None else int(report.actions[focus]),
            value=None if output is None or output.value is None else float(output.value[focus]),
            race=None if self.sim is None else race_hud(self.sim, focus, self.laps.cars_lapped()),
            status=status,
            keys=() if status else (TAKEOVER_LEGEND,),  # one line: the panel is full
            total_steps=self.trainer.num_timesteps,
            extra=self._demo_rows() + self._learner_rows(),
            reward_terms=reward_terms(None if report is None else report.infos, focus),
        )

    def _learner_rows(self) -> tuple[tuple[str, str], ...]:
        """The first lap's time and the last evaluation, once there are."""
        evaluation = self.trainer.last_eval
        rows: tuple[tuple[str, str], ...] = ()
        if self.first_lap_s is not None:
            rows += (("first lap after", f"{self.first_lap_s:.1f} s"),)
        if evaluation is not None:
            score = f"{evaluation.mean_return:.1f}, {100 * evaluation.success_rate:.0f}% success"
            rows += (("last evaluation", score),)
        return rows

    def close(self) -> None:
        """Stop the training loop (which writes last.pt), then close logs and envs."""
        self._reports.close()
        self.trainer.close()
        self.trainer.stepper.close()

    def _driving_status(self) -> str:
        """ "you are driving" while the person drives."""
        if not self.driving:
            return ""
        car = f" car {self.focus}" if self.num_envs > 1 else ""
        return f"you are driving{car} (release Shift)"
