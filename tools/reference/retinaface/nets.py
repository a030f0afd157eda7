"""RetinaFace-MobileNet0.25 as biubug6/Pytorch_Retinaface (commit b984b4b7) defines it:
models/net.py (MobileNetV1, FPN, SSH) and models/retinaface.py (RetinaFace, heads), with
data/config.py's cfg_mnet. Module tree and parameter names are upstream's, so the published
mobilenet0.25_Final.pth loads with strict=True.

Differences from upstream, none affecting the state_dict or the forward pass:
- torchvision's IntermediateLayerGetter (not installed here) is replaced by `Body`, a ModuleDict
  of the backbone's children up to stage3 that returns the three stage outputs in order: what
  IntermediateLayerGetter(backbone, {'stage1': 1, 'stage2': 2, 'stage3': 3}) does (it drops the
  unused avg/fc too);
- the ImageNet pre-training file is never loaded (the checkpoint replaces every tensor).

`variant="1mb"` gives the different network of biubug6/Face-Detector-1MB-with-landmark that
ships a file of the same name and tensor names: plain ReLU everywhere (leaky = 0) and
min_sizes [[10,20],[32,64],[128,256]] (its data/config.py cfg_mnet).
"""
import collections

import torch
import torch.nn as nn
import torch.nn.functional as F

CFG_MNET = {
    "min_sizes": [[16, 32], [64, 128], [256, 512]],
    "steps": [8, 16, 32],
    "variance": [0.1, 0.2],
    "clip": False,
    "in_channel": 32,
    "out_channel": 64,
}
CFG_1MB = dict(CFG_MNET, min_sizes=[[10, 20], [32, 64], [128, 256]])


def conv_bn(inp, oup, stride=1, leaky=0):
    return nn.Sequential(
        nn.Conv2d(inp, oup, 3, stride, 1, bias=False),
        nn.BatchNorm2d(oup),
        nn.LeakyReLU(negative_slope=leaky, inplace=True))


def conv_bn_no_relu(inp, oup, stride):
    return nn.Sequential(
        nn.Conv2d(inp, oup, 3, stride, 1, bias=False),
        nn.BatchNorm2d(oup))


def conv_bn1X1(inp, oup, stride, leaky=0):
    return nn.Sequential(
        nn.Conv2d(inp, oup, 1, stride, padding=0, bias=False),
        nn.BatchNorm2d(oup),
        nn.LeakyReLU(negative_slope=leaky, inplace=True))


def conv_dw(inp, oup, stride, leaky=0.1):
    return nn.Sequential(
        nn.Conv2d(inp, inp, 3, stride, 1, groups=inp, bias=False),
        nn.BatchNorm2d(inp),
        nn.LeakyReLU(negative_slope=leaky, inplace=True),
        nn.Conv2d(inp, oup, 1, 1, 0, bias=False),
        nn.BatchNorm2d(oup),
        nn.LeakyReLU(negative_slope=leaky, inplace=True))


