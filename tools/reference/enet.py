"""Replica of timm's tf_efficientnet_b0_ns / tf_efficientnet_b2_ns (timm 0.6.x) in plain torch.

Built from the architecture facts of docs/models.md §1 (arch table §1.3, per-block tables §1.4/§1.5, op order
§1.2). Module tree and parameter names follow timm's EfficientNet so a timm state_dict loads:
conv_stem, bn1, blocks.S.B.{...}, conv_head, bn2, classifier.  BatchNorm eps is 1e-3 (TF port).
Stride-2 convs are timm's Conv2dSame: they pad TF-"SAME" at run time from the input's shape, the
same Python arithmetic timm uses, so torch.onnx traces the Shape/Gather/Sub/Div/... subgraph and a
Pad node exactly like an export of the real model.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

BN_EPS_TF = 1e-3


def tf_same_total_pad(size, k, s):
    """TF SAME: total = max((ceil(size/s) - 1)*s + k - size, 0) (dilation 1)."""
    return max((math.ceil(size / s) - 1) * s + k - size, 0)


class Conv2dSame(nn.Conv2d):
    """Conv with dynamic TF-SAME padding: extra pixel goes bottom/right (spec §1.2)."""

    def __init__(self, cin, cout, k, stride, groups=1):
        super().__init__(cin, cout, k, stride, 0, 1, groups, bias=False)

    def forward(self, x):
        ih, iw = x.size()[-2:]  # traced as Shape→Gather under torch.onnx.export
        kh, kw = self.weight.shape[-2:]
        pad_h = tf_same_total_pad(ih, kh, self.stride[0])
        pad_w = tf_same_total_pad(iw, kw, self.stride[1])
        if pad_h > 0 or pad_w > 0:
            x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return F.conv2d(x, self.weight, None, self.stride, (0, 0), 1, self.groups)


def make_conv(cin, cout, k, stride=1, groups=1):
    """timm create_conv2d with padding 'same': static symmetric pad for stride 1, dynamic for 2."""
    if stride == 1:
        return nn.Conv2d(cin, cout, k, 1, k // 2, groups=groups, bias=False)
    return Conv2dSame(cin, cout, k, stride, groups=groups)


class BatchNormAct2d(nn.BatchNorm2d):
    """BN followed by an optional SiLU; parameter names are plain BatchNorm2d's (bnX.weight ...)."""

    def __init__(self, c, act=True):
        super().__init__(c, eps=BN_EPS_TF)
        self.act = nn.SiLU() if act else nn.Identity()

    def forward(self, x):
        return self.act(super().forward(x))


class SqueezeExcite(nn.Module):
    """mean(H,W) → conv_reduce(bias) → SiLU → conv_expand(bias) → sigmoid → x * gate."""

    def __init__(self, c, rd):
        super().__init__()
        self.conv_reduce = nn.Conv2d(c, rd, 1, bias=True)
        self.act1 = nn.SiLU()
        self.conv_expand = nn.Conv2d(rd, c, 1, bias=True)
        self.gate = nn.Sigmoid()

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        s = self.conv_expand(self.act1(self.conv_reduce(s)))
        return x * self.gate(s)


class DepthwiseSeparableConv(nn.Module):
    """Stage 0: dw → BN+SiLU → SE → pw → BN → (+skip iff stride 1 and in == out)."""

    def __init__(self, cin, cout, k, stride, rd):
        super().__init__()
        self.has_skip = stride == 1 and cin == cout
        self.conv_dw = make_conv(cin, cin, k, stride, groups=cin)
        self.bn1 = BatchNormAct2d(cin)
        self.se = SqueezeExcite(cin, rd)
        self.conv_pw = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn2 = BatchNormAct2d(cout, act=False)

    def forward(self, x):
        y = self.bn2(self.conv_pw(self.se(self.bn1(self.conv_dw(x)))))
        return y + x if self.has_skip else y


