"""facenet-pytorch's detect_face() and MTCNN.detect() (models/utils/detect_face.py,
models/mtcnn.py at commit 787da061) for one numpy RGB uint8 image, as EmotiEffLib calls it
(min_face_size=40, thresholds [0.6, 0.7, 0.7], factor 0.709, select_largest=True). The
torchvision NMS it calls is replicated in nms_torchvision() (torchvision is not a Debian
dependency here): same sort, same float32 arithmetic, same comparison.

record (optional dict) receives every sub-network call: lists of (input NCHW, raw outputs)."""
import numpy as np
import torch
from torch.nn.functional import interpolate


def imresample(img, sz):
    return interpolate(img, size=sz, mode="area")


def nms_torchvision(boxes, scores, thr):
    """torchvision/csrc/ops/cpu/nms_kernel.cpp on float32 tensors; returns kept indices."""
    if boxes.numel() == 0:
        return torch.empty((0,), dtype=torch.int64)
    x1, y1, x2, y2 = (boxes[:, k].numpy() for k in range(4))
    areas = (x2 - x1) * (y2 - y1)
    order = scores.sort(0, descending=True)[1].numpy()
    n = len(order)
    supp = np.zeros(n, dtype=bool)
    keep = []
    for _i in range(n):
        i = order[_i]
        if supp[i]:
            continue
        keep.append(i)
        rest = order[_i + 1:]
        rest = rest[~supp[rest]]
        xx1 = np.maximum(x1[i], x1[rest])
        yy1 = np.maximum(y1[i], y1[rest])
        xx2 = np.minimum(x2[i], x2[rest])
        yy2 = np.minimum(y2[i], y2[rest])
        w = np.maximum(np.float32(0), xx2 - xx1)
        h = np.maximum(np.float32(0), yy2 - yy1)
        inter = w * h
        ovr = inter / (areas[i] + areas[rest] - inter)
        supp[rest[ovr.astype(np.float64) > thr]] = True
    return torch.as_tensor(np.array(keep, dtype=np.int64))


def batched_nms(boxes, scores, idxs, thr):
    if boxes.numel() == 0:
        return torch.empty((0,), dtype=torch.int64)
    max_coordinate = boxes.max()
    offsets = idxs.to(boxes) * (max_coordinate + 1)
    return nms_torchvision(boxes + offsets[:, None], scores, thr)


def generateBoundingBox(reg, probs, scale, thresh):
    stride = 2
    cellsize = 12
    reg = reg.permute(1, 0, 2, 3)
    mask = probs >= thresh
    mask_inds = mask.nonzero()
    image_inds = mask_inds[:, 0]
    score = probs[mask]
    reg = reg[:, mask].permute(1, 0)
    bb = mask_inds[:, 1:].type(reg.dtype).flip(1)
    q1 = ((stride * bb + 1) / scale).floor()
    q2 = ((stride * bb + cellsize - 1 + 1) / scale).floor()
    boundingbox = torch.cat([q1, q2, score.unsqueeze(1), reg], dim=1)
    return boundingbox, image_inds


def nms_numpy(boxes, scores, threshold, method):
    if boxes.size == 0:
        return np.empty((0, 3))
    x1 = boxes[:, 0].copy()
    y1 = boxes[:, 1].copy()
    x2 = boxes[:, 2].copy()
    y2 = boxes[:, 3].copy()
    s = scores
    area = (x2 - x1 + 1) * (y2 - y1 + 1)
    I = np.argsort(s)
    pick = np.zeros_like(s, dtype=np.int16)
    counter = 0
    while I.size > 0:
        i = I[-1]
        pick[counter] = i
        counter += 1
        idx = I[0:-1]
        xx1 = np.maximum(x1[i], x1[idx]).copy()
        yy1 = np.maximum(y1[i], y1[idx]).copy()
        xx2 = np.minimum(x2[i], x2[idx]).copy()
        yy2 = np.minimum(y2[i], y2[idx]).copy()
        w = np.maximum(0.0, xx2 - xx1 + 1).copy()
        h = np.maximum(0.0, yy2 - yy1 + 1).copy()
        inter = w * h
        if method == 'Min':
            o = inter / np.minimum(area[i], area[idx])
        else:
            o = inter / (area[i] + area[idx] - inter)
        I = I[np.where(o <= threshold)]
    return pick[:counter].copy()


