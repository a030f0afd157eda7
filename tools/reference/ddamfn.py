"""Replica of DDAMNet(num_class=10, num_head=2) with the MixedFeatureNet trunk (MT-EmotiDDAMFN).

Built from the architecture facts of docs/models.md §3. Module tree and parameter names follow
SainingZhang/DDAMFN networks/DDAM.py and networks/MixedFeatureNet.py so upstream checkpoints load:
features.N (MixedFeatureNet children minus the last 4), cat_head0/1.CoordAtt.*, Linear, fc, bn.
Dead parameters are kept like upstream: MDConv's bn/prelu, each head's Linear, DDAMNet.bn.

`mean_pool=True` builds the same maths with x.mean() instead of AdaptiveAvgPool2d((None,1)), only
so the peer benchmark can get an ONNX file: with the authors' export settings (dynamic batch axis)
torch 1.13's opset-11 exporter rejects AdaptiveAvgPool2d((None,1)) ("output_size is not constant").
"""
import torch
import torch.nn as nn


class Conv_block(nn.Module):
    def __init__(self, cin, cout, k=1, s=1, p=0, groups=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, s, p, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.prelu = nn.PReLU(cout)

    def forward(self, x):
        return self.prelu(self.bn(self.conv(x)))


class Linear_block(nn.Module):
    def __init__(self, cin, cout, k=1, s=1, p=0, groups=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, s, p, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.bn(self.conv(x))


class h_sigmoid(nn.Module):
    def __init__(self):
        super().__init__()
        self.relu = nn.ReLU6()

    def forward(self, x):
        return self.relu(x + 3) / 6


class h_swish(nn.Module):
    def __init__(self):
        super().__init__()
        self.sigmoid = h_sigmoid()

    def forward(self, x):
        return x * self.sigmoid(x)


class CoordAtt(nn.Module):
    """Trunk coordinate attention: x · a_w · a_h with pooled means over W and over H."""

    def __init__(self, c, mean_pool=False):
        super().__init__()
        self.mean_pool = mean_pool
        self.pool_h = nn.AdaptiveAvgPool2d((None, 1))
        self.pool_w = nn.AdaptiveAvgPool2d((1, None))
        mip = max(8, c // 32)
        self.conv1 = nn.Conv2d(c, mip, 1)
        self.bn1 = nn.BatchNorm2d(mip)
        self.conv2 = nn.Conv2d(mip, c, 1)
        self.conv3 = nn.Conv2d(mip, c, 1)
        self.relu = h_swish()

    def forward(self, x):
        h, w = x.shape[2], x.shape[3]
        if self.mean_pool:
            x_h = x.mean(3, keepdim=True)
            x_w = x.mean(2, keepdim=True).permute(0, 1, 3, 2)
        else:
            x_h = self.pool_h(x)
            x_w = self.pool_w(x).permute(0, 1, 3, 2)
        y = self.relu(self.bn1(self.conv1(torch.cat([x_h, x_w], dim=2))))
        y_h, y_w = torch.split(y, [h, w], dim=2)
        a_h = self.conv2(y_h).sigmoid()
        a_w = self.conv3(y_w.permute(0, 1, 3, 2)).sigmoid()
        return x * a_w.expand(-1, -1, h, w) * a_h.expand(-1, -1, h, w)


class MDConv(nn.Module):
    """Mixed depthwise conv: channel splits, each its own k×k dw conv (pad k//2), concatenated.
    bn and prelu exist (so checkpoints carry them) but forward never applies them."""

    def __init__(self, channels, kernels, splits, stride):
        super().__init__()
        self.splits = list(splits)
        self.mixed_depthwise_conv = nn.ModuleList([
            nn.Conv2d(c, c, k, stride, k // 2, groups=c, bias=False) for k, c in zip(kernels, splits)
        ])
        self.bn = nn.BatchNorm2d(channels)
        self.prelu = nn.PReLU(channels)

    def forward(self, x):
        parts = torch.split(x, self.splits, dim=1)
        return torch.cat([conv(p) for conv, p in zip(self.mixed_depthwise_conv, parts)], dim=1)


class Mix_Depth_Wise(nn.Module):
    """1×1 in→G (BN, PReLU) → MDConv(G) → CoordAtt(G) → 1×1 G→out (BN) → (+input)."""

    def __init__(self, cin, cout, residual, stride, groups, kernels, splits, mean_pool=False):
        super().__init__()
        self.residual = residual
        self.conv = Conv_block(cin, groups)
        self.conv_dw = MDConv(groups, kernels, splits, stride)
        self.CA = CoordAtt(groups, mean_pool)
        self.project = Linear_block(groups, cout)

    def forward(self, x):
        y = self.project(self.CA(self.conv_dw(self.conv(x))))
        return x + y if self.residual else y


class Mix_Residual(nn.Module):
    def __init__(self, c, num_block, groups, kernels, splits, mean_pool=False):
        super().__init__()
        self.model = nn.Sequential(*[
            Mix_Depth_Wise(c, c, True, 1, groups, kernels, splits, mean_pool)
            for _ in range(num_block)
        ])

    def forward(self, x):
        return self.model(x)


def mixed_feature_trunk(mean_pool=False):
    """Spec §3.2: MixedFeatureNet children 0..8 (conv_6_dw, flatten, linear, bn dropped)."""
    mp = mean_pool
    return nn.Sequential(
        Conv_block(3, 64, 3, 2, 1),                                                   # conv1
        Conv_block(64, 64, 3, 1, 1, groups=64),                                       # conv2_dw
        Mix_Depth_Wise(64, 64, False, 2, 128, [3, 5, 7], [64, 32, 32], mp),           # conv_23
        Mix_Residual(64, 9, 128, [3, 5], [96, 32], mp),                               # conv_3
        Mix_Depth_Wise(64, 128, False, 2, 256, [3, 5, 7], [128, 64, 64], mp),         # conv_34
        Mix_Residual(128, 16, 256, [3, 5], [192, 64], mp),                            # conv_4
        Mix_Depth_Wise(128, 256, False, 2, 1024, [3, 5, 7, 9], [256] * 4, mp),        # conv_45
        Mix_Residual(256, 6, 512, [3, 5, 7], [172, 170, 170], mp),                    # conv_5
        Conv_block(256, 512),                                                         # conv_6_sep
    )


class HeadCoordAtt(nn.Module):
    """DDAM head (spec §3.3): learned (1×7)/(7×1) dw 'pools', returns a_w·a_h (no ·x).
    Linear (dw 7×7 + BN) and flatten are owned but never used."""

    def __init__(self, c=512):
        super().__init__()
        self.Linear_h = Linear_block(c, c, (1, 7), 1, 0, groups=c)
        self.Linear_w = Linear_block(c, c, (7, 1), 1, 0, groups=c)
        mip = max(8, c // 32)
        self.conv1 = nn.Conv2d(c, mip, 1)
        self.bn1 = nn.BatchNorm2d(mip)
        self.conv2 = nn.Conv2d(mip, c, 1)
        self.conv3 = nn.Conv2d(mip, c, 1)
        self.relu = h_swish()
        self.Linear = Linear_block(c, c, 7, 1, 0, groups=c)
        self.flatten = nn.Flatten()

    def forward(self, x):
        h, w = x.shape[2], x.shape[3]
        x_h = self.Linear_h(x)
        x_w = self.Linear_w(x).permute(0, 1, 3, 2)
        y = self.relu(self.bn1(self.conv1(torch.cat([x_h, x_w], dim=2))))
        y_h, y_w = torch.split(y, [h, w], dim=2)
        a_h = self.conv2(y_h).sigmoid()
        a_w = self.conv3(y_w.permute(0, 1, 3, 2)).sigmoid()
        return a_w.expand(-1, -1, h, w) * a_h.expand(-1, -1, h, w)


class CoordAttHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.CoordAtt = HeadCoordAtt(512)

    def forward(self, x):
        return self.CoordAtt(x)


class DDAMNet(nn.Module):
    def __init__(self, num_class=10, num_head=2, mean_pool=False):
        super().__init__()
        self.features = mixed_feature_trunk(mean_pool)
        self.num_head = num_head
        for i in range(num_head):
            setattr(self, "cat_head%d" % i, CoordAttHead())
        self.Linear = Linear_block(512, 512, 7, 1, 0, groups=512)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(512, num_class)
        self.bn = nn.BatchNorm1d(num_class)  # never used by forward

    def embedding(self, x):
        """The 512-d input of fc: after the final dw 7×7 + BN."""
        x = self.features(x)
        y = getattr(self, "cat_head0")(x)
        for i in range(1, self.num_head):
            y = torch.max(y, getattr(self, "cat_head%d" % i)(x))
        return self.flatten(self.Linear(x * y))

    def forward(self, x):
        return self.fc(self.embedding(x))


def build(mean_pool=False):
    return DDAMNet(10, 2, mean_pool)
