#!/usr/bin/python3
"""Runs torchvision's networks through `convscope-cli run --pipeline model.onnx` and compares
the last layer's maps.npy with PyTorch's output: models the importer's tests were not written
around, exported at any opset.

    /usr/bin/python3 scripts/check_onnx_against_torchvision.py [--opset 13] [--cli build/bin/convscope-cli]
        [--models resnet18,mobilenet_v2,...] [--work DIR]

Needs python3-torch and python3-torchvision (Debian 12). Weights are random (weights=None,
seed 0) with random batch-norm statistics, so no batch norm is an identity; the input is
standard-normal noise. Prints one line per model: the layer count and the largest difference
relative to max(1, max |PyTorch|), or where the import ended and why.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torchvision

DEFAULT_MODELS = ("resnet18,resnet50,resnext50_32x4d,mobilenet_v2,mnasnet0_5,regnet_x_400mf,"
                  "vgg11,vgg13_bn,alexnet,squeezenet1_0,squeezenet1_1,densenet121,googlenet,"
                  "inception_v3,mobilenet_v3_small,shufflenet_v2_x0_5,efficientnet_b0")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--opset", type=int, default=13)
    parser.add_argument("--cli", default="build/bin/convscope-cli")
    parser.add_argument("--models", default=DEFAULT_MODELS)
    parser.add_argument("--work", default=None, help="keep the models and maps here")
    args = parser.parse_args()
    torch.set_grad_enabled(False)
    work = args.work or tempfile.mkdtemp(prefix="convscope-zoo-")
    failures = 0
    for name in args.models.split(","):
        torch.manual_seed(0)
        model = getattr(torchvision.models, name)(weights=None).eval()
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.2, 0.2)
                module.running_var.uniform_(0.5, 1.5)
                module.weight.data.uniform_(0.5, 1.5)
                module.bias.data.uniform_(-0.2, 0.2)
        size = 299 if name.startswith("inception") else 224
        x = torch.randn(1, 3, size, size)
        y = model(x)
        if isinstance(y, tuple):
            y = y[0]
        folder = os.path.join(work, f"{name}_opset{args.opset}")
        os.makedirs(folder, exist_ok=True)
        np.save(os.path.join(folder, "input.npy"), x.numpy())
        onnx_path = os.path.join(folder, "model.onnx")
        torch.onnx.export(model, x, onnx_path, opset_version=args.opset,
                          input_names=["input"], output_names=["output"])
        out = os.path.join(folder, "maps")
        run = subprocess.run([args.cli, "run", "--image", os.path.join(folder, "input.npy"),
                              "--pipeline", onnx_path, "--out", out, "--format", "npy"],
                             capture_output=True, text=True)
        label = f"{name} (opset {args.opset})"
        if run.returncode != 0:
            print(f"{label}: refused: {run.stderr.strip()}")
            failures += 1
            continue
        layers = json.load(open(os.path.join(out, "manifest.json")))["layers"]
        maps = [f for f in layers[-1]["files"] if f.endswith("maps.npy")][0]
        got = np.load(os.path.join(out, maps)).ravel()
        want = y.numpy().ravel()
        if got.shape != want.shape:
            warning = run.stderr.strip().splitlines()[0] if run.stderr.strip() else ""
            print(f"{label}: imported in part ({len(layers)} layers): {warning}")
            continue
        error = float(np.abs(got - want).max() / max(1.0, float(np.abs(want).max())))
        verdict = "equal" if error <= 1e-5 else "DIFFERENT"
        failures += error > 1e-5
        print(f"{label}: {len(layers)} layers, max relative difference {error:.1e}: {verdict}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
