"""What runs in the window: play, watch, versus and train modes; each steps the world and describes it for the HUD."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

import numpy as np
import pygame
from gymnasium.vector import VectorEnv

from agent.evaluate import EvalReport
from agent.learner import UpdateReport
from agent.policy import Policy, PolicyOutput
from game.baseline import ScriptedDriver
from agent.trainer import EnvStepReport, Trainer, env_info
from game.hud import HudState, RaceHud, fmt_seconds
from game.input import Keyboard, SceneControls
from game.race.sim import RaceSim
from game.scenes import SceneSpec
from game.views import FrameView, RaceView, SceneView

CURVE_EPISODES = 300
"""Episodes kept for the HUD's learning curve."""
NOTICE_S = 3.0
"""How long an episode's result stays on the HUD."""
LEAD_MARGIN_M = 10.0
"""The HUD switches to following another car only once it leads by this much."""


class EpisodeLog:
    """The running episode's step and return, and the returns of the episodes before it."""

    def __init__(self) -> None:
        self.episode = 1
        self.step = 0
        self.episode_return = 0.0
        self.returns: deque[float] = deque(maxlen=CURVE_EPISODES)
        self.best: float | None = None

    def add(self, reward: float) -> None:
        """Count one step of the running episode."""
        self.step += 1
        self.episode_return += reward

    def finish(self, episode_return: float | None = None) -> None:
        """Close an episode (the running one, or another env's when its return is given)."""
        value = self.episode_return if episode_return is None else episode_return
        self.returns.append(value)
        self.best = value if self.best is None else max(self.best, value)
        if episode_return is None:
            self.restart()
        self.episode += 1

    def restart(self) -> None:
        """Start the running episode's count again (after a reset)."""
        self.step, self.episode_return = 0, 0.0


class LapTally:
    """How many laps each car completed in its last finished episode (for "cars that lapped")."""

    def __init__(self, cars: int):
        self.last_laps = np.full(cars, -1)
        """-1 until a car has finished an episode."""

    def record(self, car: int, info: dict) -> None:
        """Note the laps of the episode `car` just finished."""
        self.last_laps[car] = info.get("laps", 0)

    def cars_lapped(self) -> int | None:
        """Cars whose last episode had a lap (None before any car finished one)."""
        return int((self.last_laps >= 1).sum()) if (self.last_laps >= 0).any() else None


class Mode:
    """Common to every mode: the scene, its view, the HUD's episode numbers and a notice line."""

    name = ""
    algo: str | None = None

    def __init__(self, scene: SceneSpec, view: SceneView, steps_per_second: float):
        self.scene = scene
        self.view = view
        self.steps_per_second = steps_per_second
        """Env steps per second of simulated time: what 1x speed runs at."""
        self.log = EpisodeLog()
        self.num_envs = 1
        """Envs (cars) stepped per step: steps per second on the HUD count them all."""
        self._notice, self._notice_until = "", 0.0

    def advance(self, quota: float, deadline_s: float) -> int:
        """Run up to `quota` env steps (fewer if `deadline_s` on perf_counter passes); return how many ran."""
        raise NotImplementedError

    def reset(self) -> None:
        """Restart the current episode."""
        self.notify("restart is not available in this mode")

    def notify(self, text: str) -> None:
        """Show `text` on the HUD for a few seconds."""
        self._notice, self._notice_until = text, time.perf_counter() + NOTICE_S

    def notice(self) -> str:
        """The notice to show now, if any."""
        return self._notice if time.perf_counter() < self._notice_until else ""

    def hud_state(self) -> HudState | None:
        """What the HUD should show now (the engine adds fps, speed and pause); None: no HUD."""
        raise NotImplementedError

    def handle_event(self, event: pygame.event.Event) -> bool:
        """Take a window event before the engine's hotkeys see it; whether it was used."""
        return False

    def close(self) -> None:
        """Release the envs (and, when training, save first)."""


