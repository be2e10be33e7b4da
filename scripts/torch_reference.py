"""PyTorch's answer for one layer of a ConvScope pipeline (a layer dict as in the pipeline JSON).

Shared by tests/fixtures/make_torch_fixtures.py and scripts/check-against-pytorch.py.
Needs PyTorch and NumPy (on Debian: apt-get install python3-torch python3-numpy).
"""

import numpy as np
import torch
import torch.nn.functional as F



def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def torch_conv(layer, x):
    w = torch.tensor(np.asarray(layer["weights"], dtype=np.float32), dtype=torch.float64)
    out_channels = w.shape[0]
    bias = layer.get("bias")
    b = (torch.tensor(np.asarray(bias, dtype=np.float32), dtype=torch.float64)
         if bias is not None else None)
    stride = pair(layer.get("stride", 1))
    dilation = pair(layer.get("dilation", 1))
    groups = layer.get("groups", 1)
    padding = layer.get("padding", 0)
    mode = layer.get("padding_mode", "zeros")
    kh, kw = w.shape[2], w.shape[3]

    if mode == "zeros":
        # PyTorch pads with zeros itself, including its own 'same' / 'valid' rules.
        pad_arg = padding if isinstance(padding, str) else pair(padding)
        y = F.conv2d(x, w, b, stride=stride, padding=pad_arg, dilation=dilation, groups=groups)
    else:
        # Non-zero padding modes: exactly what torch.nn.Conv2d does for them. It pads with F.pad
        # (pads listed as left, right, top, bottom) and then convolves without padding. For
        # 'same' the total padding d*(k-1) is split with the extra pixel on the right/bottom.
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            th, tw = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
            pads = (tw // 2, tw - tw // 2, th // 2, th - th // 2)
        else:
            ph, pw = pair(padding)
            pads = (pw, pw, ph, ph)
        y = F.conv2d(F.pad(x, pads, mode=mode), w, b, stride=stride, padding=0,
                     dilation=dilation, groups=groups)

    # Cross-check against torch.nn.Conv2d itself (the module PyTorch users would write).
    module = torch.nn.Conv2d(w.shape[1] * groups, out_channels, (kh, kw), stride=stride,
                             padding=padding if isinstance(padding, str) else pair(padding),
                             dilation=dilation, groups=groups, bias=b is not None,
                             padding_mode=mode).double()
    with torch.no_grad():
        module.weight.copy_(w)
        if b is not None:
            module.bias.copy_(b)
        assert torch.allclose(module(x), y, rtol=0, atol=1e-12), layer.get("name")
    return y


def _vector(values):
    return torch.tensor(np.asarray(values, dtype=np.float32), dtype=torch.float64)


def _per_channel(values, channels):
    """One value for every channel, or one per channel, as a (1, C, 1, 1) tensor."""
    v = _vector(values)
    if v.numel() == 1:
        v = v.expand(channels)
    return v.view(1, channels, 1, 1)


def torch_join(layer, xs):
    """The layers that read several maps (add, concat); xs: their (1, C, H, W) inputs."""
    t = layer["type"]
    if t == "add":
        y = xs[0]
        for x in xs[1:]:
            y = y + x
        if "constant" in layer:
            y = y + _per_channel(layer["constant"], y.shape[1])
        return y
    if t == "concat":
        return torch.cat(xs, dim=1)
    assert len(xs) == 1, (t, len(xs))
    return torch_layer(layer, xs[0])


def torch_layer(layer, x):
    """x: float64 tensor (1, C, H, W). Returns the layer's output, same layout."""
    t = layer["type"]
    if t in ("add", "concat"):
        return torch_join(layer, [x])
    if t == "batchnorm":
        mean, var = _vector(layer["running_mean"]), _vector(layer["running_var"])
        weight = _vector(layer["weight"]) if "weight" in layer else None
        bias = _vector(layer["bias"]) if "bias" in layer else None
        eps = float(np.float32(layer.get("eps", 1e-5)))
        return F.batch_norm(x, mean, var, weight, bias, training=False, eps=eps)
    if t == "global_avgpool":
        return F.adaptive_avg_pool2d(x, 1)
    if t == "global_maxpool":
        return F.adaptive_max_pool2d(x, 1)
    if t == "prelu":
        return F.prelu(x, _vector(layer.get("weight", [0.25])))
    if t == "elu":
        return F.elu(x, float(np.float32(layer.get("alpha", 1.0))))
    if t == "hardsigmoid":
        alpha = float(np.float32(layer.get("alpha", 1 / 6)))
        beta = float(np.float32(layer.get("beta", 0.5)))
        if "alpha" not in layer and "beta" not in layer:
            return F.hardsigmoid(x)
        return torch.clamp(alpha * x + beta, 0.0, 1.0)  # ONNX's HardSigmoid
    if t == "hardswish":
        return F.hardswish(x)
    if t == "clip":
        if layer.get("min") == 0 and layer.get("max") == 6:
            return F.relu6(x)
        return torch.clamp(x, min=layer.get("min"), max=layer.get("max"))
    if t == "pad":
        pads = tuple(layer["pad"])
        mode = layer.get("mode", "constant")
        if mode == "constant":
            return F.pad(x, pads, mode="constant", value=float(np.float32(layer.get("value", 0))))
        return F.pad(x, pads, mode=mode)
    if t == "flatten":
        return torch.flatten(x, 1)[:, :, None, None]
    if t == "linear":
        w = _vector(layer["weight"])
        b = _vector(layer["bias"]) if "bias" in layer else None
        return F.linear(torch.flatten(x, 1), w, b)[:, :, None, None]
    if t == "softmax":
        return F.softmax(x, dim=1)
    if t == "conv":
        return torch_conv(layer, x)
    if t in ("maxpool", "avgpool"):
        k = pair(layer["kernel_size"])
        s = pair(layer.get("stride", layer["kernel_size"]))
        p = pair(layer.get("padding", 0))
        ceil = layer.get("ceil_mode", False)
        if t == "maxpool":
            return F.max_pool2d(x, k, s, p, ceil_mode=ceil)
        return F.avg_pool2d(x, k, s, p, ceil_mode=ceil,
                            count_include_pad=layer.get("count_include_pad", True))
    if t == "relu":
        return F.relu(x)
    if t == "leaky_relu":
        return F.leaky_relu(x, layer.get("negative_slope", 0.01))
    if t == "sigmoid":
        return torch.sigmoid(x)
    if t == "tanh":
        return torch.tanh(x)
    raise ValueError(f"unknown layer type {t}")
