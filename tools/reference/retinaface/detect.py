"""biubug6/Pytorch_Retinaface detect.py (commit b984b4b7) as a function: the same pre-processing,
priors (layers/functions/prior_box.py), decoding (utils/box_utils.py decode/decode_landm), NMS
(utils/nms/py_cpu_nms.py) and thresholds, in the same torch/numpy operations and dtypes.

detect(net, img_bgr) returns (loc, conf, landms, dets): the raw network outputs (numpy float32,
[P,4], [P,2], [P,10]) and dets [K,15] float32 rows (x1, y1, x2, y2, score, 5 landmark x/y pairs)
after keep_top_k, before the visualisation threshold (emoc's report threshold, 0.6 by default).
"""
from itertools import product
from math import ceil

import numpy as np
import torch


def prior_box(cfg, image_size):
    min_sizes_all, steps = cfg["min_sizes"], cfg["steps"]
    feature_maps = [[ceil(image_size[0] / step), ceil(image_size[1] / step)] for step in steps]
    anchors = []
    for k, f in enumerate(feature_maps):
        min_sizes = min_sizes_all[k]
        for i, j in product(range(f[0]), range(f[1])):
            for min_size in min_sizes:
                s_kx = min_size / image_size[1]
                s_ky = min_size / image_size[0]
                dense_cx = [x * steps[k] / image_size[1] for x in [j + 0.5]]
                dense_cy = [y * steps[k] / image_size[0] for y in [i + 0.5]]
                for cy, cx in product(dense_cy, dense_cx):
                    anchors += [cx, cy, s_kx, s_ky]
    output = torch.Tensor(anchors).view(-1, 4)
    if cfg["clip"]:
        output.clamp_(max=1, min=0)
    return output


def decode(loc, priors, variances):
    boxes = torch.cat((
        priors[:, :2] + loc[:, :2] * variances[0] * priors[:, 2:],
        priors[:, 2:] * torch.exp(loc[:, 2:] * variances[1])), 1)
    boxes[:, :2] -= boxes[:, 2:] / 2
    boxes[:, 2:] += boxes[:, :2]
    return boxes


def decode_landm(pre, priors, variances):
    return torch.cat((priors[:, :2] + pre[:, :2] * variances[0] * priors[:, 2:],
                      priors[:, :2] + pre[:, 2:4] * variances[0] * priors[:, 2:],
                      priors[:, :2] + pre[:, 4:6] * variances[0] * priors[:, 2:],
                      priors[:, :2] + pre[:, 6:8] * variances[0] * priors[:, 2:],
                      priors[:, :2] + pre[:, 8:10] * variances[0] * priors[:, 2:]), dim=1)


def py_cpu_nms(dets, thresh):
    x1, y1, x2, y2, scores = dets[:, 0], dets[:, 1], dets[:, 2], dets[:, 3], dets[:, 4]
    areas = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = scores.argsort()[::-1]
    keep = []
    while order.size > 0:
        i = order[0]
        keep.append(i)
        xx1 = np.maximum(x1[i], x1[order[1:]])
        yy1 = np.maximum(y1[i], y1[order[1:]])
        xx2 = np.minimum(x2[i], x2[order[1:]])
        yy2 = np.minimum(y2[i], y2[order[1:]])
        w = np.maximum(0.0, xx2 - xx1 + 1)
        h = np.maximum(0.0, yy2 - yy1 + 1)
        inter = w * h
        ovr = inter / (areas[i] + areas[order[1:]] - inter)
        inds = np.where(ovr <= thresh)[0]
        order = order[inds + 1]
    return keep


def preprocess(img_bgr):
    """detect.py: float32 BGR minus (104, 117, 123), HWC → 1×3×H×W, no resize."""
    img = np.float32(img_bgr)
    img -= (104, 117, 123)
    return torch.from_numpy(img.transpose(2, 0, 1)).unsqueeze(0)


def postprocess(loc, conf, landms, im_height, im_width, cfg, confidence_threshold=0.02,
                top_k=5000, nms_threshold=0.4, keep_top_k=750):
    resize = 1
    scale = torch.Tensor([im_width, im_height, im_width, im_height])
    priors = prior_box(cfg, image_size=(im_height, im_width))
    boxes = decode(loc.data.squeeze(0), priors.data, cfg["variance"])
    boxes = boxes * scale / resize
    boxes = boxes.cpu().numpy()
    scores = conf.squeeze(0).data.cpu().numpy()[:, 1]
    landms = decode_landm(landms.data.squeeze(0), priors.data, cfg["variance"])
    scale1 = torch.Tensor([im_width, im_height] * 5)
    landms = landms * scale1 / resize
    landms = landms.cpu().numpy()

    inds = np.where(scores > confidence_threshold)[0]
    boxes, landms, scores = boxes[inds], landms[inds], scores[inds]
    order = scores.argsort()[::-1][:top_k]
    boxes, landms, scores = boxes[order], landms[order], scores[order]
    dets = np.hstack((boxes, scores[:, np.newaxis])).astype(np.float32, copy=False)
    keep = py_cpu_nms(dets, nms_threshold)
    dets = dets[keep, :]
    landms = landms[keep]
    dets = dets[:keep_top_k, :]
    landms = landms[:keep_top_k, :]
    return np.concatenate((dets, landms), axis=1)


def detect(net, img_bgr, cfg, **kw):
    torch.set_grad_enabled(False)
    h, w, _ = img_bgr.shape
    loc, conf, landms = net(preprocess(img_bgr))
    dets = postprocess(loc, conf, landms, h, w, cfg, **kw)
    return (loc.squeeze(0).numpy(), conf.squeeze(0).numpy(), landms.squeeze(0).numpy(), dets)
