"""What a sweep runs: configurations (an algorithm and its overrides) x seeds, from flags or a
lesson.

`--set key=v1,v2` gives a grid over the values; with `--samples K`, K configurations are drawn
instead (a value list is a uniform choice, a range `lo..hi` is uniform for integers and
log-uniform for positive floats). A key applies to every algorithm whose config has it. Every
configuration is built once here, so a bad key or value is one line before anything runs.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agent.config import (
    ALGOS,
    PPOConfig,
    ReinforceConfig,
    TrainConfig,
    check_pair,
    fit_batch_size,
)
from agent.defaults import default_config
from agent.errors import ConfigError
from agent.files import write_text_atomically

RANDOM = "random"
"""The uniformly random policy: evaluated, never trained (a baseline)."""
SWEEP_ALGOS = (*ALGOS, RANDOM)
NOT_SWEPT = ("scene", "algo", "seed", "env_options", "info_keys", "torch_threads")
"""TrainConfig fields that are not hyperparameters (seeds are --seeds; one torch thread a trial)."""
SPEC_NAME = "sweep.json"


@dataclass(frozen=True)
class Variant:
    """One configuration: an algorithm from its tuned defaults, with some fields overridden."""

    label: str
    algo: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    """Field name -> value, for TrainConfig or the algorithm's config."""
    env_options: Mapping[str, Any] = field(default_factory=dict)
    """Options of this configuration's training envs, over the sweep's (e.g. another track)."""


@dataclass(frozen=True)
class SweepSpec:
    """A sweep: every variant trained on every seed, then scored."""

    scene: str
    variants: tuple[Variant, ...]
    seeds: tuple[int, ...]
    target: float | None = None
    """A mean evaluation return counted as reaching the target (None = none)."""
    final_episodes: int = 100
    """Episodes of the final evaluation of each trained policy."""
    env_options: Mapping[str, Any] = field(default_factory=dict)
    """Options of the training envs (each variant may add its own)."""
    eval_env_options: Mapping[str, Any] | None = None
    """Options of the evaluation envs, periodic and final (e.g. held-out tracks); None: the
    training ones."""
    title: str = ""
    """The plots' title (default: the scene and the number of seeds)."""

    def save(self, path: Path) -> None:
        """Write the spec as JSON (atomically): `--resume` reads it back."""
        write_text_atomically(path, json.dumps(dataclasses.asdict(self), indent=2) + "\n")

    def train_options(self, variant: int) -> dict[str, Any]:
        """The options variant `variant` trains with."""
        return {**self.env_options, **self.variants[variant].env_options}

    def eval_options(self, variant: int) -> dict[str, Any]:
        """The options variant `variant` is evaluated with."""
        if self.eval_env_options is None:
            return self.train_options(variant)
        return dict(self.eval_env_options)

    @classmethod
    def load(cls, path: Path) -> SweepSpec:
        """The spec `save` wrote; ConfigError if it is not one."""
        try:
            values = json.loads(path.read_text())
            variants = tuple(Variant(**v) for v in values.pop("variants"))
            return cls(variants=variants, **{**values, "seeds": tuple(values["seeds"])})
        except (OSError, ValueError, TypeError, KeyError) as error:
            raise ConfigError(f"{path}: expected a sweep's {SPEC_NAME}, got {error}") from None


def build_configs(
    scene: str, variant: Variant, seed: int = 0, env_options: Mapping[str, Any] | None = None
) -> tuple[TrainConfig, Any]:
    """The variant's TrainConfig and algorithm config, from the defaults for its `env_options`
    (the race's "random" track has its own); ConfigError names a bad field."""
    train_config, algo_config = default_config(scene, variant.algo, env_options=env_options)
    return with_settings(
        dataclasses.replace(train_config, seed=seed), algo_config, variant.overrides
    )


def with_settings(
    train_config: TrainConfig, algo_config: Any, settings: Mapping[str, Any]
) -> tuple[TrainConfig, Any]:
    """The configs with `settings` (field -> value) applied: TrainConfig's fields to it, the
    others to the algorithm's; ConfigError names a bad field."""
    train_fields = {f.name for f in dataclasses.fields(TrainConfig)}
    ours = {k: v for k, v in settings.items() if k in train_fields}
    theirs = {k: v for k, v in settings.items() if k not in train_fields}
    train_config = dataclasses.replace(train_config, **ours)
    if "num_envs" in ours and "batch_size" not in theirs:  # as --envs does: any number works
        algo_config = fit_batch_size(algo_config, train_config.num_envs)
    algo_config = dataclasses.replace(algo_config, **theirs)
    check_pair(train_config, algo_config)
    return train_config, algo_config


def settable_fields(algo: str) -> dict[str, str]:
    """The keys --set may change for `algo`, with their types (as annotated)."""
    config = PPOConfig if algo == "ppo" else ReinforceConfig
    fields = [*dataclasses.fields(TrainConfig), *dataclasses.fields(config)]
    return {f.name: str(f.type) for f in fields if f.name not in NOT_SWEPT}