class InvertedResidual(nn.Module):
    """pw expand → BN+SiLU → dw → BN+SiLU → SE → pwl → BN → (+skip)."""

    def __init__(self, cin, cout, k, stride, expand, rd):
        super().__init__()
        mid = cin * expand
        self.has_skip = stride == 1 and cin == cout
        self.conv_pw = nn.Conv2d(cin, mid, 1, bias=False)
        self.bn1 = BatchNormAct2d(mid)
        self.conv_dw = make_conv(mid, mid, k, stride, groups=mid)
        self.bn2 = BatchNormAct2d(mid)
        self.se = SqueezeExcite(mid, rd)
        self.conv_pwl = nn.Conv2d(mid, cout, 1, bias=False)
        self.bn3 = BatchNormAct2d(cout, act=False)

    def forward(self, x):
        y = self.bn2(self.conv_dw(self.bn1(self.conv_pw(x))))
        y = self.bn3(self.conv_pwl(self.se(y)))
        return y + x if self.has_skip else y


# Spec §1.3: (repeats B0, repeats B2, kernel, first stride, expand, out B0, out B2) per stage.
STAGES = [
    (1, 2, 3, 1, 1, 16, 16),
    (2, 3, 3, 2, 6, 24, 24),
    (2, 3, 5, 2, 6, 40, 48),
    (3, 4, 3, 2, 6, 80, 88),
    (3, 4, 5, 1, 6, 112, 120),
    (4, 5, 5, 2, 6, 192, 208),
    (1, 2, 3, 1, 6, 320, 352),
]
HEAD = {"b0": 1280, "b2": 1408}
INPUT_SIZE = {"b0": 224, "b2": 260}


class EfficientNet(nn.Module):
    def __init__(self, variant, num_classes, sequential_classifier=False):
        super().__init__()
        b2 = variant == "b2"
        self.conv_stem = make_conv(3, 32, 3, 2)
        self.bn1 = BatchNormAct2d(32)
        stages = []
        cin = 32
        for reps_b0, reps_b2, k, s, e, out_b0, out_b2 in STAGES:
            reps, cout = (reps_b2, out_b2) if b2 else (reps_b0, out_b0)
            blocks = []
            for i in range(reps):
                stride = s if i == 0 else 1
                rd = round(cin * 0.25)  # SE width from the block input (spec §1.2)
                if e == 1:
                    blocks.append(DepthwiseSeparableConv(cin, cout, k, stride, rd))
                else:
                    blocks.append(InvertedResidual(cin, cout, k, stride, e, rd))
                cin = cout
            stages.append(nn.Sequential(*blocks))
        self.blocks = nn.Sequential(*stages)
        self.num_features = HEAD[variant]
        self.conv_head = nn.Conv2d(cin, self.num_features, 1, bias=False)
        self.bn2 = BatchNormAct2d(self.num_features)
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten(1)
        linear = nn.Linear(self.num_features, num_classes)
        self.classifier = nn.Sequential(linear) if sequential_classifier else linear

    def forward_features(self, x):
        """Returns the embedding: the input of the final linear (after GAP)."""
        x = self.bn1(self.conv_stem(x))
        x = self.blocks(x)
        x = self.bn2(self.conv_head(x))
        return self.flatten(self.global_pool(x))

    def final_linear(self):
        return self.classifier[0] if isinstance(self.classifier, nn.Sequential) else self.classifier

    def forward(self, x):
        return self.classifier(self.forward_features(x))


# The five published EmotiEffLib EfficientNets (spec §0): variant, outputs, Sequential classifier.
MODELS = {
    "enet_b0_8_best_afew": ("b0", 8, True),
    "enet_b0_8_best_vgaf": ("b0", 8, True),
    "enet_b0_8_va_mtl": ("b0", 10, False),
    "enet_b2_8": ("b2", 8, False),
    "enet_b2_7": ("b2", 7, False),
}


def build(name):
    variant, n, seq = MODELS[name]
    return EfficientNet(variant, n, seq)
