#!/usr/bin/python3
"""Writes tests/fixtures/onnx/: ONNX models, their inputs and expected outputs, and bad models.

Every file under tests/fixtures/onnx/ except resnet18_summary.json and face_recognition_trunk/ is
made here, README.md included; the script deletes and rewrites them and is deterministic (fixed
seeds; run it twice and `git status` stays clean). Read tests/fixtures/onnx/README.md for what
each file covers.

Two kinds of good model:
  * exported by torch.onnx.export (PyTorch 1.13) from a small nn.Module at several opsets; the
    expected outputs are PyTorch's, computed in float64 from the float32 weights and input and
    rounded to float32;
  * built with onnx.helper for forms PyTorch cannot write (auto_pad, GlobalMaxPool, Dropout and
    Identity nodes, Clip bounds as initializers, Pad with initializer pads, opset 6 broadcasting,
    fp16 and int8 weights, external data); their expected outputs come from
    scripts/onnx_numpy_reference.py in float64, rounded to float32.
Each exported model is also run through scripts/onnx_numpy_reference.py and must agree with
PyTorch, so a fixture never encodes an exporter quirk as the truth; an opset at which the two
disagree is left out and listed in manifest.json with the reason.

Run:   /usr/bin/python3 scripts/make_onnx_fixtures.py
Needs: Debian 12 python3-torch (1.13), python3-onnx (1.12), python3-numpy
       (apt-get install python3-torch python3-onnx python3-numpy). The `python3` of a pyenv or
       virtual environment may lack them, hence /usr/bin/python3.
"""

import io
import json
import os
import shutil
import sys
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_numpy_reference as ref  # noqa: E402

warnings.filterwarnings("ignore")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "onnx")
KEEP = {"resnet18_summary.json",  # by scripts/resnet18_reference.py
        "face_recognition_trunk"}  # by scripts/convert_face_recognition_net.py
OPSETS = [7, 9, 11, 13, 17]
SIZE_LIMIT = 3 * 1024 * 1024

manifest = {"cases": [], "bad": []}


# ---------------------------------------------------------------------------------------------
# Helpers


def rng_input(seed, shape, scale=1.0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def save_npy(path, array):
    np.save(path, np.ascontiguousarray(array, dtype=np.float32))


def graph_ops(model):
    return [n.op_type for n in model.graph.node]


def randomise_batchnorm(module, seed):
    """Non-trivial running statistics and affine parameters, so a batch norm really does work."""
    g = torch.Generator().manual_seed(seed)
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(c, generator=g) * 0.5)
                m.running_var.copy_(torch.rand(c, generator=g) * 1.5 + 0.5)
                m.weight.copy_(torch.rand(c, generator=g) + 0.5)
                m.bias.copy_(torch.randn(c, generator=g) * 0.2)


def check_against_reference(model, x, expected, where):
    """The exported graph, evaluated by the NumPy reference, must give PyTorch's outputs."""
    env = ref.run(model, {model.graph.input[0].name: x})
    worst = 0.0
    for out, want in zip(model.graph.output, expected):
        got = env[out.name]
        if got.shape != want.shape:
            return f"{where}: output {out.name} has shape {got.shape}, PyTorch {want.shape}", 0
        err = np.max(np.abs(got - want)) / max(1.0, float(np.max(np.abs(want))))
        worst = max(worst, float(err))
        # The file holds float32 constants (a LeakyRelu alpha of 0.1f, batch norms folded into
        # float32 weights) where PyTorch's float64 run used the exact values: that moves outputs
        # by ~1e-7 relative. A real difference of meaning is far larger.
        if err > 1e-6:
            return f"{where}: output {out.name} differs from PyTorch by {err:.3g} (relative)", 0
    return None, worst


def case_dir(name):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    return d


def rel(path):
    return os.path.relpath(path, OUT)


# ---------------------------------------------------------------------------------------------
# Cases exported by PyTorch


def torch_case(name, module, in_shape, outputs, covers, opsets=OPSETS, seed=0, input_scale=1.0,
               variants=(), training=None, bn_seed=None, opset_notes=None):
    """Exports `module` at each opset; writes input.npy, <output>.npy and opset<N>.onnx.

    variants: (file suffix, opset, extra export kwargs) for extra files of the same model, e.g.
    initializers kept as graph inputs or dynamic height and width.
    """
    torch.manual_seed(seed)
    m = module()
    if bn_seed is not None:
        randomise_batchnorm(m, bn_seed)
    m.eval()
    x = rng_input(1000 + seed, in_shape, input_scale)

    with torch.no_grad():
        y = m.double()(torch.from_numpy(x).double())
    m.float()
    y = y if isinstance(y, tuple) else (y,)
    expected = [t.numpy() for t in y]
    d = case_dir(name)
    save_npy(os.path.join(d, "input.npy"), x)
    out_files = []
    for out_name, t in zip(outputs, expected):
        save_npy(os.path.join(d, f"{out_name}.npy"), t)
        out_files.append({"name": out_name, "file": rel(os.path.join(d, f"{out_name}.npy")),
                          "shape": list(t.shape)})

    models, skipped = [], {}
    jobs = [(f"opset{o}", o, {}) for o in opsets] + list(variants)
    for stem, opset, extra in jobs:
        kwargs = dict(opset_version=opset, input_names=["input"], output_names=list(outputs),
                      do_constant_folding=True)
        if training is not None:
            kwargs["training"] = training
        kwargs.update(extra)
        buf = io.BytesIO()
        try:
            with torch.no_grad():
                torch.onnx.export(m, torch.from_numpy(x), buf, **kwargs)
        except Exception as e:  # noqa: BLE001 - the reason is recorded in the manifest
            skipped[stem] = "torch.onnx.export: " + str(e).splitlines()[0][:160]
            continue
        model = onnx.load_from_string(buf.getvalue())
        onnx.checker.check_model(model)
        problem, worst = check_against_reference(model, x.astype(np.float64), expected,
                                                 f"{name}/{stem}")
        if problem:
            skipped[stem] = "exported graph disagrees with PyTorch: " + problem
            continue
        path = os.path.join(d, f"{stem}.onnx")
        with open(path, "wb") as f:
            f.write(buf.getvalue())
        entry = {"file": rel(path), "opset": opset, "ops": graph_ops(model),
                 "reference_vs_torch": float(f"{worst:.2g}")}
        if extra.get("keep_initializers_as_inputs"):
            entry["initializers_as_inputs"] = True
        if extra.get("dynamic_axes"):
            entry["dynamic_axes"] = "height and width of input (and of every output) are symbolic"
        models.append(entry)
    manifest["cases"].append({
        "name": name, "source": "torch.onnx.export", "covers": covers,
        "input": {"file": rel(os.path.join(d, "input.npy")), "shape": list(x.shape)},
        "outputs": out_files, "models": models, "not_written": skipped,
        **({"notes": opset_notes} if opset_notes else {}),
    })
    print(f"{name}: {len(models)} models" + (f", skipped {sorted(skipped)}" if skipped else ""))


class Chain(nn.Module):
    """Runs named stages in order and returns every stage's output (intermediate graph outputs)."""

    def __init__(self, **stages):
        super().__init__()
        self.names = list(stages)
        for k, v in stages.items():
            setattr(self, k, v)

    def forward(self, x):
        outs = []
        for k in self.names:
            x = getattr(self, k)(x)
            outs.append(x)
        return tuple(outs)