def race_hud(sim: RaceSim, car: int = 0, cars_lapped: int | None = None) -> RaceHud:
    """The lap numbers of one car of a race."""
    st = sim.state

    def seconds(value: float) -> float | None:
        return None if math.isnan(value) else float(value)

    return RaceHud(
        laps=int(st.laps[car]),
        lap_time_s=float(st.steps[car] * sim.config.dt_s - st.lap_start_s[car]),
        last_lap_s=seconds(st.last_lap_s[car]),
        best_lap_s=seconds(st.best_lap_s[car]),
        cars=sim.num_cars,
        cars_lapped=cars_lapped,
    )


def ending(scene: SceneSpec, info: dict, terminated: bool) -> str:
    """How an episode ended, in a few words."""
    if info.get("is_success"):
        return "success: " + scene.success
    if info.get("crashed"):
        return "left the track"
    return "crashed or fell" if terminated else "time limit"


def scene_view(scene: SceneSpec, envs: VectorEnv, focus: Callable[[], int]) -> SceneView:
    """The race drawn natively from its simulation (every car); the Gymnasium scenes from env 0's frames."""
    sim: RaceSim | None = getattr(envs, "sim", None)
    if sim is not None:
        return RaceView(lambda: sim, focus)
    first = envs.envs[0]
    return FrameView(lambda: first)


def leader(sim: RaceSim, focus: int) -> int:
    """The car furthest round the track, switching from `focus` only past a margin (no flicker)."""
    travelled = sim.state.travelled_m
    best = int(np.argmax(travelled))
    return best if travelled[best] > travelled[focus] + LEAD_MARGIN_M else focus


