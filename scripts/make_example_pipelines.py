#!/usr/bin/env python3
"""Writes the example pipelines in resources/pipelines/.

The examples are written by this script rather than by hand so that their weights are
reproducible: the hand-designed filters are spelled out below, and the "learned-looking" weights
of first-layers-of-a-cnn.json come from a seeded NumPy generator (RandomState, whose stream NumPy
keeps stable across versions), rounded to 4 decimals.

Run from anywhere:  python3 scripts/make_example_pipelines.py
Needs only Python 3 and NumPy. Running it again rewrites the same files byte for byte.

The files are written exactly as ConvScope itself writes them (every field of a layer, in the
engine's order, with the same layout), so that opening an example and saving it changes nothing;
tests/test_pipeline_json.cpp checks that byte for byte.
"""

import json
import pathlib

import numpy as np

OUT_DIR = pathlib.Path(__file__).resolve().parent.parent / "resources" / "pipelines"

# ITU-R BT.601 luma weights: how much R, G and B contribute to perceived brightness.
LUMA = [0.299, 0.587, 0.114]

# 3x3 kernels, cross-correlation convention (the way PyTorch applies them).
IDENTITY = [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
SOBEL_X = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]     # brighter to the right -> positive
SOBEL_Y = [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]     # brighter downwards -> positive
LAPLACIAN = [[0, 1, 0], [1, -4, 1], [0, 1, 0]]
GAUSS3 = [[1 / 16, 2 / 16, 1 / 16], [2 / 16, 4 / 16, 2 / 16], [1 / 16, 2 / 16, 1 / 16]]
SHARPEN = [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]
SOBEL_DIAG = [[0, 1, 2], [-1, 0, 1], [-2, -1, 0]]  # brighter towards the top right -> positive
PREWITT_DIAG = [[0, 1, 1], [-1, 0, 1], [-1, -1, 0]]
BOX3 = [[1 / 9] * 3 for _ in range(3)]
BINOMIAL5 = [1, 4, 6, 4, 1]
GAUSS5 = [[a * b / 256 for b in BINOMIAL5] for a in BINOMIAL5]
ZERO3 = [[0, 0, 0], [0, 0, 0], [0, 0, 0]]


def scaled(kernel, factor, digits=6):
    """kernel * factor, rounded so that the JSON stays readable."""
    return [[round(v * factor, digits) + 0.0 for v in row] for row in kernel]


def mixed(kernel, channel_weights):
    """One filter [in][kh][kw] that applies `kernel` to a weighted mix of the input channels."""
    return [scaled(kernel, w) for w in channel_weights]


# ----------------------------------------------------------------------------------------------
# JSON output: nested lists of numbers are written with their innermost rows on one line, so a
# kernel reads like a matrix.


def _number(v):
    """As the engine writes a number: the shortest decimal that reads back as the same float32."""
    if isinstance(v, bool):
        return "true" if v else "false"
    f = float(np.float32(v))
    if f.is_integer():
        return str(int(f))
    for digits in range(1, 10):
        text = f"{f:.{digits}g}"
        if np.float32(float(text)) == np.float32(f):
            return repr(float(text))
    return repr(f)


def _only_single_rows(value):
    """True for nested lists whose innermost lists of numbers all have one element."""
    if not isinstance(value, list):
        return False
    if all(not isinstance(v, (list, dict)) for v in value):
        return len(value) == 1
    return all(_only_single_rows(v) for v in value)


