"""A plain NumPy evaluator of ONNX graphs, in float64: the second opinion on every ONNX fixture.

Used by scripts/make_onnx_fixtures.py to compute the expected outputs of models built by hand with
onnx.helper (forms PyTorch cannot export: auto_pad, GlobalMaxPool, Clip with initializer bounds,
Dropout, fp16 and int8 weights, ...) and to check that every model torch.onnx.export wrote means,
under the ONNX specification, what PyTorch computed. It covers the ops ConvScope imports plus the
shape ops torch.onnx emits around them (the pads of F.pad at opset >= 11 arrive as a small constant
subgraph); it is written for clarity, not speed, and knows nothing of ConvScope.

Pooling follows the ONNX specification as onnxruntime implements it (and as PyTorch computes):
with ceil_mode the output size is ceil((in + pads - dilation*(k-1) - 1) / stride) + 1; an average
window's divisor counts padding only when count_include_pad=1, and never counts the part of a
window hanging past the padded input.

Needs NumPy and the onnx package (Debian 12: apt-get install python3-numpy python3-onnx).
"""

import math

import numpy as np
import onnx
from onnx import numpy_helper


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _s(v):
    return v.decode() if isinstance(v, bytes) else v


def _spatial_pads(attrs, in_hw, kernel, strides, dilations):
    """(begin_h, begin_w, end_h, end_w) from pads or auto_pad, as the ONNX spec defines them."""
    auto_pad = _s(attrs.get("auto_pad", "NOTSET"))
    if auto_pad in ("NOTSET", ""):
        return list(attrs.get("pads", [0, 0, 0, 0]))
    if auto_pad == "VALID":
        return [0, 0, 0, 0]
    begins, ends = [], []
    for size, k, s, d in zip(in_hw, kernel, strides, dilations):
        out = -(-size // s)  # ceil(size / stride)
        total = max(0, (out - 1) * s + (k - 1) * d + 1 - size)
        small, large = total // 2, total - total // 2
        if auto_pad == "SAME_UPPER":
            begins.append(small)
            ends.append(large)
        elif auto_pad == "SAME_LOWER":
            begins.append(large)
            ends.append(small)
        else:
            raise ValueError(f"auto_pad {auto_pad!r}")
    return begins + ends


def conv(x, w, b, attrs):
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    group = attrs.get("group", 1)
    strides = attrs.get("strides", [1, 1])
    dil = attrs.get("dilations", [1, 1])
    pads = _spatial_pads(attrs, (h, wd), (kh, kw), strides, dil)
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (xp.shape[2] - ((kh - 1) * dil[0] + 1)) // strides[0] + 1
    ow = (xp.shape[3] - ((kw - 1) * dil[1] + 1)) // strides[1] + 1
    y = np.zeros((n, m, oh, ow))
    mg = m // group
    for g in range(group):
        xg = xp[:, g * cg:(g + 1) * cg]
        wg = w[g * mg:(g + 1) * mg]
        for i in range(kh):
            for j in range(kw):
                r0, c0 = i * dil[0], j * dil[1]
                patch = xg[:, :, r0:r0 + strides[0] * (oh - 1) + 1:strides[0],
                           c0:c0 + strides[1] * (ow - 1) + 1:strides[1]]
                y[:, g * mg:(g + 1) * mg] += np.einsum("nchw,mc->nmhw", patch, wg[:, :, i, j])
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def pool(x, attrs, kind):
    n, c, h, wd = x.shape
    kernel = attrs["kernel_shape"]
    strides = attrs.get("strides", [1, 1])
    dil = attrs.get("dilations", [1, 1])
    ceil_mode = attrs.get("ceil_mode", 0)
    include_pad = attrs.get("count_include_pad", 0)
    pads = _spatial_pads(attrs, (h, wd), kernel, strides, dil)
    sizes = []
    for axis, size in enumerate((h, wd)):
        span = size + pads[axis] + pads[axis + 2] - ((kernel[axis] - 1) * dil[axis] + 1)
        rounding = math.ceil if ceil_mode else math.floor
        sizes.append(int(rounding(span / strides[axis])) + 1)
    oh, ow = sizes
    y = np.zeros((n, c, oh, ow))
    for oi in range(oh):
        for oj in range(ow):
            r = [oi * strides[0] - pads[0] + k * dil[0] for k in range(kernel[0])]
            q = [oj * strides[1] - pads[1] + k * dil[1] for k in range(kernel[1])]
            rin = [v for v in r if 0 <= v < h]
            qin = [v for v in q if 0 <= v < wd]
            window = x[:, :, rin][:, :, :, qin]
            if kind == "max":
                y[:, :, oi, oj] = window.max(axis=(2, 3)) if window.size else -np.inf
            else:
                if include_pad:
                    # Padding counts, the overhang past the padded input does not.
                    rpad = [v for v in r if -pads[0] <= v < h + pads[2]]
                    qpad = [v for v in q if -pads[1] <= v < wd + pads[3]]
                    count = len(rpad) * len(qpad)
                else:
                    count = len(rin) * len(qin)
                y[:, :, oi, oj] = window.sum(axis=(2, 3)) / count
    return y


def _pad(x, pads, mode, value):
    r = x.ndim
    begins, ends = pads[:r], pads[r:]
    if any(p < 0 for p in pads):
        raise ValueError("negative pads are not used by the fixtures")
    width = list(zip(begins, ends))
    if mode == "constant":
        return np.pad(x, width, mode="constant", constant_values=value)
    return np.pad(x, width, mode={"reflect": "reflect", "edge": "edge"}[mode])


def _legacy_broadcast(x, b, attrs):
    """Opset < 7 Add/Mul with broadcast=1: B's dims line up with A's from `axis` on."""
    if not attrs.get("broadcast", 0) or b.ndim == x.ndim:
        return b
    axis = attrs.get("axis", x.ndim - b.ndim)
    return b.reshape(b.shape + (1,) * (x.ndim - axis - b.ndim))


def _softmax(x, axis, opset):
    if opset < 13:
        shape = x.shape
        flat = x.reshape(int(np.prod(shape[:axis])), -1)
        e = np.exp(flat - flat.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).reshape(shape)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


_ONNX_TO_NUMPY = {1: np.float32, 10: np.float16, 11: np.float64, 7: np.int64, 6: np.int32,
                  3: np.int8, 2: np.uint8, 9: np.bool_}


def _float(v):
    """Float tensors are evaluated in float64; integer tensors keep their type."""
    return v.astype(np.float64) if np.issubdtype(v.dtype, np.floating) else v


def run(model, feeds, model_dir=None):
    """Evaluates `model` (an onnx.ModelProto) on `feeds` (name -> array).

    Returns a dict of every tensor computed (graph outputs and intermediates), float64 for floats.
    """
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)
    env = {}
    for init in model.graph.initializer:
        env[init.name] = _float(numpy_helper.to_array(init, base_dir=model_dir or ""))
    for name, value in feeds.items():
        env[name] = _float(np.asarray(value))
    for node in model.graph.node:
        a = _attrs(node)
        i = [env[name] if name else None for name in node.input]
        op = node.op_type
        if op == "Conv":
            out = [conv(i[0], i[1], i[2] if len(i) > 2 else None, a)]
        elif op == "MaxPool":
            out = [pool(i[0], a, "max")]
        elif op == "AveragePool":
            out = [pool(i[0], a, "avg")]
        elif op == "GlobalAveragePool":
            out = [i[0].mean(axis=(2, 3), keepdims=True)]
        elif op == "GlobalMaxPool":
            out = [i[0].max(axis=(2, 3), keepdims=True)]
        elif op == "BatchNormalization":
            x, scale, bias, mean, var = i[:5]
            shape = (1, -1, 1, 1)
            eps = a.get("epsilon", 1e-5)
            out = [(x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
                   * scale.reshape(shape) + bias.reshape(shape)]
        elif op == "Relu":
            out = [np.maximum(i[0], 0)]
        elif op == "LeakyRelu":
            alpha = a.get("alpha", 0.01)
            out = [np.where(i[0] >= 0, i[0], alpha * i[0])]
        elif op == "PRelu":
            out = [np.where(i[0] >= 0, i[0], i[1] * i[0])]
        elif op == "Elu":
            alpha = a.get("alpha", 1.0)
            out = [np.where(i[0] > 0, i[0], alpha * (np.exp(i[0]) - 1))]
        elif op == "Sigmoid":
            out = [1 / (1 + np.exp(-i[0]))]
        elif op == "Tanh":
            out = [np.tanh(i[0])]
        elif op == "HardSigmoid":
            out = [np.clip(a.get("alpha", 0.2) * i[0] + a.get("beta", 0.5), 0, 1)]
        elif op == "HardSwish":
            out = [i[0] * np.clip(i[0] / 6 + 0.5, 0, 1)]
        elif op == "Clip":
            if opset < 11:
                lo, hi = a.get("min", -np.inf), a.get("max", np.inf)
            else:
                lo = i[1] if len(i) > 1 and i[1] is not None else -np.inf
                hi = i[2] if len(i) > 2 and i[2] is not None else np.inf
            out = [np.minimum(np.maximum(i[0], lo), hi)]
        elif op == "Pad":
            mode = _s(a.get("mode", "constant"))
            if opset < 11:
                pads, value = a["pads" if opset >= 2 else "paddings"], a.get("value", 0.0)
            else:
                pads = [int(v) for v in i[1]]
                value = float(i[2]) if len(i) > 2 and i[2] is not None else 0.0
            out = [_pad(i[0], pads, mode, value)]
        elif op == "Add":
            out = [i[0] + _legacy_broadcast(i[0], i[1], a)]
        elif op == "Sub":
            out = [i[0] - i[1]]
        elif op == "Mul":
            out = [i[0] * i[1]]
        elif op == "Div":
            out = [i[0] / i[1] if np.issubdtype(i[0].dtype, np.floating) else i[0] // i[1]]
        elif op == "Concat":
            out = [np.concatenate(i, axis=a["axis"])]
        elif op in ("Identity",):
            out = [i[0]]
        elif op == "Dropout":
            out = [i[0], np.ones(i[0].shape, dtype=np.bool_)]
        elif op == "Constant":
            out = [_float(numpy_helper.to_array(a["value"]))]
        elif op == "Flatten":
            axis = a.get("axis", 1)
            out = [i[0].reshape(int(np.prod(i[0].shape[:axis])), -1)]
        elif op == "Gemm":
            A = i[0].T if a.get("transA", 0) else i[0]
            B = i[1].T if a.get("transB", 0) else i[1]
            y = a.get("alpha", 1.0) * (A @ B)
            if len(i) > 2 and i[2] is not None:
                y = y + a.get("beta", 1.0) * i[2]
            out = [y]
        elif op == "MatMul":
            out = [i[0] @ i[1]]
        elif op == "Softmax":
            out = [_softmax(i[0], a.get("axis", 1 if opset < 13 else -1), opset)]
        elif op == "Cast":
            out = [_float(i[0].astype(_ONNX_TO_NUMPY[a["to"]]))]
        elif op == "Reshape":
            shape = [int(v) for v in i[1]]
            shape = [i[0].shape[k] if v == 0 else v for k, v in enumerate(shape)]
            out = [i[0].reshape(shape)]
        elif op == "Shape":
            out = [np.array(i[0].shape, dtype=np.int64)]
        elif op == "Gather":
            out = [np.take(i[0], i[1].astype(np.int64), axis=a.get("axis", 0))]
        elif op == "Unsqueeze":
            axes = a["axes"] if opset < 13 else [int(v) for v in i[1]]
            y = i[0]
            for ax in sorted(axes):
                y = np.expand_dims(y, ax)
            out = [y]
        elif op == "Transpose":
            out = [np.transpose(i[0], a.get("perm"))]
        elif op == "ConstantOfShape":
            fill = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
            out = [_float(np.full([int(v) for v in i[0]], fill[0], dtype=fill.dtype))]
        elif op == "Slice":
            if opset < 10:
                starts, ends, axes, steps = a["starts"], a["ends"], a.get("axes"), None
            else:
                starts, ends = list(i[1]), list(i[2])
                axes = list(i[3]) if len(i) > 3 and i[3] is not None else None
                steps = list(i[4]) if len(i) > 4 and i[4] is not None else None
            axes = axes if axes is not None else list(range(len(starts)))
            steps = steps if steps is not None else [1] * len(starts)
            index = [slice(None)] * i[0].ndim
            for ax, s0, e0, st in zip(axes, starts, ends, steps):
                index[int(ax)] = slice(int(s0), int(max(min(e0, 2**62), -2**62)), int(st))
            out = [i[0][tuple(index)]]
        elif op == "QuantizeLinear":
            zp = i[2] if len(i) > 2 and i[2] is not None else np.uint8(0)
            info = np.iinfo(zp.dtype)
            q = np.clip(np.round(i[0] / i[1]) + zp.astype(np.int64), info.min, info.max)
            out = [q.astype(zp.dtype)]
        elif op == "DequantizeLinear":
            zp = i[2] if len(i) > 2 and i[2] is not None else 0
            # ONNX: y = (x - zero_point) * scale, in float32.
            diff = (i[0].astype(np.int64) - np.asarray(zp).astype(np.int64)).astype(np.float32)
            out = [_float(diff * np.asarray(i[1]).astype(np.float32))]
        else:
            raise NotImplementedError(f"op {op} (node {node.name!r})")
        for name, value in zip(node.output, out):
            if name:
                env[name] = value
    return env
