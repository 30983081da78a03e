"""``nn.forward`` against torch's own layers: a ``torch.nn.Sequential`` of ``torch.nn.Linear`` and the same
activation, its parameters filled from the flat vector by torch's ``vector_to_parameters`` (the documented
layout is ``torch.nn.Linear``'s order), on random inputs; outputs and gradients agree to float64 precision."""
from __future__ import annotations

import torch
from conftest import close
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn.utils import parameters_to_vector, vector_to_parameters

from landscape import nn

TORCH_ACTIVATIONS = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "leaky_relu": torch.nn.LeakyReLU,
                     "sigmoid": torch.nn.Sigmoid, "gelu": torch.nn.GELU, "silu": torch.nn.SiLU}


def sequential(spec: nn.MLP, theta: torch.Tensor) -> torch.nn.Sequential:
    """torch's network of ``spec`` holding the parameters ``theta (P,)``."""
    layers = []
    for fan_in, fan_out in zip(spec.dims[:-1], spec.dims[1:]):
        layers += [torch.nn.Linear(fan_in, fan_out, dtype=torch.float64), TORCH_ACTIVATIONS[spec.activation]()]
    model = torch.nn.Sequential(*layers[:-1])  # no activation after the output layer
    assert spec.size == sum(p.numel() for p in model.parameters())
    vector_to_parameters(theta.detach().clone(), model.parameters())
    return model


networks = st.builds(lambda d, widths, out, act: nn.mlp(d, widths, out, act),
                     st.integers(1, 4), st.lists(st.integers(1, 9), min_size=1, max_size=nn.MAX_DEPTH),
                     st.integers(1, 3), st.sampled_from(sorted(nn.ACTIVATIONS)))


def test_every_activation_has_torchs_module():
    assert set(TORCH_ACTIVATIONS) == set(nn.ACTIVATIONS)


@settings(max_examples=60, deadline=None)
@given(spec=networks, rows=st.integers(1, 17), seed=st.integers(0, 2**31 - 1))
def test_forward_and_gradient_equal_torch_sequential(spec, rows, seed):
    g = torch.Generator().manual_seed(seed)
    theta = (torch.randn(spec.size, generator=g, dtype=torch.float64) * 1.5).requires_grad_()
    X = torch.randn(rows, spec.in_dim, generator=g, dtype=torch.float64) * 2.0
    weights = torch.randn(rows, spec.out_dim, generator=g, dtype=torch.float64)  # a random loss: sum(w * out)
    model = sequential(spec, theta)

    out = nn.forward(spec, theta, X)
    expected = model(X)
    assert out.shape == (rows, spec.out_dim)
    close(out, expected)

    (grad,) = torch.autograd.grad((weights * out).sum(), theta)
    (weights * expected).sum().backward()
    close(grad, parameters_to_vector(p.grad for p in model.parameters()))

