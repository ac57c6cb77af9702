"""A person taking over one env while the run learns: their actions drive it, and are learned.

The window calls `Trainer.take_over(env, action)` every step a key is held; the trainer asks
`TakeOverSession.apply` to put the person's action in place of the policy's in that env (with
the log-probability the policy gives it, so PPO's ratio starts at 1 there), and `book` hands
the step to the cloner (cloned after each update, weighted down as it ages) and
to a `DemoRecorder` for run_dir/demos.npz. Releasing the key hands the car back.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from agent.clone import Cloner
from agent.demos import PERSON
from agent.recording import DemoRecorder, outcome
from agent.episodes import EnvStepReport
from agent.policy import PolicyOutput

SOURCE = f"{PERSON} (take-over)"
"""How the steps a person drives during training are labelled in the run's demos.npz."""


class TakeOver(NamedTuple):
    """A person drives env `env_index` with `action`."""

    env_index: int
    action: int


class TakeOverSession:
    """Who drives which env now, and where the person's steps go."""

    def __init__(self, cloner: Cloner, recorder: DemoRecorder | None):
        self.cloner = cloner
        self.recorder = recorder
        """Records the person's stretches for the run's demos.npz (None: not recorded)."""
        self.current: TakeOver | None = None
        """The person's env and action for the next step; None while the policy drives."""
        self.steps = 0
        """Steps the person drove."""

    def set(self, env_index: int | None, action: int = 0) -> None:
        """From the next step, the person drives `env_index` with `action`; None hands it back."""
        previous = self.current
        if previous is not None and previous.env_index != env_index and self.recorder:
            self.recorder.end(previous.env_index, "handed back", finished=False)
        self.current = None if env_index is None else TakeOver(env_index, action)

    def apply(self, output: PolicyOutput) -> PolicyOutput:
        """The policy's decision with the person's action in the driven env, its log-probability
        the policy's for that action."""
        if self.current is None:
            return output
        env, action = self.current
        actions, log_prob = output.action.copy(), output.log_prob.copy()
        actions[env] = action
        log_prob[env] = np.log(max(float(output.probs[env, action]), 1e-12))
        return output._replace(action=actions, log_prob=log_prob)

    def book(self, obs: npt.NDArray[np.float32], report: EnvStepReport, vector_step: int) -> None:
        """The person's step (from raw `obs`) reaches the cloner and the recorder; an episode
        that ended ends the recorded stretch."""
        if self.current is None:
            return
        env, action = self.current
        self.cloner.keep(obs[env], np.array([action]), vector_step)
        self.steps += 1
        if self.recorder is None:
            return
        self.recorder.add(env, obs[env], action, float(report.rewards[env]))
        for episode in report.finished:
            if episode.env_index == env:
                ending = episode.info.get("ending") or "ended"
                self.recorder.end(env, **outcome(episode.info, ending))

    def flush(self, closing: bool = False) -> None:
        """Append the stretches finished since the last call to the recorder's file (all of them
        when `closing`)."""
        if self.recorder is None:
            return
        if closing:
            self.recorder.end_all("training stopped")
        self.recorder.flush()
