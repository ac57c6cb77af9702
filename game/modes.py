"""What runs in the window: play, watch and train modes; each steps the world and describes it for the HUD."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

import gymnasium as gym
import numpy as np
import numpy.typing as npt

from agent.evaluate import EvalReport
from agent.learner import UpdateReport
from agent.policy import Policy, PolicyOutput
from agent.trainer import EnvStepReport, Trainer
from game.hud import HudState, RaceHud
from game.input import Keyboard, SceneControls
from game.race.sim import RaceSim
from game.scenes import SceneSpec
from game.views import FrameView, RaceView, SceneView

CURVE_EPISODES = 300
"""Episodes kept for the HUD's learning curve."""
NOTICE_S = 3.0
"""How long an episode's result stays on the HUD."""


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

    def hud_state(self) -> HudState:
        """What the HUD should show now (the engine adds fps, speed and pause)."""
        raise NotImplementedError

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


def view_for(scene: SceneSpec, env: Callable[[], gym.Env], sim: Callable[[], RaceSim]) -> SceneView:
    """The race is drawn natively from its simulation; the Gymnasium scenes from their frames."""
    return RaceView(sim) if scene.name == "race" else FrameView(env)


def ending(scene: SceneSpec, info: dict, terminated: bool) -> str:
    """How an episode ended, in a few words."""
    if info.get("is_success"):
        return "success: " + scene.success
    if info.get("crashed"):
        return "left the track"
    return "crashed or fell" if terminated else "time limit"


class SingleEnvMode(Mode):
    """One env, its actions chosen each step by `choose` (the keyboard or a policy)."""

    def __init__(self, scene: SceneSpec, env: gym.Env, seed: int | None):
        super().__init__(scene, view_for(scene, lambda: env, lambda: env.unwrapped.sim),
                         env.metadata["render_fps"])  # fmt: skip
        self.env = env
        self.obs, _ = env.reset(seed=seed)
        self.last_action: int | None = None
        self.last_output: PolicyOutput | None = None

    def choose(self, obs: npt.NDArray[np.float32]) -> tuple[int, PolicyOutput | None]:
        """The action for `obs`, and the policy's output when a policy chose it."""
        raise NotImplementedError

    def advance(self, quota: float, deadline_s: float) -> int:
        """Step the env up to `quota` times, restarting episodes as they end."""
        steps = 0
        while steps < quota and (steps == 0 or time.perf_counter() < deadline_s):
            action, output = self.choose(self.obs)
            self.obs, reward, terminated, truncated, info = self.env.step(action)
            self.last_action, self.last_output = action, output
            self.log.add(float(reward))
            steps += 1
            if terminated or truncated:
                self.notify(f"episode {self.log.episode}: return {self.log.episode_return:.1f}, "
                            f"{ending(self.scene, info, terminated)}")  # fmt: skip
                self.log.finish()
                self.obs, _ = self.env.reset()
        return steps

    def reset(self) -> None:
        """Abandon the running episode and start a fresh one."""
        self.obs, _ = self.env.reset()
        self.log.restart()
        self.notify("episode restarted")

    def hud_state(self) -> HudState:
        """The episode numbers, and the chosen action (with its probabilities when a policy chose)."""
        output = self.last_output
        race = race_hud(self.env.unwrapped.sim) if self.scene.name == "race" else None
        return HudState(
            scene=self.scene.title,
            mode=self.name,
            algo=self.algo,
            episode=self.log.episode,
            episode_step=self.log.step,
            episode_return=self.log.episode_return,
            recent_returns=tuple(self.log.returns),
            best_return=self.log.best,
            action_names=self.scene.action_names,
            probs=None if output is None else tuple(float(p) for p in output.probs[0]),
            chosen=self.last_action,
            value=None if output is None or output.value is None else float(output.value[0]),
            race=race,
            status=self.notice(),
            keys=self.keys(),
        )

    def keys(self) -> tuple[tuple[str, str], ...]:
        """Key legend for the HUD."""
        return ()

    def close(self) -> None:
        """Close the env."""
        self.env.close()


class PlayMode(SingleEnvMode):
    """A person drives: held keys become the scene's actions; rewards and laps count as for an agent."""

    name = "play"

    def __init__(self, scene: SceneSpec, env: gym.Env, keyboard: Keyboard, seed: int | None = None):
        super().__init__(scene, env, seed)
        self.keyboard = keyboard
        self.controls = SceneControls(scene)

    def choose(self, obs: npt.NDArray[np.float32]) -> tuple[int, PolicyOutput | None]:
        """The action the held keys ask for."""
        return self.controls.action(self.keyboard.held), None

    def keys(self) -> tuple[tuple[str, str], ...]:
        """The scene's controls."""
        return tuple(self.controls.legend())


class WatchMode(SingleEnvMode):
    """A trained policy drives; the HUD shows its probabilities (sampled actions, or greedy)."""

    name = "watch"

    def __init__(self, scene: SceneSpec, env: gym.Env, policy: Policy, algo: str | None,
                 greedy: bool = False, seed: int | None = None):  # fmt: skip
        super().__init__(scene, env, seed)
        self.policy = policy
        self.algo = algo
        self.greedy = greedy

    def choose(self, obs: npt.NDArray[np.float32]) -> tuple[int, PolicyOutput | None]:
        """The policy's action: sampled, or the most probable with --greedy."""
        output = self.policy.act(obs[None], deterministic=self.greedy)
        return int(output.action[0]), output


LEAD_MARGIN_M = 10.0
"""The HUD switches to following another car only once it leads by this much."""


class TrainMode(Mode):
    """The agent learns while you watch: the trainer's loop, a slice per frame.

    The race trains a swarm of cars on one track, all drawn, and the HUD follows the leader;
    the Gymnasium scenes show env 0.
    """

    name = "train"

    def __init__(self, scene: SceneSpec, trainer: Trainer):
        envs = trainer.envs
        self.sim: RaceSim | None = getattr(envs, "sim", None)
        if self.sim is not None:
            view: SceneView = RaceView(lambda: self.sim, lambda: self.focus)
        else:
            first = envs.envs[0]
            view = view_for(scene, lambda: first, lambda: first.unwrapped.sim)
        super().__init__(scene, view, envs.metadata["render_fps"])
        self.trainer = trainer
        self.algo = trainer.train_config.algo
        self.focus = 0
        """The env (car) the HUD follows."""
        self._reports = trainer.run()
        self._updating = False
        self._status = ""
        self.finished = False
        self.last: EnvStepReport | None = None
        self._last_laps = np.full(envs.num_envs, -1)
        """Laps of each car's last finished episode (-1 before it has finished one)."""

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
        self._follow_leader()
        return steps

    def _on_env_step(self, report: EnvStepReport) -> None:
        self.last = report
        for episode in report.finished:
            if episode.env_index == self.focus:
                crashed = bool(episode.info.get("crashed", False))
                self.notify(f"episode: return {episode.episode_return:.1f}, {ending(self.scene, episode.info, crashed)}")
            self._last_laps[episode.env_index] = episode.info.get("laps", -1)
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
        if self.scene.name == "race":
            finished = self._last_laps >= 0
            lapped = int((self._last_laps >= 1).sum()) if finished.any() else None
            sim = self.sim if self.sim is not None else self.trainer.envs.envs[0].unwrapped.sim
            race = race_hud(sim, focus, lapped)
        evaluation = self.trainer.last_eval
        extra = () if evaluation is None else (
            ("last evaluation", f"{evaluation.mean_return:.1f}, {100 * evaluation.success_rate:.0f}% success"),
        )
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