def parse_value(key: str, text: str, kind: str) -> Any:
    """One --set value converted to its field's type; ConfigError names the key otherwise."""
    low = text.strip().lower()
    try:
        if "None" in kind and low == "none":
            return None
        if kind.startswith("bool"):
            return {"true": True, "1": True, "false": False, "0": False}[low]
        if kind.startswith("int"):
            return int(low)
        if kind.startswith("float"):
            return float(low)
        if kind.startswith("tuple"):  # hidden_sizes: 64x64, or none for no hidden layer
            return () if low == "none" else tuple(int(width) for width in low.split("x"))
        return text.strip()
    except (ValueError, KeyError):
        expected = {"bool": "true or false", "int": "a whole number", "float": "a number"}
        what = next((v for k, v in expected.items() if kind.startswith(k)), None)
        what = what or "widths like 64x64, or none (no hidden layer)"
        raise ConfigError(f"--set {key}: expected {what}, got {text!r}") from None


def parse_sets(sets: Sequence[str], algos: Sequence[str]) -> dict[str, list[str]]:
    """`key=v1,v2` flags -> key -> value texts; a key no algorithm has lists the valid ones."""
    valid = sorted({k for a in algos if a != RANDOM for k in settable_fields(a)})
    parsed: dict[str, list[str]] = {}
    for item in sets:
        key, sep, values = item.partition("=")
        key = key.strip()
        if not sep or not values.strip():
            raise ConfigError(f"--set: expected key=value[,value...], got {item!r}")
        if key not in valid:
            raise ConfigError(f"--set {key}: expected one of {', '.join(valid)}")
        parsed[key] = [v for v in values.split(",") if v.strip()]
    return parsed


def parse_settings(algo: str, sets: Sequence[str]) -> dict[str, Any]:
    """One training run's `key=value` flags -> key -> value (one value each: a grid or a range
    of values is a sweep's); ConfigError names a bad key or value."""
    kinds = settable_fields(algo)
    settings = {}
    for key, texts in parse_sets(sets, [algo]).items():
        if len(texts) != 1 or ".." in texts[0]:
            raise ConfigError(
                f"--set {key}: expected one value with --mode train (several, or lo..hi, "
                f"with --mode sweep), got {','.join(texts)!r}"
            )
        settings[key] = parse_value(key, texts[0], kinds[key])
    return settings


def _draw(key: str, text: str, kind: str, rng: np.random.Generator) -> Any:
    """A value for `key` drawn from a range lo..hi (or the one value `text` names)."""
    if ".." not in text:
        return parse_value(key, text, kind)
    lo, hi = (parse_value(key, part, kind) for part in text.split("..", 1))
    if not (isinstance(lo, int | float) and not isinstance(lo, bool) and lo < hi):
        raise ConfigError(f"--set {key}: expected a range lo..hi of numbers, lo < hi, got {text!r}")
    if kind.startswith("int"):
        return int(rng.integers(lo, hi + 1))
    if lo > 0:
        return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))
    return float(rng.uniform(lo, hi))


def grid_variants(
    scene: str, algos: Sequence[str], sets: Sequence[str], samples: int | None, sample_seed: int = 0
) -> tuple[Variant, ...]:
    """The configurations --algo, --set and --samples ask for, each checked by building it."""
    for algo in algos:
        if algo not in SWEEP_ALGOS:
            raise ConfigError(f"--algo: expected names from {', '.join(SWEEP_ALGOS)}, got {algo!r}")
    values = parse_sets(sets, algos)
    rng = np.random.default_rng(sample_seed)
    variants: list[Variant] = []
    if samples is None and any(".." in text for v in values.values() for text in v):
        raise ConfigError("--set: a range lo..hi needs --samples (random search)")
    for algo in algos:
        kinds = settable_fields(algo) if algo != RANDOM else {}
        keys = [k for k in values if k in kinds]
        if samples is None:
            combos = [
                {k: parse_value(k, text, kinds[k]) for k, text in zip(keys, texts, strict=True)}
                for texts in itertools.product(*(values[k] for k in keys))
            ]
        else:
            combos = [
                {k: _draw(k, str(rng.choice(values[k])), kinds[k], rng) for k in keys}
                for _ in range(1 if algo == RANDOM else samples)
            ]
        for overrides in combos:
            shown = {k: v for k, v in overrides.items() if samples or len(values[k]) > 1}
            label = " ".join([algo, *(f"{k}={_show(v)}" for k, v in shown.items())])
            repeats = sum(v.label == label or v.label.startswith(f"{label} #") for v in variants)
            if repeats:  # random search may draw the same values twice: labels stay unique
                label = f"{label} #{repeats + 1}"
            variants.append(Variant(label, algo, overrides))
    for variant in variants:
        check_variant(scene, variant)
    return tuple(variants)


def check_variant(scene: str, variant: Variant) -> None:
    """Build the variant's configs once: a bad value is one line naming it (before Ray starts)."""
    if variant.algo == RANDOM:
        return
    try:
        build_configs(scene, variant)
    except ConfigError as error:
        raise ConfigError(f"--set ({variant.label}): {error}") from None


def _show(value: Any) -> str:
    """A value as --set writes it."""
    if isinstance(value, tuple):
        return "x".join(map(str, value)) or "none"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).lower() if isinstance(value, bool) else str(value)