def _dump(value, indent):
    pad = "  " * indent
    inner = "  " * (indent + 1)
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k)}: {_dump(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list):
        if all(not isinstance(v, (list, dict)) for v in value):
            return "[" + ", ".join(_number(v) for v in value) + "]"
        if _only_single_rows(value):  # e.g. the [[w]] of a 1x1 kernel: one line if it is short
            flat = "[" + ", ".join(_dump(v, indent + 1) for v in value) + "]"
            if len(flat) <= 80:
                return flat
        return "[\n" + ",\n".join(inner + _dump(v, indent + 1) for v in value) + "\n" + pad + "]"
    if isinstance(value, str):
        return json.dumps(value)
    return _number(value)


def dumps_pipeline(pipeline):
    return _dump(pipeline, 0) + "\n"


def conv(name, weights, bias=None, stride=1, padding="same", padding_mode="zeros", dilation=1,
         groups=1):
    layer = {"type": "conv", "name": name, "weights": weights}
    if bias is not None:
        layer["bias"] = bias
    layer.update({"stride": stride, "padding": padding, "padding_mode": padding_mode,
                  "dilation": dilation, "groups": groups})
    return layer


def pool(kind, name, kernel_size, stride=None, padding=0, ceil_mode=False,
         count_include_pad=True):
    """A max or average pooling layer with every field, as the engine writes it."""
    layer = {"type": kind, "name": name, "kernel_size": kernel_size,
             "stride": kernel_size if stride is None else stride, "padding": padding,
             "ceil_mode": ceil_mode}
    if kind == "avgpool":
        layer["count_include_pad"] = count_include_pad
    return layer


def pipeline(description, mode, layers):
    return {"format": "convscope-pipeline", "version": 1, "description": description,
            "input": {"mode": mode}, "layers": layers}


# ----------------------------------------------------------------------------------------------


def default_pipeline():
    # Layer 1: eight hand-made filters on an RGB photo.
    f = [
        mixed(SOBEL_X, LUMA),             # 0 vertical edges (brighter to the right)
        mixed(SOBEL_Y, LUMA),             # 1 horizontal edges (brighter below)
        mixed(LAPLACIAN, LUMA),           # 2 Laplacian: dark side of edges, dark dots
        mixed(GAUSS3, LUMA),              # 3 blurred brightness
        mixed(SHARPEN, LUMA),             # 4 sharpened brightness
        mixed(GAUSS3, [1, -1, 0]),        # 5 red minus green (colour opponency)
        mixed(GAUSS3, [-0.5, -0.5, 1]),   # 6 blue minus yellow (colour opponency)
        mixed(SOBEL_DIAG, LUMA),          # 7 diagonal edges (brighter towards the top right)
    ]
    conv1 = conv("colour_and_edges", f, bias=[0] * 8)

    # Layer 2 (after ReLU and 2x2 max pooling): combinations of the eight maps above.
    def filt(**per_channel):
        """A filter [8][3][3]: the kernel given for each named input channel, zeros elsewhere."""
        names = ["sobel_x", "sobel_y", "laplacian", "blur", "sharpen", "red_green",
                 "blue_yellow", "diagonal"]
        return [per_channel.get(n, ZERO3) for n in names]

    centre = lambda w: scaled(IDENTITY, w)
    g = [
        # Edge strength: any edge direction adds up (a cheap edge magnitude).
        filt(sobel_x=centre(0.5), sobel_y=centre(0.5), diagonal=centre(0.35)),
        # Corners: vertical and horizontal edges close together; the bias -0.5 makes it an AND.
        filt(sobel_x=scaled(BOX3, 1.0, 4), sobel_y=scaled(BOX3, 1.0, 4)),
        # Long horizontal edges: horizontal-edge responses continuing left and right.
        filt(sobel_y=[[0, 0, 0], [0.3333, 0.3333, 0.3333], [0, 0, 0]]),
        # Long vertical edges: vertical-edge responses continuing up and down.
        filt(sobel_x=[[0, 0.3333, 0], [0, 0.3333, 0], [0, 0.3333, 0]]),
        # Texture: how much fine detail (Laplacian response) there is around a pixel.
        filt(laplacian=scaled(BOX3, 2.0, 4)),
        # Red regions, smoothed.
        filt(red_green=GAUSS3),
        # Blue regions, smoothed.
        filt(blue_yellow=GAUSS3),
        # Smooth bright areas: brightness minus nearby edges.
        filt(blur=centre(1.0), sobel_x=centre(-0.5), sobel_y=centre(-0.5)),
    ]
    conv2 = conv("combinations", g, bias=[0, -0.5, 0, 0, 0, 0, 0, 0])

    return pipeline(
        "The default stack: eight hand-made filters (edges, blur, sharpen, colour opponency) "
        "on an RGB photo, then a second layer that combines their maps into edge strength, "
        "corners, long lines, texture and colour regions.",
        "rgb",
        [conv1, {"type": "relu", "name": "relu1"},
         pool("maxpool", "pool1", 2),
         conv2, {"type": "relu", "name": "relu2"}])


def edge_detectors():
    w = [[SOBEL_X], [SOBEL_Y], [LAPLACIAN], [PREWITT_DIAG]]
    return pipeline(
        "Four classic edge detectors side by side (Sobel x, Sobel y, Laplacian, a diagonal "
        "Prewitt); replicate padding avoids false edges at the image border, and ReLU keeps "
        "only the positive side of each edge.",
        "gray",
        [conv("edges", w, bias=[0, 0, 0, 0], padding="same", padding_mode="replicate"),
         {"type": "relu", "name": "positive_edges"}])


def blur_then_sharpen():
    return pipeline(
        "A 5x5 Gaussian blur followed by a 3x3 sharpen: sharpening brings back some edge "
        "contrast but cannot restore the fine detail the blur removed.",
        "gray",
        [conv("gaussian_blur_5x5", [[GAUSS5]], bias=[0], padding="same", padding_mode="reflect"),
         conv("sharpen", [[SHARPEN]], bias=[0], padding="same", padding_mode="reflect")])


def first_layers_of_a_cnn():
    # Layer 1: filters like those a trained CNN learns first (oriented edges on brightness,
    # a centre-surround spot detector, colour blobs), each with a small bias.
    f = [
        mixed(scaled(SOBEL_X, 0.25), LUMA),
        mixed(scaled(SOBEL_Y, 0.25), LUMA),
        mixed(scaled(SOBEL_DIAG, 0.25), LUMA),
        mixed(scaled([[-2, -1, 0], [-1, 0, 1], [0, 1, 2]], 0.25), LUMA),
        mixed(scaled(LAPLACIAN, -0.5), LUMA),
        mixed(GAUSS3, [1, -0.5, -0.5]),
        mixed(GAUSS3, [-0.5, 1, -0.5]),
        mixed(GAUSS3, [-0.5, -0.5, 1]),
    ]
    f = [[[[round(v, 4) + 0.0 for v in row] for row in k] for k in filt] for filt in f]
    b1 = [0.0, 0.0, 0.0, 0.0, -0.02, 0.05, 0.05, 0.05]
    # Layer 2: He-initialised random weights (std sqrt(2 / fan_in)), as an untrained CNN has.
    rng = np.random.RandomState(20240605)
    fan_in = 8 * 3 * 3
    w2 = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(16, 8, 3, 3)).round(4)
    b2 = rng.uniform(-0.05, 0.05, size=16).round(4)
    return pipeline(
        "The shape of the first layers of a typical CNN: hand-made edge and colour filters, "
        "ReLU, max pooling, then 16 random (untrained) filters, ReLU and pooling again; each "
        "pooling halves the resolution while the channel count grows.",
        "rgb",
        [conv("conv1", f, bias=b1, padding=1),
         {"type": "relu", "name": "relu1"},
         pool("maxpool", "pool1", 2),
         conv("conv2", (w2 + 0.0).tolist(), bias=(b2 + 0.0).tolist(), padding=1),
         {"type": "relu", "name": "relu2"},
         pool("maxpool", "pool2", 2)])


