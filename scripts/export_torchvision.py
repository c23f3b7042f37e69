#!/usr/bin/python3
"""Exports torchvision networks to ONNX with random weights and a fixed seed (no weights are downloaded).

BatchNormalization layers are kept in the graph (PyTorch's exporter would otherwise fold them into the
convolutions, so dcoc's own folding would never run) and get random statistics and affine parameters,
so folding them is not a no-op. The files are deterministic for a given seed and torchvision version.

Usage (Debian's interpreter, which sees python3-torchvision):
  /usr/bin/python3 scripts/export_torchvision.py --out DIR [--models resnet18,vgg16,alexnet,mobilenet_v2]
                                                 [--seed 0] [--opset 13] [--batch 1] [--size 224]
"""
import argparse
import os
import sys

MODELS = ("resnet18", "vgg16", "alexnet", "mobilenet_v2")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="output directory (created)")
    p.add_argument("--models", default=",".join(MODELS), help="comma-separated torchvision model names")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--opset", type=int, default=13)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--size", type=int, default=224, help="input height and width")
    a = p.parse_args()
    try:
        import torch
        import torchvision
    except ImportError as e:
        sys.exit(f"error: {e}: install python3-torchvision (scripts/setup.sh does) and run /usr/bin/python3")
    os.makedirs(a.out, exist_ok=True)
    for name in a.models.split(","):
        if not hasattr(torchvision.models, name):
            sys.exit(f"error: torchvision has no model {name!r}")
        torch.manual_seed(a.seed)
        model = getattr(torchvision.models, name)(weights=None)
        gen = torch.Generator().manual_seed(a.seed + 1)
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    c = m.num_features
                    m.running_mean.copy_(0.1 * torch.randn(c, generator=gen))
                    m.running_var.copy_(0.5 + torch.rand(c, generator=gen))
                    m.weight.copy_(0.5 + torch.rand(c, generator=gen))
                    m.bias.copy_(0.1 * torch.randn(c, generator=gen))
        model.eval()
        x = torch.randn(a.batch, 3, a.size, a.size, generator=gen)
        path = os.path.join(a.out, f"{name}.onnx")
        tmp = f"{path}.{os.getpid()}.tmp"  # written aside, then renamed: readers never see a partial file
        torch.onnx.export(model, x, tmp, opset_version=a.opset, do_constant_folding=False,
                          training=torch.onnx.TrainingMode.PRESERVE, input_names=["input"], output_names=["logits"])
        os.replace(tmp, path)
        print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
