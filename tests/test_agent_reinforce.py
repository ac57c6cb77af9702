"""REINFORCE: per-env episodes cut from vector steps, its weights, and its update."""

import dataclasses

import numpy as np
import pytest
import torch

import game
from agent import EnvStepReport, Trainer, new_run
from agent.config import ReinforceConfig
from agent.learner import Transition
from agent.policy import PolicyOutput
from agent.reinforce import Episode, EpisodeBuffer, Reinforce, episode_weights, symexp, symlog


def step(t, ends, num_envs=2):
    """A fake vector step: obs and reward encode (step, env)."""
    obs = np.array([[t * 10 + env] for env in range(num_envs)], dtype=np.float32)
    output = PolicyOutput(
        np.zeros(num_envs, np.int64),
        np.full((num_envs, 2), 0.5, np.float32),
        np.full(num_envs, np.log(0.5), np.float32),
        None,
    )
    ended = np.array(ends)
    return Transition(obs, output, obs[:, 0].copy(), ended, np.zeros_like(ended), obs, obs)


def learner_on_one_input(**config) -> Reinforce:
    """A learner of one observation value and two actions, updating after every episode, with
    no hidden layer (the logits are linear in the input), and `config` on top."""
    settings = {"episodes_per_update": 1, "hidden_sizes": (), **config}
    return Reinforce(ReinforceConfig(**settings), obs_dim=1, n_actions=2, num_envs=1, seed=0)


def test_episode_buffer_cuts_episodes_per_env_through_growth_and_compaction():
    buffer = EpisodeBuffer(num_envs=2, obs_shape=(1,), capacity=4)
    # env 0 ends every 3 steps; env 1 runs one 9-step episode (forces the arrays to grow)
    for t in range(9):
        buffer.add(step(t, [t % 3 == 2, t == 8]))
    episodes = buffer.take()
    env0 = [e for e in episodes if e.obs[0, 0] % 10 == 0]
    env1 = [e for e in episodes if e.obs[0, 0] % 10 == 1]
    assert [list(e.rewards) for e in env0] == [[0, 10, 20], [30, 40, 50], [60, 70, 80]]
    assert [list(e.rewards) for e in env1] == [[1, 11, 21, 31, 41, 51, 61, 71, 81]]
    assert buffer.take() == []


def test_running_episodes_survive_a_take():
    buffer = EpisodeBuffer(num_envs=2, obs_shape=(1,), capacity=2)
    for t in range(5):
        buffer.add(step(t, [True, False]))
    assert len(buffer.take()) == 5
    buffer.add(step(5, [False, True]))
    (episode,) = buffer.take()
    assert list(episode.rewards) == [1, 11, 21, 31, 41, 51]


def episode(rewards):
    n = len(rewards)
    return Episode(
        np.zeros((n, 1), np.float32), np.zeros(n, np.int64), np.array(rewards, np.float32)
    )


def test_weights_switch_between_reward_to_go_and_whole_returns():
    episodes = [episode([1.0, 0.0, 2.0]), episode([4.0, 1.0])]
    to_go = ReinforceConfig(gamma=0.5, normalize_returns=False)
    np.testing.assert_allclose(episode_weights(episodes, to_go), [1.5, 1.0, 2.0, 4.5, 1.0])
    whole = ReinforceConfig(gamma=0.5, normalize_returns=False, reward_to_go=False)
    np.testing.assert_allclose(episode_weights(episodes, whole), [1.5, 1.5, 1.5, 4.5, 4.5])
    normalized = episode_weights(episodes, ReinforceConfig(gamma=0.5))
    assert normalized.mean() == pytest.approx(0.0, abs=1e-6)
    assert normalized.std() == pytest.approx(1.0, abs=1e-5)


