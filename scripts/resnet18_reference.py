#!/usr/bin/python3
"""torchvision's ResNet-18 with random weights: its torchinfo-style summary, and its ONNX export.

  summary (default): writes tests/fixtures/onnx/resnet18_summary.json, the per-module output
      shapes, parameter counts and mult-adds for a 1x3x224x224 input of two variants:
        "trunk": conv1, bn1, relu, maxpool, layer1 ... layer4 (no avgpool, no fc)
        "full":  the whole classifier (trunk, avgpool, flatten, fc 512 -> 1000)
      plus, for each, the node list of its eval-mode ONNX export. torchinfo is not packaged for
      Debian, so the rows are made the way torchinfo makes them: a forward pre-hook opens a row
      for every module call in call order (a module called twice, like BasicBlock.relu, gets two
      rows), a forward hook records the output shape; "params" counts the module's own
      parameters (what torchinfo prints on a leaf row), "params_total" includes its children
      (what torchinfo prints on a row whose children are hidden by `depth`), "mult_adds"
      follows torchinfo's rule (a conv: its parameter count times N*H_out*W_out; other layers
      with parameters: parameter count times N).

  export --out FILE [--variant trunk|full] [--opset 13] [--seed 0]: writes the ResNet-18 ONNX
      file itself (45 MB for the trunk) for checking ConvScope by hand. It is not committed: the
      tests generate their own ResNet-18-sized model.

Weights: torch.manual_seed(seed) then torchvision.models.resnet18(weights=None); eval mode
(running mean 0, variance 1 as initialised).

Run:   /usr/bin/python3 scripts/resnet18_reference.py [summary | export --out /tmp/r18.onnx]
Needs: Debian 12 python3-torch, python3-torchvision, python3-onnx
       (apt-get install python3-torch python3-torchvision python3-onnx).
"""

import argparse
import collections
import io
import json
import math
import os
import warnings

import onnx
import torch
import torch.nn as nn
import torchvision

warnings.filterwarnings("ignore")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUMMARY = os.path.join(ROOT, "tests", "fixtures", "onnx", "resnet18_summary.json")
INPUT = (1, 3, 224, 224)


def build(variant, seed=0):
    torch.manual_seed(seed)
    full = torchvision.models.resnet18(weights=None).eval()
    if variant == "full":
        return full
    names = ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"]
    return nn.Sequential(collections.OrderedDict((n, getattr(full, n)) for n in names)).eval()


def summarise(model):
    """Rows like torchinfo's, one per module call."""
    rows, open_rows = [], []
    names = {m: n for n, m in model.named_modules()}
    depth_counters = collections.defaultdict(int)

    def pre_hook(module, _inputs):
        name = names[module]
        depth = 0 if name == "" else name.count(".") + 1
        depth_counters[depth] += 1
        own = sum(p.numel() for p in module.parameters(recurse=False))
        row = {"name": name or "(model)", "type": type(module).__name__, "depth": depth,
               "index": f"{depth}-{depth_counters[depth]}",
               "params": own, "params_total": sum(p.numel() for p in module.parameters()),
               "output_shape": None, "mult_adds": 0}
        rows.append(row)
        open_rows.append(row)

    def hook(module, _inputs, output):
        row = open_rows.pop()
        row["output_shape"] = list(output.shape)
        macs = 0
        for pname, p in module.named_parameters(recurse=False):
            if pname in ("weight", "bias"):
                if "Conv" in type(module).__name__:
                    macs += p.numel() * output.shape[0] * math.prod(output.shape[2:])
                else:
                    macs += output.shape[0] * p.numel()
        row["mult_adds"] = macs

    handles = []
    for m in model.modules():
        handles.append(m.register_forward_pre_hook(pre_hook))
        handles.append(m.register_forward_hook(hook))
    with torch.no_grad():
        model(torch.zeros(INPUT))
    for h in handles:
        h.remove()
    return rows


def export(model, opset):
    buf = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(model, torch.zeros(INPUT), buf, opset_version=opset,
                          input_names=["input"], output_names=["output"])
    return buf.getvalue()


def node_list(data):
    model = onnx.load_from_string(data)
    nodes = []
    for n in model.graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        entry = {"op": n.op_type, "name": n.name}
        if n.op_type == "Conv":
            entry["kernel"] = attrs.get("kernel_shape")
            entry["strides"] = attrs.get("strides")
            entry["pads"] = attrs.get("pads")
            entry["bias"] = len(n.input) > 2
        nodes.append(entry)
    return nodes


def write_summary():
    result = {
        "generated_by": "scripts/resnet18_reference.py summary",
        "model": "torchvision.models.resnet18(weights=None) after torch.manual_seed(0), eval mode",
        "input_shape": list(INPUT),
        "torch": torch.__version__.split("+")[0],
        "torchvision": torchvision.__version__.split("+")[0],
        "rows": "one per module call, in call order, as torchinfo lists them; see the script",
        "variants": {},
    }
    for variant in ("trunk", "full"):
        model = build(variant)
        rows = summarise(model)
        nodes = node_list(export(model, 13))
        result["variants"][variant] = {
            "description": ("conv1 ... layer4, no avgpool or fc" if variant == "trunk"
                            else "the whole classifier with avgpool and fc"),
            "total_params": sum(p.numel() for p in model.parameters()),
            "trainable_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
            "total_mult_adds": sum(r["mult_adds"] for r in rows),
            "output_shape": rows[0]["output_shape"],
            "modules": rows,
            "onnx_export": {
                "opset": 13,
                "how": "torch.onnx.export, eval mode (TrainingMode.EVAL, the default): every "
                       "BatchNormalization is folded into the Conv before it (each Conv then "
                       "has a bias)",
                "op_counts": dict(collections.Counter(n["op"] for n in nodes)),
                "nodes": nodes,
            },
        }
    with open(SUMMARY, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    for v, r in result["variants"].items():
        print(f"{v}: {r['total_params']:,} parameters, {r['total_mult_adds']:,} mult-adds, "
              f"output {r['output_shape']}, {len(r['onnx_export']['nodes'])} ONNX nodes")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command")
    sub.add_parser("summary")
    ex = sub.add_parser("export")
    ex.add_argument("--out", required=True)
    ex.add_argument("--variant", choices=["trunk", "full"], default="trunk")
    ex.add_argument("--opset", type=int, default=13)
    ex.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.command == "export":
        data = export(build(args.variant, args.seed), args.opset)
        with open(args.out, "wb") as f:
            f.write(data)
        print(f"wrote {args.out} ({len(data):,} bytes)")
    else:
        write_summary()


if __name__ == "__main__":
    main()
