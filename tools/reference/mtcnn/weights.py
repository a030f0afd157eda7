"""Random MTCNN weights for conformance: PyTorch default init, then the class heads shifted
so that face probabilities spread over roughly 0.5..0.99 (every stage keeps and rejects
candidates) and the box/landmark heads scaled down (boxes stay near their cells, so NMS keeps
many): at least 10 candidates must survive every stage on each test image (checked by
generate.py)."""
import torch

from nets import PNet, RNet, ONet


def random_nets(seed, bias=(1.2, 1.6, 1.6), reg_scale=0.15):
    torch.manual_seed(seed)
    nets = [PNet(), RNet(), ONet()]
    heads = [("conv4_1", "conv4_2", None), ("dense5_1", "dense5_2", None),
             ("dense6_1", "dense6_2", "dense6_3")]
    with torch.no_grad():
        for net, (cls, reg, lm), b in zip(nets, heads, bias):
            for mod in net.modules():
                if isinstance(mod, torch.nn.PReLU):
                    mod.weight.uniform_(0.05, 0.4)
            c = getattr(net, cls)
            c.weight.mul_(2.0)
            c.bias[1] = c.bias[0] + b
            r = getattr(net, reg)
            r.weight.mul_(reg_scale)
            r.bias.mul_(reg_scale)
            if lm:
                l = getattr(net, lm)
                l.bias.uniform_(0.2, 0.8)
            net.eval()
    return nets


def save(nets, out_dir):
    for net, name in zip(nets, ("pnet", "rnet", "onet")):
        torch.save(net.state_dict(), f"{out_dir}/{name}.pt")
