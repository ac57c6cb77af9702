"""The training loop over a Gymnasium vector env, as one generator the window or a script drives."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from gymnasium.vector import AutoresetMode, VectorEnv
from threadpoolctl import threadpool_limits

from agent.checkpoint import save_checkpoint
from agent.clone import CloneReport, CloneResult, Cloner
from agent.config import AlgoConfig, PPOConfig, check_pair
from agent.recording import DemoRecorder
from agent.episodes import EnvStepReport, EpisodeStepper, FinishedEpisode
from agent.evaluation import EvalReport, EvalResult, run_evaluation
from agent.guard import RunGuard
from agent.learner import Learner, Transition, UpdateReport
from agent.metrics import CSV_NAME, RunLogger
from agent.policy import Policy
from agent.ppo import PPO
from agent.reinforce import Reinforce
from agent.run import BEST, DEMOS, LAST, RunPlan
from agent.takeover import SOURCE as TAKEOVER_SOURCE
from agent.takeover import TakeOverSession
from agent.training_state import restore_training, training_payload

EVAL_SEED_OFFSET = 1_000_000
"""Evaluation episodes use seeds far from the training envs' ones."""
CHECKPOINT_EVERY_S = 60.0
"""last.pt is also written at least this often (wall time): a power cut loses at most this much."""

Report = EnvStepReport | UpdateReport | EvalReport | CloneReport


def make_learner(
    algo_config: AlgoConfig, obs_dim: int, n_actions: int, num_envs: int, seed: int
) -> Learner:
    """The learner for a config: PPO or REINFORCE."""
    if isinstance(algo_config, PPOConfig):
        return PPO(algo_config, obs_dim, n_actions, num_envs, seed)
    return Reinforce(algo_config, obs_dim, n_actions, num_envs, seed)