class SSH(nn.Module):
    def __init__(self, in_channel, out_channel, leaky_override=None):
        super().__init__()
        assert out_channel % 4 == 0
        leaky = 0.1 if out_channel <= 64 else 0
        if leaky_override is not None:
            leaky = leaky_override
        self.conv3X3 = conv_bn_no_relu(in_channel, out_channel // 2, stride=1)
        self.conv5X5_1 = conv_bn(in_channel, out_channel // 4, stride=1, leaky=leaky)
        self.conv5X5_2 = conv_bn_no_relu(out_channel // 4, out_channel // 4, stride=1)
        self.conv7X7_2 = conv_bn(out_channel // 4, out_channel // 4, stride=1, leaky=leaky)
        self.conv7x7_3 = conv_bn_no_relu(out_channel // 4, out_channel // 4, stride=1)

    def forward(self, input):
        conv3X3 = self.conv3X3(input)
        conv5X5_1 = self.conv5X5_1(input)
        conv5X5 = self.conv5X5_2(conv5X5_1)
        conv7X7_2 = self.conv7X7_2(conv5X5_1)
        conv7X7 = self.conv7x7_3(conv7X7_2)
        out = torch.cat([conv3X3, conv5X5, conv7X7], dim=1)
        return F.relu(out)


class FPN(nn.Module):
    def __init__(self, in_channels_list, out_channels, leaky_override=None):
        super().__init__()
        leaky = 0.1 if out_channels <= 64 else 0
        if leaky_override is not None:
            leaky = leaky_override
        self.output1 = conv_bn1X1(in_channels_list[0], out_channels, stride=1, leaky=leaky)
        self.output2 = conv_bn1X1(in_channels_list[1], out_channels, stride=1, leaky=leaky)
        self.output3 = conv_bn1X1(in_channels_list[2], out_channels, stride=1, leaky=leaky)
        self.merge1 = conv_bn(out_channels, out_channels, leaky=leaky)
        self.merge2 = conv_bn(out_channels, out_channels, leaky=leaky)

    def forward(self, input):
        input = list(input.values())
        output1 = self.output1(input[0])
        output2 = self.output2(input[1])
        output3 = self.output3(input[2])
        up3 = F.interpolate(output3, size=[output2.size(2), output2.size(3)], mode="nearest")
        output2 = output2 + up3
        output2 = self.merge2(output2)
        up2 = F.interpolate(output2, size=[output1.size(2), output1.size(3)], mode="nearest")
        output1 = output1 + up2
        output1 = self.merge1(output1)
        return [output1, output2, output3]


class MobileNetV1(nn.Module):
    def __init__(self, leaky=0.1):
        super().__init__()
        self.stage1 = nn.Sequential(
            conv_bn(3, 8, 2, leaky=leaky),
            conv_dw(8, 16, 1, leaky),
            conv_dw(16, 32, 2, leaky),
            conv_dw(32, 32, 1, leaky),
            conv_dw(32, 64, 2, leaky),
            conv_dw(64, 64, 1, leaky))
        self.stage2 = nn.Sequential(
            conv_dw(64, 128, 2, leaky),
            conv_dw(128, 128, 1, leaky),
            conv_dw(128, 128, 1, leaky),
            conv_dw(128, 128, 1, leaky),
            conv_dw(128, 128, 1, leaky),
            conv_dw(128, 128, 1, leaky))
        self.stage3 = nn.Sequential(
            conv_dw(128, 256, 2, leaky),
            conv_dw(256, 256, 1, leaky))
        self.avg = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(256, 1000)


class Body(nn.ModuleDict):
    """torchvision IntermediateLayerGetter(backbone, {'stage1': 1, 'stage2': 2, 'stage3': 3})."""
    def __init__(self, backbone):
        layers = collections.OrderedDict()
        for name, module in backbone.named_children():
            layers[name] = module
            if name == "stage3":
                break
        super().__init__(layers)

    def forward(self, x):
        out = collections.OrderedDict()
        for i, (name, module) in enumerate(self.items()):
            x = module(x)
            out[i + 1] = x
        return out


class ClassHead(nn.Module):
    def __init__(self, inchannels=512, num_anchors=3):
        super().__init__()
        self.num_anchors = num_anchors
        self.conv1x1 = nn.Conv2d(inchannels, self.num_anchors * 2, kernel_size=(1, 1), stride=1, padding=0)

    def forward(self, x):
        out = self.conv1x1(x).permute(0, 2, 3, 1).contiguous()
        return out.view(out.shape[0], -1, 2)


class BboxHead(nn.Module):
    def __init__(self, inchannels=512, num_anchors=3):
        super().__init__()
        self.conv1x1 = nn.Conv2d(inchannels, num_anchors * 4, kernel_size=(1, 1), stride=1, padding=0)

    def forward(self, x):
        out = self.conv1x1(x).permute(0, 2, 3, 1).contiguous()
        return out.view(out.shape[0], -1, 4)


class LandmarkHead(nn.Module):
    def __init__(self, inchannels=512, num_anchors=3):
        super().__init__()
        self.conv1x1 = nn.Conv2d(inchannels, num_anchors * 10, kernel_size=(1, 1), stride=1, padding=0)

    def forward(self, x):
        out = self.conv1x1(x).permute(0, 2, 3, 1).contiguous()
        return out.view(out.shape[0], -1, 10)


class RetinaFace(nn.Module):
    """phase 'test': forward returns (loc, softmax(conf), landms) as upstream."""
    def __init__(self, variant="0.25"):
        super().__init__()
        leaky = 0 if variant == "1mb" else None
        backbone = MobileNetV1(leaky=0 if variant == "1mb" else 0.1)
        self.body = Body(backbone)
        c = CFG_MNET["in_channel"]
        out_channels = CFG_MNET["out_channel"]
        self.fpn = FPN([c * 2, c * 4, c * 8], out_channels, leaky)
        self.ssh1 = SSH(out_channels, out_channels, leaky)
        self.ssh2 = SSH(out_channels, out_channels, leaky)
        self.ssh3 = SSH(out_channels, out_channels, leaky)
        self.ClassHead = nn.ModuleList([ClassHead(out_channels, 2) for _ in range(3)])
        self.BboxHead = nn.ModuleList([BboxHead(out_channels, 2) for _ in range(3)])
        self.LandmarkHead = nn.ModuleList([LandmarkHead(out_channels, 2) for _ in range(3)])

    def forward(self, inputs):
        out = self.body(inputs)
        fpn = self.fpn(out)
        features = [self.ssh1(fpn[0]), self.ssh2(fpn[1]), self.ssh3(fpn[2])]
        bbox = torch.cat([self.BboxHead[i](f) for i, f in enumerate(features)], dim=1)
        cls = torch.cat([self.ClassHead[i](f) for i, f in enumerate(features)], dim=1)
        ldm = torch.cat([self.LandmarkHead[i](f) for i, f in enumerate(features)], dim=1)
        return bbox, F.softmax(cls, dim=-1), ldm
