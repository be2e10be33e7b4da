#!/usr/bin/env python3
"""Recomputes a ConvScope run with PyTorch and reports how far each layer is from PyTorch's.

    convscope-cli run --pipeline P.json --image photo.png --out maps --format npy
    scripts/check-against-pytorch.py maps

It reads maps/manifest.json, starts from maps/input.npy (the exact tensor ConvScope fed to the
first layer), applies every layer with torch.nn.functional in float64, and compares each result
with the layer's maps.npy. Needs PyTorch and NumPy (Debian: python3-torch python3-numpy).
Exit status 0 when every layer agrees within 1e-5 relative to its largest magnitude.
"""

import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from torch_reference import torch_layer  # noqa: E402

TOLERANCE = 1e-5


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    manifest = json.loads((out / "manifest.json").read_text())
    if "npy" not in manifest["input"]:
        sys.exit(f"{out}: run convscope-cli with --format npy (or png,npy) to export the arrays")
    # Version 2 manifests hold the pipeline that made the maps; version 1 named its file.
    pipeline = manifest["pipeline"]
    if isinstance(pipeline, str):
        pipeline = json.loads(Path(pipeline).read_text())

    x = torch.from_numpy(np.load(out / manifest["input"]["npy"])).double()[None]
    worst = 0.0
    print(f"{'#':>3}  {'layer':<24} {'shape':<16} {'max |ours - torch|':>20} {'relative':>10}")
    for spec, entry in zip(pipeline["layers"], manifest["layers"]):
        if spec.get("enabled", True):
            x = torch_layer(spec, x)
        npy = next(f for f in entry["files"] if f.endswith(".npy"))
        ours = np.load(out / npy).astype(np.float64)
        theirs = x[0].numpy()
        if ours.shape != theirs.shape:
            sys.exit(f"layer {entry['index'] + 1}: shape {ours.shape} but PyTorch gives {theirs.shape}")
        diff = float(np.abs(ours - theirs).max())
        rel = diff / max(1.0, float(np.abs(theirs).max()))
        worst = max(worst, rel)
        print(f"{entry['index'] + 1:>3}  {entry['name']:<24} {str(list(ours.shape)):<16} "
              f"{diff:>20.3g} {rel:>10.2g}")
    print(f"worst relative error {worst:.2g}: " + ("agrees" if worst <= TOLERANCE else "DIFFERS"))
    return 0 if worst <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
