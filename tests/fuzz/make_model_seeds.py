#!/usr/bin/python3
"""Writes ONNX seed models for the model_load fuzz target, made at fuzz time
from Debian's ONNX conformance data (never committed):

  <test>.onnx        each node test's model as it is (inputs only, no weights);
  <test>_const.onnx  the same with its test inputs turned into initializers,
                     so that the loader's constant folding runs the op on
                     real data (inputs up to MAX_CONST_BYTES);
  <test>_init0.onnx  only the first input an initializer (weights of a Conv,
                     a Gemm..., the rest stays a graph input);
plus small CNN blocks built here with onnx.helper (Conv + BatchNormalization
+ Relu, a residual Add, QDQ around a Conv, Reshape from a Shape subgraph),
which reach the optimizer's fusions.

    make_model_seeds.py OUT_DIR [TESTDATA_DIR] [--dict DICT]

With --dict, also writes a libFuzzer dictionary of every operator type,
attribute name and domain those models use.
"""
import glob
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MAX_CONST_BYTES = 16384
MAX_MODEL_BYTES = 65536


def write(out_dir, name, model):
    data = model.SerializeToString()
    if len(data) <= MAX_MODEL_BYTES:
        with open(os.path.join(out_dir, name + ".onnx"), "wb") as f:
            f.write(data)


def as_initializers(model, tensors):
    """A copy of model where the named graph inputs are initializers."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    names = {t.name for t in tensors}
    kept = [i for i in m.graph.input if i.name not in names]
    del m.graph.input[:]
    m.graph.input.extend(kept)
    m.graph.initializer.extend(tensors)
    return m


def conformance(out_dir, testdata, words):
    for path in sorted(glob.glob(os.path.join(testdata, "*", "model.onnx"))):
        test = os.path.basename(os.path.dirname(path))
        try:
            model = onnx.load(path)
        except Exception:  # noqa: BLE001 - a file onnx cannot read is skipped
            continue
        write(out_dir, test, model)
        for node in model.graph.node:
            words.update([node.op_type, node.domain] + [a.name for a in node.attribute])
        inputs = []
        for pb in sorted(glob.glob(os.path.join(os.path.dirname(path), "test_data_set_0", "input_*.pb"))):
            t = TensorProto()
            with open(pb, "rb") as f:
                t.ParseFromString(f.read())
            inputs.append(t)
        graph_inputs = [i.name for i in model.graph.input]
        if not inputs or len(inputs) > len(graph_inputs):
            continue
        for t, name in zip(inputs, graph_inputs):
            t.name = name
        if sum(len(t.SerializeToString()) for t in inputs) <= MAX_CONST_BYTES:
            write(out_dir, test + "_const", as_initializers(model, inputs))
        if len(inputs) > 1 and len(inputs[0].SerializeToString()) <= MAX_CONST_BYTES:
            write(out_dir, test + "_init0", as_initializers(model, inputs[:1]))


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def cnn_blocks(out_dir):
    rng = np.random.default_rng(3)
    f32 = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)

    # Conv + BatchNormalization + Relu, then a residual Add and a pool.
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "g", "beta", "mean", "var"], ["bn"]),
        helper.make_node("Relu", ["bn"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["c2", "r1"], ["s"]),
        helper.make_node("Clip", ["s", "lo", "hi"], ["clip"]),
        helper.make_node("GlobalAveragePool", ["clip"], ["p"]),
        helper.make_node("Flatten", ["p"], ["f"]),
        helper.make_node("Gemm", ["f", "wg", "bg"], ["y"], transB=1),
    ]
    inits = [const("w1", f32(4, 3, 3, 3)), const("b1", f32(4)), const("g", f32(4)),
             const("beta", f32(4)), const("mean", f32(4)), const("var", np.abs(f32(4)) + 0.5),
             const("w2", f32(4, 4, 3, 3)), const("lo", np.float32(0)), const("hi", np.float32(6)),
             const("wg", f32(5, 4)), const("bg", f32(5))]
    g = helper.make_graph(nodes, "block", [x], [y], inits)
    write(out_dir, "cnn_block", helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]))

    # QDQ around a Conv (per-channel int8 weights), as seam quantize writes.
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
        helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
        helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["wd"], axis=0),
        helper.make_node("Conv", ["xd", "wd", "b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("QuantizeLinear", ["r", "ys", "yz"], ["rq"]),
        helper.make_node("DequantizeLinear", ["rq", "ys", "yz"], ["y"]),
    ]
    inits = [const("xs", np.float32(0.02)), const("xz", np.int8(0)),
             const("wq", rng.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8)),
             const("ws", (np.abs(f32(4)) * 0.01 + 0.001).astype(np.float32)),
             const("wz", np.zeros(4, np.int8)), const("b", f32(4)),
             const("ys", np.float32(0.05)), const("yz", np.int8(-128))]
    g = helper.make_graph(nodes, "qdq", [x], [y], inits)
    write(out_dir, "qdq_conv", helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]))

    # Reshape whose shape comes from Shape -> Gather -> Concat.
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Gather", ["shape", "zero"], ["n"], axis=0),
        helper.make_node("Unsqueeze", ["n", "axes"], ["n1"]),
        helper.make_node("Concat", ["n1", "minus1"], ["target"], axis=0),
        helper.make_node("Reshape", ["x", "target"], ["flat"]),
        helper.make_node("MatMul", ["flat", "wm"], ["y"]),
    ]
    inits = [const("zero", np.int64(0)), const("axes", np.array([0], np.int64)),
             const("minus1", np.array([-1], np.int64)), const("wm", f32(192, 7))]
    g = helper.make_graph(nodes, "shape_subgraph", [x], [y], inits)
    write(out_dir, "shape_subgraph", helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]))


def main():
    args = sys.argv[1:]
    dict_path = None
    if "--dict" in args:
        i = args.index("--dict")
        dict_path = args[i + 1]
        del args[i:i + 2]
    out_dir = args[0]
    testdata = args[1] if len(args) > 1 else "/usr/share/libonnx-testdata/data/node"
    os.makedirs(out_dir, exist_ok=True)
    words = set()
    conformance(out_dir, testdata, words)
    cnn_blocks(out_dir)
    if dict_path:
        with open(dict_path, "w") as f:
            for w in sorted(x for x in words if x):
                f.write('"%s"\n' % w.replace("\\", "\\\\").replace('"', '\\"'))


if __name__ == "__main__":
    main()