def test_per_episode_normalization_standardizes_each_episode_alone():
    episodes = [episode([1.0, 0.0, 2.0]), episode([4.0, 1.0])]
    config = ReinforceConfig(gamma=0.5, normalize_per_episode=True)
    weights = episode_weights(episodes, config)
    # reward-to-go [1.5, 1.0, 2.0] and [4.5, 1.0], each standardised on its own
    first, second = np.array([1.5, 1.0, 2.0]), np.array([4.5, 1.0])
    expected = [(first - first.mean()) / first.std(), (second - second.mean()) / second.std()]
    np.testing.assert_allclose(weights, np.concatenate(expected), rtol=1e-5)
    # a one-step episode has nothing to compare with: weight 0
    assert episode_weights([episode([3.0])], config).tolist() == [0.0]


def test_symlog_is_inverted_by_symexp_at_every_scale():
    x = torch.tensor([-1000.0, -3.0, -0.5, 0.0, 0.5, 3.0, 1000.0])
    torch.testing.assert_close(symexp(symlog(x)), x)
    assert symlog(torch.tensor(1000.0)) < 7.0


def test_annealed_learning_rate_follows_progress():
    learner = learner_on_one_input(anneal_lr=True, learning_rate=0.01)
    obs = np.ones((1, 1), np.float32)
    out = learner.policy.act(obs)
    done = np.array([True])
    learner.observe(Transition(obs, out, np.ones(1, np.float32), done, ~done, obs, obs))
    (report,) = learner.update(0.25)
    assert report.stats.learning_rate == pytest.approx(0.0025)


def test_an_update_waits_for_both_enough_episodes_and_enough_steps():
    config = ReinforceConfig(episodes_per_update=2, min_steps_per_update=5, hidden_sizes=())
    learner = Reinforce(config, obs_dim=1, n_actions=2, num_envs=2, seed=0)
    # env 0 ends an episode every 2 steps; env 1's episode runs on
    for t in range(4):
        learner.observe(step(t, [t % 2 == 1, False]))
    assert not learner.ready()  # 2 episodes, but 4 steps < 5
    learner.observe(step(4, [False, False]))
    assert not learner.ready()  # the running episode's steps do not count
    learner.observe(step(5, [True, False]))
    assert learner.ready()  # 3 episodes, 6 steps
    (report,) = learner.update(1.0)
    assert report.stats.samples == 6
    assert not learner.ready()


def test_annealed_entropy_bonus_scales_with_progress():
    """Annealed at progress p, the bonus acts exactly as an unannealed
    ent_coef_final + (ent_coef - ent_coef_final) * p."""

    def parameters_after_update(ent_coef, anneal, progress, final=0.0):
        torch.manual_seed(0)  # the same initial weights every time
        learner = learner_on_one_input(
            ent_coef=ent_coef, anneal_ent_coef=anneal, ent_coef_final=final
        )
        for t in range(3):
            learner.observe(step(t, [t == 2], num_envs=1))
        next(learner.update(progress))
        return learner.policy.model.flat_parameters.detach().clone()

    annealed = parameters_after_update(0.4, True, 0.25)
    assert torch.equal(annealed, parameters_after_update(0.1, False, 0.25))
    assert not torch.equal(annealed, parameters_after_update(0.4, False, 0.25))
    assert torch.equal(
        parameters_after_update(0.4, True, 0.0), parameters_after_update(0, False, 0)
    )
    # from 0.5 towards -0.25, halfway: -0.25 + 0.75 / 2 = 0.125
    halfway = parameters_after_update(0.5, True, 0.5, final=-0.25)
    assert torch.equal(halfway, parameters_after_update(0.125, False, 0.5))


def baseline_learner(**config) -> Reinforce:
    """`learner_on_one_input` with a value baseline fitted by its own steps, undiscounted."""
    torch.manual_seed(0)
    settings = {"gamma": 1.0, "vf_learning_rate": 0.05, "value_scale": 10.0, **config}
    return learner_on_one_input(use_baseline=True, **settings)


def observe_episode(learner: Reinforce, rewards: list[float]) -> None:
    """One episode of `rewards`, every step at the observation 1."""
    obs = np.ones((1, 1), np.float32)
    out = learner.policy.act(obs)
    for t, reward in enumerate(rewards):
        done, no = np.array([t == len(rewards) - 1]), np.array([False])
        step_reward = np.array([reward], np.float32)
        learner.observe(Transition(obs, out, step_reward, done, no, obs, obs))


