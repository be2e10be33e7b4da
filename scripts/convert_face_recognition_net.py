#!/usr/bin/python3
"""Converts the trained face-recognition ResNet of @vladmandic/face-api to ConvScope's ONNX model.

The npm package @vladmandic/face-api (MIT licence) ships, in TF.js format, the weights of the
face-recognition ResNet that Davis King trained for dlib (dlib_face_recognition_resnet_model_v1,
trained on about three million face photos; face-api.js's FaceRecognitionNet is its port). Its
first layer is 32 RGB 7x7 filters with stride 2: real colour filters learnt from photos.

What the script does:
  1. `npm pack @vladmandic/face-api@VERSION` into a temporary folder (development time only: the
     ONNX file it writes is committed, nothing is fetched at build or run time), or reads the
     .tgz given with --package; records its SHA-256.
  2. Decodes model/face_recognition_model.bin with its weights manifest exactly as TF.js does:
     uint8 values q become float32(q * scale + min), computed in double; float32 tensors are
     read as they are.
  3. Rebuilds the convolutional trunk in PyTorch from layers ConvScope runs: Conv (with bias),
     the per-channel scale layer (x * weights + biases) as an inference BatchNormalization with
     mean 0, variance 1 and epsilon 0 (exactly x * weights + biases), Relu, MaxPool, AveragePool,
     Add. Module names follow the TF.js tensor names (conv32_down, conv32_1/conv1, ...).
  4. Evaluates the TF.js graph (src/faceRecognitionNet/*.ts) straightforwardly in NumPy, NHWC, in
     float64 on one image, and checks the PyTorch trunk and the exported ONNX file (run by
     scripts/onnx_numpy_reference.py) against it.
  5. Exports ONNX (opset 13, batch norms kept as nodes), folds the zero Pad nodes into the
     following Conv's pads, and writes the model, a provenance JSON, and a test fixture (the
     image and the trunk's output).

Where the trunk stops, and two translations:
  * It stops after the 64-channel stage (conv64_3): 340 k parameters, 1.4 MB. The 128- and
    256-channel stages would add 5.4 M parameters (21 MB as float32) while their maps are only
    8x8 and 4x4 at the model's 150x150 input; the 64-channel stage's 17x17 maps still show
    where things are. --until conv128 / conv256 converts further.
  * A down-sampling block's shortcut is avgPool(2x2, stride 2) then zero channels concatenated
    (32 -> 64). Here the zero channels come from a fixed 1x1 conv whose weights are an identity
    on the first 32 channels and 0 elsewhere (exact: x * 1 plus zeros).
  * TF.js's strided 3x3 'valid' conv gives one row/column fewer than the pooled shortcut when
    the map size is even, and then appends a zero row and column. The ONNX conv instead pads its
    input by one row and column at the bottom/right (pads [0, 0, 1, 1]): for odd sizes - all of
    them at the model's 150x150 input - that pad is never read and the result is identical;
    for even sizes (other input sizes) the last row/column is computed from real pixels rather
    than set to zero.

Input the model expects (face-api: toBatchTensor(150), then (pixel - mean) / 255): RGB, 150x150
(an aligned face chip), x = pixel / 255 - mean with mean = [122.782, 117.001, 104.298] / 255
and std 1. Both are stored in the ONNX metadata_props (see resources/models/README.md).

Run:   /usr/bin/python3 scripts/convert_face_recognition_net.py [--package face-api-1.7.15.tgz]
Needs: Debian 12 python3-torch, python3-onnx, python3-numpy, python3-pil, npm (apt-get install
       python3-torch python3-onnx python3-numpy python3-pil npm) and the npm registry (once).
"""

import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_numpy_reference as ref  # noqa: E402
from onnx_cleanup import (bypass_initializer_identities, checked, prune_dead_nodes,  # noqa: E402
                          set_metadata)  # noqa: E402

warnings.filterwarnings("ignore")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "@vladmandic/face-api"
VERSION = "1.7.15"
MODEL_DIR = os.path.join(ROOT, "resources", "models", "face-recognition")
FIXTURE_DIR = os.path.join(ROOT, "tests", "fixtures", "onnx", "face_recognition_trunk")
SAMPLE = os.path.join(ROOT, "resources", "samples", "astronaut.png")
MEAN_RGB = [122.782, 117.001, 104.298]
SIZE = 150

