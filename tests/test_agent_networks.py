"""Networks, the numpy acting path, the flat parameters and observation normalisation."""

import numpy as np
import pytest
import torch

from agent.config import PPOConfig, ReinforceConfig
from agent.errors import ConfigError
from agent.networks import ActorCritic, mlp
from agent.normalize import RunningMeanStd
from agent.policy import make_policy


def test_zero_hidden_layers_is_a_linear_softmax_policy():
    policy = make_policy(4, 2, ReinforceConfig(hidden_sizes=()), seed=0)
    (layer,) = policy.model.actor
    assert isinstance(layer, torch.nn.Linear)
    obs = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    logits = obs @ layer.weight.detach().numpy().T + layer.bias.detach().numpy()
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(policy.act(obs).probs, expected, rtol=1e-5)
    assert policy.act(obs).value is None


def test_orthogonal_init_with_head_gains():
    torch.manual_seed(0)
    net = mlp(8, (64, 64), 4, "tanh", out_std=0.01)
    hidden = net[2].weight.detach()
    np.testing.assert_allclose(hidden @ hidden.T, 2.0 * torch.eye(64), atol=1e-4)  # gain sqrt(2)
    head = net[-1].weight.detach()
    np.testing.assert_allclose(head @ head.T, 1e-4 * torch.eye(4), atol=1e-7)
    assert torch.all(net[-1].bias == 0)
    critic_head = mlp(8, (64,), 1, "tanh", out_std=1.0)[-1].weight.detach()
    assert torch.linalg.vector_norm(critic_head).item() == pytest.approx(1.0, rel=1e-5)


@pytest.mark.parametrize("hidden", [(), (16,), (32, 32)])
def test_probs_sum_to_one_and_numpy_matches_torch(hidden):
    policy = make_policy(6, 5, PPOConfig(hidden_sizes=hidden, activation="relu"), seed=0)
    obs = np.random.default_rng(1).normal(size=(7, 6)).astype(np.float32) * 3
    out = policy.act(obs)
    np.testing.assert_allclose(out.probs.sum(axis=1), 1.0, rtol=1e-6)
    with torch.no_grad():
        log_prob, _ = policy.model.evaluate_actions(
            torch.from_numpy(obs), torch.from_numpy(out.action)
        )
        value = policy.model.value(torch.from_numpy(obs))
    np.testing.assert_allclose(out.log_prob, log_prob.numpy(), atol=1e-5)
    np.testing.assert_allclose(out.value, value.numpy(), atol=1e-5)
    assert out.action.dtype == np.int64 and out.probs.dtype == np.float32


def test_deterministic_is_argmax_and_sampling_follows_probs():
    policy = make_policy(3, 3, PPOConfig(hidden_sizes=()), seed=0)
    with torch.no_grad():
        policy.model.actor[0].bias.copy_(torch.log(torch.tensor([0.2, 0.5, 0.3])))
        policy.model.actor[0].weight.zero_()
    obs = np.zeros((20_000, 3), dtype=np.float32)
    assert set(policy.act(obs, deterministic=True).action) == {1}
    counts = np.bincount(policy.act(obs).action, minlength=3) / len(obs)
    np.testing.assert_allclose(counts, [0.2, 0.5, 0.3], atol=0.015)


def test_flat_parameters_share_memory_with_layers_and_numpy_path():
    model = ActorCritic(4, 2, (8,), "tanh", with_critic=True)
    total = sum(p.numel() for p in model.parameters())
    assert model.flat_parameters.numel() == total
    loss = model.actor(torch.ones(3, 4)).sum() + model.value(torch.ones(3, 4)).sum()
    loss.backward()
    grad = model.flat_parameters.grad
    assert torch.count_nonzero(grad).item() > 0
    assert model.actor[0].weight.grad.data_ptr() == grad.data_ptr()
    policy = make_policy(4, 2, PPOConfig(hidden_sizes=(8,)), seed=0)
    before = policy.act(np.ones((1, 4), np.float32)).probs
    with torch.no_grad():
        policy.model.flat_parameters.add_(0.5)  # an optimiser step is an in-place update like this
    assert not np.allclose(policy.act(np.ones((1, 4), np.float32)).probs, before)


def test_the_value_network_can_have_its_own_widths():
    config = ReinforceConfig(hidden_sizes=(8,), use_baseline=True, value_hidden_sizes=(16, 16))
    model = make_policy(4, 2, config, seed=0).model
    assert [m.out_features for m in model.actor if isinstance(m, torch.nn.Linear)] == [8, 2]
    assert [m.out_features for m in model.critic if isinstance(m, torch.nn.Linear)] == [16, 16, 1]
    assert model.flat_parameters.numel() == (4 * 8 + 8 + 8 * 2 + 2) + (
        4 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    )
    with pytest.raises(ConfigError, match="value_hidden_sizes: expected None or a tuple"):
        ReinforceConfig(value_hidden_sizes=(0,))


def test_running_mean_std_matches_numpy_over_batches():
    rng = np.random.default_rng(0)
    data = rng.normal(loc=[5.0, -3.0], scale=[2.0, 0.1], size=(1000, 2))
    rms = RunningMeanStd((2,))
    for batch in np.split(data, 10):
        rms.update(batch)
    np.testing.assert_allclose(rms.mean, data.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(rms.var, data.var(axis=0), rtol=1e-3)  # the 1e-4 prior count
    normalized = rms.normalize(data)
    assert normalized.dtype == np.float32
    np.testing.assert_allclose(normalized.mean(axis=0), 0.0, atol=1e-3)
    np.testing.assert_allclose(normalized.std(axis=0), 1.0, atol=1e-3)


def test_normalize_clips_and_does_not_update():
    rms = RunningMeanStd((1,), clip=5.0)
    rms.update(np.array([[0.0], [2.0]]))
    mean = rms.mean.copy()
    assert rms.normalize(np.array([[1e6]]))[0, 0] == 5.0
    np.testing.assert_array_equal(rms.mean, mean)


def test_running_mean_std_state_round_trip():
    rms = RunningMeanStd((3,))
    rms.update(np.random.default_rng(0).normal(size=(50, 3)))
    restored = RunningMeanStd((3,))
    restored.load_state_dict(rms.state_dict())
    obs = np.ones((2, 3), dtype=np.float32)
    np.testing.assert_array_equal(restored.normalize(obs), rms.normalize(obs))
    with pytest.raises(ValueError, match="shape"):
        RunningMeanStd((4,)).load_state_dict(rms.state_dict())
