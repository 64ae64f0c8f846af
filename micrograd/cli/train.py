"""``micrograd train``: an MLP (relu hidden layers) trained on a generated 2-D dataset, binary
cross-entropy for two classes and softmax cross-entropy for more; the loss and accuracy per
epoch, and where asked the trained network (``--save``) and the run as a page (``--html``).
Datasets, optimizers and their default rates come from nn's registries; every output path is
checked before training starts."""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

import nn
from nn.train import MODES
from nn.views.panels import scores

from ..errors import DomainError
from .arguments import CommandError, Parser, nonnegative_float, positive_float, positive_int, widths
from .paths import distinct, output_file, reason

NAME = "train"
#: The command keeps a run within about a gigabyte and minutes, not hours; nn.train has no limits.
MAX_SAMPLES = 100_000  # points generated
MAX_WEIGHTS = 100_000  # parameters of the network
MAX_STEP_VALUES = 5_000_000  # Values in one step's graph: about the weights times the samples of a step
BEYOND = "the command's limit is {limit:,}; for more, train from Python with nn.train, which has none"


def add_parser(commands: Any) -> Parser:
    parser = commands.add_parser(
        NAME,
        help="train a small network on a 2-D dataset and print the loss per epoch",
        description="Train an MLP (relu hidden layers) on a generated 2-D dataset: binary cross-entropy for two "
        "classes, softmax cross-entropy for more. Prints the history (loss and accuracy per epoch).",
    )
    default_lrs = ", ".join(f"{name} {cls.default_lr}" for name, cls in nn.OPTIMIZERS.items())
    add_dataset_arguments(parser)
    parser.add_argument("--hidden", type=widths, default=[16, 16], metavar="W1,W2,...", help="hidden layer widths (default 16,16)")
    parser.add_argument("--epochs", type=positive_int, default=100, help="passes over the data (default 100)")
    parser.add_argument("--optimizer", choices=list(nn.OPTIMIZERS), default="sgd", help="the update rule (default sgd)")
    parser.add_argument("--lr", type=positive_float, default=None, help=f"learning rate (default: {default_lrs})")
    parser.add_argument("--mode", choices=MODES, default="minibatch",
                        help="full: one step per epoch on all points; sgd: one per point; minibatch: one per shuffled batch "
                        "(default minibatch)")
    parser.add_argument("--batch-size", type=positive_int, default=16, help="points per mini-batch (default 16)")
    parser.add_argument("--save", metavar="FILE", help="save the trained network as JSON (the path is checked before training)")
    parser.add_argument("--html", metavar="FILE",
                        help="write the run as a page with a scrubber: curves, boundary, network (the path is checked before training)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (there is none where no one watches: "
                        "into a file or a pipe)")
    return parser


def add_dataset_arguments(parser: Parser) -> None:
    """The options that choose the data (train and eval read the same)."""
    parser.add_argument("--dataset", choices=list(nn.DATASETS), default="moons", help="the data (default moons)")
    parser.add_argument("--samples", type=positive_int, default=100, help="number of points (default 100)")
    parser.add_argument("--noise", type=nonnegative_float, default=None, help="noise of the points (default: the dataset's)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data (and in train, of the initial weights and "
                        "the order; default 0)")


def dataset(args: argparse.Namespace) -> tuple[list[list[float]], list[int]]:
    """The points and their class labels that the dataset options ask for."""
    options = {"n": args.samples, "seed": args.seed}
    if args.noise is not None:
        options["noise"] = args.noise
    return nn.DATASETS[args.dataset](**options)


def objective(labels: list[int]) -> tuple[nn.Loss, int, list[Any]]:
    """What a network learns the labels with: (the loss, its number of outputs, the targets).
    Two classes: one logit and binary cross-entropy; more: one logit per class and softmax
    cross-entropy."""
    classes = sorted(set(labels))
    if len(classes) <= 2:
        return nn.LOSSES["bce_with_logits"], 1, [float(c) for c in labels]
    return nn.LOSSES["softmax_cross_entropy"], len(classes), list(labels)


