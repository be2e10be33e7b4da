#!/usr/bin/python3
"""Trains ConvScope's bundled Fashion-MNIST classifier and writes it with its samples.

Writes (all committed; nothing is downloaded):
  resources/models/fashion-mnist/fashion_mnist_cnn.onnx        the model, labels in metadata_props
  resources/models/fashion-mnist/fashion_mnist_cnn.labels.txt  the ten class names, one a line
  resources/models/fashion-mnist/training.json                 seed, epochs, test accuracy, ...
  resources/samples/fashion-mnist/<class>.png                  six test images, 28x28 grayscale
  resources/samples/fashion-mnist/expected.json                their classes and the predictions

Data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist, MIT licence,
Zalando Research). The network reads one channel, pixel / 255 in [0, 1], white garment on black,
28x28, no mean/std normalisation:

  conv1 1->16 3x3 pad 1, bn1, relu, maxpool 2   -> 16x14x14
  conv2 16->32 3x3 pad 1, bn2, relu, maxpool 2  -> 32x7x7
  conv3 32->64 3x3 pad 1, bn3, relu, maxpool 2  -> 64x3x3
  flatten 576, linear 576->10, softmax           -> 10 class probabilities

Deterministic: fixed seeds and two CPU threads (the thread count changes float summation order,
so it is fixed too). Takes about 2.5 minutes on two idle cores (5 epochs).

Run:   nice -n 10 /usr/bin/python3 scripts/train_fashion_mnist.py
Needs: Debian 12 python3-torch (1.13), python3-onnx, python3-numpy, python3-pil,
       dataset-fashion-mnist (apt-get install python3-torch python3-onnx python3-numpy
       python3-pil dataset-fashion-mnist).
"""

import gzip
import io
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_numpy_reference as ref  # noqa: E402
from onnx_cleanup import (bypass_initializer_identities, checked, prune_dead_nodes,  # noqa: E402
                          set_metadata)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = "/usr/share/datasets/fashion-mnist"
MODEL_DIR = os.path.join(ROOT, "resources", "models", "fashion-mnist")
SAMPLE_DIR = os.path.join(ROOT, "resources", "samples", "fashion-mnist")
LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
          "Bag", "Ankle boot"]
SAMPLE_CLASSES = [0, 1, 3, 5, 7, 9]  # T-shirt/top, Trouser, Dress, Sandal, Sneaker, Ankle boot
SEED = 0
EPOCHS = 5
BATCH = 128
THREADS = 2


def read_idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[:4], "big")
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(magic & 0xFF)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


class FashionCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16)
        self.conv2, self.bn2 = nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.conv3, self.bn3 = nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64)
        self.fc = nn.Linear(64 * 3 * 3, 10)

    def logits(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = F.max_pool2d(F.relu(self.bn3(self.conv3(x))), 2)
        return self.fc(torch.flatten(x, 1))

    def forward(self, x):
        return torch.softmax(self.logits(x), dim=1)


def evaluate(model, images, labels):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(images), 1000):
            pred = model.logits(images[i:i + 1000]).argmax(1)
            correct += int((pred == labels[i:i + 1000]).sum())
    return correct / len(images)


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(THREADS)
    rng = np.random.default_rng(SEED)

    to_tensor = lambda a: torch.from_numpy(a.astype(np.float32) / 255.0).unsqueeze(1)  # noqa
    train_x, train_y = read_idx("train-images-idx3-ubyte.gz"), read_idx("train-labels-idx1-ubyte.gz")
    test_x, test_y = read_idx("t10k-images-idx3-ubyte.gz"), read_idx("t10k-labels-idx1-ubyte.gz")
    xt, yt = to_tensor(train_x), torch.from_numpy(train_y.astype(np.int64))
    xs, ys = to_tensor(test_x), torch.from_numpy(test_y.astype(np.int64))

    model = FashionCNN()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    steps = EPOCHS * ((len(xt) + BATCH - 1) // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    history = []
    start = time.time()
    for epoch in range(EPOCHS):
        model.train()
        order = torch.from_numpy(rng.permutation(len(xt)))
        flips = torch.from_numpy(rng.random(len(xt)) < 0.5)
        total = 0.0
        for i in range(0, len(xt), BATCH):
            idx = order[i:i + BATCH]
            x = xt[idx]
            # Horizontal flips: garments are (nearly) left-right symmetric.
            x = torch.where(flips[idx].view(-1, 1, 1, 1), x.flip(3), x)
            loss = F.cross_entropy(model.logits(x), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(idx)
        acc = evaluate(model, xs, ys)
        history.append({"epoch": epoch + 1, "train_loss": round(total / len(xt), 4),
                         "test_accuracy": round(acc, 4)})
        print(f"epoch {epoch + 1}: loss {total / len(xt):.4f}, test accuracy {acc:.4f}, "
              f"{time.time() - start:.0f} s", flush=True)
    accuracy = evaluate(model, xs, ys)
    assert accuracy >= 0.90, f"test accuracy {accuracy:.4f} is below 90%"

    model.eval()
    os.makedirs(MODEL_DIR, exist_ok=True)
    buf = io.BytesIO()
    with torch.no_grad():
        # PRESERVE keeps each batch norm a node of its own (an eval-mode export would fold it
        # into the conv before it): the app shows conv, batch norm, relu and pool as trained.
        torch.onnx.export(model, xs[:1], buf, opset_version=13, input_names=["image"],
                          output_names=["probabilities"],
                          training=torch.onnx.TrainingMode.PRESERVE,
                          dynamic_axes=None)
    onnx_model = bypass_initializer_identities(
        prune_dead_nodes(onnx.load_from_string(buf.getvalue())))
    onnx_model.doc_string = ("Fashion-MNIST classifier bundled with ConvScope. Input: 1x1x28x28, "
                             "pixel / 255, white garment on black. Output: probabilities of "
                             "the ten classes in metadata 'labels'.")
    set_metadata(onnx_model, {
        "labels": json.dumps(LABELS),
        "dataset": "Fashion-MNIST (Zalando Research, MIT licence), Debian dataset-fashion-mnist",
        "test_accuracy": f"{accuracy:.4f}",
        "input": "1x1x28x28 grayscale, pixel / 255 in [0, 1], no mean/std",
        "license": "MIT (see resources/models/README.md)",
    })
    path = os.path.join(MODEL_DIR, "fashion_mnist_cnn.onnx")
    onnx.save(checked(onnx_model), path)
    with open(os.path.join(MODEL_DIR, "fashion_mnist_cnn.labels.txt"), "w") as f:
        f.write("\n".join(LABELS) + "\n")

    # Samples: for each chosen class, the first test image the model classifies correctly.
    os.makedirs(SAMPLE_DIR, exist_ok=True)
    samples = []
    with torch.no_grad():
        probs_all = model(xs).numpy()
    onnx_gap = 0.0
    for cls in SAMPLE_CLASSES:
        index = next(i for i in range(len(test_y))
                     if test_y[i] == cls and probs_all[i].argmax() == cls)
        name = LABELS[cls].lower().replace("/", "-").replace(" ", "-") + ".png"
        Image.fromarray(test_x[index], mode="L").save(os.path.join(SAMPLE_DIR, name),
                                                      optimize=True)
        probs = probs_all[index]
        # The committed file, run by the NumPy ONNX evaluator on the PNG as written, must give
        # PyTorch's probabilities: the PNG round trip and the export both lose nothing.
        png = np.asarray(Image.open(os.path.join(SAMPLE_DIR, name)), dtype=np.float32) / 255.0
        onnx_probs = ref.run(onnx.load(path), {"image": png[None, None].astype(np.float64)})[
            "probabilities"][0]
        gap = float(np.abs(onnx_probs - probs).max())
        assert gap < 1e-5, f"{name}: the ONNX file gives probabilities {gap} away from PyTorch"
        onnx_gap = max(onnx_gap, gap)
        samples.append({"file": name, "test_index": int(index), "class": cls,
                        "label": LABELS[cls], "predicted_class": int(probs.argmax()),
                        "predicted_label": LABELS[int(probs.argmax())],
                        "probability": float(f"{probs.max():.8g}"),
                        "probabilities": [float(f"{p:.8g}") for p in probs]})
    with open(os.path.join(SAMPLE_DIR, "expected.json"), "w") as f:
        json.dump({"model": "resources/models/fashion-mnist/fashion_mnist_cnn.onnx",
                   "input": "the PNG's gray levels / 255, shape 1x1x28x28",
                   "probabilities_computed_by": f"PyTorch {torch.__version__.split('+')[0]}, "
                                                "float32",
                   "onnx_file_max_abs_difference": float(f"{onnx_gap:.2g}"),
                   "tolerance": "compare probabilities within 1e-5 absolute",
                   "samples": samples}, f, indent=1)
        f.write("\n")

    with open(os.path.join(MODEL_DIR, "training.json"), "w") as f:
        json.dump({"script": "scripts/train_fashion_mnist.py", "seed": SEED, "epochs": EPOCHS,
                   "batch_size": BATCH, "optimizer": "AdamW lr 3e-3 (one-cycle), "
                   "weight decay 1e-4", "augmentation": "random horizontal flip",
                   "threads": THREADS, "torch": torch.__version__.split("+")[0],
                   "train_images": int(len(xt)), "test_images": int(len(xs)),
                   "test_accuracy": round(accuracy, 4),
                   "parameters": sum(p.numel() for p in model.parameters()),
                   "history": history,
                   "seconds": round(time.time() - start)}, f, indent=1)
        f.write("\n")
    print(f"test accuracy {accuracy:.4f}; wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