def batched_nms_numpy(boxes, scores, idxs, threshold, method):
    if boxes.numel() == 0:
        return torch.empty((0,), dtype=torch.int64)
    max_coordinate = boxes.max()
    offsets = idxs.to(boxes) * (max_coordinate + 1)
    boxes_for_nms = (boxes + offsets[:, None]).numpy()
    keep = nms_numpy(boxes_for_nms, scores.numpy(), threshold, method)
    return torch.as_tensor(keep, dtype=torch.long)


def bbreg(boundingbox, reg):
    w = boundingbox[:, 2] - boundingbox[:, 0] + 1
    h = boundingbox[:, 3] - boundingbox[:, 1] + 1
    b1 = boundingbox[:, 0] + reg[:, 0] * w
    b2 = boundingbox[:, 1] + reg[:, 1] * h
    b3 = boundingbox[:, 2] + reg[:, 2] * w
    b4 = boundingbox[:, 3] + reg[:, 3] * h
    boundingbox[:, :4] = torch.stack([b1, b2, b3, b4]).permute(1, 0)
    return boundingbox


def pad(boxes, w, h):
    boxes = boxes.trunc().int().numpy()
    x, y, ex, ey = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    x[x < 1] = 1
    y[y < 1] = 1
    ex[ex > w] = w
    ey[ey > h] = h
    return y, ey, x, ex


def rerec(bboxA):
    h = bboxA[:, 3] - bboxA[:, 1]
    w = bboxA[:, 2] - bboxA[:, 0]
    l = torch.max(w, h)
    bboxA[:, 0] = bboxA[:, 0] + w * 0.5 - l * 0.5
    bboxA[:, 1] = bboxA[:, 1] + h * 0.5 - l * 0.5
    bboxA[:, 2:4] = bboxA[:, :2] + l.repeat(2, 1).permute(1, 0)
    return bboxA


def _run(net, x, record, name):
    out = net(x)
    if record is not None:
        raw = net(x, raw=True)
        record.setdefault(name, []).append((x.numpy().copy(), [t.numpy().copy() for t in raw]))
    return out


def crops(imgs, boxes, image_inds, w, h, size):
    y, ey, x, ex = pad(boxes, w, h)
    im_data = []
    for k in range(len(y)):
        if ey[k] > (y[k] - 1) and ex[k] > (x[k] - 1):
            img_k = imgs[image_inds[k], :, (y[k] - 1):ey[k], (x[k] - 1):ex[k]].unsqueeze(0)
            im_data.append(imresample(img_k, (size, size)))
    if len(im_data) != len(y):
        raise RuntimeError("upstream would misalign: a crop is empty")
    im_data = torch.cat(im_data, dim=0)
    return (im_data - 127.5) * 0.0078125