def stride_and_dilation():
    return pipeline(
        "How stride, dilation and pooling change the output size: a strided blur halves the "
        "image, a dilated Laplacian looks at pixels two apart, and an average pool with "
        "ceil_mode keeps the partial window at the border.",
        "gray",
        [conv("box_blur_stride_2", [[scaled(BOX3, 1.0, 9)]], bias=[0], stride=2, padding=1),
         conv("laplacian_dilation_2", [[LAPLACIAN]], bias=[0], padding="same", dilation=2),
         pool("avgpool", "avgpool", 3, stride=2, padding=1, ceil_mode=True),
         {"type": "leaky_relu", "name": "leaky_relu", "negative_slope": 0.1}])


def depthwise_separable():
    depthwise = [[SOBEL_X], [SOBEL_X], [SOBEL_X]]  # [3 out][1 in per group][3][3]
    pointwise = [[[[w]] for w in mix] for mix in (LUMA, [1, -1, 0], [-0.5, -0.5, 1],
                                                   [0.3333, 0.3333, 0.3333])]
    return pipeline(
        "A depthwise-separable convolution as in MobileNet: a depthwise conv (groups = 3) finds "
        "vertical edges in each colour channel separately, a 1x1 pointwise conv mixes them "
        "into brightness and colour edges, and tanh squashes the result into (-1, 1).",
        "rgb",
        [conv("depthwise_sobel_x", depthwise, bias=[0, 0, 0], padding="same",
              padding_mode="replicate", groups=3),
         conv("pointwise_mix", pointwise, bias=[0, 0, 0, 0], padding="valid"),
         {"type": "tanh", "name": "tanh"}])


PIPELINES = {
    "default.json": default_pipeline,
    "edge-detectors.json": edge_detectors,
    "blur-then-sharpen.json": blur_then_sharpen,
    "first-layers-of-a-cnn.json": first_layers_of_a_cnn,
    "stride-and-dilation.json": stride_and_dilation,
    "depthwise-separable.json": depthwise_separable,
}


def check_shapes(p):
    """Weights [out][in/groups][kh][kw], bias [out], channels chaining from layer to layer."""
    channels = 3 if p["input"]["mode"] == "rgb" else 1
    for i, layer in enumerate(p["layers"]):
        if layer["type"] != "conv":
            continue
        w = np.asarray(layer["weights"], dtype=float)
        assert w.ndim == 4, (i, w.shape)
        g = layer.get("groups", 1)
        assert channels % g == 0 and w.shape[0] % g == 0, (i, channels, g)
        assert w.shape[1] == channels // g, (i, w.shape, channels, g)
        assert len(layer.get("bias", [0] * w.shape[0])) == w.shape[0], i
        channels = w.shape[0]


def main():
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for filename, make in PIPELINES.items():
        p = make()
        check_shapes(p)
        text = dumps_pipeline(p)
        # The file holds the same values as float32, which is what the engine reads.
        as_float32 = lambda x: [as_float32(v) for v in x] if isinstance(x, list) else (
            {k: as_float32(v) for k, v in x.items()} if isinstance(x, dict) else (
                float(np.float32(x)) if isinstance(x, float) else x))
        assert as_float32(json.loads(text)) == as_float32(json.loads(json.dumps(p)))
        (OUT_DIR / filename).write_text(text)
        print("wrote", OUT_DIR / filename)


if __name__ == "__main__":
    main()