class Fn(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class ConvAct(nn.Module):
    """conv (3 -> 6, 3x3, padding 1) then one activation; returns both."""

    def __init__(self, act):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.act = act

    def forward(self, x):
        c = self.conv(x)
        return c, self.act(c)


class ResidualAdd(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(4, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        branch = self.conv2(F.relu(self.conv1(x)))
        return branch, branch + x


class ChannelConstantAdd(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 5, 3, padding=1, bias=False)
        self.register_buffer("shift", torch.linspace(-1.0, 1.0, 5).reshape(1, 5, 1, 1))

    def forward(self, x):
        c = self.conv(x)
        return c, c + self.shift, c + 0.25


class ConcatChannels(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 4, 3, padding=1)
        self.b = nn.Conv2d(3, 2, 1)

    def forward(self, x):
        a, b = self.a(x), F.relu(self.b(x))
        return torch.cat([a, b], 1), torch.cat([b, x, a], 1)


class BatchNormFirst(nn.Module):
    """A batch norm on the input (nothing to fold into) and one after an add."""

    def __init__(self):
        super().__init__()
        self.bn_in = nn.BatchNorm2d(3)
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.conv2 = nn.Conv2d(3, 6, 1)
        self.bn_add = nn.BatchNorm2d(6, eps=1e-3)
        self.bn_cat = nn.BatchNorm2d(12)

    def forward(self, x):
        n = self.bn_in(x)
        a, b = self.conv1(n), self.conv2(n)
        s = self.bn_add(a + b)
        c = self.bn_cat(torch.cat([a, s], 1))
        return n, s, c


class ClassifierHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.drop = nn.Dropout(0.5)  # eval: torch.onnx writes nothing for it
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 5)

    def forward(self, x):
        f = torch.flatten(self.pool(F.relu(self.conv(x))), 1)
        logits = self.fc2(F.relu(self.fc1(self.drop(f))))
        return f, logits, torch.softmax(logits, dim=1)


class MatMulHead(nn.Module):
    """A linear layer written as x @ W + b: torch.onnx writes MatMul then Add."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, stride=2)
        g = torch.Generator().manual_seed(7)
        self.w = nn.Parameter(torch.randn(4 * 9 * 11, 6, generator=g) * 0.05)
        self.b = nn.Parameter(torch.randn(6, generator=g) * 0.1)

    def forward(self, x):
        f = torch.flatten(F.relu(self.conv(x)), 1)
        logits = torch.matmul(f, self.w) + self.b
        return logits, torch.softmax(logits, dim=1)


class BasicBlock(nn.Module):
    """torchvision's ResNet BasicBlock."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                            nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return F.relu(out + identity)


class ResNetBlocks(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8),
                                  nn.ReLU())
        self.block1 = BasicBlock(8, 16, 2)  # projection shortcut: 1x1 conv, stride 2, + BN
        self.block2 = BasicBlock(16, 16, 1)  # identity shortcut

    def forward(self, x):
        s = self.stem(x)
        b1 = self.block1(s)
        return s, b1, self.block2(b1)


class InvertedResidual(nn.Module):
    """torchvision's MobileNetV2 block: 1x1 expand, 3x3 depthwise, 1x1 project (+ residual)."""

    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.use_res = stride == 1 and cin == cout
        self.conv = nn.Sequential(
            nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(),
            nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden), nn.ReLU6(),
            nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return x + self.conv(x) if self.use_res else self.conv(x)


class MobileNetBlocks(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8),
                                  nn.ReLU6())
        self.block1 = InvertedResidual(8, 8, 1, 4)
        self.block2 = InvertedResidual(8, 12, 2, 4)

    def forward(self, x):
        s = self.stem(x)
        b1 = self.block1(s)
        return s, b1, self.block2(b1)


def prelu(n, value=None, seed=3):
    def make():
        p = nn.PReLU(n)
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            p.weight.copy_(torch.rand(n, generator=g) * 0.6 - 0.1 if value is None
                           else torch.full((n,), value))
        return p
    return make


def torch_cases():
    rgb = (1, 3, 20, 24)
    torch_case("conv_basic", lambda: Chain(conv1=nn.Conv2d(3, 8, 3, padding=1),
                                           conv2=nn.Conv2d(8, 4, 5, stride=2, padding=2,
                                                           bias=False)),
               rgb, ["conv1", "conv2"],
               "Conv 3x3 with bias and padding 1; Conv 5x5 stride 2 padding 2 without bias",
               variants=[("opset9_initializers_as_inputs", 9,
                          {"keep_initializers_as_inputs": True}),
                         ("opset13_initializers_as_inputs", 13,
                          {"keep_initializers_as_inputs": True}),
                         ("opset13_dynamic_hw", 13,
                          {"dynamic_axes": {"input": {2: "height", 3: "width"},
                                            "conv1": {2: "h1", 3: "w1"},
                                            "conv2": {2: "h2", 3: "w2"}}})])
    torch_case("conv_groups", lambda: Chain(grouped=nn.Conv2d(4, 8, 3, padding=1, groups=2),
                                            depthwise=nn.Conv2d(8, 8, 3, padding=1, groups=8),
                                            pointwise=nn.Conv2d(8, 6, 1),
                                            multiplier=nn.Conv2d(6, 12, 3, groups=6)),
               (1, 4, 20, 24), ["grouped", "depthwise", "pointwise", "multiplier"],
               "Conv group=2; depthwise (group = channels); pointwise 1x1; depthwise with "
               "channel multiplier 2 (6 -> 12, group 6) and no padding", seed=1)
    torch_case("conv_stride_dilation",
               lambda: Chain(rect=nn.Conv2d(3, 6, (3, 5), stride=(2, 3), padding=(1, 2),
                                            dilation=(2, 1)),
                             dilated=nn.Conv2d(6, 5, 3, stride=2, dilation=2)),
               rgb, ["rect", "dilated"],
               "Conv 3x5 kernel, strides [2,3], pads [1,2,1,2], dilations [2,1]; Conv 3x3 "
               "stride 2 dilation 2 without padding (sizes the strides do not divide)", seed=2)
    torch_case("conv_asymmetric_pad",
               lambda: Chain(pad=nn.ZeroPad2d((1, 2, 0, 3)), conv=nn.Conv2d(3, 6, 3)),
               rgb, ["pad", "conv"],
               "nn.ZeroPad2d((left 1, right 2, top 0, bottom 3)) then an unpadded Conv: torch "
               "writes a Pad node (attribute pads at opset < 11; at opset >= 11 the pads arrive "
               "through a constant subgraph, see README) before the Conv", seed=3)

    torch_case("maxpool", lambda: Chain(square=Fn(lambda x: F.max_pool2d(x, 3, 2, 1)),
                                        rect=Fn(lambda x: F.max_pool2d(x, (2, 3), (1, 2),
                                                                       (1, 1)))),
               rgb, ["square", "rect"],
               "MaxPool 3x3 stride 2 pads 1; MaxPool 2x3 strides [1,2] pads [1,1,1,1]", seed=4)
    torch_case("maxpool_ceil", lambda: Fn(lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True)),
               (1, 3, 20, 23), ["output"],
               "MaxPool 3x3 stride 2 pads 1 ceil_mode=1 (width 23: the last window hangs past "
               "the padding); at opset < 10 torch writes no ceil_mode but wider end pads",
               opsets=[7, 9, 10, 11, 13, 17], seed=5)
    torch_case("maxpool_dilation",
               lambda: Fn(lambda x: F.max_pool2d(x, 3, 1, 1, dilation=2)),
               rgb, ["output"], "MaxPool 3x3 stride 1 pads 1 dilations [2,2] (opset >= 10)",
               opsets=[10, 11, 13, 17], seed=6)
    torch_case("avgpool_include_pad",
               lambda: Chain(square=Fn(lambda x: F.avg_pool2d(x, 3, 2, 1,
                                                              count_include_pad=True)),
                             rect=Fn(lambda x: F.avg_pool2d(x, (2, 3), (2, 1), (1, 1),
                                                            count_include_pad=True))),
               rgb, ["square", "rect"],
               "AveragePool count_include_pad=1: 3x3 stride 2 pads 1; 2x3 strides [2,1] pads 1",
               seed=7)
    torch_case("avgpool_exclude_pad",
               lambda: Chain(square=Fn(lambda x: F.avg_pool2d(x, 3, 2, 1,
                                                              count_include_pad=False)),
                             rect=Fn(lambda x: F.avg_pool2d(x, (2, 3), (2, 1), (1, 1),
                                                            count_include_pad=False))),
               rgb, ["square", "rect"], "AveragePool count_include_pad=0, same shapes as "
               "avgpool_include_pad", seed=8)
    for include in (True, False):
        torch_case(f"avgpool_ceil_{'include' if include else 'exclude'}_pad",
                   lambda include=include: Fn(lambda x: F.avg_pool2d(
                       x, 3, 2, 1, ceil_mode=True, count_include_pad=include)),
                   (1, 3, 20, 23), ["output"],
                   f"AveragePool 3x3 stride 2 pads 1 ceil_mode=1 count_include_pad="
                   f"{int(include)}: the last column's window hangs past the padding and its "
                   "divisor leaves that part out", opsets=[7, 9, 10, 11, 13, 17], seed=9)
    torch_case("global_pool",
               lambda: Chain(conv=nn.Conv2d(3, 6, 3),
                             gap=nn.AdaptiveAvgPool2d(1)),
               rgb, ["conv", "gap"], "GlobalAveragePool (nn.AdaptiveAvgPool2d(1)) after a conv",
               seed=10)
    torch_case("global_max_as_maxpool",
               lambda: Fn(lambda x: F.adaptive_max_pool2d(x, 1)),
               rgb, ["output"], "nn.AdaptiveMaxPool2d(1): torch writes a MaxPool whose kernel "
               "is the whole map (20x24), not GlobalMaxPool (see global_max_pool for that op)",
               opsets=[9, 11, 13, 17], seed=11)

    torch_case("batchnorm_unfoldable", BatchNormFirst, rgb, ["bn_input", "bn_after_add",
                                                             "bn_after_concat"],
               "BatchNormalization on the graph input (nothing to fold into), after an Add "
               "(epsilon 1e-3) and after a Concat; eval-mode export keeps all three", seed=12,
               bn_seed=112, opsets=[7, 9, 11, 13, 15, 17])

    acts = [
        ("relu", nn.ReLU(), "Relu", OPSETS),
        ("leaky_relu", nn.LeakyReLU(0.1), "LeakyRelu alpha 0.1", OPSETS),
        ("prelu_single", prelu(1, 0.3), "PRelu with one slope (0.3), shape [1]", OPSETS),
        ("prelu_per_channel", prelu(6), "PRelu with one slope per channel, shape [6,1,1]",
         OPSETS),
        ("elu", nn.ELU(0.7), "Elu alpha 0.7", OPSETS),
        ("sigmoid", nn.Sigmoid(), "Sigmoid", OPSETS),
        ("tanh", nn.Tanh(), "Tanh", OPSETS),
        ("hardsigmoid", nn.Hardsigmoid(), "HardSigmoid alpha 1/6 beta 0.5 (PyTorch's)", OPSETS),
        ("hardswish", nn.Hardswish(), "HardSwish (an op from opset 14 on)", [14, 17]),
        ("hardswish_decomposed", nn.Hardswish(),
         "nn.Hardswish at opset < 14: torch writes HardSigmoid then Mul(x, .) - an importer may "
         "recognise the pair as hardswish or refuse Mul", [9, 13]),
        ("relu6", nn.ReLU6(), "nn.ReLU6: Relu then Clip max 6 (attribute at opset < 11, a "
         "Constant node input at >= 11); input scaled by 4 so values pass 6", OPSETS),
        ("clip", Fn(lambda x: x.clamp(-0.5, 0.8)), "Clip min -0.5 max 0.8 (attributes at "
         "opset < 11, two Constant node inputs at >= 11)", OPSETS),
        ("clip_min_only", Fn(lambda x: x.clamp(min=0.2)), "Clip with only a minimum 0.2 "
         "(attribute; at opset >= 11 the max input is the empty name '')", OPSETS),
    ]
    for k, (name, act, covers, opsets) in enumerate(acts):
        make = act if callable(act) and not isinstance(act, nn.Module) else (lambda a=act: a)
        torch_case(name, lambda make=make: ConvAct(make()), rgb, ["conv", name],
                   "Conv 3->6 then " + covers, opsets=opsets, seed=20 + k,
                   input_scale=4.0 if name == "relu6" else 1.0)

    for mode, desc in (("constant", "constant 0.5"), ("reflect", "reflect"),
                       ("replicate", "edge (PyTorch's replicate)")):
        value = 0.5 if mode == "constant" else None
        torch_case(f"pad_{'edge' if mode == 'replicate' else mode}",
                   lambda mode=mode, value=value: Fn(
                       lambda x: F.pad(x, (1, 2, 0, 3), mode=mode, value=value)
                       if mode == "constant" else F.pad(x, (1, 2, 0, 3), mode=mode)),
                   rgb, ["output"],
                   f"Pad mode {desc}, pads left 1 right 2 top 0 bottom 3 (ONNX pads [0,0,0,1, "
                   "0,0,3,2]): attribute form at opset < 11, input form (through a constant "
                   "subgraph) at >= 11", seed=40)

    torch_case("add_residual", ResidualAdd, (1, 4, 20, 24), ["branch", "output"],
               "Add of two same-shape tensors: a residual connection around conv-relu-conv",
               seed=50)
    torch_case("add_channel_constant", ChannelConstantAdd, rgb, ["conv", "channel_shift",
                                                                 "scalar_shift"],
               "Add of a per-channel constant initializer [1,5,1,1] and of a scalar 0.25",
               seed=51)
    torch_case("concat_channels", ConcatChannels, rgb, ["concat2", "concat3"],
               "Concat axis 1 of two and of three inputs (one of them the graph input)",
               seed=52)
    torch_case("classifier_head", ClassifierHead, rgb, ["features", "logits", "probs"],
               "conv -> relu -> GlobalAveragePool -> Flatten -> Gemm -> Relu -> Gemm -> "
               "Softmax(axis 1); nn.Dropout in eval mode, which torch.onnx leaves out", seed=53,
               variants=[("opset9_initializers_as_inputs", 9,
                          {"keep_initializers_as_inputs": True})])
    torch_case("matmul_add_head", MatMulHead, rgb, ["logits", "probs"],
               "a linear layer written as MatMul + Add (weights [396,6], bias [6]) after "
               "Flatten of a 4x9x11 map, then Softmax", seed=54)
    torch_case("resnet_basic_block", ResNetBlocks, rgb, ["stem", "block1", "output"],
               "ResNet basic blocks, eval-mode export (every batch norm folded into its conv): "
               "stem conv-bn-relu, a block 8->16 stride 2 with a projection shortcut (1x1 conv "
               "stride 2 + bn), a block 16->16 with an identity shortcut", seed=55, bn_seed=155,
               variants=[("opset9_initializers_as_inputs", 9,
                          {"keep_initializers_as_inputs": True})])
    torch_case("resnet_basic_block_bn", ResNetBlocks, rgb, ["stem", "block1", "output"],
               "the same blocks and weights as resnet_basic_block, exported with "
               "training=TrainingMode.PRESERVE so every BatchNormalization stays a node",
               seed=55, bn_seed=155,
               training=torch.onnx.TrainingMode.PRESERVE, opsets=[9, 11, 13, 15, 17])
    torch_case("mobilenetv2_block", MobileNetBlocks, rgb, ["stem", "block1", "output"],
               "MobileNetV2 inverted residuals, eval export (bn folded): stem conv 3x3 stride 2 "
               "+ ReLU6; block 8->8 expand 4 (1x1 -> depthwise 3x3 -> 1x1, ReLU6 as Clip) with "
               "residual Add; block 8->12 stride 2 without residual", seed=56, bn_seed=156,
               input_scale=2.0)