class DriveMode(Mode):
    """Play, watch, or race an agent: a vector env whose car 0 may be the keyboard's, the rest a policy's.

    - play: one car, driven with the keyboard;
    - watch: `num_envs` copies of a trained policy (the HUD follows the leader);
    - versus: car 0 is yours, car 1 the policy's, on the same track (they never collide).
    """

    def __init__(self, scene: SceneSpec, envs: VectorEnv, keyboard: Keyboard | None = None,
                 policy: Policy | ScriptedDriver | None = None, algo: str | None = None, greedy: bool = False,
                 seed: int | None = None):  # fmt: skip
        if keyboard is None and policy is None:
            raise ValueError("a DriveMode needs a keyboard, a policy, or both")
        self.focus = 0
        super().__init__(scene, scene_view(scene, envs, lambda: self.focus), envs.metadata["render_fps"])
        self.name = "play" if policy is None else ("watch" if keyboard is None else "versus")
        self.envs = envs
        self.sim: RaceSim | None = getattr(envs, "sim", None)
        self.controls = None if keyboard is None else SceneControls(scene)
        self.keyboard = keyboard
        self.policy, self.algo, self.greedy = policy, algo, greedy
        self.obs, _ = envs.reset(seed=seed)
        self.num_envs = envs.num_envs
        self.laps = LapTally(envs.num_envs)
        self.returns = np.zeros(envs.num_envs)
        self.lengths = np.zeros(envs.num_envs, dtype=np.int64)
        self.actions = np.zeros(envs.num_envs, dtype=np.int64)
        self.output: PolicyOutput | None = None
        self.best_laps = np.full(envs.num_envs, np.nan)
        """Each car's best lap over the whole session (NaN before its first)."""

    @property
    def human(self) -> int | None:
        """The keyboard's car, if a person drives."""
        return None if self.keyboard is None else 0

    @property
    def versus(self) -> bool:
        """A person racing the policy's car on the same track."""
        return self.sim is not None and self.human is not None and self.sim.num_cars >= 2

    def advance(self, quota: float, deadline_s: float) -> int:
        """Step every car up to `quota` times; episodes restart as they end (per car)."""
        steps = 0
        while steps < quota and (steps == 0 or time.perf_counter() < deadline_s):
            self._choose()
            self.obs, rewards, terminated, truncated, infos = self.envs.step(self.actions)
            self.returns += rewards
            self.lengths += 1
            if self.sim is not None:
                self.best_laps = np.fmin(self.best_laps, self.sim.state.best_lap_s)
            for car in np.flatnonzero(terminated | truncated):
                self._finish(int(car), env_info(infos.get("final_info", {}), int(car)), bool(terminated[car]))
            steps += 1
        if self.sim is not None and self.human is None:
            self.focus = leader(self.sim, self.focus)
        return steps

    def _choose(self) -> None:
        if self.policy is not None:
            self.output = self.policy.act(self.obs, deterministic=self.greedy)
            self.actions[:] = self.output.action
        if self.human is not None:
            self.actions[self.human] = self.controls.action(self.keyboard.held)

    def _finish(self, car: int, info: dict, terminated: bool) -> None:
        """Book a car's finished episode; tell the person how their (or the followed) car did."""
        self.laps.record(car, info)
        if car == self.focus:
            text = f"episode {self.log.episode}: return {self.returns[car]:.1f}, {ending(self.scene, info, terminated)}"
            if self.versus:
                text += f"; best lap: you {fmt_seconds(self.best_laps[0])}, agent {fmt_seconds(self.best_laps[1])}"
            self.notify(text)
        self.log.finish(float(self.returns[car]))
        self.returns[car], self.lengths[car] = 0.0, 0

    def reset(self) -> None:
        """Restart every car's episode."""
        self.obs, _ = self.envs.reset()
        self.returns[:], self.lengths[:] = 0.0, 0
        self.notify("episode restarted")

    def hud_state(self) -> HudState:
        """The followed car's episode, its action (with the policy's probabilities) and its laps."""
        car = self.focus
        by_policy = self.output is not None and car != self.human
        race = None if self.sim is None else race_hud(self.sim, car, self.laps.cars_lapped())
        return HudState(
            scene=self.scene.title,
            mode=self.name,
            algo=self.algo,
            episode=self.log.episode,
            episode_step=int(self.lengths[car]),
            episode_return=float(self.returns[car]),
            recent_returns=tuple(self.log.returns),
            best_return=self.log.best,
            action_names=self.scene.action_names,
            probs=tuple(float(p) for p in self.output.probs[car]) if by_policy else None,
            chosen=int(self.actions[car]),
            value=float(self.output.value[car]) if by_policy and self.output.value is not None else None,
            race=race,
            status=self.notice(),
            keys=() if self.controls is None else tuple(self.controls.legend()),
            extra=self._versus_rows(),
        )

    def _versus_rows(self) -> tuple[tuple[str, str], ...]:
        if not self.versus:
            return ()
        return (
            ("agent laps", str(int(self.sim.state.laps[1]))),
            ("best lap: you / agent", f"{fmt_seconds(self.best_laps[0])} / {fmt_seconds(self.best_laps[1])}"),
        )

    def close(self) -> None:
        """Close the envs."""
        self.envs.close()