# The TF.js graph, in order (FaceRecognitionNet.forwardInput): block name and kind.
BLOCKS = [("conv32_down", "conv_down"), ("pool", "maxpool"),
          ("conv32_1", "residual"), ("conv32_2", "residual"), ("conv32_3", "residual"),
          ("conv64_down", "residual_down"), ("conv64_1", "residual"), ("conv64_2", "residual"),
          ("conv64_3", "residual"),
          ("conv128_down", "residual_down"), ("conv128_1", "residual"),
          ("conv128_2", "residual"),
          ("conv256_down", "residual_down"), ("conv256_1", "residual"),
          ("conv256_2", "residual"), ("conv256_down_out", "residual_down")]
STOPS = {"conv64": "conv64_3", "conv128": "conv128_2", "conv256": "conv256_down_out"}


# ---------------------------------------------------------------------------------------------
# 1-2. The package and its weights


def fetch_package(dest):
    out = subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", dest],
                         check=True, capture_output=True, text=True).stdout.strip().splitlines()
    return os.path.join(dest, out[-1])


def read_package(tgz):
    with tarfile.open(tgz) as tar:
        def read(name):
            return tar.extractfile(f"package/{name}").read()
        manifest = json.loads(read("model/face_recognition_model-weights_manifest.json"))
        files = {p: read(f"model/{p}") for group in manifest for p in group["paths"]}
        return {"manifest": manifest, "files": files, "license": read("LICENSE").decode(),
                "package_json": json.loads(read("package.json"))}