def check_size(args: argparse.Namespace) -> None:
    """Refuse, before any work, a run that cannot fit: one line naming the limit."""
    if args.samples > MAX_SAMPLES:
        raise CommandError(f"--samples {args.samples:,}: too many points; " + BEYOND.format(limit=MAX_SAMPLES))
    widths = [2, *args.hidden, 3]  # at most 3 outputs: the most classes a dataset has
    weights = sum((n_in + 1) * n_out for n_in, n_out in zip(widths, widths[1:]))
    if weights > MAX_WEIGHTS:
        raise CommandError(f"--hidden {','.join(map(str, args.hidden))}: a network of about {weights:,} weights; "
                           + BEYOND.format(limit=MAX_WEIGHTS))
    per_step = {"full": args.samples, "sgd": 1, "minibatch": min(args.batch_size, args.samples)}[args.mode]
    if weights * per_step > MAX_STEP_VALUES:
        raise CommandError(f"--mode {args.mode} with {per_step:,} points a step and {weights:,} weights: a step's graph of "
                           f"about {weights * per_step:,} values; use smaller batches or fewer points ("
                           + BEYOND.format(limit=MAX_STEP_VALUES) + ")")


def run(args: argparse.Namespace) -> int:
    check_size(args)
    outputs = [(option, output_file(path, option)) for option, path in (("--save", args.save), ("--html", args.html))
               if path is not None]
    distinct(outputs)
    recorder = nn.TrainingRecorder() if args.html is not None else None

    xs, labels = dataset(args)
    classes = sorted(set(labels))
    loss, outputs_n, ts = objective(labels)
    net = nn.MLP(2, [*args.hidden, outputs_n], seed=args.seed)
    optimizer = nn.OPTIMIZERS[args.optimizer](net.parameters(), args.lr)  # lr None: the optimizer's default_lr
    about = f" over {len(classes)} classes" if outputs_n > 1 else ""
    print(f"{args.dataset}: {len(xs)} points, {len(classes)} classes; {net!r}")
    print(f"loss: {loss.description}{about}; optimizer: {args.optimizer}, lr = {optimizer.lr}; "
          f"{args.mode} steps, {args.epochs} epochs")
    unsaved = "; nothing was saved" if outputs else ""
    try:
        history = nn.train(
            net, xs, ts, loss=loss, optimizer=optimizer, epochs=args.epochs, mode=args.mode,
            batch_size=args.batch_size, seed=args.seed, progress=False if args.no_progress else None, monitor=recorder,
            pause_collector=True,  # this process is the command's alone
        )
    except KeyboardInterrupt:
        print("interrupted" + unsaved, file=sys.stderr)
        return 130
    except (ArithmeticError, DomainError) as e:  # e.g. log of a nan logit once the weights blew up
        raise CommandError(f"training diverged with lr = {optimizer.lr} ({e}){unsaved}; try a smaller --lr") from None
    print(history)
    blown = next((p for p in net.parameters() if not math.isfinite(p.data)), None)
    if blown is not None:
        raise CommandError(
            f"training diverged with lr = {optimizer.lr}: parameter {blown.label} is {blown.data}{unsaved}; try a smaller --lr"
        )
    counted = ", and the accuracy counted along the way" if history.accuracy is not None else ""
    print(f"(each row: the mean of the epoch's batch losses, each taken before its batch's update{counted})")
    final_loss, final_accuracy = nn.evaluate(net, xs, ts, loss=loss)  # what the --html page's last snapshot shows
    print(f"final {scores(final_loss, final_accuracy, ', ')} on all {len(xs)} points, after training")
    if args.save is not None:
        try:
            net.save(args.save)
        except OSError as e:
            raise CommandError(f"--save {args.save!r}: {reason(e, args.save)}") from None
        print(f"saved the network to {args.save} (load it with nn.MLP.load({str(args.save)!r}), "
              f"or use it: micrograd predict --load {args.save} X1 X2)")
    if recorder is not None:
        try:
            nn.write_replay(recorder.history, args.html, title=f"micrograd train --dataset {args.dataset}: {net!r}")
        except OSError as e:
            raise CommandError(f"--html {args.html!r}: {reason(e, args.html)}") from None
        print(f"wrote {args.html}: the run as a page, {len(recorder.history.frames)} snapshots (open it in a browser)")
    return 0