def test_value_steps_fit_the_baseline_to_the_returns_and_leave_the_policy_alone():
    def updated(value_steps):
        learner = baseline_learner(value_steps=value_steps)
        observe_episode(learner, [1.0, 1.0, 1.0])  # returns-to-go 3, 2, 1
        (report,) = learner.update(1.0)
        assert report.stats.samples == 3
        assert report.stats.gradient_steps == 1 + value_steps
        return learner

    fitted, once = updated(300), updated(1)
    actor = slice(0, fitted.policy.model.actor_size)
    params = fitted.policy.model.flat_parameters.detach()
    # the policy took the same single step (its baseline came before any value step)
    assert torch.equal(params[actor], once.policy.model.flat_parameters.detach()[actor])
    # one observation for returns 3, 2 and 1: the least-squares value is their mean, 2
    value = fitted.policy.model.value(torch.ones(1, 1)).detach()
    assert fitted.baseline(value)[0] == pytest.approx(2.0, abs=1e-3)
    assert value.item() == pytest.approx(0.2, abs=1e-4)  # predicted as return / value_scale


def test_value_batches_fit_the_baseline_to_the_returns_of_the_last_batches():
    def fitted_values(value_batches):
        learner = baseline_learner(value_steps=300, value_batches=value_batches)
        values = []
        # batches' returns-to-go: (3, 2, 1), then (5,), then (0,)
        for rewards in ([1.0, 1.0, 1.0], [5.0], [0.0]):
            observe_episode(learner, rewards)
            list(learner.update(1.0))
            value = learner.policy.model.value(torch.ones(1, 1)).detach()
            values.append(learner.baseline(value)[0])
        return values

    # least squares on one observation: the mean of the returns fitted
    assert fitted_values(1) == pytest.approx([2.0, 5.0, 0.0], abs=1e-3)
    assert fitted_values(2) == pytest.approx([2.0, 11 / 4, 5 / 2], abs=1e-3)  # the last two


def test_the_evaluated_policy_is_the_moving_average_of_the_trained_weights():
    def trained(average_updates):
        torch.manual_seed(0)
        learner = learner_on_one_input(average_updates=average_updates)
        weights = [learner.policy.model.flat_parameters.detach().clone()]
        for update in range(3):
            for t in range(2):
                learner.observe(step(t + update, [t == 1], num_envs=1))
            next(learner.update(1.0))
            weights.append(learner.policy.model.flat_parameters.detach().clone())
        return learner, weights

    plain, plain_weights = trained(0)
    averaged, weights = trained(4)
    assert plain.evaluated_policy is plain.policy
    # training is untouched: the same weights after every update
    assert all(torch.equal(a, b) for a, b in zip(weights, plain_weights, strict=True))
    # by hand, each update moves the average a quarter of the way: 3/4 old + 1/4 new
    w0, w1, w2, w3 = weights
    a1 = 0.75 * w0 + 0.25 * w1
    a2 = 0.75 * a1 + 0.25 * w2
    a3 = 0.75 * a2 + 0.25 * w3
    average = averaged.evaluated_policy.model.flat_parameters.detach()
    assert torch.allclose(average, a3, atol=1e-7) and not torch.allclose(average, w3)
    obs = np.array([[2.0]], np.float32)
    (weight_0, weight_1), (bias_0, bias_1) = a3[:2], a3[2:]
    logits = np.array([weight_0 * 2.0 + bias_0, weight_1 * 2.0 + bias_1])
    expected = np.exp(logits) / np.exp(logits).sum()
    probs = averaged.evaluated_policy.act(obs, deterministic=True).probs[0]
    np.testing.assert_allclose(probs, expected, rtol=1e-5)


