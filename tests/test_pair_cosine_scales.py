"""NetPairEmbeddingOperator(distance="Cosine") at every scale (QA, session 46): torch's F.cosine_similarity clamps
each norm to at least 1e-8, so two parallel embeddings of norms below that were 0.75 apart at 1e-9 and 1 apart at
1e-12. The distance is now scale-invariant (each embedding scaled by its largest |x| first), compiled and interpreted
alike, with the closed form's gradient; a zero embedding stays 1 apart from any other (see README)."""

from __future__ import annotations

import pytest
import torch

import netgraph
from netgraph import LinearLayer, NetGraph, NetPairEmbeddingOperator, net_initialize

SCALES = [1.0, 1e-4, 1e-9, 1e-12, 1e-20]


def _pair(dtype):
    net = NetGraph({"p": NetPairEmbeddingOperator(LinearLayer(3, biases=False), distance="Cosine")},
                   [], Input1=3, Input2=3)
    net = net_initialize(net, seed=0)
    module = net.compile().to(dtype)
    return net, module, module.state_dict()[next(k for k in module.state_dict() if k.endswith("Weights"))]


def _closed_form(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """1 - a.b / (|a| |b|), in float64 (where the norms of 1e-20 vectors do not underflow)."""
    return 1 - (a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1))


def _vectors(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(5, 3, generator=generator, dtype=torch.float64), \
        torch.randn(5, 3, generator=generator, dtype=torch.float64)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("scale", SCALES)
def test_the_cosine_distance_is_the_closed_forms_at_every_scale(dtype, scale):
    net, module, weights = _pair(dtype)
    a, b = _vectors(4)
    b[0] = 2 * a[0]  # parallel: 0 apart at every scale
    want = _closed_form(a @ weights.double().T, b @ weights.double().T)
    x1, x2 = (x.mul(scale).to(dtype) for x in (a, b))
    compiled = module(Input1=x1, Input2=x2)
    torch.testing.assert_close(compiled, want.to(dtype), atol=1e-5 if dtype == torch.float32 else 1e-12, rtol=0)
    torch.testing.assert_close(netgraph.interpret(net, module, Input1=x1, Input2=x2), compiled, atol=0, rtol=0)


@pytest.mark.parametrize("scale", [1e-100, 1e-300])
def test_float64_embeddings_below_float32s_range_get_their_own_cosine(scale):
    """The scale's floor is the embedding dtype's smallest normal number, not float32's (R5: 1 apart at 1e-100)."""
    net, module, weights = _pair(torch.float64)
    a, b = _vectors(4)
    b[0] = 2 * a[0]
    want = _closed_form(a @ weights.T, b @ weights.T)
    compiled = module(Input1=a * scale, Input2=b * scale)
    torch.testing.assert_close(compiled, want, atol=1e-12, rtol=0)
    torch.testing.assert_close(netgraph.interpret(net, module, Input1=a * scale, Input2=b * scale), compiled,
                               atol=0, rtol=0)


@pytest.mark.parametrize("scale", [1.0, 1e-9, 1e-20])
def test_the_cosine_distance_gradient_is_the_closed_forms(scale):
    """d/da (1 - a.b/(|a||b|)) = -(b/|b| - cos a/|a|) / |a|, of the embeddings, compiled and interpreted."""
    net, module, weights = _pair(torch.float64)
    a, b = (x * scale for x in _vectors(5))
    ea, eb = a @ weights.T, b @ weights.T
    cos = 1 - _closed_form(ea, eb)
    na, nb = ea.norm(dim=1, keepdim=True), eb.norm(dim=1, keepdim=True)
    want = -(eb / nb - cos[:, None] * ea / na) / na @ weights  # through the embedding's weights
    for run in (module, lambda **xs: netgraph.interpret(net, module, **xs)):
        x = a.clone().requires_grad_()
        run(Input1=x, Input2=b).sum().backward()
        torch.testing.assert_close(x.grad, want, rtol=1e-9, atol=0)


def test_a_zero_embedding_is_1_apart_with_a_finite_gradient():
    net, module, weights = _pair(torch.float64)
    a, b = _vectors(6)
    x = torch.zeros_like(a).requires_grad_()
    for run in (module, lambda **xs: netgraph.interpret(net, module, **xs)):
        out = run(Input1=x, Input2=b)
        assert torch.equal(out, torch.ones(5, dtype=torch.float64))
        grad, = torch.autograd.grad(out.sum(), x)
        assert torch.isfinite(grad).all()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_identical_vectors_are_exactly_0_apart_compiled_and_interpreted(dtype):
    """|a| |a| rounds apart from a.a: CosineDistance[w, w] of (1, 2, 3) was -2.2e-16 in float64, -1.2e-7 in float32.
    Dividing a.b by Sqrt[(a.a) (b.b)] gives a.a / a.a, exactly 1 (the root of a square is exact)."""
    w = torch.cat([torch.tensor([[1.0, 2.0, 3.0], [0.1, 0.2, 0.7], [3.0, 5.0, 7.0]]),
                   torch.randn(200, 3, generator=torch.Generator().manual_seed(0))]).to(dtype)
    module = NetGraph([netgraph.FunctionLayer("CosineDistance[#u, #v]")], [], u=3, v=3).compile().to(dtype)
    assert module(w, w).tolist() == [0.0] * len(w)
    assert netgraph.interpret(module.net, module, u=w, v=w).tolist() == [0.0] * len(w)
    net, pair, _ = _pair(dtype)
    assert pair(w, w).tolist() == [0.0] * len(w)


def _backward_steps(out: torch.Tensor) -> set[str]:
    """The names of the autograd nodes ``out`` was computed through."""
    seen, stack = {}, [out.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and id(node) not in seen:
            seen[id(node)] = node.name()
            stack.extend(n for n, _ in node.next_functions)
    return set(seen.values())


@pytest.mark.parametrize("scale", [1.0, 1e-20, 1e20])
def test_the_scale_carries_no_gradient_and_cosine_distance_s_is_the_closed_forms(scale):
    """Each vector's scale (its largest |x|) is a constant to the gradient: the distance is scale-invariant, so the
    gradient through it is 0 but for roundings, and computing it (amax's backward, the quotient's by its divisor)
    made the distance about 2-3x the unscaled one's cost forward and backward (session 47). The gradient is the
    closed form's, compiled and interpreted, the pair operator's too."""
    a, b = (x * scale for x in _vectors(7))
    cos = 1 - _closed_form(a, b)
    na, nb = a.norm(dim=1, keepdim=True), b.norm(dim=1, keepdim=True)
    want = -(b / nb - cos[:, None] * a / na) / na
    module = NetGraph([netgraph.FunctionLayer("CosineDistance[#u, #v]")], [], u=3, v=3).compile().double()
    for run in (module, lambda **xs: netgraph.interpret(module.net, module, **xs)):
        x = a.clone().requires_grad_()
        out = run(u=x, v=b)
        assert not any("Amax" in name for name in _backward_steps(out)), _backward_steps(out)
        torch.testing.assert_close(torch.autograd.grad(out.sum(), x)[0], want, rtol=1e-12, atol=0)
    net, pair, weights = _pair(torch.float64)
    assert not any("Amax" in name for name in _backward_steps(pair(a.requires_grad_(), b)))
