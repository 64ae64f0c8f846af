"""``micrograd eval --load model.json --dataset moons``: the loss and accuracy of a saved network on a
dataset, with the loss ``micrograd train`` uses for it."""

from __future__ import annotations

import argparse
from typing import Any

import nn

from .arguments import CommandError, Parser
from .saved import add_load_argument, load
from .train import add_dataset_arguments, dataset, objective

NAME = "eval"


def add_parser(commands: Any) -> Parser:
    parser = commands.add_parser(
        NAME,
        help="the loss and accuracy of a saved network on a 2-D dataset",
        description="Load a network saved by 'micrograd train --save' (or nn.save) and print its loss and accuracy on "
        "a generated dataset, with the loss 'micrograd train' uses for it: binary cross-entropy on one logit for two "
        "classes, softmax cross-entropy for more. With the same --dataset, --samples, --noise and --seed as the "
        "training run, the data is the data it trained on.",
        epilog="Example: micrograd eval --load model.json --dataset moons --seed 1",
    )
    add_load_argument(parser)
    add_dataset_arguments(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    net = load(args.load)
    xs, labels = dataset(args)
    loss, outputs, ts = objective(labels)
    if net.n_in != len(xs[0]):
        raise CommandError(f"the network in {args.load} takes {net.n_in} input(s), but {args.dataset} has "
                           f"{len(xs[0])}-D points")
    if net.layers[-1].n_out != outputs:
        raise CommandError(f"the network in {args.load} has {net.layers[-1].n_out} output(s), but {args.dataset} with "
                           f"{len(set(labels))} classes needs {outputs}")
    mean, accuracy = nn.evaluate(net, xs, ts, loss=loss)
    print(f"{args.dataset}: {len(xs)} points, {len(set(labels))} classes; {net!r}")
    print(f"loss ({loss.description}) {mean:.6g}" + ("" if accuracy is None else f", accuracy {accuracy:.1%}"))
    return 0
