"""Seeded random weights that keep activations O(1) while making every folding mistake visible.

1. Every conv/linear weight: N(0, 1/fan_in) (biases N(0, 0.1)); BN and GroupNorm affine: gamma
   U(0.6, 1.4), beta N(0, 0.2); PReLU slopes U(-0.1, 0.6). (GroupNorm has no running statistics:
   it normalises with the statistics of its input at inference too.)
2. Calibrate in one eval-mode pass over a small mixed batch: just before each BN runs, its running
   statistics are set from the input it actually receives (so normalised activations stay O(1)),
   then perturbed (mean += 0.25·σ·N(0,1), var ·= U(0.6, 1.6)) so running_mean ≠ 0, running_var ≠ 1
   and they are not the batch statistics either. Downstream BNs see the perturbed upstream ones.
BN modules that forward never reaches (dead parameters) are randomised in place directly.
"""
import math

import torch
import torch.nn as nn


def _init_params(model, g):
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            fan_in = m.weight[0].numel()
            m.weight.copy_(torch.randn(m.weight.shape, generator=g) / math.sqrt(fan_in))
            if m.bias is not None:
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
        elif isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.weight.copy_(torch.rand(m.weight.shape, generator=g) * 0.8 + 0.6)
            m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.2)
            # Defaults for BNs the calibration pass never reaches (dead parameters).
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.3)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
        elif isinstance(m, nn.GroupNorm) and m.affine:
            m.weight.copy_(torch.rand(m.weight.shape, generator=g) * 0.8 + 0.6)
            m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.2)
        elif isinstance(m, nn.PReLU):
            m.weight.copy_(torch.rand(m.weight.shape, generator=g) * 0.7 - 0.1)


def _calibrate(model, calib, g):
    """One eval-mode pass; each BN first sets its statistics from the input it actually receives
    (already shaped by the perturbed BNs upstream), then perturbs them, then normalises."""
    def pre_hook(bn, inputs):
        x = inputs[0]
        dims = [d for d in range(x.dim()) if d != 1]
        mean = x.mean(dims)
        var = x.var(dims, unbiased=False).clamp_min(1e-4)
        bn.running_mean.copy_(mean + 0.25 * var.sqrt() * torch.randn(mean.shape, generator=g))
        bn.running_var.copy_(var * (torch.rand(var.shape, generator=g) + 0.6))

    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    hooks = [m.register_forward_pre_hook(pre_hook) for m in bns]
    model.eval()
    with torch.no_grad():
        model(calib)
    for h in hooks:
        h.remove()


def randomize(model, seed, calib_images, bn_shift=0.0):
    """calib_images: N×3×S×S images the statistics are drawn from (noise and natural-looking
    inputs mixed, so no input class drives activations far from O(1)). Deterministic per seed;
    the model ends in eval mode.
    bn_shift: added to every BatchNorm's beta before calibration, for nets where each BN feeds a
    rectifier: centred inputs put half of the units on the flat side, and then float32 rounding
    grows relative to the signal by ~1.16× per layer (LeakyReLU 0.1; 1.21× ReLU); a shift of
    about one σ leaves ~16% on that side and the growth at ~1.05× per layer."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        _init_params(model, g)
        if bn_shift:
            for m in model.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.bias.add_(bn_shift)
        _calibrate(model, calib_images, g)
    model.eval()
    return model