class Trainer:
    """Trains a learner on `envs`: collect, update, evaluate, checkpoint, until total_timesteps."""

    def __init__(
        self,
        plan: RunPlan,
        envs: VectorEnv,
        make_eval_env: Callable[[], gym.Env] | None = None,
    ):
        train_config, algo_config = plan.train_config, plan.algo_config
        mode = envs.metadata.get("autoreset_mode")
        if mode != AutoresetMode.SAME_STEP:
            # a loop written for one autoreset mode silently learns from wrong samples in another
            raise ValueError(f"envs: autoreset_mode: expected AutoresetMode.SAME_STEP, got {mode}")
        check_pair(train_config, algo_config)
        if envs.num_envs != train_config.num_envs:
            raise ValueError(f"envs: expected {train_config.num_envs} envs, got {envs.num_envs}")
        torch.set_num_threads(train_config.torch_threads)
        threadpool_limits(train_config.torch_threads, user_api="blas")  # numpy's, for PPO
        torch.manual_seed(train_config.seed)
        self.plan = plan
        self.envs = envs
        self.stepper = EpisodeStepper(envs)
        self.train_config = train_config
        self.algo_config = algo_config
        self.run_dir = plan.run_dir
        self.make_eval_env = make_eval_env
        self.obs_shape = envs.single_observation_space.shape
        self.obs_names: tuple[str, ...] | None = getattr(envs.unwrapped, "obs_names", None)
        """The observation's value names, when the env names them (recorded in checkpoints)."""
        self.n_actions = int(envs.single_action_space.n)
        self.learner = make_learner(
            algo_config, self.obs_shape[0], self.n_actions, envs.num_envs, train_config.seed
        )
        self.num_timesteps = 0
        self.episodes = 0
        self.updates = 0
        self.best_eval_mean: float | None = None
        self.last_eval: EvalResult | None = None
        self._last_eval_step = -1
        self.recent_returns: deque[float] = deque(maxlen=100)
        self.wall_s_before = 0.0
        """Wall seconds the run trained before this process (a resumed run's, from last.pt)."""
        self._start_s: float | None = None
        self.logger: RunLogger | None = None
        self._eval_envs: list[gym.Env] = []
        self.guard = RunGuard(lambda: self.num_timesteps)
        """Stops training on a full disk or NaN, keeping the last good checkpoint."""
        self.cloner = Cloner(
            self.policy,
            plan.clone_config,
            algo_config.gamma,
            self.learner.value_target,
            algo_config.max_grad_norm,
            train_config.seed,
        )
        self.clone_result: CloneResult | None = None
        """What cloning the plan's demonstrations did (None before, or without any)."""
        spec = plan.demo_spec
        recorder = (
            None
            if spec is None or plan.run_dir is None
            else DemoRecorder(spec, TAKEOVER_SOURCE, train_config.env_options, plan.run_dir / DEMOS)
        )
        self.takeover = TakeOverSession(self.cloner, recorder)
        """Whether a person drives an env now (the window says), and where their steps go."""
        if plan.resumed is not None:
            assert plan.run_dir is not None, "a resumed run has a run directory"
            restore_training(self, plan.run_dir / LAST, plan.resumed)
            self.guard.last_good = (plan.run_dir / LAST, self.num_timesteps)

    @property
    def wall_s(self) -> float:
        """Wall seconds the run has trained, evaluations included, over all its sessions."""
        if self._start_s is None:
            return self.wall_s_before
        return self.wall_s_before + time.perf_counter() - self._start_s

    @property
    def policy(self) -> Policy:
        """The learner's current policy (call `act()` on it)."""
        return self.learner.policy

    @property
    def evaluated_policy(self) -> Policy:
        """The policy evaluations score: the trained one, or its weights' moving average."""
        return self.learner.evaluated_policy

    def run(self) -> Iterator[Report]:
        """Train until total_timesteps: each item is one env step, gradient step or eval step."""
        cfg = self.train_config
        if self.run_dir is not None and self.logger is None:
            with self.guard.writing(self.run_dir / CSV_NAME):
                self.logger = RunLogger(self.run_dir, cfg.info_keys, self.num_timesteps)
        if self.plan.demos is not None and self.clone_result is None:
            yield from self._clone()
        self._start_s, self._start_steps = time.perf_counter(), self.num_timesteps
        self._reset_envs()
        next_eval = self._next_multiple(cfg.eval_every_steps)
        next_checkpoint = self._next_multiple(cfg.checkpoint_every_steps)
        checkpoint_due_s = time.perf_counter() + CHECKPOINT_EVERY_S
        try:
            while self.num_timesteps < cfg.total_timesteps:
                yield self._env_step()
                if self.learner.ready():
                    yield from self._update()
                if next_eval is not None and self.num_timesteps >= next_eval:
                    yield from self._evaluate()
                    next_eval = self._next_multiple(cfg.eval_every_steps)
                if self.num_timesteps >= next_checkpoint or time.perf_counter() >= checkpoint_due_s:
                    self._save_last()
                    next_checkpoint = self._next_multiple(cfg.checkpoint_every_steps)
                    checkpoint_due_s = time.perf_counter() + CHECKPOINT_EVERY_S
            if next_eval is not None and self._last_eval_step != self.num_timesteps:
                yield from self._evaluate()  # score the final policy too
        finally:
            # also on generator.close() / KeyboardInterrupt: always leave a loadable last.pt
            # (but never after a TrainingStopped: the last good one is kept as it is)
            self._save_last()

    def _clone(self) -> Iterator[CloneReport]:
        """Behaviour cloning of the plan's demonstrations, before any RL."""
        assert self.plan.demos is not None
        demos = self.plan.demos.reacting(self.plan.clone_config.reaction_steps)
        for report in self.cloner.pretrain(demos, self.plan.clone_config.demos):
            yield report
        self.clone_result = report.result
        self.cloner.keep(demos.obs, demos.actions, self.num_timesteps // self.envs.num_envs)

    def take_over(self, env_index: int | None, action: int = 0) -> None:
        """From the next step, a person drives `env_index` with `action`; None hands it back."""
        self.takeover.set(env_index, action)

    def _next_multiple(self, every: int) -> int | None:
        """The first multiple of `every` after the current step (None when `every` is 0)."""
        return None if every == 0 else (self.num_timesteps // every + 1) * every

    def _reset_envs(self) -> None:
        """Reset all envs (seeded from the step count, so a resumed run is reproducible)."""
        obs = self.stepper.reset(seed=self.train_config.seed + self.num_timesteps)
        self._obs = obs
        if self.policy.obs_rms is not None:
            self.policy.obs_rms.update(obs)
        self._obs_normalized = self.policy.normalize(obs)

    def _env_step(self) -> EnvStepReport:
        """Act, step the envs, hand the transition to the learner, log the finished episodes."""
        policy = self.policy
        obs_normalized = self._obs_normalized
        output = self.takeover.apply(policy.act_normalized(obs_normalized))
        report = self.stepper.step(output.action, output)
        next_obs, rewards, infos = report.obs, report.rewards, report.infos
        terminated, truncated = report.terminated, report.truncated
        self.takeover.book(self._obs, report, self.num_timesteps // self.envs.num_envs)
        self._obs = next_obs
        scene = self.train_config.scene
        self.guard.check_finite(scene, "observation", next_obs)
        self.guard.check_finite(scene, "reward", rewards)
        ended = terminated | truncated
        final_obs = next_obs
        if ended.any():
            # SAME_STEP autoreset: next_obs already starts the new episodes; the old ones'
            # last observations are in info["final_obs"] and serve only to bootstrap.
            final_obs = next_obs.copy()
            final_obs[ended] = np.stack(infos["final_obs"][ended])
            self.guard.check_finite(scene, "final observation", final_obs)
        if policy.obs_rms is not None:
            policy.obs_rms.update(next_obs)
        self._obs_normalized = policy.normalize(next_obs)
        self.learner.observe(
            Transition(
                obs_normalized,
                output,
                rewards.astype(np.float32),
                terminated,
                truncated,
                policy.normalize(final_obs),
                self._obs_normalized,
            )
        )
        self.num_timesteps += self.envs.num_envs
        for episode in report.finished:
            self._log_episode(episode)
        return report

    def _log_episode(self, episode: FinishedEpisode) -> None:
        """Count and log a finished episode."""
        self.episodes += 1
        self.recent_returns.append(episode.episode_return)
        if self.logger is not None:
            with self.guard.writing(self.logger.csv_path):
                self.logger.episode(
                    self.num_timesteps,
                    self.episodes,
                    episode.episode_return,
                    episode.length,
                    episode.info,
                    self.wall_s,
                )

    def _update(self) -> Iterator[UpdateReport]:
        """Run the learner's update, one report per gradient step; log its stats."""
        progress_remaining = max(0.0, 1.0 - self.num_timesteps / self.train_config.total_timesteps)
        try:
            for report in self.learner.update(progress_remaining):
                yield report
        except FloatingPointError as error:  # the optimiser refuses a non-finite gradient
            raise self.guard.stop(
                f"{self.train_config.algo} update: {error} (update refused)"
            ) from None
        self.updates += 1
        yield from self.cloner.rl_update(self.num_timesteps // self.envs.num_envs)
        if self.logger is not None and report.stats is not None:
            elapsed_s = max(self.wall_s - self.wall_s_before, 1e-9)
            steps_per_s = (self.num_timesteps - self._start_steps) / elapsed_s
            with self.guard.writing(self.logger.csv_path):
                self.logger.update(self.num_timesteps, report.stats, steps_per_s)
                self.logger.flush()

    def _evaluate(self) -> Iterator[EvalReport]:
        """Evaluate the deterministic policy on the eval envs; keep best.pt on improvement."""
        cfg = self.train_config
        if self.make_eval_env is None:
            return
        if not self._eval_envs:
            self._eval_envs = [
                self.make_eval_env() for _ in range(min(cfg.eval_envs, cfg.eval_episodes))
            ]
        seed = cfg.seed + EVAL_SEED_OFFSET
        for report in run_evaluation(
            self.evaluated_policy, self._eval_envs, cfg.eval_episodes, seed
        ):
            yield report
        result = report.result
        assert result is not None
        self.last_eval = result
        self._last_eval_step = self.num_timesteps
        if self.logger is not None:
            with self.guard.writing(self.logger.csv_path):
                self.logger.evaluation(self.num_timesteps, result, self.wall_s)
        if self.best_eval_mean is None or result.mean_return > self.best_eval_mean:
            self.best_eval_mean = result.mean_return
            if self.run_dir is not None:
                with self.guard.writing(self.run_dir / BEST):
                    self.save(self.run_dir / BEST)

    def _save_last(self) -> None:
        """Flush the logs, then write run_dir/last.pt: the logs are never behind the checkpoint.

        Nothing is written once the guard stopped training.
        """
        if self.guard.stopped:
            return
        if self.logger is not None:
            with self.guard.writing(self.logger.csv_path):
                self.logger.flush()
        if self.run_dir is not None:
            self._save_takeover_demos()
            path = self.run_dir / LAST
            with self.guard.writing(path):
                self.save(path)
            self.guard.last_good = (path, self.num_timesteps)

    def _save_takeover_demos(self, closing: bool = False) -> None:
        """Append a person's finished take-over stretches to run_dir/demos.npz."""
        with self.guard.writing(self.run_dir / DEMOS):
            self.takeover.flush(closing)

    def save(self, path: str | Path) -> None:
        """Write a checkpoint of the whole training state to `path` (atomically).

        A model with NaN or infinite weights is never written: the guard stops training instead.
        """
        if not torch.isfinite(self.policy.model.flat_parameters).all():
            raise self.guard.stop(
                f"{path}: model: expected finite weights, got NaN or infinity (not saved)"
            )
        save_checkpoint(path, training_payload(self))

    def close(self) -> None:
        """Write last.pt (and the take-over steps), flush and close the logs and the eval envs."""
        if self.run_dir is not None and not self.guard.stopped:
            self._save_takeover_demos(closing=True)
        try:
            self._save_last()
        finally:
            logger, self.logger = self.logger, None
            for env in self._eval_envs:
                env.close()
            self._eval_envs = []
            if logger is not None and self.guard.stopped:
                with suppress(OSError):  # the write error was already reported
                    logger.close()
            elif logger is not None:
                with self.guard.writing(logger.csv_path):
                    logger.close()