def detect_face(img, minsize, pnet, rnet, onet, threshold=(0.6, 0.7, 0.7), factor=0.709,
                record=None, stats=None):
    imgs = torch.as_tensor(img.copy()).unsqueeze(0)
    imgs = imgs.permute(0, 3, 1, 2).type(torch.float32)
    h, w = imgs.shape[2:4]
    m = 12.0 / minsize
    minl = min(h, w) * m
    scale_i = m
    scales = []
    while minl >= 12:
        scales.append(scale_i)
        scale_i = scale_i * factor
        minl = minl * factor
    if not scales:  # upstream raises on the empty torch.cat below
        return np.zeros((0, 5), np.float32), np.zeros((0, 5, 2), np.float32)
    boxes, image_inds, scale_picks = [], [], []
    offset = 0
    for scale in scales:
        im_data = imresample(imgs, (int(h * scale + 1), int(w * scale + 1)))
        im_data = (im_data - 127.5) * 0.0078125
        reg, probs = _run(pnet, im_data, record, "pnet")
        boxes_scale, image_inds_scale = generateBoundingBox(reg, probs[:, 1], scale, threshold[0])
        boxes.append(boxes_scale)
        image_inds.append(image_inds_scale)
        pick = batched_nms(boxes_scale[:, :4], boxes_scale[:, 4], image_inds_scale, 0.5)
        scale_picks.append(pick + offset)
        offset += boxes_scale.shape[0]
    boxes = torch.cat(boxes, dim=0)
    image_inds = torch.cat(image_inds, dim=0)
    scale_picks = torch.cat(scale_picks, dim=0)
    boxes, image_inds = boxes[scale_picks], image_inds[scale_picks]
    pick = batched_nms(boxes[:, :4], boxes[:, 4], image_inds, 0.7)
    boxes, image_inds = boxes[pick], image_inds[pick]
    if stats is not None:
        stats["stage1"] = len(boxes)
    regw = boxes[:, 2] - boxes[:, 0]
    regh = boxes[:, 3] - boxes[:, 1]
    qq1 = boxes[:, 0] + boxes[:, 5] * regw
    qq2 = boxes[:, 1] + boxes[:, 6] * regh
    qq3 = boxes[:, 2] + boxes[:, 7] * regw
    qq4 = boxes[:, 3] + boxes[:, 8] * regh
    boxes = torch.stack([qq1, qq2, qq3, qq4, boxes[:, 4]]).permute(1, 0)
    boxes = rerec(boxes)
    if len(boxes) > 0:
        im_data = crops(imgs, boxes, image_inds, w, h, 24)
        out = _run(rnet, im_data, record, "rnet")
        out0 = out[0].permute(1, 0)
        out1 = out[1].permute(1, 0)
        score = out1[1, :]
        ipass = score > threshold[1]
        boxes = torch.cat((boxes[ipass, :4], score[ipass].unsqueeze(1)), dim=1)
        image_inds = image_inds[ipass]
        mv = out0[:, ipass].permute(1, 0)
        pick = batched_nms(boxes[:, :4], boxes[:, 4], image_inds, 0.7)
        boxes, image_inds, mv = boxes[pick], image_inds[pick], mv[pick]
        boxes = bbreg(boxes, mv)
        boxes = rerec(boxes)
    if stats is not None:
        stats["stage2"] = len(boxes)
    points = torch.zeros(0, 5, 2)
    if len(boxes) > 0:
        im_data = crops(imgs, boxes, image_inds, w, h, 48)
        out = _run(onet, im_data, record, "onet")
        out0 = out[0].permute(1, 0)
        out1 = out[1].permute(1, 0)
        out2 = out[2].permute(1, 0)
        score = out2[1, :]
        points = out1
        ipass = score > threshold[2]
        points = points[:, ipass]
        boxes = torch.cat((boxes[ipass, :4], score[ipass].unsqueeze(1)), dim=1)
        image_inds = image_inds[ipass]
        mv = out0[:, ipass].permute(1, 0)
        w_i = boxes[:, 2] - boxes[:, 0] + 1
        h_i = boxes[:, 3] - boxes[:, 1] + 1
        points_x = w_i.repeat(5, 1) * points[:5, :] + boxes[:, 0].repeat(5, 1) - 1
        points_y = h_i.repeat(5, 1) * points[5:10, :] + boxes[:, 1].repeat(5, 1) - 1
        points = torch.stack((points_x, points_y)).permute(2, 1, 0)
        boxes = bbreg(boxes, mv)
        pick = batched_nms_numpy(boxes[:, :4], boxes[:, 4], image_inds, 0.7, 'Min')
        boxes, image_inds, points = boxes[pick], image_inds[pick], points[pick]
    if stats is not None:
        stats["stage3"] = len(boxes)
    return boxes.numpy(), points.numpy()


def mtcnn_detect(img, nets, min_face_size=40, record=None, stats=None):
    """MTCNN.detect(img, landmarks=True) with select_largest=True: boxes Nx4, probs N,
    points Nx5x2 (largest box first); empty arrays when no face."""
    with torch.no_grad():
        box, point = detect_face(img, min_face_size, *nets, record=record, stats=stats)
    if len(box) == 0:
        return np.zeros((0, 4), np.float32), np.zeros((0,), np.float32), np.zeros((0, 5, 2), np.float32)
    order = np.argsort((box[:, 2] - box[:, 0]) * (box[:, 3] - box[:, 1]))[::-1]
    box, point = box[order], point[order]
    return box[:, :4], box[:, 4], point
