"""Replica of insightface's MobileFaceNet (get_mbf: blocks (1,4,6,2), scale 2, 512 features) as
EmotiEffLib's mbf_va_mtl uses it: nn.Sequential(features=MobileFaceNet, fc=Linear(512, 10)).

Built from the architecture facts of docs/models.md §2.1/§2.2. Module tree and parameter names follow
insightface recognition/arcface_torch/backbones/mobilefacenet.py (layers.N.layers..., conv_sep,
features.layers.{0: LinearBlock, 2: Linear, 3: BatchNorm1d}) so an insightface backbone
state_dict loads. BN eps 1e-5, PReLU per channel. fp16 is off, so no autocast.
"""
import collections

import torch.nn as nn


class ConvBlock(nn.Module):
    """conv (no bias) → BN → PReLU(C)."""

    def __init__(self, cin, cout, k=1, s=1, p=0, groups=1):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(cin, cout, k, s, p, groups=groups, bias=False),
            nn.BatchNorm2d(cout),
            nn.PReLU(cout),
        )

    def forward(self, x):
        return self.layers(x)


class LinearBlock(nn.Module):
    """conv (no bias) → BN, no activation."""

    def __init__(self, cin, cout, k=1, s=1, p=0, groups=1):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(cin, cout, k, s, p, groups=groups, bias=False),
            nn.BatchNorm2d(cout),
        )

    def forward(self, x):
        return self.layers(x)


class DepthWise(nn.Module):
    """1×1 cin→mid · dw3×3 (stride s) · 1×1 mid→cout linear · (+input if residual)."""

    def __init__(self, cin, cout, residual, stride, mid):
        super().__init__()
        self.residual = residual
        self.layers = nn.Sequential(
            ConvBlock(cin, mid, 1, 1, 0),
            ConvBlock(mid, mid, 3, stride, 1, groups=mid),
            LinearBlock(mid, cout, 1, 1, 0),
        )

    def forward(self, x):
        y = self.layers(x)
        return x + y if self.residual else y


class Residual(nn.Module):
    def __init__(self, c, num_block, mid):
        super().__init__()
        self.layers = nn.Sequential(*[DepthWise(c, c, True, 1, mid) for _ in range(num_block)])

    def forward(self, x):
        return self.layers(x)


class Flatten(nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)  # exported as Shape/Gather/Unsqueeze/Concat/Reshape


class GDC(nn.Module):
    """dw 7×7 + BN → flatten → Linear(512,512, no bias) → BatchNorm1d."""

    def __init__(self, num_features):
        super().__init__()
        self.layers = nn.Sequential(
            LinearBlock(512, 512, 7, 1, 0, groups=512),
            Flatten(),
            nn.Linear(512, num_features, bias=False),
            nn.BatchNorm1d(num_features),
        )

    def forward(self, x):
        return self.layers(x)


class MobileFaceNet(nn.Module):
    def __init__(self, num_features=512, blocks=(1, 4, 6, 2), scale=2):
        super().__init__()
        assert blocks[0] == 1, "only the get_mbf layout (blocks[0] == 1) is replicated"
        w = 64 * scale  # 128
        self.layers = nn.ModuleList([
            ConvBlock(3, w, 3, 2, 1),                            # L0
            ConvBlock(w, w, 3, 1, 1, groups=64),                 # L1: 64 groups of 2 channels
            DepthWise(w, w, False, 2, 128),                      # L2
            Residual(w, blocks[1], 128),                         # L3
            DepthWise(w, 2 * w, False, 2, 256),                  # L4
            Residual(2 * w, blocks[2], 256),                     # L5
            DepthWise(2 * w, 2 * w, False, 2, 512),              # L6
            Residual(2 * w, blocks[3], 256),                     # L7
        ])
        self.conv_sep = ConvBlock(2 * w, 512, 1, 1, 0)
        self.features = GDC(num_features)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.features(self.conv_sep(x))


def build():
    """mbf_va_mtl: Sequential(features=MobileFaceNet, fc=Linear(512, 10))."""
    return nn.Sequential(collections.OrderedDict([
        ("features", MobileFaceNet()),
        ("fc", nn.Linear(512, 10)),
    ]))


def embedding(model, x):
    """Input of the final linear: the BatchNorm1d output."""
    return model.features(x)