# ---------------------------------------------------------------------------------------------
# Cases built with onnx.helper


def make_model(nodes, inputs, outputs, initializers=(), opset=13, name="fixture", ir=None):
    # The IR version an exporter of the day would write for that opset (onnx 1.12's table).
    ir = ir or {6: 3, 7: 3, 9: 4, 10: 5, 11: 6, 13: 7, 14: 7, 15: 8, 17: 8}.get(opset, 7)
    inputs = list(inputs)
    if ir < 4:
        # Before IR version 4 every initializer must also be listed as a graph input.
        inputs += [vi(t.name, list(t.dims), t.data_type) for t in initializers]
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(initializers))
    model = helper.make_model(graph, producer_name="convscope-fixtures",
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = ir
    return model


def vi(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def rng_weights(seed, shape, scale=0.3):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


def complete_output_shapes(model, x, side, d):
    """Graph outputs declared without a shape get the one the NumPy reference computes."""
    for fname, data in side.items():
        with open(os.path.join(d, fname), "wb") as f:
            f.write(data)
    env = ref.run(model, {model.graph.input[0].name: x.astype(np.float64)}, model_dir=d)
    for out in model.graph.output:
        if not out.type.tensor_type.HasField("shape"):
            elem = out.type.tensor_type.elem_type
            out.CopyFrom(vi(out.name, list(env[out.name].shape), elem))


def helper_case(name, builder, in_shape, covers, opsets=(13,), seed=0, extra_files=None,
                check=True, section="cases", input_dtype=np.float32):
    """builder(opset) -> ModelProto (and optionally a dict of side files). Outputs by the
    NumPy reference."""
    d = case_dir(name)
    x = rng_input(2000 + seed, in_shape)
    save_npy(os.path.join(d, "input.npy"), x)
    models, outputs = [], None
    for opset in opsets:
        built = builder(opset)
        model, side = built if isinstance(built, tuple) else (built, {})
        complete_output_shapes(model, x, side, d)
        if check:
            onnx.checker.check_model(model)
        stem = f"opset{opset}"
        path = os.path.join(d, f"{stem}.onnx")
        for fname, data in side.items():
            with open(os.path.join(d, fname), "wb") as f:
                f.write(data)
        onnx.save(model, path)
        env = ref.run(onnx.load(path), {model.graph.input[0].name: x.astype(np.float64)},
                      model_dir=d)
        outs = [(o.name, env[o.name]) for o in model.graph.output]
        if outputs is None:
            outputs = outs
            for out_name, value in outs:
                save_npy(os.path.join(d, f"{out_name}.npy"), value)
        else:
            for (n0, v0), (n1, v1) in zip(outputs, outs):
                assert n0 == n1 and np.array_equal(v0, v1), f"{name}: opsets disagree on {n0}"
        models.append({"file": rel(path), "opset": opset, "ops": graph_ops(model),
                       **({"side_files": [rel(os.path.join(d, s)) for s in side]}
                          if side else {})})
    manifest[section].append({
        "name": name, "source": "onnx.helper + scripts/onnx_numpy_reference.py",
        "covers": covers,
        "input": {"file": rel(os.path.join(d, "input.npy")), "shape": list(x.shape)},
        "outputs": [{"name": n, "file": rel(os.path.join(d, f"{n}.npy")), "shape": list(v.shape)}
                    for n, v in outputs],
        "models": models})
    print(f"{name}: {len(models)} models (helper)")


def helper_cases():
    x_rgb = vi("input", [1, 3, 20, 24])
    w4 = rng_weights(1, (4, 3, 4, 4))
    w3 = rng_weights(2, (5, 4, 3, 3))
    w2 = rng_weights(3, (4, 5, 2, 2))

    def conv_auto_pad(opset):
        nodes = [
            helper.make_node("Conv", ["input", "w_upper", "b_upper"], ["same_upper"],
                             name="conv_same_upper", kernel_shape=[4, 4], strides=[2, 2],
                             auto_pad="SAME_UPPER"),
            helper.make_node("Conv", ["same_upper", "w_lower"], ["same_lower"],
                             name="conv_same_lower", kernel_shape=[3, 3], strides=[1, 1],
                             dilations=[2, 1], auto_pad="SAME_LOWER"),
            helper.make_node("Conv", ["same_lower", "w_valid"], ["valid"], name="conv_valid",
                             kernel_shape=[2, 2], strides=[2, 1], auto_pad="VALID"),
        ]
        return make_model(nodes, [x_rgb], [vi("same_upper", None), vi("same_lower", None),
                                           vi("valid", None)],
                          [init("w_upper", w4), init("b_upper", rng_weights(4, (4,))),
                           init("w_lower", w3), init("w_valid", w2)], opset)
    helper_case("conv_auto_pad", conv_auto_pad, (1, 3, 20, 24),
                "Conv auto_pad SAME_UPPER (4x4 stride 2: total pad 2 per axis), SAME_LOWER "
                "(3x3 dilations [2,1]: the odd extra pixel goes to the start), VALID (2x2 "
                "strides [2,1]); no pads attribute", opsets=(9, 11, 13, 17), seed=1)

    def conv_pads_attr(opset):
        nodes = [helper.make_node("Conv", ["input", "w", "b"], ["output"], name="conv_asym",
                                  kernel_shape=[3, 3], pads=[0, 1, 3, 2], strides=[1, 2])]
        return make_model(nodes, [x_rgb], [vi("output", None)],
                          [init("w", rng_weights(5, (6, 3, 3, 3))),
                           init("b", rng_weights(6, (6,)))], opset)
    helper_case("conv_asymmetric_pads_attr", conv_pads_attr, (1, 3, 20, 24),
                "Conv with asymmetric pads in its own attribute: pads [top 0, left 1, bottom 3,"
                " right 2], strides [1,2]", opsets=(7, 11, 13, 17), seed=2)

    def pool_auto_pad(opset):
        nodes = [
            helper.make_node("MaxPool", ["input"], ["max_same_upper"], kernel_shape=[3, 3],
                             strides=[2, 2], auto_pad="SAME_UPPER", name="max_same_upper"),
            helper.make_node("MaxPool", ["input"], ["max_same_lower"], kernel_shape=[2, 2],
                             strides=[2, 2], auto_pad="SAME_LOWER", name="max_same_lower"),
            helper.make_node("MaxPool", ["input"], ["max_valid"], kernel_shape=[3, 2],
                             strides=[2, 2], auto_pad="VALID", name="max_valid"),
            helper.make_node("AveragePool", ["input"], ["avg_same_upper_exclude"],
                             kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER",
                             count_include_pad=0, name="avg_same_upper_exclude"),
            helper.make_node("AveragePool", ["input"], ["avg_same_lower_include"],
                             kernel_shape=[4, 4], strides=[3, 3], auto_pad="SAME_LOWER",
                             count_include_pad=1, name="avg_same_lower_include"),
        ]
        outs = ["max_same_upper", "max_same_lower", "max_valid", "avg_same_upper_exclude",
                "avg_same_lower_include"]
        return make_model(nodes, [vi("input", [1, 3, 19, 24])], [vi(o, None) for o in outs],
                          opset=opset)
    helper_case("pool_auto_pad", pool_auto_pad, (1, 3, 19, 24),
                "MaxPool auto_pad SAME_UPPER / SAME_LOWER / VALID; AveragePool SAME_UPPER with "
                "count_include_pad=0 and SAME_LOWER (4x4 stride 3) with count_include_pad=1, "
                "on a 19x24 map (odd total pads)", opsets=(9, 11, 13, 17), seed=3)

    def global_max(opset):
        nodes = [helper.make_node("Conv", ["input", "w"], ["conv"], kernel_shape=[3, 3],
                                  name="conv"),
                 helper.make_node("GlobalMaxPool", ["conv"], ["gmp"], name="gmp"),
                 helper.make_node("GlobalAveragePool", ["conv"], ["gap"], name="gap")]
        return make_model(nodes, [x_rgb], [vi("conv", None), vi("gmp", None), vi("gap", None)],
                          [init("w", rng_weights(7, (6, 3, 3, 3)))], opset)
    helper_case("global_max_pool", global_max, (1, 3, 20, 24),
                "GlobalMaxPool and GlobalAveragePool of a conv (no bias)",
                opsets=(7, 9, 13, 17), seed=4)

    def clip_forms(opset):
        nodes = [
            helper.make_node("Clip", ["input", "lo", "hi"], ["clip_init"], name="clip_init"),
            helper.make_node("Clip", ["input", "", "hi"], ["clip_max_only"], name="clip_max"),
            helper.make_node("Constant", [], ["six"], name="six",
                             value=numpy_helper.from_array(np.array(6.0, np.float32))),
            helper.make_node("Constant", [], ["zero"], name="zero",
                             value=numpy_helper.from_array(np.array(0.0, np.float32))),
            helper.make_node("Clip", ["input", "zero", "six"], ["relu6"], name="relu6"),
        ]
        return make_model(nodes, [x_rgb], [vi("clip_init", None), vi("clip_max_only", None),
                                           vi("relu6", None)],
                          [init("lo", np.array(-0.3, np.float32)),
                           init("hi", np.array(0.6, np.float32))], opset)
    helper_case("clip_input_forms", clip_forms, (1, 3, 20, 24),
                "Clip (opset >= 11) with min/max as scalar initializers, with only max (min is "
                "the empty name), and ReLU6 with bounds from Constant nodes",
                opsets=(11, 13, 17), seed=5)

    def pad_forms(opset):
        nodes = [
            helper.make_node("Pad", ["input", "pads", "value"], ["constant_init"],
                             mode="constant", name="pad_constant"),
            helper.make_node("Constant", [], ["pads_c"], name="pads_const",
                             value=numpy_helper.from_array(
                                 np.array([0, 0, 2, 1, 0, 0, 1, 2], np.int64))),
            helper.make_node("Pad", ["input", "pads_c"], ["reflect_const"], mode="reflect",
                             name="pad_reflect"),
            helper.make_node("Pad", ["input", "pads"], ["edge_init"], mode="edge",
                             name="pad_edge"),
            helper.make_node("Pad", ["input", "pads"], ["default_mode"], name="pad_default"),
        ]
        return make_model(nodes, [x_rgb], [vi(o, None) for o in
                                           ("constant_init", "reflect_const", "edge_init",
                                            "default_mode")],
                          [init("pads", np.array([0, 0, 1, 0, 0, 0, 3, 2], np.int64)),
                           init("value", np.array(-1.5, np.float32))], opset)
    helper_case("pad_input_forms", pad_forms, (1, 3, 20, 24),
                "Pad (opset >= 11) with pads as an int64 initializer and constant_value -1.5 as "
                "an initializer; pads from a Constant node (reflect); edge; no mode attribute "
                "(constant 0)", opsets=(11, 13, 17), seed=6)

    def identity_dropout(opset):
        dropout_inputs = ["relu"] if opset < 12 else ["relu", "ratio"]
        drop_attrs = {"ratio": 0.4} if opset < 12 else {}
        if opset < 7:
            drop_attrs["is_test"] = 1
        nodes = [
            helper.make_node("Identity", ["weight"], ["weight_shared"], name="weight_identity"),
            helper.make_node("Conv", ["input", "weight_shared", "bias"], ["conv"],
                             kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="conv"),
            helper.make_node("Relu", ["conv"], ["relu"], name="relu"),
            helper.make_node("Dropout", dropout_inputs, ["dropout", "dropout_mask"],
                             name="dropout", **drop_attrs),
            helper.make_node("Identity", ["dropout"], ["output"], name="output_identity"),
        ]
        inits = [init("weight", rng_weights(8, (4, 3, 3, 3))), init("bias", rng_weights(9, (4,)))]
        if opset >= 12:
            inits.append(init("ratio", np.array(0.4, np.float32)))
        return make_model(nodes, [x_rgb], [vi("conv", None), vi("output", None)], inits, opset)
    helper_case("identity_dropout", identity_dropout, (1, 3, 20, 24),
                "Identity on an initializer feeding Conv's weight (how torch.onnx writes shared "
                "weights), Dropout with its mask output (ratio attribute before opset 12, ratio "
                "input from 12; inference: passes through), Identity before the output",
                opsets=(7, 10, 13, 17), seed=7)

    def constant_nodes(opset):
        nodes = [
            helper.make_node("Constant", [], ["w"], name="weights_const",
                             value=numpy_helper.from_array(rng_weights(10, (4, 3, 3, 3)))),
            helper.make_node("Conv", ["input", "w"], ["conv"], kernel_shape=[3, 3], name="conv"),
            helper.make_node("Constant", [], ["shift"], name="shift_const",
                             value=numpy_helper.from_array(
                                 np.array([0.5, -0.5, 1.0, 0.0], np.float32).reshape(4, 1, 1))),
            helper.make_node("Add", ["conv", "shift"], ["output"], name="add_shift"),
        ]
        return make_model(nodes, [x_rgb], [vi("conv", None), vi("output", None)], opset=opset)
    helper_case("constant_nodes", constant_nodes, (1, 3, 20, 24),
                "Conv weights from a Constant node; Add of a per-channel Constant of shape "
                "[4,1,1] (broadcasts like [1,4,1,1])", opsets=(9, 11, 13, 17), seed=8)

    def opset6(opset):
        c = 4
        nodes = [
            helper.make_node("Conv", ["input", "w", "b"], ["conv"], kernel_shape=[3, 3],
                             pads=[1, 1, 1, 1], name="conv"),
            helper.make_node("BatchNormalization", ["conv", "scale", "beta", "mean", "var"],
                             ["bn"], epsilon=1e-5, is_test=1, name="bn"),
            helper.make_node("Add", ["bn", "shift"], ["add"], broadcast=1, axis=1,
                             name="add_broadcast"),
            helper.make_node("Clip", ["add"], ["clip"], min=0.0, max=1.5, name="clip"),
            helper.make_node("MaxPool", ["clip"], ["pool"], kernel_shape=[2, 2], strides=[2, 2],
                             name="pool"),
            helper.make_node("Flatten", ["pool"], ["flat"], axis=1, name="flatten"),
            helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logits"], transB=1,
                             broadcast=1, name="fc"),
            helper.make_node("Softmax", ["logits"], ["probs"], axis=1, name="softmax"),
        ]
        rng = np.random.default_rng(11)
        inits = [init("w", rng_weights(12, (c, 3, 3, 3))), init("b", rng_weights(13, (c,))),
                 init("scale", (rng.random(c) + 0.5).astype(np.float32)),
                 init("beta", (rng.standard_normal(c) * 0.2).astype(np.float32)),
                 init("mean", (rng.standard_normal(c) * 0.5).astype(np.float32)),
                 init("var", (rng.random(c) + 0.5).astype(np.float32)),
                 init("shift", np.array([0.1, -0.2, 0.3, 0.0], np.float32)),
                 init("fc_w", rng_weights(14, (5, c * 10 * 12), 0.05)),
                 init("fc_b", rng_weights(15, (5,)))]
        return make_model(nodes, [x_rgb], [vi("bn", None), vi("add", None), vi("pool", None),
                                           vi("probs", None)], inits, opset)
    helper_case("opset6_legacy", opset6, (1, 3, 20, 24),
                "opset 6 (ir_version 3): BatchNormalization with is_test=1; Add with the legacy "
                "broadcast=1 axis=1 attributes and a [4] per-channel tensor; Clip min/max "
                "attributes; MaxPool; Flatten; Gemm transB=1 broadcast=1; Softmax",
                opsets=(6,), seed=9)

    def softmax_axis(opset):
        nodes = [helper.make_node("Softmax", ["input"], ["output"], axis=1, name="softmax")]
        return make_model(nodes, [vi("input", [1, 3, 4, 5])], [vi("output", None)], opset=opset)
    for opset in (11, 13):
        helper_case(f"softmax_axis1_4d_opset{opset}", softmax_axis, (1, 3, 4, 5),
                    f"Softmax axis=1 on a [1,3,4,5] tensor at opset {opset}: "
                    + ("before opset 13 the input is coerced to 2-D [1, 60], one softmax over "
                       "all 60 values" if opset < 13 else
                       "from opset 13 on, a softmax over the 3 channels at each pixel"),
                    opsets=(opset,), seed=10)

    def gemm_attrs(opset):
        nodes = [
            helper.make_node("Flatten", ["input"], ["flat"], axis=1, name="flatten"),
            helper.make_node("Gemm", ["flat", "w_t", "c"], ["gemm_scaled"], alpha=0.5, beta=2.0,
                             transB=1, name="gemm_scaled"),
            helper.make_node("Gemm", ["flat", "w_kn"], ["gemm_kn"], name="gemm_kn_no_bias"),
            helper.make_node("MatMul", ["flat", "w_kn"], ["matmul"], name="matmul"),
            helper.make_node("Add", ["matmul", "c"], ["matmul_add"], name="matmul_add"),
        ]
        w = rng_weights(16, (7, 3 * 6 * 8), 0.1)
        return make_model(nodes, [vi("input", [1, 3, 6, 8])],
                          [vi(o, None) for o in ("gemm_scaled", "gemm_kn", "matmul_add")],
                          [init("w_t", w), init("w_kn", np.ascontiguousarray(w.T)),
                           init("c", rng_weights(17, (7,)))], opset)
    helper_case("gemm_forms", gemm_attrs, (1, 3, 6, 8),
                "Gemm alpha 0.5 beta 2 transB=1 with bias; Gemm transB=0 (weights [K,N]) "
                "without bias (C optional from opset 11); MatMul + Add", opsets=(11, 13, 17), seed=11)

    # Weights that are not float32 (issue: convert exactly or refuse clearly).
    w16 = rng_weights(18, (4, 3, 3, 3)).astype(np.float16)
    b16 = rng_weights(19, (4,)).astype(np.float16)

    def fp16_weights(opset):
        nodes = [helper.make_node("Cast", ["w16"], ["w"], to=TensorProto.FLOAT, name="cast_w"),
                 helper.make_node("Cast", ["b16"], ["b"], to=TensorProto.FLOAT, name="cast_b"),
                 helper.make_node("Conv", ["input", "w", "b"], ["output"], kernel_shape=[3, 3],
                                  pads=[1, 1, 1, 1], name="conv")]
        return make_model(nodes, [x_rgb], [vi("output", None)],
                          [init("w16", w16), init("b16", b16)], opset)
    helper_case("fp16_weights_cast", fp16_weights, (1, 3, 20, 24),
                "float16 initializers cast to float32 by Cast nodes before a Conv (the usual "
                "mixed-precision export); float16 -> float32 is exact, so the expected output "
                "is exact", opsets=(13,), seed=12)

    def fp16_graph(opset):
        nodes = [helper.make_node("Conv", ["input", "w16", "b16"], ["conv"], kernel_shape=[3, 3],
                                  pads=[1, 1, 1, 1], name="conv"),
                 helper.make_node("Relu", ["conv"], ["output"], name="relu")]
        return make_model(nodes, [vi("input", [1, 3, 20, 24], TensorProto.FLOAT16)],
                          [vi("output", [1, 4, 20, 24], TensorProto.FLOAT16)],
                          [init("w16", w16), init("b16", b16)], opset)
    helper_case("fp16_graph", fp16_graph, (1, 3, 20, 24),
                "a whole float16 graph (input, weights, output declared FLOAT16): an importer "
                "that converts the weights to float32 exactly and runs in float32 gives "
                "output.npy (computed from the float32 input.npy); or it refuses, naming the "
                "type", opsets=(13,), seed=12)

    q = np.random.default_rng(20).integers(-127, 128, size=(4, 3, 3, 3)).astype(np.int8)

    def int8_weights(opset):
        nodes = [helper.make_node("DequantizeLinear", ["wq", "w_scale", "w_zero"], ["w"],
                                  name="dequantize_w"),
                 helper.make_node("Conv", ["input", "w", "b"], ["output"], kernel_shape=[3, 3],
                                  name="conv")]
        return make_model(nodes, [x_rgb], [vi("output", None)],
                          [init("wq", q), init("w_scale", np.array(0.0123, np.float32)),
                           init("w_zero", np.array(3, np.int8)),
                           init("b", rng_weights(21, (4,)))], opset)
    helper_case("int8_weights_dequantize", int8_weights, (1, 3, 20, 24),
                "int8 weight initializer with a per-tensor scale 0.0123 and zero point 3 "
                "through DequantizeLinear (weights (q - 3) * 0.0123 in float32, exact) into a "
                "Conv: convert exactly or refuse", opsets=(10, 13), seed=13)

    def external_data(opset):
        w = rng_weights(22, (4, 3, 3, 3))
        t = numpy_helper.from_array(w, "w")
        t.ClearField("raw_data")
        t.data_location = TensorProto.EXTERNAL
        for k, v in (("location", "external_data.weights.bin"), ("offset", "0"),
                     ("length", str(w.nbytes))):
            e = t.external_data.add()
            e.key, e.value = k, v
        nodes = [helper.make_node("Conv", ["input", "w"], ["output"], kernel_shape=[3, 3],
                                  name="conv")]
        model = make_model(nodes, [x_rgb], [vi("output", None)], [t], opset)
        return model, {"external_data.weights.bin": w.tobytes()}
    helper_case("external_data", external_data, (1, 3, 20, 24),
                "a Conv whose weights live in an external file beside the model "
                "(external_data.weights.bin, 432 bytes, location/offset/length): load them "
                "exactly or refuse, naming the file", opsets=(13,), seed=14, check=False)


# ---------------------------------------------------------------------------------------------
# Bad models


def declare_inferred_output_shapes(model):
    """Each bad model is bad in one way only: outputs get the shapes ONNX's inference finds."""
    try:
        inferred = onnx.shape_inference.infer_shapes(model)
    except Exception:  # noqa: BLE001 - a model broken on purpose may defeat inference
        return
    known = {v.name: v for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
    for out in model.graph.output:
        v = known.get(out.name)
        if not out.type.tensor_type.HasField("shape") and v is not None \
                and v.type.tensor_type.HasField("shape"):
            out.CopyFrom(v)


def bad(name, data, expect, why, prefix=None):
    d = case_dir("bad")
    path = os.path.join(d, name)
    if not isinstance(data, bytes):
        declare_inferred_output_shapes(data)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.SerializeToString())
    entry = {"file": rel(path), "expect": expect, "why": why}
    if prefix:
        entry.update(prefix)
    manifest["bad"].append(entry)


def bad_models():
    x_rgb = vi("input", [1, 3, 20, 24])
    good = open(os.path.join(OUT, "conv_basic", "opset13.onnx"), "rb").read()
    bad("empty.onnx", b"", "error", "a file of zero bytes")
    bad("truncated.onnx", good[:len(good) * 6 // 10], "error",
        "conv_basic/opset13.onnx cut at 60% of its bytes (mid-initializer)")
    bad("not_protobuf.onnx", b"This is not an ONNX model, just text.\n" * 4, "error",
        "plain text (fails to parse as protobuf)")
    bad("png_renamed.onnx",
        open(os.path.join(ROOT, "resources", "samples", "coins.png"), "rb").read()[:4096],
        "error", "the first 4 KB of a PNG image renamed to .onnx")
    bad("huge_length_prefix.onnx", b"\x08\x07\x3a\x80\x80\x80\x80\x08" + b"\x0a\x01x" * 4,
        "error", "ir_version 7 then a graph field whose length prefix claims 2 GiB in a 20-byte "
        "file: must fail without allocating")

    w = rng_weights(30, (4, 3, 3, 3))

    def conv_relu(extra_nodes, out, inits=(), opset=13, more_opsets=(), out_shape=None):
        nodes = [helper.make_node("Conv", ["input", "w"], ["conv"], kernel_shape=[3, 3],
                                  pads=[1, 1, 1, 1], name="conv1"),
                 helper.make_node("Relu", ["conv"], ["relu"], name="relu1")] + extra_nodes
        model = make_model(nodes, [x_rgb], [vi(out, out_shape)], [init("w", w)] + list(inits),
                           opset)
        for domain, version in more_opsets:
            model.opset_import.append(helper.make_opsetid(domain, version))
        return model

    # An unsupported op mid-graph: the runnable prefix (conv1 -> relu1) has an expected output.
    x = rng_input(3000, (1, 3, 20, 24))
    prefix_model = conv_relu([], "relu")
    relu = ref.run(prefix_model, {"input": x.astype(np.float64)})["relu"]
    d = case_dir("bad")
    save_npy(os.path.join(d, "unsupported_input.npy"), x)
    save_npy(os.path.join(d, "unsupported_prefix_relu1.npy"), relu)
    prefix = {"input": "bad/unsupported_input.npy", "prefix_until": "relu1",
              "prefix_output": "bad/unsupported_prefix_relu1.npy"}
    lrn = conv_relu([helper.make_node("LRN", ["relu"], ["lrn"], size=3, name="lrn1"),
                     helper.make_node("Conv", ["lrn", "w2"], ["output"], kernel_shape=[1, 1],
                                      name="conv2")], "output",
                    [init("w2", rng_weights(31, (2, 4, 1, 1)))])
    bad("unsupported_lrn.onnx", lrn, "error naming node 'lrn1' and op 'LRN'; the prefix up to "
        "'relu1' runs", "Conv -> Relu -> LRN -> Conv: an op ConvScope does not map, mid-graph",
        prefix)
    custom = conv_relu([helper.make_node("Swizzle", ["relu"], ["sw"], name="swizzle1",
                                         domain="com.example"),
                        helper.make_node("Relu", ["sw"], ["output"], name="relu2")], "output",
                       more_opsets=[("com.example", 1)], out_shape=[1, 4, 20, 24])
    bad("unsupported_custom_op.onnx", custom, "error naming node 'swizzle1' and op "
        "'com.example::Swizzle'; the prefix up to 'relu1' runs",
        "Conv -> Relu -> custom-domain op -> Relu", prefix)
    qdq = conv_relu([helper.make_node("QuantizeLinear", ["relu", "s", "z"], ["q"], name="quant1"),
                     helper.make_node("DequantizeLinear", ["q", "s", "z"], ["output"],
                                      name="dequant1")], "output",
                    [init("s", np.array(0.05, np.float32)), init("z", np.array(0, np.uint8))])
    bad("quantized_activations.onnx", qdq, "error naming node 'quant1' and op QuantizeLinear "
        "(activations quantized to uint8 cannot be represented); the prefix up to 'relu1' runs",
        "Conv -> Relu -> QuantizeLinear -> DequantizeLinear", prefix)

    short = numpy_helper.from_array(w, "w")
    short.raw_data = short.raw_data[:-12]
    m = make_model([helper.make_node("Conv", ["input", "w"], ["output"], kernel_shape=[3, 3],
                                     name="conv1")], [x_rgb], [vi("output", None)], [short])
    bad("initializer_wrong_size.onnx", m, "error naming initializer 'w'",
        "initializer 'w' declares dims [4,3,3,3] (432 bytes) but its raw_data holds 420 bytes")
    m = make_model([helper.make_node("Conv", ["input", "w"], ["output"], kernel_shape=[3, 3],
                                     name="conv1")], [x_rgb], [vi("output", None)],
                   [init("w", rng_weights(32, (4, 5, 3, 3)))])
    bad("weight_channels_mismatch.onnx", m, "error naming node 'conv1'",
        "Conv weights [4,5,3,3] (5 input channels) on a 3-channel input")
    m = make_model([helper.make_node("Conv", ["input", "w", "b"], ["output"],
                                     kernel_shape=[3, 3], name="conv1")], [x_rgb],
                   [vi("output", None)], [init("w", w), init("b", rng_weights(33, (5,)))])
    bad("bias_wrong_length.onnx", m, "error naming node 'conv1'",
        "Conv with 4 filters and a bias of 5 values")
    huge = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1 << 20, 1 << 12, 3, 3])
    m = make_model([helper.make_node("Conv", ["input", "w"], ["output"], kernel_shape=[3, 3],
                                     name="conv1")], [x_rgb], [vi("output", None)], [huge])
    bad("huge_initializer_dims.onnx", m, "error naming initializer 'w', without allocating",
        "initializer dims [1048576,4096,3,3] (144 GiB of float32) and no data")
    neg = helper.make_tensor("w", TensorProto.FLOAT, [4, 3, 3, 3], vals=w.ravel().tolist())
    neg.dims[0] = -4
    m = make_model([helper.make_node("Conv", ["input", "w"], ["output"], kernel_shape=[3, 3],
                                     name="conv1")], [x_rgb], [vi("output", None)], [neg])
    bad("negative_dims.onnx", m, "error naming initializer 'w'",
        "initializer dims [-4,3,3,3]")
    m = make_model([helper.make_node("Conv", ["input", "w"], ["output"], kernel_shape=[3, 3],
                                     name="conv1")], [x_rgb], [vi("output", None)],
                   [init("w", q8 := np.random.default_rng(34).integers(
                       -100, 100, (4, 3, 3, 3)).astype(np.int8))])
    del q8
    bad("int8_weight_direct.onnx", m, "error naming initializer 'w' or node 'conv1' (INT8 "
        "weights straight into a float Conv: not valid ONNX)", "Conv with an int8 initializer "
        "as its weight and no DequantizeLinear")

    cyc = make_model([helper.make_node("Add", ["input", "loop_b"], ["loop_a"], name="add_a"),
                      helper.make_node("Relu", ["loop_a"], ["loop_b"], name="relu_b")],
                     [x_rgb], [vi("loop_b", [1, 3, 20, 24])])
    bad("cycle.onnx", cyc, "error (a cycle: add_a reads relu_b's output, relu_b reads add_a's)",
        "two nodes that read each other's outputs")
    dang = make_model([helper.make_node("Conv", ["input", "missing_weight"], ["conv"],
                                        kernel_shape=[3, 3], name="conv1"),
                       helper.make_node("Relu", ["conv"], ["output"], name="relu1")],
                      [x_rgb], [vi("output", [1, 4, 18, 22])])
    bad("dangling_input.onnx", dang, "error naming node 'conv1' and tensor 'missing_weight'",
        "a Conv reads a tensor nothing produces (no initializer, input or node)")
    unused_out = make_model([helper.make_node("Relu", ["input"], ["relu"], name="relu1")],
                            [x_rgb], [vi("nowhere", [1, 3, 20, 24])])
    bad("missing_graph_output.onnx", unused_out, "error naming output 'nowhere'",
        "the graph output names a tensor no node produces")

    newline = make_model([helper.make_node("Relu", ["input"], ["relu"], name="relu\nrelu")],
                         [x_rgb], [vi("out\nput", [1, 3, 20, 24])])
    bad("newline_in_names.onnx", newline, "one-line error naming output 'out put'",
        "names holding a newline (found by fuzz_onnx): a message stays one line")

    rank3 = make_model([helper.make_node("Conv", ["input", "w1"], ["output"], kernel_shape=[3],
                                         name="conv1d")], [vi("input", [1, 3, 24])],
                       [vi("output", None)], [init("w1", rng_weights(35, (4, 3, 3)))])
    bad("input_rank3.onnx", rank3, "error: the input has rank 3 (a 1-D conv), not [N,C,H,W]",
        "a Conv1d model: input [1,3,24], weights [4,3,3]")
    rank5 = make_model([helper.make_node("Conv", ["input", "w3"], ["output"],
                                         kernel_shape=[3, 3, 3], name="conv3d")],
                       [vi("input", [1, 3, 6, 20, 24])], [vi("output", None)],
                       [init("w3", rng_weights(36, (4, 3, 3, 3, 3)))])
    bad("input_rank5.onnx", rank5, "error: the input has rank 5 (a 3-D conv), not [N,C,H,W]",
        "a Conv3d model: input [1,3,6,20,24], weights [4,3,3,3,3]")
    batch2 = make_model([helper.make_node("Relu", ["input"], ["output"], name="relu1")],
                        [vi("input", [2, 3, 20, 24])], [vi("output", None)])
    bad("input_batch2.onnx", batch2, "error or warning: batch size 2 (ConvScope runs one image)",
        "input [2,3,20,24]")
    shrink = make_model([helper.make_node("Conv", ["input", "w7"], ["output"],
                                          kernel_shape=[7, 7], name="conv_too_big")],
                        [vi("input", [1, 3, 5, 5])], [vi("output", None)],
                        [init("w7", rng_weights(37, (2, 3, 7, 7)))])
    bad("map_shrinks_to_nothing.onnx", shrink, "error naming node 'conv_too_big' (a 7x7 kernel "
        "without padding on a 5x5 input leaves no output)", "input [1,3,5,5], Conv 7x7")

    def external(location, length=None, offset=0):
        t = numpy_helper.from_array(w, "w")
        t.ClearField("raw_data")
        t.data_location = TensorProto.EXTERNAL
        for k, v in (("location", location), ("offset", str(offset)),
                     ("length", str(length if length is not None else w.nbytes))):
            e = t.external_data.add()
            e.key, e.value = k, v
        return make_model([helper.make_node("Conv", ["input", "w"], ["output"],
                                            kernel_shape=[3, 3], name="conv1")],
                          [x_rgb], [vi("output", None)], [t])
    bad("external_data_missing.onnx", external("no_such_file.bin"),
        "error naming 'no_such_file.bin'", "weights in an external file that does not exist")
    bad("external_data_traversal.onnx", external("../../../../../../etc/passwd"),
        "error: an external-data location outside the model's folder is refused (never read)",
        "external data location '../../../../../../etc/passwd'")
    bad("external_data_absolute.onnx", external("/etc/passwd"),
        "error: an absolute external-data location is refused (never read)",
        "external data location '/etc/passwd'")
    with open(os.path.join(d, "external_data_short.bin"), "wb") as f:
        f.write(w.tobytes()[:100])
    bad("external_data_past_end.onnx", external("external_data_short.bin"),
        "error naming 'external_data_short.bin' (it holds 100 bytes, the tensor needs 432)",
        "external data whose file (external_data_short.bin, beside it) is too short")

    future = conv_relu([], "relu", opset=13)
    future.opset_import[0].version = 99
    bad("opset_99.onnx", future, "error: opset 99 is newer than ConvScope maps (6-17)",
        "a Conv -> Relu model that claims opset 99")
    noinput = make_model([helper.make_node("Constant", [], ["output"], name="const",
                                           value=numpy_helper.from_array(w))], [],
                         [vi("output", None)])
    bad("no_image_input.onnx", noinput, "error: the graph has no input to feed an image to",
        "a graph with a single Constant node and no inputs")


