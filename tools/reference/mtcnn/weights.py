"""Random MTCNN weights for conformance: PyTorch default init, then the class heads amplified
(gain) and shifted so that each stage's threshold falls inside the spread of its face
probabilities (every stage keeps some candidates and rejects others), and the box heads scaled
down (boxes stay near their cells, so NMS keeps many): at least 10 candidates must survive
every stage on each test image (checked by generate.py)."""
import torch

from nets import PNet, RNet, ONet


def random_nets(seed, gain=(20.0, 20.0, 20.0), shift=(1.0, 0.95, 1.03), reg_scale=0.15):
    torch.manual_seed(seed)
    nets = [PNet(), RNet(), ONet()]
    heads = [("conv4_1", "conv4_2", None), ("dense5_1", "dense5_2", None),
             ("dense6_1", "dense6_2", "dense6_3")]
    with torch.no_grad():
        for net, (cls, reg, lm), g, b in zip(nets, heads, gain, shift):
            for mod in net.modules():
                if isinstance(mod, torch.nn.PReLU):
                    mod.weight.uniform_(0.05, 0.4)
            c = getattr(net, cls)
            c.weight.mul_(g)
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