class TrainMode(Mode):
    """The agent learns while you watch: the trainer's loop, a slice per frame.

    The race trains a swarm of cars on one track, all drawn, and the HUD follows the leader;
    the Gymnasium scenes show env 0.
    """

    name = "train"

    def __init__(self, scene: SceneSpec, trainer: Trainer):
        envs = trainer.envs
        self.focus = 0
        """The env (car) the HUD follows."""
        self.sim: RaceSim | None = getattr(envs, "sim", None)
        super().__init__(scene, scene_view(scene, envs, lambda: self.focus), envs.metadata["render_fps"])
        self.trainer = trainer
        self.algo = trainer.train_config.algo
        self._reports = trainer.run()
        self._updating = False
        self._status = ""
        self.finished = False
        self.last: EnvStepReport | None = None
        self.num_envs = envs.num_envs
        self.laps = LapTally(envs.num_envs)
        self._started_s = time.perf_counter()
        self.first_lap_s: float | None = None
        """Wall seconds from the start of live training to the first lap any car completed."""

    def advance(self, quota: float, deadline_s: float) -> int:
        """Pull the trainer's work units until `quota` env steps ran or the frame's time is up.

        An update (or evaluation) in progress keeps running within the frame's time even once
        the quota is met, so the window stays responsive while the learner works.
        """
        steps = 0
        while not self.finished and time.perf_counter() < deadline_s:
            if steps >= quota and not self._updating:
                break
            try:
                report = next(self._reports)
            except StopIteration:
                self.finished = True
                self._status = f"training finished: {self.trainer.num_timesteps:,} steps (Esc quits)"
                break
            if isinstance(report, EnvStepReport):
                steps += 1
                self._on_env_step(report)
            elif isinstance(report, UpdateReport):
                self._updating = report.stats is None
                self._status = "" if report.stats else (
                    f"updating the policy: step {report.gradient_step} of {report.planned_steps}"
                )
            elif isinstance(report, EvalReport):
                self._updating = report.result is None
                self._status = "" if report.result else (
                    f"evaluating: episode {report.episodes_done} of {report.episodes}"
                )
        if self.sim is not None:
            self.focus = leader(self.sim, self.focus)
            if self.first_lap_s is None and self.sim.state.laps.any():
                self.first_lap_s = time.perf_counter() - self._started_s
                self.notify(f"first lap after {self.first_lap_s:.1f} s of training!")
        return steps

    def _on_env_step(self, report: EnvStepReport) -> None:
        self.last = report
        for episode in report.finished:
            if episode.env_index == self.focus:
                crashed = bool(episode.info.get("crashed", False))
                self.notify(f"episode: return {episode.episode_return:.1f}, {ending(self.scene, episode.info, crashed)}")
            self.laps.record(episode.env_index, episode.info)
            self.log.finish(episode.episode_return)

    def _follow_leader(self) -> None:
        """Follow the car furthest round the track (with a margin, so the HUD does not flicker)."""
        if self.sim is None or self.sim.num_cars == 1:
            return
        travelled = self.sim.state.travelled_m
        leader = int(np.argmax(travelled))
        if travelled[leader] > travelled[self.focus] + LEAD_MARGIN_M:
            self.focus = leader

    def hud_state(self) -> HudState:
        """The followed car's episode and the policy's view of it, plus the learner's progress."""
        report, focus = self.last, self.focus
        output = None if report is None else report.policy
        race = None
        if self.sim is not None:
            race = race_hud(self.sim, focus, self.laps.cars_lapped())
        evaluation = self.trainer.last_eval
        extra: tuple[tuple[str, str], ...] = ()
        if self.first_lap_s is not None:
            extra += (("first lap after", f"{self.first_lap_s:.1f} s"),)
        if evaluation is not None:
            extra += (("last evaluation", f"{evaluation.mean_return:.1f}, {100 * evaluation.success_rate:.0f}% success"),)
        return HudState(
            scene=self.scene.title,
            mode=self.name,
            algo=self.algo,
            episode=self.trainer.episodes + 1,
            episode_step=0 if report is None else int(report.episode_lengths[focus]),
            episode_return=0.0 if report is None else float(report.episode_returns[focus]),
            recent_returns=tuple(self.log.returns),
            best_return=self.log.best,
            action_names=self.scene.action_names,
            probs=None if output is None else tuple(float(p) for p in output.probs[focus]),
            chosen=None if report is None else int(report.actions[focus]),
            value=None if output is None or output.value is None else float(output.value[focus]),
            race=race,
            status=self._status or self.notice(),
            total_steps=self.trainer.num_timesteps,
            extra=extra,
        )

    def close(self) -> None:
        """Stop the training loop (which writes last.pt), then close logs and envs."""
        self._reports.close()
        self.trainer.close()
        self.trainer.envs.close()
