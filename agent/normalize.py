"""Running mean and variance of observations, to feed the networks inputs of unit scale."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import torch


class RunningMeanStd:
    """Streaming mean/variance (Chan et al.'s parallel update), as in SB3's VecNormalize.

    The statistics change only through `update()`: the trainer calls it on each batch of
    observations it collects; evaluation and watching only `normalize()`, so they are frozen.
    """

    def __init__(self, shape: tuple[int, ...], clip: float = 10.0, epsilon: float = 1e-8):
        self.mean = np.zeros(shape, dtype=np.float64)
        self.var = np.ones(shape, dtype=np.float64)
        self.count = 1e-4  # SB3's prior: a tiny count so the first batch dominates
        self.clip = clip
        self.epsilon = epsilon
        self._scale = np.ones(shape, dtype=np.float32)
        self._shift = np.zeros(shape, dtype=np.float32)

    def update(self, batch: npt.NDArray[np.floating]) -> None:
        """Fold a batch [n, *shape] into the statistics."""
        batch_mean = batch.mean(axis=0)
        batch_var = batch.var(axis=0)
        batch_count = batch.shape[0]
        delta = batch_mean - self.mean
        total = self.count + batch_count
        self.mean = self.mean + delta * batch_count / total
        m2 = (
            self.var * self.count
            + batch_var * batch_count
            + delta**2 * self.count * batch_count / total
        )
        self.var = m2 / total
        self.count = total
        self._refresh()

    def _refresh(self) -> None:
        self._scale = (1.0 / np.sqrt(self.var + self.epsilon)).astype(np.float32)
        self._shift = self.mean.astype(np.float32)

    def normalize(self, obs: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
        """(obs - mean) / std, clipped to [-clip, clip], as float32."""
        scaled = (np.asarray(obs, dtype=np.float32) - self._shift) * self._scale
        return np.clip(scaled, -self.clip, self.clip)

    def state_dict(self) -> dict[str, torch.Tensor | float]:
        """The statistics as tensors and floats (loadable with weights_only=True)."""
        return {
            "mean": torch.from_numpy(self.mean.copy()),
            "var": torch.from_numpy(self.var.copy()),
            "count": float(self.count),
            "clip": float(self.clip),
        }

    def load_state_dict(self, state: dict[str, torch.Tensor | float]) -> None:
        """Restore statistics saved by `state_dict()`."""
        mean = np.asarray(state["mean"], dtype=np.float64)
        if mean.shape != self.mean.shape:
            raise ValueError(f"obs_rms.mean: expected shape {self.mean.shape}, got {mean.shape}")
        self.mean = mean
        self.var = np.asarray(state["var"], dtype=np.float64)
        self.count = float(state["count"])
        self.clip = float(state["clip"])
        self._refresh()
