"""Scene registry: what each scene is, how to make its env, and how a person plays it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
from gymnasium.vector import AutoresetMode, SyncVectorEnv, VectorEnv

from agent.demos import DemoSpec
from agent.demos import plural
from game.errors import SceneError
from game.race.sensors import OBS_NAMES as RACE_OBS
from game.race.car_state import ACTION_NAMES as RACE_ACTIONS

PRETRAINED_DIR = Path(__file__).resolve().parents[1] / "pretrained"
"""Trained agents shipped with the game (pretrained/README.md says how each was made)."""

EndingRule = Callable[[gym.Env, bool], str]
"""How an episode of a Gymnasium scene ended, in words, from its env and whether it terminated."""


@dataclass(frozen=True)
class SceneSpec:
    """Everything the engine, the HUD and the learners need to know about one scene."""

    name: str
    """The CLI name (`--scene`)."""
    title: str
    """The display name."""
    env_id: str
    """The Gymnasium id the env is made from."""
    action_names: tuple[str, ...]
    """One label per discrete action, in action order (the HUD's bars)."""
    controls: Mapping[str, tuple[str, ...]]
    """Play-mode controls: control name -> pygame key names that press it (e.g. "gas": ("up", "w")).
    """
    control_actions: Mapping[frozenset[str], int]
    """Which action a set of held controls means; the empty set is the no-op."""
    success: str
    """The success criterion, in words."""
    idle_actions: tuple[int, ...] = ()
    """When set, the actions that take turns, step by step, while no control is held (instead of
    the no-op): CartPole has no "do nothing", so a person letting go pushes left and right."""
    idle_meaning: str = ""
    """What happens while no key is held, in words, for the HUD's key list (with idle_actions)."""
    ending_rule: EndingRule | None = None
    """Names how an episode ended (`info["ending"]`); None when the env reports it itself."""
    success_ending: str | None = None
    """The ending that counts as success (`info["is_success"]`); None when the env reports it."""
    make_kwargs: Mapping[str, Any] = field(default_factory=dict)
    """Keyword arguments always passed to `gymnasium.make`."""
    native_vector: bool = False
    """Whether the env id has a natively batched vector env (a `vector_entry_point`) to use."""
    drawn_natively: bool = False
    """Whether the window draws the scene from its env's state (else from env 0's rgb_array
    frames); the race always is, from its simulation."""
    obs_names: tuple[str, ...] = ()
    """One name per observation column: the layout demonstrations files and checkpoints are
    checked against."""
    shipped_checkpoint: Path | None = None
    """A trained agent shipped with the game: watch, play and eval use it without --checkpoint."""

    @property
    def demo_spec(self) -> DemoSpec:
        """What this scene's demonstrations files hold: its observation layout and actions."""
        return DemoSpec(self.name, self.obs_names, self.action_names)

    @property
    def noop_action(self) -> int:
        """The action taken when no control is held."""
        return self.control_actions[frozenset()]

    def ending(self, info: dict[str, Any], terminated: bool) -> str:
        """How an episode ended, in a few words, from its final info (e.g. "landed", "left the
        track after 2 laps")."""
        text = info.get("ending") or ("ended" if terminated else "time limit")
        laps = info.get("laps", 0)
        return f"{text} after {plural(laps, 'lap')}" if laps else text

    def action_for(self, held_controls: frozenset[str]) -> int:
        """The action for a set of held controls: the largest binding they fully contain."""
        best = max(
            (combo for combo in self.control_actions if combo <= held_controls),
            key=len,
        )
        return self.control_actions[best]


class SceneInfo(gym.Wrapper):
    """Attaches the scene description; sets `info["is_success"]` every step and `info["ending"]` at
    an episode's end."""

    def __init__(self, env: gym.Env, scene: SceneSpec):
        super().__init__(env)
        self.scene = scene

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        """Reset the env; no episode has succeeded yet."""
        obs, info = self.env.reset(**kwargs)
        info.setdefault("is_success", False)
        return obs, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Step the env; when the episode ends, name its ending and judge success by it."""
        obs, reward, terminated, truncated, info = self.env.step(action)
        rule = self.scene.ending_rule
        if rule is not None:
            if terminated or truncated:
                info["ending"] = rule(self.env.unwrapped, terminated)
            info["is_success"] = info.get("ending") == self.scene.success_ending
        return obs, reward, terminated, truncated, info


def _lander_ending(env: gym.Env, terminated: bool) -> str:
    """LunarLander: at rest on the ground (landed), crashed, out of view, or out of time."""
    if not terminated:
        return "time limit"
    if env.game_over:
        return "crashed"
    return "landed" if not env.lander.awake else "flew out of view"


def _cart_ending(env: gym.Env, terminated: bool) -> str:
    """CartPole: the pole fell, the cart left the track, or the pole stayed up to the limit."""
    if not terminated:
        return "kept the pole up to the time limit"
    return "cart left the track" if abs(env.state[0]) > env.x_threshold else "pole fell"


SCENES: dict[str, SceneSpec] = {
    "race": SceneSpec(
        name="race",
        title="Race track",
        env_id="RaceTrack-v0",
        action_names=RACE_ACTIONS,
        controls={
            "gas": ("up", "w"),
            "brake": ("down", "s"),
            "left": ("left", "a"),
            "right": ("right", "d"),
        },
        control_actions={
            frozenset(held): RACE_ACTIONS.index(name)
            for held, name in (
                ((), "coast"),
                (("left",), "left"),
                (("right",), "right"),
                (("gas",), "gas"),
                (("gas", "left"), "gas+left"),
                (("gas", "right"), "gas+right"),
                (("brake",), "brake"),
                (("brake", "left"), "brake+left"),
                (("brake", "right"), "brake+right"),
            )
        },
        success="at least one full lap without leaving the track",
        native_vector=True,
        obs_names=RACE_OBS,
        shipped_checkpoint=PRETRAINED_DIR / "race-generalist.pt",
    ),
    "lunar": SceneSpec(
        name="lunar",
        title="Lunar Lander",
        env_id="LunarLander-v3",
        action_names=("noop", "left engine", "main engine", "right engine"),
        controls={"main": ("up", "w"), "left": ("left", "a"), "right": ("right", "d")},
        control_actions={
            frozenset(): 0,
            frozenset({"left"}): 1,
            frozenset({"main"}): 2,
            frozenset({"right"}): 3,
        },
        success="landed safely: came to rest on the ground without crashing",
        ending_rule=_lander_ending,
        success_ending="landed",
        drawn_natively=True,
        obs_names=(
            "x",
            "y",
            "x velocity",
            "y velocity",
            "angle",
            "angular velocity",
            "left leg contact",
            "right leg contact",
        ),
    ),
    "cartpole": SceneSpec(
        name="cartpole",
        title="CartPole",
        env_id="CartPole-v1",
        action_names=("push left", "push right"),
        controls={"left": ("left", "a"), "right": ("right", "d")},
        control_actions={frozenset(): 0, frozenset({"left"}): 0, frozenset({"right"}): 1},
        success="kept the pole up until the 500-step limit",
        # No key held: pushing left every step (the empty binding) dropped the pole in 0.19 s
        # on average over 50 resets, pushing left and right in turn in 0.82 s, cart in place.
        idle_actions=(0, 1),
        idle_meaning="push left and right in turn",
        ending_rule=_cart_ending,
        success_ending="kept the pole up to the time limit",
        obs_names=("cart position", "cart velocity", "pole angle", "pole angular velocity"),
    ),
}


def scene_spec(name: str) -> SceneSpec:
    """The scene called `name`, or a SceneError listing the known ones."""
    try:
        return SCENES[name]
    except KeyError:
        raise SceneError(f"--scene: expected one of {', '.join(SCENES)}, got {name!r}") from None


def make_env(scene: str, render_mode: str | None = None, **options: Any) -> SceneInfo:
    """Make one env of `scene`, wrapped with its scene description.

    Args:
        scene: a scene name (see SCENES).
        render_mode: None for training, "rgb_array" for the one env that is shown.
        options: scene options passed to `gymnasium.make` (race: `track`, ...).
    """
    spec = scene_spec(scene)
    env = gym.make(spec.env_id, render_mode=render_mode, **{**spec.make_kwargs, **options})
    return SceneInfo(env, spec)


def make_vector_env(
    scene: str, num_envs: int, render_first: bool = False, **options: Any
) -> VectorEnv:
    """Make `num_envs` copies of `scene` stepped together, autoresetting on the same step.

    With SAME_STEP autoreset, an episode's last observation is in `info["final_obs"]` and its
    last info in `info["final_info"]` (Gymnasium 1.x vector API). The race is natively batched
    (all cars stepped as arrays in one call; it is drawn from its state, so never renders);
    the Gymnasium scenes are copies in a SyncVectorEnv where only env 0 renders, and only with
    `render_first` and for a scene shown through its frames (LunarLander, drawn from its state,
    never renders: it runs ~4x slower when rendering).
    """
    spec = scene_spec(scene)
    if spec.native_vector:
        return gym.make_vec(
            spec.env_id,
            num_envs=num_envs,
            vectorization_mode="vector_entry_point",
            **{**spec.make_kwargs, **options},
        )

    def factory(index: int) -> Callable[[], SceneInfo]:
        shown = render_first and index == 0 and not spec.drawn_natively
        render_mode = "rgb_array" if shown else None
        return lambda: make_env(scene, render_mode=render_mode, **options)

    return SyncVectorEnv(
        [factory(i) for i in range(num_envs)], autoreset_mode=AutoresetMode.SAME_STEP
    )
