#!/usr/bin/env python3
"""Times PyTorch (torch.nn.functional, eager, oneDNN underneath) on the network cases of
`convscope-cli bench`, and sets ConvScope and OpenCV's DNN module beside it from one sitting.

    scripts/bench-pytorch.py                                  # PyTorch alone
    scripts/bench-pytorch.py --cli build/bin/convscope-cli    # PyTorch, then ConvScope and
                                                              # OpenCV, then PyTorch again

With --cli the PyTorch cases run before and after the ConvScope benchmark (same threads, same
cases), and each case keeps PyTorch's better median of the two: the machine may be shared, and
the comparison should not flatter ConvScope. The shapes, strides, paddings and biases are the
benchmark's (random weights and inputs: a convolution's time does not depend on its values).
Needs PyTorch (Debian: python3-torch); it is a peer to compare with, not a dependency.
"""

import argparse
import json
import re
import subprocess
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.exit("bench-pytorch.py: PyTorch is not installed (Debian: apt-get install python3-torch)")

# name: (in channels, out channels, kernel, stride, groups, map size), as bench_suite.cpp has them.
LAYERS = {
    "conv3x3_3to16_rgb": (3, 16, 3, 1, 1, (1080, 1920)),
    "conv3x3_16to32_540p": (16, 32, 3, 1, 1, (540, 960)),
    "resnet_3x3_64to64_56": (64, 64, 3, 1, 1, (56, 56)),
    "resnet_3x3_128to128_28": (128, 128, 3, 1, 1, (28, 28)),
    "resnet_3x3_256to256_14": (256, 256, 3, 1, 1, (14, 14)),
    "resnet_3x3_512to512_7": (512, 512, 3, 1, 1, (7, 7)),
    "resnet_conv1_7x7s2_3to64_224": (3, 64, 7, 2, 1, (224, 224)),
    "resnet_3x3s2_64to128_56": (64, 128, 3, 2, 1, (56, 56)),
    "pointwise_1x1_64to256_56": (64, 256, 1, 1, 1, (56, 56)),
    "depthwise_3x3_32ch_112": (32, 32, 3, 1, 32, (112, 112)),
}


class BasicBlock(torch.nn.Module):
    """ResNet's basic block: conv-bn-relu-conv-bn, plus the (downsampled) input, relu."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(cout)
        self.conv2 = torch.nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = torch.nn.Sequential(
                torch.nn.Conv2d(cin, cout, 1, stride, 0, bias=False), torch.nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (self.down(x) if self.down is not None else x))


def resnet18_trunk():
    """conv1 … layer4 of ResNet-18 (no pooling head, no classifier), in eval mode."""
    layers = [torch.nn.Conv2d(3, 64, 7, 2, 3, bias=False), torch.nn.BatchNorm2d(64),
              torch.nn.ReLU(), torch.nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        layers += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
        cin = cout
    model = torch.nn.Sequential(*layers).eval()
    with torch.no_grad():  # batch norms with statistics, as a trained network has them
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
    return model


def make_case(name):
    """A callable that runs the case once, or None when the case is not a network case."""
    if name == "resnet18_trunk_224":
        model = resnet18_trunk()
        x = torch.rand(1, 3, 224, 224)
        return lambda: model(x)
    if name not in LAYERS:
        return None
    cin, cout, k, stride, groups, (h, w) = LAYERS[name]
    x = torch.rand(1, cin, h, w)
    weight = torch.empty(cout, cin // groups, k, k).uniform_(-1, 1) / (cin // groups * k * k) ** 0.5
    bias = torch.empty(cout).uniform_(-0.1, 0.1)
    return lambda: F.conv2d(x, weight, bias, stride, k // 2, 1, groups)


def median_ms(run, repeat, budget_s=2.0):
    """The median of up to `repeat` timed runs after two warm-ups, fewer past `budget_s`."""
    with torch.no_grad():
        run()
        run()
        times = []
        while len(times) < repeat and sum(times) < budget_s:
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
    times.sort()
    n = len(times)
    return 1e3 * (times[n // 2] if n % 2 else (times[n // 2 - 1] + times[n // 2]) / 2)


def time_pytorch(names, repeat):
    result = {}
    for name in names:
        run = make_case(name)
        if run is not None:
            result[name] = median_ms(run, repeat)
    return result


def run_convscope(cli, names, threads, repeat):
    """`convscope-cli bench --json` on the cases it has among `names`, by name."""
    names = list(names)
    while names:
        run = subprocess.run([cli, "bench", "--json", "--threads", str(threads),
                              "--repeat", str(repeat), "--cases", ",".join(names)],
                             capture_output=True, text=True)
        missing = re.search(r'there is no benchmark case "([^"]+)"', run.stderr)
        if run.returncode != 0 and missing:  # an older convscope-cli: leave that case out
            names.remove(missing.group(1))
            continue
        if run.returncode != 0:
            sys.exit(f"bench-pytorch.py: {cli} bench failed: {run.stderr.strip()}")
        return {c["name"]: c for c in json.loads(run.stdout)["cases"]}
    return {}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli", help="convscope-cli to run `bench --json` with, in the same sitting")
    parser.add_argument("--threads", type=int, default=2, help="threads for every side (default 2)")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per case (default 15)")
    parser.add_argument("--cases", help="comma-separated case names (default: every network case)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    names = args.cases.split(",") if args.cases else list(LAYERS) + ["resnet18_trunk_224"]
    unknown = [n for n in names if make_case(n) is None]
    if unknown:
        sys.exit(f"bench-pytorch.py: no PyTorch equivalent for {', '.join(unknown)}")

    pytorch = time_pytorch(names, args.repeat)
    ours = {}
    if args.cli:
        ours = run_convscope(args.cli, names, args.threads, args.repeat)
        again = time_pytorch(names, args.repeat)
        pytorch = {n: min(pytorch[n], again[n]) for n in pytorch}

    if args.json:
        print(json.dumps({"threads": args.threads, "torch": torch.__version__,
                          "pytorch_ms": pytorch,
                          "convscope": ours}, indent=2))
        return

    print(f"PyTorch {torch.__version__}, {args.threads} threads"
          + ("" if args.cli else " (add --cli PATH for ConvScope and OpenCV DNN beside it)"))
    header = f"{'case':<30} {'ConvScope ms':>12} {'PyTorch ms':>11} {'OpenCV ms':>10} " \
             f"{'× PyTorch':>9} {'× OpenCV':>9} {'GFLOP/s':>8}  kernel"
    print(header)
    for name in names:
        c = ours.get(name)
        pt = pytorch[name]
        if c is None:
            print(f"{name:<30} {'-':>12} {pt:>11.3f}")
            continue
        cv = c.get("opencv_ms")
        ms = c["engine_ms"]
        print(f"{name:<30} {ms:>12.3f} {pt:>11.3f} {cv if cv is not None else float('nan'):>10.3f} "
              f"{pt / ms:>9.2f} {(cv / ms) if cv else float('nan'):>9.2f} {c['gflops']:>8.0f}  "
              f"{c['kernel']}")


if __name__ == "__main__":
    main()