# ---------------------------------------------------------------------------------------------
# README.md (generated, so that it always lists what is really here)

README_HEAD = """\
# ONNX fixtures

Models, inputs and expected outputs for ConvScope's ONNX importer, written once by
`scripts/make_onnx_fixtures.py` (PyTorch {torch}, onnx {onnx}, NumPy {numpy}) and committed:
building and testing never needs Python. This README is generated by the same script (do not
edit it by hand; edit the script and rerun it):

```sh
/usr/bin/python3 scripts/make_onnx_fixtures.py      # Debian 12: python3-torch python3-onnx python3-numpy
```

The script is deterministic (fixed seeds; a second run leaves `git status` clean) and keeps the
whole directory under 3 MB. It rewrites everything here except `resnet18_summary.json`
(`scripts/resnet18_reference.py`) and `face_recognition_trunk/`
(`scripts/convert_face_recognition_net.py`).

## Layout and conventions

| path | contents |
|---|---|
| `<case>/opset<N>.onnx` | the case's model at opset N (one file per opset) |
| `<case>/opset<N>_<variant>.onnx` | the same model exported differently: `_initializers_as_inputs` (every initializer is also a graph input, `keep_initializers_as_inputs=True`), `_dynamic_hw` (height and width of the input and outputs are symbolic dims) |
| `<case>/input.npy` | float32, shape **(1, C, H, W)** exactly as the model's input tensor (N = 1). Standard-normal noise (seeded), times 4 for `relu6` and 2 for `mobilenetv2_block` |
| `<case>/<output>.npy` | float32, one file per **graph output**, named after the output, with the output's shape: (1, C, H, W) for maps, (1, K) after Flatten/Gemm |
| `manifest.json` | the same facts as data: every case with its input, outputs (name, file, shape), models (file, opset, op types in node order, variant flags) and the opsets not written with the reason; every bad model with what is expected |

Every opset of a case shares one input and one set of expected outputs. Many cases return
intermediate tensors as extra graph outputs (e.g. `conv` before an activation, `stem` and
`block1` inside the ResNet and MobileNet cases), so a test can check intermediate layers, not only
the last one: each listed output is a tensor some node of the graph produces.

**Expected values.** Cases made by `torch.onnx.export` hold PyTorch's outputs, computed in float64
from the float32 weights and input and rounded to float32. Cases built with `onnx.helper` (forms
PyTorch cannot write) hold the output of `scripts/onnx_numpy_reference.py`, a plain NumPy
evaluator of the ONNX specification, in float64, rounded to float32. Every exported model was
also run through that evaluator and agrees with PyTorch to 1e-6 relative (the manifest's
`reference_vs_torch` is the measured figure: about 1e-7 where the file holds float32 constants
that PyTorch's float64 run used exactly — a LeakyRelu alpha of 0.1f, batch norms folded into
float32 weights); an opset where the two disagreed would be left out and listed under
`not_written`. Compare with

    max |engine - expected| <= 1e-5 * max(1, max |expected|)     per output

## What PyTorch 1.13's exporter writes (so the importer expects it)

- **Pads of `F.pad` / `nn.ZeroPad2d` at opset >= 11** arrive through a constant subgraph, not an
  initializer: `Constant -> ConstantOfShape -> Concat -> Reshape -> Slice -> Transpose ->
  Reshape -> Cast -> Pad(input 1)` (see `pad_*/opset11.onnx`, `conv_asymmetric_pad/opset13.onnx`).
  An importer must evaluate such constant subgraphs (or refuse them by name). At opset < 11 the
  pads are Pad's `pads` attribute. ONNX pads are `[x1_begin, x2_begin, ..., x1_end, x2_end, ...]`
  over all four dims: F.pad's `(left 1, right 2, top 0, bottom 3)` is `[0,0,0,1, 0,0,3,2]`.
  `pad_input_forms` has the clean forms (an int64 initializer, a Constant node).
- **AveragePool with count_include_pad=1** is written as `Constant, Pad, AveragePool` (zero pads
  made explicit, the pool itself unpadded).
- **ceil_mode before opset 10** does not exist: torch widens the end pads instead
  (`maxpool_ceil/opset9.onnx`: `pads [1,1,3,2]`, no ceil_mode; `avgpool_ceil_*_pad/opset9.onnx`
  add a Pad). Both agree with PyTorch and are kept. Dilated MaxPool cannot be exported before
  opset 10.
- **Eval-mode export folds every BatchNormalization into the Conv before it** (the Conv gets a
  bias). A batch norm with no conv before it stays (`batchnorm_unfoldable`). To keep them as
  nodes, `resnet_basic_block_bn` was exported with `training=TrainingMode.PRESERVE`.
- **Equal constants are stored once** and every further user reads an `Identity` of that
  initializer (ResNet-18's zero conv biases after folding: 16 Identity nodes, see below).
- **nn.Dropout and nn.Identity vanish** in eval export; `identity_dropout` has real Dropout and
  Identity nodes. **nn.AdaptiveMaxPool2d(1)** becomes a MaxPool with the whole map as kernel, not
  GlobalMaxPool (`global_max_as_maxpool`; `global_max_pool` has the op).
- **Clip / ReLU6**: `Relu` then `Clip(max=6)` with attributes at opset < 11; at >= 11 the bounds
  are inputs fed by `Constant` nodes, with `''` for a missing bound (`clip_min_only`).
  `clip_input_forms` has initializer bounds.
- **HardSwish** exists from opset 14; below it torch writes `HardSigmoid(alpha 1/6, beta 0.5)`
  then `Mul(x, .)` (`hardswish_decomposed`). HardSigmoid uses PyTorch's alpha 1/6, not ONNX's
  default 0.2.
- **PRelu** slopes are `[1]` for one slope and `[C,1,1]` per channel.
- **Softmax** before opset 13 coerces its input to 2-D at `axis` (`softmax_axis1_4d_opset11`:
  one softmax over all C*H*W values); from 13 it works along one axis. The classifier heads use
  it on (1, K), where both agree.
- Opset 6 (ir_version 3) is not exported by torch 1.13 (its minimum is 7); `opset6_legacy` is
  built by hand: BatchNormalization with `is_test`, Add and Gemm with the legacy `broadcast=1`
  (`axis=1`: a `[C]` tensor added per channel). Models with ir_version 3 (opset 6 and 7, torch's
  and hand-built alike) list every initializer as a graph input, as the format then required,
  and so do the `_initializers_as_inputs` variants: the image is the one graph input that no
  initializer has the name of.

OpenCV 4.6's dnn, used as a third opinion while making these files, agrees with them except
where it is known to be incomplete: auto_pad SAME_LOWER with an odd total pad (it pads like
SAME_UPPER), AveragePool with auto_pad and count_include_pad=1, count_include_pad=0 with
rectangular kernels or ceil_mode, dilated MaxPool, Softmax's opset < 13 coercion; it cannot load
Clip with Constant bounds, Dropout with a ratio input, Gemm without bias, fp16 or int8 weights.

## The cases

"""