def decode_weights(manifest, files):
    """TF.js's decodeWeights: each tensor's bytes in manifest order, dequantized like TF.js."""
    weights = {}
    for group in manifest:
        data = b"".join(files[p] for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            shape, q = spec["shape"], spec.get("quantization")
            count = int(np.prod(shape)) if shape else 1
            assert spec["dtype"] == "float32", spec
            if q:
                qtype = {"uint8": np.uint8, "uint16": np.uint16}[q["dtype"]]
                raw = np.frombuffer(data, qtype, count, offset)
                offset += count * np.dtype(qtype).itemsize
                # JavaScript: values[i] = v * scale + min in double, stored to a Float32Array.
                value = (raw.astype(np.float64) * q["scale"] + q["min"]).astype(np.float32)
            else:
                value = np.frombuffer(data, np.float32, count, offset).copy()
                offset += count * 4
            weights[spec["name"]] = value.reshape(shape)
        assert offset == len(data), "the manifest does not account for every byte"
    return weights


# ---------------------------------------------------------------------------------------------
# 4. The TF.js graph in NumPy (NHWC, float64)


def tf_conv2d(x, filters, stride, padding):
    h, w, _ = x.shape
    kh, kw, _, cout = filters.shape
    if padding == "same":
        oh, ow = -(-h // stride), -(-w // stride)
        ph = max((oh - 1) * stride + kh - h, 0)
        pw = max((ow - 1) * stride + kw - w, 0)
        x = np.pad(x, ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    y = np.zeros((oh, ow, cout))
    f = filters.astype(np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = x[i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride]
            y += patch @ f[i, j]
    return y


def tf_pool(x, k, stride, kind):
    h, w, c = x.shape
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    windows = np.stack([x[i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride]
                        for i in range(k) for j in range(k)])
    return windows.max(0) if kind == "max" else windows.mean(0)


def tf_conv_layer(x, wts, prefix, stride, relu, padding="same"):
    out = tf_conv2d(x, wts[f"{prefix}/conv/filters"], stride, padding)
    out = out + wts[f"{prefix}/conv/bias"]
    out = out * wts[f"{prefix}/scale/weights"] + wts[f"{prefix}/scale/biases"]
    return np.maximum(out, 0) if relu else out


def tf_forward(x, wts, until):
    """FaceRecognitionNet.forwardInput after normalisation, up to block `until` (NHWC)."""
    out = x
    for name, kind in BLOCKS:
        if kind == "conv_down":
            out = tf_conv_layer(out, wts, name, 2, True, "valid")
        elif kind == "maxpool":
            out = tf_pool(out, 3, 2, "max")
        elif kind == "residual":
            r = tf_conv_layer(out, wts, f"{name}/conv1", 1, True)
            r = tf_conv_layer(r, wts, f"{name}/conv2", 1, False)
            out = np.maximum(r + out, 0)
        else:  # residualDown
            r = tf_conv_layer(out, wts, f"{name}/conv1", 2, True, "valid")
            r = tf_conv_layer(r, wts, f"{name}/conv2", 1, False)
            pooled = tf_pool(out, 2, 2, "avg")
            if pooled.shape[:2] != r.shape[:2]:  # isAdjustShape: a zero row, then a zero column
                r = np.concatenate([r, np.zeros((1,) + r.shape[1:])], 0)
                r = np.concatenate([r, np.zeros((r.shape[0], 1, r.shape[2]))], 1)
            if pooled.shape[2] != r.shape[2]:  # isPad: zero channels after the pooled ones
                pooled = np.concatenate([pooled, np.zeros(pooled.shape)], 2)
            out = np.maximum(pooled + r, 0)
        if name == until:
            return out
    raise ValueError(until)


# ---------------------------------------------------------------------------------------------
# 3. The PyTorch trunk


class ConvScale(nn.Module):
    """TF.js convLayer: conv + bias, then the scale layer x * weights + biases, then relu."""

    def __init__(self, wts, prefix, stride, relu, pad_bottom_right=False):
        super().__init__()
        f = wts[f"{prefix}/conv/filters"]  # [kh, kw, cin, cout]
        kh, _, cin, cout = f.shape
        same = not (stride == 2)
        self.pad_bottom_right = pad_bottom_right
        self.conv = nn.Conv2d(cin, cout, kh, stride, padding=(kh // 2) if same else 0)
        self.scale = nn.BatchNorm2d(cout, eps=0.0)
        with torch.no_grad():
            self.conv.weight.copy_(torch.from_numpy(f.transpose(3, 2, 0, 1).copy()))
            self.conv.bias.copy_(torch.from_numpy(wts[f"{prefix}/conv/bias"]))
            self.scale.weight.copy_(torch.from_numpy(wts[f"{prefix}/scale/weights"]))
            self.scale.bias.copy_(torch.from_numpy(wts[f"{prefix}/scale/biases"]))
            self.scale.running_mean.zero_()
            self.scale.running_var.fill_(1.0)
        self.relu = relu

    def forward(self, x):
        if self.pad_bottom_right:
            x = F.pad(x, (0, 1, 0, 1))
        y = self.scale(self.conv(x))
        return F.relu(y) if self.relu else y


class Residual(nn.Module):
    def __init__(self, wts, name):
        super().__init__()
        self.conv1 = ConvScale(wts, f"{name}/conv1", 1, True)
        self.conv2 = ConvScale(wts, f"{name}/conv2", 1, False)

    def forward(self, x):
        return F.relu(self.conv2(self.conv1(x)) + x)


class ResidualDown(nn.Module):
    def __init__(self, wts, name):
        super().__init__()
        self.conv1 = ConvScale(wts, f"{name}/conv1", 2, True, pad_bottom_right=True)
        self.conv2 = ConvScale(wts, f"{name}/conv2", 1, False)
        cin = wts[f"{name}/conv1/conv/filters"].shape[2]
        cout = wts[f"{name}/conv2/conv/filters"].shape[3]
        self.shortcut_pool = nn.AvgPool2d(2, 2)
        self.shortcut_channels = None
        if cout != cin:
            # The zero channels TF.js concatenates onto the pooled shortcut, as a fixed 1x1 conv.
            self.shortcut_channels = nn.Conv2d(cin, cout, 1, bias=False)
            with torch.no_grad():
                eye = torch.zeros(cout, cin, 1, 1)
                eye[torch.arange(cin), torch.arange(cin)] = 1.0
                self.shortcut_channels.weight.copy_(eye)

    def forward(self, x):
        r = self.conv2(self.conv1(x))
        s = self.shortcut_pool(x)
        if self.shortcut_channels is not None:
            s = self.shortcut_channels(s)
        return F.relu(s + r)


class FaceRecognitionTrunk(nn.Module):
    def __init__(self, wts, until):
        super().__init__()
        self.names = []
        for name, kind in BLOCKS:
            if kind == "conv_down":
                block = ConvScale(wts, name, 2, True)
            elif kind == "maxpool":
                block = nn.MaxPool2d(3, 2)
            elif kind == "residual":
                block = Residual(wts, name)
            else:
                block = ResidualDown(wts, name)
            setattr(self, name, block)
            self.names.append(name)
            if name == until:
                break

    def forward(self, x):
        for name in self.names:
            x = getattr(self, name)(x)
        return x


# ---------------------------------------------------------------------------------------------
# 5. ONNX


def fold_zero_pads(model, feeds):
    """A Pad of nothing is dropped; a zero Pad of H and W read by one Conv becomes its pads."""
    env = ref.run(model, feeds)
    graph = model.graph
    consumers = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    for pad in [n for n in graph.node if n.op_type == "Pad"]:
        mode = next((a.s for a in pad.attribute if a.name == "mode"), b"constant")
        value = env[pad.input[2]] if len(pad.input) > 2 and pad.input[2] else 0.0
        pads = [int(v) for v in env[pad.input[1]]]
        users = consumers.get(pad.output[0], [])
        if mode != b"constant" or float(value) != 0.0:
            continue
        if not any(pads):
            # torch.onnx writes nn.AvgPool2d(2, 2) as a Pad of nothing then AveragePool.
            for user in users:
                for k, name in enumerate(user.input):
                    if name == pad.output[0]:
                        user.input[k] = pad.input[0]
            continue
        if len(users) != 1 or users[0].op_type != "Conv" or any(pads[i] for i in (0, 1, 4, 5)):
            continue
        conv = users[0]
        attr = next(a for a in conv.attribute if a.name == "pads")
        old = list(attr.ints)
        new = [old[0] + pads[2], old[1] + pads[3], old[2] + pads[6], old[3] + pads[7]]
        del attr.ints[:]
        attr.ints.extend(new)
        conv.input[0] = pad.input[0]
    return prune_dead_nodes(model)


def load_image():
    img = Image.open(SAMPLE).convert("RGB")
    w, h = img.size
    side = min(w, h)
    img = img.crop(((w - side) // 2, (h - side) // 2, (w + side) // 2, (h + side) // 2))
    img = img.resize((SIZE, SIZE), Image.BILINEAR)
    return np.asarray(img, dtype=np.float32) / 255.0  # HWC RGB in [0, 1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--package", help=f"a local {PACKAGE} .tgz instead of `npm pack`")
    ap.add_argument("--until", choices=sorted(STOPS), default="conv64")
    args = ap.parse_args()
    until = STOPS[args.until]

    with tempfile.TemporaryDirectory() as tmp:
        tgz = args.package or fetch_package(tmp)
        tgz_sha = hashlib.sha256(open(tgz, "rb").read()).hexdigest()
        pkg = read_package(tgz)
    assert pkg["package_json"]["version"] == VERSION and pkg["package_json"]["license"] == "MIT"
    wts = decode_weights(pkg["manifest"], pkg["files"])
    bin_sha = {p: hashlib.sha256(d).hexdigest() for p, d in pkg["files"].items()}

    image = load_image()
    mean = np.array(MEAN_RGB, np.float32) / np.float32(255.0)
    # ConvScope feeds x = pixel / 255 - mean (std 1); TF.js computes (pixel - mean) / 255.
    x_tf = (image.astype(np.float64) * 255.0 - np.array(MEAN_RGB)) / 255.0
    x = (image - mean).astype(np.float32)  # what ConvScope computes from the stored metadata
    assert np.max(np.abs(x - x_tf)) < 1e-6

    want = tf_forward(x.astype(np.float64), wts, until).transpose(2, 0, 1)[None]
    trunk = FaceRecognitionTrunk(wts, until).eval()
    x_nchw = torch.from_numpy(x.transpose(2, 0, 1)[None].copy())
    with torch.no_grad():
        got64 = trunk.double()(x_nchw.double()).numpy()
        trunk.float()
        got32 = trunk(x_nchw).numpy()
    scale = max(1.0, float(np.abs(want).max()))
    err_torch64 = float(np.abs(got64 - want).max() / scale)
    err_torch32 = float(np.abs(got32 - want).max() / scale)
    assert err_torch64 < 1e-9, f"PyTorch trunk differs from the TF.js graph by {err_torch64}"

    buf = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(trunk, x_nchw, buf, opset_version=13, input_names=["image"],
                          output_names=[until], training=torch.onnx.TrainingMode.PRESERVE)
    feeds = {"image": x_nchw.numpy().astype(np.float64)}
    model = fold_zero_pads(onnx.load_from_string(buf.getvalue()), feeds)
    model = bypass_initializer_identities(model)
    ops = [n.op_type for n in model.graph.node]
    assert "Pad" not in ops, "a Pad node was left unfolded"
    onnx_out = ref.run(model, feeds)[until]
    err_onnx = float(np.abs(onnx_out - want).max() / scale)
    assert err_onnx < 1e-9, f"the ONNX file differs from the TF.js graph by {err_onnx}"

    params = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    model.doc_string = (f"The convolutional trunk (conv32_down ... {until}) of the face-"
                        f"recognition ResNet in {PACKAGE} {VERSION} (MIT), dlib's "
                        "face-recognition network trained by Davis King. Converted by "
                        "ConvScope's scripts/convert_face_recognition_net.py.")
    set_metadata(model, {
        "source": f"npm {PACKAGE}@{VERSION} model/face_recognition_model.bin",
        "license": "MIT (face-api; see resources/models/face-recognition/LICENSE)",
        "channel_order": "RGB",
        "input_size": json.dumps([SIZE, SIZE]),
        "input_mean": json.dumps([round(float(m), 7) for m in mean]),
        "input_std": json.dumps([1.0, 1.0, 1.0]),
        "preprocessing": "x = pixel / 255 - input_mean (TF.js: (pixel - [122.782, 117.001, "
                         "104.298]) / 255), RGB, 150x150 aligned face",
    })
    os.makedirs(MODEL_DIR, exist_ok=True)
    path = os.path.join(MODEL_DIR, "face_recognition_trunk.onnx")
    onnx.save(checked(model), path)

    os.makedirs(FIXTURE_DIR, exist_ok=True)
    np.save(os.path.join(FIXTURE_DIR, "input.npy"), x.transpose(2, 0, 1)[None].copy())
    np.save(os.path.join(FIXTURE_DIR, f"{until}.npy"), want.astype(np.float32))

    first = wts["conv32_down/conv/filters"]
    provenance = {
        "script": "scripts/convert_face_recognition_net.py",
        "package": f"{PACKAGE}@{VERSION}", "package_sha256": tgz_sha,
        "package_license": "MIT", "weights_files_sha256": bin_sha,
        "origin": "dlib_face_recognition_resnet_model_v1 (Davis King, dlib), via face-api.js "
                  "(Vincent Muehler) and @vladmandic/face-api (Vladimir Mandic)",
        "trunk": f"conv32_down ... {until}", "parameters": params,
        "onnx_opset": 13, "onnx_ops": dict(sorted({o: ops.count(o) for o in ops}.items())),
        "input": {"shape": [1, 3, SIZE, SIZE], "channel_order": "RGB",
                  "mean": [float(m) for m in mean], "std": [1.0, 1.0, 1.0],
                  "value": "pixel / 255 - mean"},
        "output": {"name": until, "shape": list(want.shape)},
        "first_layer": {"filters": int(first.shape[3]), "kernel": list(first.shape[:2]),
                        "in_channels": int(first.shape[2]), "stride": 2, "padding": "valid"},
        "check": {"image": "resources/samples/astronaut.png, centre square, bilinear to "
                           "150x150, x = pixel / 255 - mean",
                  "reference": "the TF.js graph evaluated in NumPy float64 (NHWC)",
                  "max_relative_error": {"pytorch_float64": err_torch64,
                                         "pytorch_float32": err_torch32,
                                         "onnx_file_numpy_float64": err_onnx}},
        "fixture": {"input": "tests/fixtures/onnx/face_recognition_trunk/input.npy",
                    "output": f"tests/fixtures/onnx/face_recognition_trunk/{until}.npy"},
    }
    with open(os.path.join(MODEL_DIR, "provenance.json"), "w") as f:
        json.dump(provenance, f, indent=1)
        f.write("\n")
    with open(os.path.join(MODEL_DIR, "LICENSE"), "w") as f:
        f.write(f"The weights in face_recognition_trunk.onnx come from the npm package "
                f"{PACKAGE} {VERSION},\nmodel/face_recognition_model.bin, distributed under "
                f"this licence:\n\n{pkg['license'].strip()}\n")
    print(f"wrote {path} ({os.path.getsize(path):,} bytes, {params:,} parameters); relative "
          f"error vs TF.js graph: torch64 {err_torch64:.2g}, torch32 {err_torch32:.2g}, "
          f"onnx {err_onnx:.2g}")


if __name__ == "__main__":
    main()
