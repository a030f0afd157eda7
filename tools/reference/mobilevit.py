"""Replica of timm's mobilevitv2_150 (timm 0.9.x ByobNet + MobileVitV2Block) in plain torch, as
EmotiEffLib's mobilevit_va_mtl (head.fc = Linear(768, 10)).

Built from the architecture facts of docs/models.md §4 and timm 0.9 `timm/models/mobilevit.py`
(`_mobilevitv2_cfg(1.5)`, MobileVitV2Block, LinearTransformerBlock, LinearSelfAttention) and
`timm/models/byobnet.py` (stem, BottleneckBlock with bottle_in / linear_out, no projection
shortcut, ClassifierHead). Module tree and parameter names follow timm so a timm state_dict
loads: stem.{conv,bn}, stages.S.B.{conv1_1x1,conv2_kxk,conv3_1x1}.{conv,bn} (bottlenecks),
stages.S.1.{conv_kxk.{conv,bn}, conv_1x1, transformer.L.{norm1, attn.qkv_proj, attn.out_proj,
norm2, mlp.fc1, mlp.fc2}, norm, conv_proj.{conv,bn}}, head.fc.  BN eps 1e-5, act SiLU,
GroupNorm(1 group) eps 1e-5.

The MobileViTv2 block's forward keeps timm's shape arithmetic (x.shape, math.ceil, reshape /
permute for unfold and fold, F.interpolate bilinear align_corners=True when H or W is odd), so
torch.onnx traces the same Reshape/Transpose chains and the Resize node as an export of the real
model: at 224 input the last stage is resized 7×7 → 8×8 and stays 8×8.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

CHS = tuple(int(c * 1.5) for c in (64, 128, 256, 384, 512))  # 96 192 384 576 768
STEM = int(32 * 1.5)                                           # 48
DEPTHS = (2, 4, 3)                                             # transformer layers, stages 2..4


class ConvNormAct(nn.Module):
    """timm ConvNormAct: conv (no bias, symmetric pad (k-1)//2 … ((s-1)+(k-1))//2) + BN + SiLU."""

    def __init__(self, cin, cout, k, stride=1, groups=1, act=True):
        super().__init__()
        pad = ((stride - 1) + (k - 1)) // 2
        self.conv = nn.Conv2d(cin, cout, k, stride, pad, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=1e-5)
        self.act = nn.SiLU() if act else nn.Identity()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class BottleneckBlock(nn.Module):
    """byobnet 'bottle' with bottle_in=True, linear_out=True, gs=1 (depthwise), downsample='':
    shortcut only when stride 1 and cin == cout (no projection)."""

    def __init__(self, cin, cout, stride, br):
        super().__init__()
        mid = int(cin * br)
        self.has_shortcut = stride == 1 and cin == cout
        self.conv1_1x1 = ConvNormAct(cin, mid, 1)
        self.conv2_kxk = ConvNormAct(mid, mid, 3, stride, groups=mid)
        self.conv3_1x1 = ConvNormAct(mid, cout, 1, act=False)

    def forward(self, x):
        y = self.conv3_1x1(self.conv2_kxk(self.conv1_1x1(x)))
        return y + x if self.has_shortcut else y


class GroupNorm1(nn.GroupNorm):
    def __init__(self, c):
        super().__init__(1, c, eps=1e-5)


class LinearSelfAttention(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.embed_dim = d
        self.qkv_proj = nn.Conv2d(d, 1 + 2 * d, 1, bias=True)
        self.out_proj = nn.Conv2d(d, d, 1, bias=True)

    def forward(self, x):  # x [B, d, P, N]
        qkv = self.qkv_proj(x)
        query, key, value = qkv.split([1, self.embed_dim, self.embed_dim], dim=1)
        context_scores = F.softmax(query, dim=-1)
        context_vector = (key * context_scores).sum(dim=-1, keepdim=True)
        out = F.relu(value) * context_vector.expand_as(value)
        return self.out_proj(out)


class ConvMlp(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.fc1 = nn.Conv2d(d, hidden, 1, bias=True)
        self.norm = nn.Identity()
        self.act = nn.SiLU()
        self.fc2 = nn.Conv2d(hidden, d, 1, bias=True)

    def forward(self, x):
        return self.fc2(self.act(self.norm(self.fc1(x))))


class LinearTransformerBlock(nn.Module):
    def __init__(self, d, mlp_ratio=2.0):
        super().__init__()
        self.norm1 = GroupNorm1(d)
        self.attn = LinearSelfAttention(d)
        self.norm2 = GroupNorm1(d)
        self.mlp = ConvMlp(d, int(d * mlp_ratio))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        x = x + self.mlp(self.norm2(x))
        return x


class MobileVitV2Block(nn.Module):
    def __init__(self, c, depth, patch=2, transformer_br=0.5):
        super().__init__()
        d = int(c * transformer_br)
        self.conv_kxk = ConvNormAct(c, c, 3, 1, groups=c)
        self.conv_1x1 = nn.Conv2d(c, d, 1, bias=False)
        self.transformer = nn.Sequential(*[LinearTransformerBlock(d) for _ in range(depth)])
        self.norm = GroupNorm1(d)
        self.conv_proj = ConvNormAct(d, c, 1, act=False)
        self.patch_size = (patch, patch)
        self.patch_area = patch * patch

    def forward(self, x):
        B, C, H, W = x.shape
        patch_h, patch_w = self.patch_size
        new_h, new_w = math.ceil(H / patch_h) * patch_h, math.ceil(W / patch_w) * patch_w
        num_patch_h, num_patch_w = new_h // patch_h, new_w // patch_w
        num_patches = num_patch_h * num_patch_w
        if new_h != H or new_w != W:
            x = F.interpolate(x, size=(new_h, new_w), mode="bilinear", align_corners=True)
        x = self.conv_kxk(x)
        x = self.conv_1x1(x)
        C = x.shape[1]
        x = x.reshape(B, C, num_patch_h, patch_h, num_patch_w, patch_w).permute(0, 1, 3, 5, 2, 4)
        x = x.reshape(B, C, -1, num_patches)
        x = self.transformer(x)
        x = self.norm(x)
        x = x.reshape(B, C, patch_h, patch_w, num_patch_h, num_patch_w).permute(0, 1, 4, 2, 5, 3)
        x = x.reshape(B, C, num_patch_h * patch_h, num_patch_w * patch_w)
        return self.conv_proj(x)


class ClassifierHead(nn.Module):
    def __init__(self, d, n):
        super().__init__()
        self.fc = nn.Linear(d, n)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class MobileViTv2(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = ConvNormAct(3, STEM, 3, 2)
        c0, c1, c2, c3, c4 = CHS
        self.stages = nn.Sequential(
            nn.Sequential(BottleneckBlock(STEM, c0, 1, 2.0)),
            nn.Sequential(BottleneckBlock(c0, c1, 2, 2.0), BottleneckBlock(c1, c1, 1, 2.0)),
            nn.Sequential(BottleneckBlock(c1, c2, 2, 2.0), MobileVitV2Block(c2, DEPTHS[0])),
            nn.Sequential(BottleneckBlock(c2, c3, 2, 2.0), MobileVitV2Block(c3, DEPTHS[1])),
            nn.Sequential(BottleneckBlock(c3, c4, 2, 2.0), MobileVitV2Block(c4, DEPTHS[2])),
        )
        self.final_conv = nn.Identity()
        self.num_features = c4
        self.head = ClassifierHead(c4, num_classes)

    def forward_features(self, x):
        return self.final_conv(self.stages(self.stem(x)))

    def embedding(self, x):
        return torch.flatten(F.adaptive_avg_pool2d(self.forward_features(x), 1), 1)

    def forward(self, x):
        return self.head(self.forward_features(x))


def build():
    return MobileViTv2(10)
