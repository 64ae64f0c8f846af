"""``micrograd demo``: the worked 3-2-2 network of docs/theory.md §6, end to end: the forward
values, the loss, the output and hidden deltas, every weight's update one scalar at a time
(the delta rule), a check against ``backward()``, and with ``--out`` the graph of the loss."""

from __future__ import annotations

import argparse
from typing import Any, Sequence

import nn

from . import pictures
from .arguments import Parser
from .paths import output_file

NAME = "demo"
W1 = [[0.1, 0.1, 0.1], [0.2, 0.2, 0.2]]
W2 = [[1.0, 2.0], [3.0, 4.0]]
X, T, LR = [1.0, 2.0, 3.0], [0.0, 1.0], 0.1


def add_parser(commands: Any) -> Parser:
    parser = commands.add_parser(
        NAME,
        help="the worked 3-2-2 network: forward, loss, deltas, every weight update, the graph",
        description="Run the worked example of docs/theory.md §6 end to end: the forward values, the loss, the output and "
        "hidden deltas, the update of every weight one scalar at a time, a check against backward(), the updated "
        "weights, and, with --out, a picture of the graph of the loss.",
    )
    parser.add_argument("--out", metavar="FILE",
                        help="also draw the graph of the loss into FILE: .svg, .png, .pdf or .dot (without Graphviz's dot "
                        "program the DOT source is written beside it instead, and the status is 1). Without --out nothing "
                        "is written")
    return parser


def run(args: argparse.Namespace) -> int:
    out_path = None if args.out is None else output_file(args.out, "--out")
    fmt = None if out_path is None else pictures.picture_format(out_path, "--out")

    def show(x: float) -> str:
        return format(x, ".10f")

    def vector(xs: Sequence[float]) -> str:
        return "(" + ", ".join(show(x) for x in xs) + ")"

    def matrix(rows: Sequence[Sequence[float]]) -> str:
        return "[" + ", ".join("[" + ", ".join(show(x) for x in row) + "]" for row in rows) + "]"

    net = nn.MLP.from_weights([W1, W2], activations=["sigmoid", "identity"])
    step = nn.delta_rule(net, X, T, LR)
    p = print
    p("The 3-2-2 network of docs/theory.md §6, one step of gradient descent by hand.")
    p("  3 inputs -> 2 sigmoid units -> 2 identity units, no biases")
    p(f"  W1 = {W1}   (row j = the weights into hidden unit j)")
    p(f"  W2 = {W2}")
    p(f"  sample x = {tuple(X)}, target t = {tuple(T)}, loss E = 1/2 sum_k (y_k - t_k)^2, SGD with lr = {LR}")
    p()
    p("1. Forward, keeping every u and z")
    p(f"   u1 = W1 x          = {vector(step.us[0])}")
    p(f"   z1 = sigmoid(u1)   = {vector(step.zs[0])}")
    p(f"   y  = W2 z1         = {vector(step.zs[1])}")
    p(f"   E  = 1/2 |y - t|^2 = {show(step.loss)}")
    p()
    p("2. Output deltas: delta2_k = y_k - t_k")
    p(f"   delta2 = {vector(step.deltas[1])}")
    p("3. Hidden deltas: delta1_j = f'(u1_j) * sum_k W2[k,j] delta2_k, with f' = z (1 - z) for sigmoid")
    p(f"   delta1 = {vector(step.deltas[0])}")
    p()
    p(f"4. Every weight, one scalar at a time: w_ji <- w_ji - lr * delta_j * z_i   (lr = {LR})")
    for r in step.updates:
        p(f"   {r.label:<8} {show(r.w_old):>13} - {LR} * {show(r.delta)} * {show(r.z)} = {show(r.w_new):>13}")
    p()
    loss = nn.squared_error(net(X), T)
    loss.backward()
    gap = max(abs(r.param.grad - r.grad) for r in step.updates)
    p(f"5. backward() on the graph of E gives the same gradients dE/dw = delta * z: largest difference {gap:.1e}")
    drawing = None if fmt is None else pictures.draw(loss)  # before the update, so the picture shows this step
    step.apply()
    p()
    p("6. The weights after one update")
    p(f"   W1 = {matrix([[w.data for w in n.w] for n in net.layers[0].neurons])}")
    p(f"   W2 = {matrix([[w.data for w in n.w] for n in net.layers[1].neurons])}")
    if drawing is None:
        return 0
    p()
    p("The graph of E, every edge labelled with its local derivative:")
    return pictures.report(pictures.write_picture(drawing, out_path, fmt))  # type: ignore[arg-type]