README_MIDDLE = """
## Weights that are not float32

`fp16_weights_cast` (float16 initializers then Cast to float), `fp16_graph` (a whole float16
graph), `int8_weights_dequantize` (int8 weight + scale + zero point through DequantizeLinear) and
`external_data` (weights in `external_data/external_data.weights.bin`, 432 bytes, found through
the tensor's `location`/`offset`/`length`) are good models with expected outputs: the importer
converts them exactly (float16 -> float32 is exact; DequantizeLinear is `(q - zero_point) *
scale` in float32) or refuses them with a message naming the file, tensor and type. For
`fp16_graph` the expected output is what a float32 run on the float32 `input.npy` gives.

## Bad models (`bad/`)

Each is broken in one way only (the rest is valid); `expect` says what a good importer does:
an error that names the file and what is wrong, no crash, no hang, no huge allocation. The three
`unsupported_*` / `quantized_*` models share `bad/unsupported_input.npy` (1,3,20,24) and
`bad/unsupported_prefix_relu1.npy`, the output of the runnable prefix `conv1 -> relu1` that the
importer offers (by default, or with `--until relu1`).

| file | what is wrong | expected |
|---|---|---|
"""

README_TAIL = """
Note that an empty file parses as an empty ModelProto (protobuf accepts zero bytes): the
importer must notice that there is no graph. `external_data_short.bin` is the side file of
`external_data_past_end.onnx`.

## `resnet18_summary.json`: ResNet-18's info table

Written by `/usr/bin/python3 scripts/resnet18_reference.py summary` (python3-torchvision).
torchvision's `resnet18(weights=None)` after `torch.manual_seed(0)`, eval mode, input
1x3x224x224, in two variants: `trunk` (conv1, bn1, relu, maxpool, layer1 ... layer4: output
[1, 512, 7, 7], 11,176,512 parameters, 1,813,570,944 mult-adds) and `full` (with avgpool and fc:
[1, 1000], 11,689,512 parameters, 1,814,083,944 mult-adds - torchinfo's "Total mult-adds (G):
1.81"). Per variant, `modules` has one row per module call in call order, as torchinfo lists them
(BasicBlock's `relu` is called twice and has two rows): `name` (the module path,
`layer2.0.downsample.0`), `type`, `depth`, `index` (torchinfo's depth-idx, e.g. `3-1`),
`output_shape`, `params` (own parameters: torchinfo's figure on a leaf row), `params_total`
(with children: torchinfo's figure on a collapsed row), `mult_adds` (torchinfo's rule: a conv's
parameter count times N*H_out*W_out, other layers with parameters their count times N).

`onnx_export` gives the node list of the eval-mode export at opset 13 (what
`scripts/resnet18_reference.py export --out r18.onnx [--variant full]` writes, 44.7 MB, not
committed). **Batch norms are folded**: there is no BatchNormalization node; every Conv has a
bias. The trunk's 62 nodes, in order: 16 `Identity` nodes first, each an alias of a shared zero
bias initializer (`onnx::Conv_234` [512] feeds four convs of layer4, and so on), then

    Conv Relu MaxPool
    layer1 (x2):        Conv Relu Conv Add Relu
    layer2.0:           Conv Relu Conv Conv(downsample 1x1 s2) Add Relu
    layer2.1:           Conv Relu Conv Add Relu
    layer3, layer4:     as layer2

(20 Conv, 17 Relu, 1 MaxPool, 8 Add); `full` adds `GlobalAveragePool Flatten Gemm`. Node names
follow the modules (`/layer1/layer1.0/conv1/Conv`, `/layer1/layer1.0/relu_1/Relu` for the second
call of the block's relu).

## `face_recognition_trunk/`

The input (`input.npy`, (1,3,150,150): astronaut.png's centre square at 150x150, pixel / 255 -
mean) and the output `conv64_3.npy` (1,64,17,17) of the bundled
`resources/models/face-recognition/face_recognition_trunk.onnx`, from the TF.js graph evaluated in
NumPy float64 (see resources/models/README.md).
"""


