"""Our flat-tensor Adam against torch.optim.Adam."""

import pytest
import torch

from agent.optim import Adam


@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.0, 0.999)])
def test_matches_torch_adam_step_for_step(betas):
    torch.manual_seed(0)
    ours = torch.randn(50, requires_grad=True)
    theirs = ours.detach().clone().requires_grad_()
    adam = Adam(ours, lr=1e-2, betas=betas, eps=1e-5)
    reference = torch.optim.Adam([theirs], lr=1e-2, betas=betas, eps=1e-5)
    target = torch.randn(50)
    for step in range(20):
        for param in (ours, theirs):
            param.grad = None
            ((param - target) ** 3).sum().backward()
        adam.lr = reference.param_groups[0]["lr"] = 1e-2 * (1 - step / 40)  # an annealed rate
        adam.step()
        reference.step()
    torch.testing.assert_close(ours, theirs, rtol=1e-6, atol=1e-6)


def test_state_round_trip_and_shape_check():
    param = torch.zeros(3, requires_grad=True)
    adam = Adam(param, lr=0.1)
    param.grad = torch.ones(3)
    adam.step()
    restored = Adam(torch.zeros(3, requires_grad=True), lr=0.5)
    restored.load_state_dict(adam.state_dict())
    assert restored.steps == 1 and restored.lr == 0.1
    torch.testing.assert_close(restored.exp_avg_sq, adam.exp_avg_sq)
    with pytest.raises(ValueError, match="optimizer: expected moments of shape"):
        Adam(torch.zeros(4, requires_grad=True), lr=0.1).load_state_dict(adam.state_dict())