@pytest.mark.parametrize("use_baseline", [False, True])
def test_update_after_each_episode_raises_the_rewarded_action(use_baseline):
    learner = learner_on_one_input(
        learning_rate=0.05, normalize_returns=False, use_baseline=use_baseline
    )
    obs = np.ones((1, 1), np.float32)
    for _ in range(30):
        out = learner.policy.act(obs)
        reward = np.array([1.0 if out.action[0] == 1 else 0.0], np.float32)
        learner.observe(Transition(obs, out, reward, np.array([True]), np.array([False]), obs, obs))
        assert learner.ready()
        (report,) = learner.update(1.0)
        assert report.stats.samples == 1 and (report.stats.value_loss is not None) == use_baseline
        assert not learner.ready()
    assert learner.policy.act(obs).probs[0, 1] > 0.7


def test_live_race_swarm_laps_within_a_minute_at_8x():
    """The live race default (a swarm of cars, whole episodes each): some car completes a lap
    within 9,600 vector steps, i.e. 60 s of the window's default 8x speed at 20 steps/s."""
    plan = new_run("race", "reinforce", live=True)
    train_config = dataclasses.replace(
        plan.train_config, eval_every_steps=0, checkpoint_every_steps=1 << 40
    )
    envs = game.make_vector_env("race", train_config.num_envs)
    trainer = Trainer(dataclasses.replace(plan, train_config=train_config), envs)
    vector_steps = 0
    for report in trainer.run():
        if isinstance(report, EnvStepReport):
            vector_steps += 1
            if envs.sim.state.laps.any() or vector_steps == 9_600:
                break
    lapped = bool(envs.sim.state.laps.any())
    envs.close()
    assert lapped, f"no lap in {vector_steps} vector steps"
    assert trainer.updates >= 10  # many updates of whole episodes, not one lucky car


def test_with_one_env_a_batch_is_every_step_since_the_last_update():
    """One env (LunarLander's default): the update comes as an episode ends, so its batch holds
    every step observed since the previous update and no episode runs across it."""
    config = ReinforceConfig(episodes_per_update=2, min_steps_per_update=5, hidden_sizes=())
    learner = Reinforce(config, obs_dim=1, n_actions=2, num_envs=1, seed=0)
    observed = updates = 0
    for t in range(20):
        learner.observe(step(t, [t % 3 == 2], num_envs=1))  # episodes of 3 steps
        observed += 1
        if learner.ready():
            (report,) = learner.update(1.0)
            assert report.stats.samples == observed == 6  # two episodes of 3 steps
            assert learner.buffer.pos == learner.buffer.starts[0]  # nothing carried over
            observed, updates = 0, updates + 1
    assert updates == 3  # six episodes end in 20 steps


def test_without_momentum_each_step_follows_its_own_batch_and_reports_its_kl():
    def trained(adam_beta1):
        """Every parameter's move and gradient in each of 6 updates."""
        learner = learner_on_one_input(
            learning_rate=0.05, normalize_returns=False, adam_beta1=adam_beta1
        )
        params = learner.policy.model.flat_parameters
        obs = np.array([[1.0]], np.float32)
        steps = []
        for update in range(6):
            # five batches raise action 0, the sixth action 1: its gradient opposes theirs
            action = np.array([int(update == 5)])
            output = PolicyOutput(action, np.full((1, 2), 0.5, np.float32), np.zeros(1), None)
            for t, ended in enumerate([False, True]):
                reward = np.array([1.0 + t], np.float32)
                done = np.array([ended])
                learner.observe(Transition(obs, output, reward, done, ~done, obs, obs))
            before = params.detach().clone()
            probs_before = learner.policy.act(obs).probs[0]
            (report,) = learner.update(1.0)
            probs_after = learner.policy.act(obs).probs[0]
            kl = float(np.sum(probs_before * np.log(probs_before / probs_after)))
            assert report.stats.approx_kl == pytest.approx(kl, rel=1e-3, abs=1e-6)
            steps.append((params.detach() - before, params.grad.clone()))
        return steps

    # no momentum: every parameter moves against its own batch's gradient, whatever came before
    for move, grad in trained(0.0):
        moving = grad != 0
        assert moving.any() and torch.equal(move[moving].sign(), -grad[moving].sign())
    # with momentum 0.9 the five earlier batches outweigh the sixth: it moves along its gradient
    move, grad = trained(0.9)[-1]
    assert torch.equal(move[grad != 0].sign(), grad[grad != 0].sign())