def md_escape(text):
    return text.replace("|", "\\|")


def write_readme():
    lines = [README_HEAD.format(**manifest["versions"])]
    lines.append("| case | covers | opsets / files | outputs |\n|---|---|---|---|\n")
    for c in manifest["cases"]:
        files = ", ".join(os.path.basename(m["file"])[:-5] for m in c["models"])
        outs = ", ".join(f"`{o['name']}` {tuple(o['shape'])}" for o in c["outputs"])
        made = "" if c["source"].startswith("torch") else " *(onnx.helper)*"
        note = ""
        if c.get("not_written"):
            note = " Not written: " + "; ".join(f"{k}: {v}" for k, v in
                                                 sorted(c["not_written"].items())) + "."
        lines.append(f"| `{c['name']}`{made} | {md_escape(c['covers'])}.{md_escape(note)} | "
                     f"{files} | {outs} |\n")
    lines.append(README_MIDDLE)
    for b in manifest["bad"]:
        lines.append(f"| `{os.path.basename(b['file'])}` | {md_escape(b['why'])} | "
                     f"{md_escape(b['expect'])} |\n")
    lines.append(README_TAIL)
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write("".join(lines))


# ---------------------------------------------------------------------------------------------


def main():
    os.makedirs(OUT, exist_ok=True)
    for entry in os.listdir(OUT):
        if entry in KEEP:
            continue
        p = os.path.join(OUT, entry)
        shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
    torch_cases()
    helper_cases()
    bad_models()
    manifest["tolerance"] = ("max |got - expected| <= 1e-5 * max(1, max |expected|) per output; "
                             "expected values are float64 results rounded to float32")
    manifest["generated_by"] = "scripts/make_onnx_fixtures.py"
    manifest["versions"] = {"torch": torch.__version__.split("+")[0], "onnx": onnx.__version__,
                            "numpy": np.__version__}
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    write_readme()
    total = sum(os.path.getsize(os.path.join(r, n)) for r, _, fs in os.walk(OUT) for n in fs)
    print(f"tests/fixtures/onnx: {total / 1024:.0f} KiB")
    assert total < SIZE_LIMIT, "fixtures grew past their budget"


if __name__ == "__main__":
    main()
