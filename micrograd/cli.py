"""The ``micrograd`` command: differentiate an expression, run the worked example, train.

    micrograd grad "tanh(x*w + b)" x=0.5 w=-1.2 b=0.3 [--svg F | --png F | --dot F] [--steps DIR]
    micrograd demo [--out FILE]
    micrograd train --dataset moons --hidden 16,16 --epochs 100 [--optimizer adam] [--save model.json] [--html run.html]

Exit status: 0 done; 2 bad input or a file that cannot be written, told in one line on
stderr (for an expression, with the column); 1 a picture could not be rendered because
Graphviz's ``dot`` is missing (its DOT source is written instead). Files are written only
where an option names them, by ``micrograd.files.write_atomically`` and under its rules
(never a directory, device or FIFO; through a symbolic link; never a read-only file).
"""

from __future__ import annotations

import argparse
import keyword
import math
import os
import re
import stat
import subprocess
import sys
import unicodedata
import warnings
from pathlib import Path
from typing import Any, Sequence

from . import DomainError, Value, __version__
from .expr import ExprError, evaluate, functions
from .files import check_target, file_kind, write_atomically, writable_by_us

PROG = "micrograd"
PICTURE_FORMATS = ("svg", "png", "pdf", "dot")
#: An input's name is drawn in full up to this many characters, shortened beyond (a name
#: may be any length; a Graphviz label of some 16 KB makes dot fail).
LABEL_LENGTH = 40


class CommandError(Exception):
    """Bad input to a command: the one-line message to show, and the exit status."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is a CommandError (one line, no usage dump); it keeps
    the names of its options in ``option_names``."""

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        self.option_names = [*getattr(self, "option_names", []), *action.option_strings]
        return action

    def error(self, message: str) -> Any:
        raise CommandError(f"{message} (see {self.prog} --help)")


# --- micrograd grad -------------------------------------------------------------------


def parse_binding(text: str) -> tuple[str, float]:
    """``"x=0.5"`` -> ``("x", 0.5)``; a CommandError naming the argument otherwise."""
    name, sep, number = text.partition("=")
    name = unicodedata.normalize("NFKC", name.strip())  # as Python reads names
    if not sep:
        raise CommandError(f"input {text!r}: expected NAME=NUMBER, e.g. x=0.5")
    if not name.isidentifier() or keyword.iskeyword(name):
        raise CommandError(f"input {text!r}: {name!r} is not a name; use letters, digits and _, e.g. x1=0.5")
    if name in functions():
        raise CommandError(f"input {text!r}: {name} is a function; give the input another name")
    if not re.fullmatch(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*", number):
        raise CommandError(f"input {text!r}: {number!r} is not a number; write it like 0.5, -2 or 1e-3")
    value = float(number)
    if not math.isfinite(value):
        raise CommandError(f"input {text!r}: {number.strip()} is too large for a float64 (at most about 1.8e308)")
    return name, value


def _grad(args: argparse.Namespace) -> int:
    if args.expression is None:
        raise CommandError('give an expression and its inputs, e.g. micrograd grad "tanh(x*w + b)" x=0.5 w=-1.2 b=0.3')
    inputs: dict[str, Value] = {}
    for text in args.inputs:
        name, value = parse_binding(text)
        if name in inputs:
            raise CommandError(f"input {name} is given twice")
        inputs[name] = Value(value, _picture_label(name))
    pictures = [(fmt, _writable(getattr(args, fmt), f"--{fmt}")) for fmt in ("svg", "png", "dot") if getattr(args, fmt)]
    steps = None if args.steps is None else _writable_directory(args.steps, "--steps")
    try:
        out = evaluate(args.expression, inputs)
    except ExprError as e:
        raise CommandError(str(e)) from None
    if (pictures or steps) and type(out) is not Value:
        raise CommandError(f"{args.expression!r} uses no input, so it has no graph to draw")
    if type(out) is Value:
        out.backward()
    print(_grad_table(args.expression, out, inputs, args.digits))
    status = 0
    for fmt, path in pictures:
        status = max(status, _report(_write_picture(_draw(out), path, fmt)))
    if steps:
        status = max(status, _report(_write_steps(out, steps)))
    return status


def _picture_label(name: str) -> str:
    """``name`` as drawn: in full up to LABEL_LENGTH characters, else its start and end
    around an ellipsis (the table always shows the full name)."""
    if len(name) <= LABEL_LENGTH:
        return name
    return f"{name[: LABEL_LENGTH - 13]}…{name[-12:]}"


def _grad_table(expression: str, out: Value | float, inputs: dict[str, Value], digits: int) -> str:
    def show(x: float) -> str:
        return format(x, f".{digits}g")

    data = out.data if type(out) is Value else out
    lines = [f"{expression.strip()} = {show(data)}"]
    if not inputs:
        return "\n".join(lines)
    rows = [("input", "value", "gradient")] + [(n, show(v.data), show(v.grad)) for n, v in inputs.items()]
    widths = [max(len(r[c]) for r in rows) for c in range(3)]
    for r in rows:
        lines.append(f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}")
    if type(out) is not Value:
        lines.append("(the expression uses no input, so every gradient is 0)")
    return "\n".join(lines)


# --- pictures ---------------------------------------------------------------------------


def _viz() -> Any:
    """micrograd.viz, or a CommandError when the graphviz Python package is missing."""
    try:
        import micrograd.viz as viz
    except ImportError:
        raise CommandError(
            "drawing needs the graphviz Python package: pip install graphviz (a dependency of micrograd-backprop: reinstall it)", status=1
        ) from None
    return viz


def _draw(root: Value) -> Any:
    """``viz.draw_dot(root)``; its warnings (a graph too big to read) shown in one line each."""
    viz = _viz()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        drawing = viz.draw_dot(root)
    for w in caught:
        print(f"note: {w.message}", file=sys.stderr)
    return drawing


def _writable(path: str, option: str) -> Path:
    """``path`` as a Path, once write_atomically's rules are known to allow writing it
    (checked before any work): its directory exists and is writable, and it is absent or
    a regular file that is not read-only."""
    try:
        check_target(path)
    except OSError as e:
        raise CommandError(f"{option} {path!r}: {_reason(e, path)}") from None
    return Path(path)


def _writable_directory(path: str, option: str) -> Path:
    """``path`` as a Path, once it is known to be a directory we may write into, or one
    that can be created (checked before any work, from the permission bits, so the
    answer is the same for root)."""
    target = Path(os.path.abspath(path))
    existing = target
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    try:
        st = existing.stat()
    except OSError as e:
        raise CommandError(f"{option} {path!r}: cannot use {existing}: {e.strerror}") from None
    if not stat.S_ISDIR(st.st_mode):
        what = "it" if existing == target else f"{existing} on the way there"
        raise CommandError(f"{option} {path!r}: {what} is {file_kind(st.st_mode)}, not a directory")
    if not writable_by_us(st):
        what = "the directory" if existing == target else f"its parent {existing}"
        raise CommandError(f"{option} {path!r}: {what} is not writable (mode {stat.S_IMODE(st.st_mode):#o})")
    return target


def _reason(e: OSError, path: object) -> str:
    """What went wrong writing ``path``, in one line: write_atomically's own message (which
    names the file), or the system's reason."""
    return str(e) if e.strerror is None else f"cannot write {e.filename or path}: {e.strerror}"


def _write_atomically(path: Path, data: bytes) -> None:
    """micrograd.files.write_atomically, with a failure said in one line."""
    try:
        write_atomically(path, data)
    except OSError as e:
        raise CommandError(_reason(e, path)) from None


def _pipe(drawing: Any, fmt: str) -> bytes:
    """``drawing`` rendered by Graphviz's dot as ``fmt``; a dot that fails (rather than
    is missing) is a CommandError with the first line it printed."""
    try:
        return drawing.pipe(format=fmt)
    except (subprocess.CalledProcessError, UnicodeDecodeError) as e:
        raise CommandError(f"Graphviz's dot could not draw the graph: {_first_line(e)}") from None


def _first_line(e: Exception) -> str:
    text = getattr(e, "stderr", None)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = [ln.strip() for ln in (text or str(e)).splitlines() if ln.strip()]
    return (lines[0] if lines else type(e).__name__)[:200]


def _write_picture(drawing: Any, path: Path, fmt: str) -> tuple[str, bool]:
    """Render ``drawing`` to ``path`` as ``fmt``; without Graphviz's ``dot``, write the DOT
    source beside it instead. Returns (what was done, whether it was done as asked)."""
    viz = _viz()
    if fmt == "dot":
        _write_atomically(path, drawing.source.encode("utf-8"))
        return f"wrote {path} (DOT source; render it with: dot -Tsvg {path} -o {path.with_suffix('.svg')})", True
    try:
        data = _pipe(drawing, fmt)
    except viz.GraphvizNotFoundError:
        fallback = path.with_suffix(".dot")
        _write_atomically(fallback, drawing.source.encode("utf-8"))
        return (
            f"Graphviz's dot program is not installed, so {path} was not rendered; wrote the DOT source to {fallback} "
            f"instead (install Graphviz, e.g. sudo apt-get install graphviz or brew install graphviz, then run: "
            f"dot -T{fmt} {fallback} -o {path})"
        ), False
    _write_atomically(path, data)
    return f"wrote {path}", True


def _write_steps(root: Value, directory: Path) -> tuple[str, bool]:
    """The backward pass of ``root`` frame by frame into ``directory``: numbered SVGs and the
    step-through page, or, without Graphviz's dot, each frame's DOT source."""
    viz = _viz()
    root.zero_grad()  # the frames run backward again, from fresh gradients
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CommandError(f"cannot create the directory {directory}: {e.strerror}") from None
    try:
        frames = viz.step_frames(root)
        svgs = viz.write_svg_frames(frames, directory)
        page = viz.write_html(frames, directory / "steps.html")
    except viz.TooBigToStepError as e:
        raise CommandError(f"--steps: {e}") from None
    except (subprocess.CalledProcessError, UnicodeDecodeError) as e:
        raise CommandError(f"Graphviz's dot could not draw the steps: {_first_line(e)}") from None
    except OSError as e:
        raise CommandError(f"--steps {str(directory)!r}: {_reason(e, directory)}") from None
    except viz.GraphvizNotFoundError:
        for k, frame in enumerate(frames):
            _write_atomically(directory / f"step_{k:03d}.dot", frame.drawing.source.encode("utf-8"))
        return (
            f"Graphviz's dot program is not installed, so the steps were not rendered; wrote the DOT source of "
            f"{len(frames)} frames to {directory}/step_*.dot instead (install Graphviz to get SVG frames and the step-through page)"
        ), False
    return f"wrote {len(svgs)} frames of the backward pass to {directory}/ and the step-through page {page}", True


def _report(result: tuple[str, bool]) -> int:
    message, done = result
    print(message, file=sys.stdout if done else sys.stderr)
    return 0 if done else 1


# --- micrograd demo -----------------------------------------------------------------------


W1 = [[0.1, 0.1, 0.1], [0.2, 0.2, 0.2]]
W2 = [[1.0, 2.0], [3.0, 4.0]]
X, T, LR = [1.0, 2.0, 3.0], [0.0, 1.0], 0.1


def _demo(args: argparse.Namespace) -> int:
    import nn

    def show(x: float) -> str:
        return format(x, ".10f")

    def vector(xs: Sequence[float]) -> str:
        return "(" + ", ".join(show(x) for x in xs) + ")"

    def matrix(rows: Sequence[Sequence[float]]) -> str:
        return "[" + ", ".join("[" + ", ".join(show(x) for x in row) + "]" for row in rows) + "]"

    out_path = None if args.out is None else _writable(args.out, "--out")
    fmt = None if out_path is None else _picture_format(out_path)
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
    drawing, note = None, ""
    if fmt is not None:
        try:
            drawing = _draw(loss)  # before the update, so the picture shows this step
        except CommandError as e:
            note = f"skipped: {e}"
    step.apply()
    p()
    p("6. The weights after one update")
    p(f"   W1 = {matrix([[w.data for w in n.w] for n in net.layers[0].neurons])}")
    p(f"   W2 = {matrix([[w.data for w in n.w] for n in net.layers[1].neurons])}")
    if fmt is not None:
        note = note or _write_picture(drawing, out_path, fmt)[0]  # type: ignore[arg-type]
        p()
        p(f"Graph of E, every edge labelled with its local derivative: {note}")
    return 0


def _picture_format(path: Path) -> str:
    fmt = path.suffix.lower().lstrip(".")
    fmt = "dot" if fmt == "gv" else fmt
    if fmt not in PICTURE_FORMATS:
        raise CommandError(f"--out {str(path)!r}: the file name must end in .svg, .png, .pdf or .dot")
    return fmt


# --- micrograd train ------------------------------------------------------------------------


def _train(args: argparse.Namespace) -> int:
    import nn

    if args.save:
        _writable(args.save, "--save")  # find out before training, not after
    recorder = _replay_recorder(args.html)

    options = {"n": args.samples, "seed": args.seed}
    if args.noise is not None:
        options["noise"] = args.noise
    xs, labels = nn.DATASETS[args.dataset](**options)
    classes = sorted(set(labels))
    if len(classes) <= 2:
        loss, outputs, ts = nn.LOSSES["bce_with_logits"], 1, [float(c) for c in labels]
    else:
        loss, outputs, ts = nn.LOSSES["softmax_cross_entropy"], len(classes), list(labels)
    net = nn.MLP(2, [*args.hidden, outputs], seed=args.seed)
    optimizer = nn.OPTIMIZERS[args.optimizer](net.parameters(), args.lr)  # lr None: the optimizer's default_lr
    about = f" over {len(classes)} classes" if outputs > 1 else ""
    print(f"{args.dataset}: {len(xs)} points, {len(classes)} classes; {net!r}")
    print(f"loss: {loss.description}{about}; optimizer: {args.optimizer}, lr = {optimizer.lr}; "
          f"{args.mode} steps, {args.epochs} epochs")
    unsaved = "; nothing was saved" if args.save else ""
    try:
        history = nn.train(
            net, xs, ts, loss=loss, optimizer=optimizer, epochs=args.epochs, mode=args.mode,
            batch_size=args.batch_size, seed=args.seed, progress=False if args.no_progress else None, monitor=recorder,
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
    final = f"final loss {history.loss[-1]:.6g}"
    if history.accuracy is not None:
        final += f", accuracy {history.accuracy[-1]:.1%}"
    print(final)
    if args.save:
        try:
            net.save(args.save)
        except OSError as e:
            raise CommandError(f"--save {args.save!r}: {_reason(e, args.save)}") from None
        print(f"saved the network to {args.save} (load it with nn.MLP.load({str(args.save)!r}))")
    if recorder is not None:
        _write_replay(recorder, args.html, f"micrograd train --dataset {args.dataset}: {net!r}")
    return 0


def _replay_recorder(path: str | None) -> Any:
    """For ``--html``: a recorder of the run, once ``path`` is known to be writable (None without it)."""
    if not path:
        return None
    _writable(path, "--html")
    try:
        from .viz.recorder import TrainingRecorder
    except ImportError as e:
        raise CommandError(f"--html needs micrograd.viz: {e}") from None
    return TrainingRecorder()


def _write_replay(recorder: Any, path: str, title: str) -> None:
    from .viz.replay import write_replay

    try:
        write_replay(recorder.history, path, title=title)
    except OSError as e:
        raise CommandError(f"--html {path!r}: {_reason(e, path)}") from None
    print(f"wrote {path}: the run as a page, {len(recorder.history.frames)} snapshots (open it in a browser)")


def _add_train_arguments(train: argparse.ArgumentParser) -> None:
    """The options of ``micrograd train``; datasets, optimizers and their default rates come
    from nn's registries."""
    import nn
    from nn.train import MODES

    default_lrs = ", ".join(f"{name} {cls.default_lr}" for name, cls in nn.OPTIMIZERS.items())
    train.add_argument("--dataset", choices=list(nn.DATASETS), default="moons", help="the data (default moons)")
    train.add_argument("--samples", type=_positive_int, default=100, help="number of points (default 100)")
    train.add_argument("--noise", type=_nonnegative_float, default=None, help="noise of the points (default: the dataset's)")
    train.add_argument("--hidden", type=_widths, default=[16, 16], metavar="W1,W2,...", help="hidden layer widths (default 16,16)")
    train.add_argument("--epochs", type=_positive_int, default=100, help="passes over the data (default 100)")
    train.add_argument("--optimizer", choices=list(nn.OPTIMIZERS), default="sgd", help="the update rule (default sgd)")
    train.add_argument("--lr", type=_positive_float, default=None, help=f"learning rate (default: {default_lrs})")
    train.add_argument("--mode", choices=MODES, default="minibatch",
                       help="full: one step per epoch on all points; sgd: one per point; minibatch: one per shuffled batch "
                       "(default minibatch)")
    train.add_argument("--batch-size", type=_positive_int, default=16, help="points per mini-batch (default 16)")
    train.add_argument("--seed", type=int, default=0, help="seed of the data, the initial weights and the order (default 0)")
    train.add_argument("--save", metavar="FILE", help="save the trained network as JSON (the path is checked before training)")
    train.add_argument("--html", metavar="FILE",
                       help="write the run as a page with a scrubber: curves, boundary, network (the path is checked before training)")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")


# --- argument types ------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    if not re.fullmatch(r"\s*\d+\s*", text) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def _nonnegative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _widths(text: str) -> list[int]:
    parts = text.split(",")
    if not text.strip() or not all(re.fullmatch(r"\s*\d+\s*", p) and int(p) >= 1 for p in parts):
        raise argparse.ArgumentTypeError(f"expected layer widths separated by commas, e.g. 16,16; got {text!r}")
    return [int(p) for p in parts]


def _digits(text: str) -> int:
    n = _positive_int(text)
    if n > 17:
        raise argparse.ArgumentTypeError(f"expected 1 to 17 significant digits (17 shows every float64 exactly), got {text!r}")
    return n


# --- the parser and main ---------------------------------------------------------------------


def build_parser() -> tuple[_Parser, dict[str, _Parser]]:
    """The top-level parser and one parser per command."""
    parser = _Parser(
        prog=PROG,
        description="A scalar autodiff engine that shows its work: gradients of expressions, the delta rule, training.",
        epilog="Run 'micrograd COMMAND --help' for each command's options. Exit status: 0 done, 2 bad input, "
        "1 a picture not rendered (Graphviz's dot missing; DOT source written instead).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    grad = commands.add_parser(
        "grad",
        help="the value of an expression and its gradient with respect to every input",
        description="Build the graph of EXPRESSION at the given point, run backward(), print the value and the gradient "
        "of every input. The expression may use numbers, the input names, + - * / **, unary -, parentheses and "
        f"the functions {', '.join(functions().values())}. Nothing else is evaluated.",
        epilog="Example: micrograd grad \"tanh(x*w + b)\" x=0.5 w=-1.2 b=0.3 --svg graph.svg. "
        "An expression may start with '-': micrograd grad \"-x**2\" x=3 (with '--', give it first).",
    )
    grad.add_argument("expression", nargs="?", help='the expression, quoted, e.g. "tanh(x*w + b)"')
    grad.add_argument("inputs", nargs="*", metavar="NAME=NUMBER", help="the value of each input, e.g. x=0.5")
    grad.add_argument("--svg", metavar="FILE", help="draw the graph, with data, gradients and local derivatives, as SVG")
    grad.add_argument("--png", metavar="FILE", help="the same picture as PNG")
    grad.add_argument("--dot", metavar="FILE", help="the picture's DOT source (needs no Graphviz program)")
    grad.add_argument("--steps", metavar="DIR", help="the backward pass frame by frame: DIR/step_000.svg ... and DIR/steps.html")
    grad.add_argument("--digits", type=_digits, default=10, help="significant digits in the table (default 10)")

    demo = commands.add_parser(
        "demo",
        help="the worked 3-2-2 network: forward, loss, deltas, every weight update, the graph",
        description="Run the worked example of docs/theory.md §6 end to end: the forward values, the loss, the output and "
        "hidden deltas, the update of every weight one scalar at a time, a check against backward(), the updated "
        "weights, and, with --out, a picture of the graph of the loss.",
    )
    demo.add_argument("--out", metavar="FILE",
                      help="also draw the graph of the loss into FILE: .svg, .png, .pdf or .dot (without Graphviz's dot "
                      "program the DOT source is written beside it instead). Without --out nothing is written")

    train = commands.add_parser(
        "train",
        help="train a small network on a 2-D dataset and print the loss per epoch",
        description="Train an MLP (relu hidden layers) on a generated 2-D dataset: binary cross-entropy for two "
        "classes, softmax cross-entropy for more. Prints the history (loss and accuracy per epoch).",
    )
    _add_train_arguments(train)

    grad.set_defaults(run=_grad)
    demo.set_defaults(run=_demo)
    train.set_defaults(run=_train)
    return parser, {"grad": grad, "demo": demo, "train": train}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, commands = build_parser()
    prog = PROG
    try:
        if argv and argv[0] in commands:
            prog = f"{PROG} {argv[0]}"
            rest = argv[1:]
            if argv[0] == "grad":  # an expression such as "-x*2" is not an option
                options = commands["grad"].option_names
                rest = [" " + a if _expression_like(a, options, first=k == 0) else a for k, a in enumerate(rest)]
            args = commands[argv[0]].parse_intermixed_args(rest)
            if argv[0] == "grad" and args.expression and args.expression.startswith(" -"):
                args.expression = args.expression[1:]
            return args.run(args)
        parser.parse_args(argv)  # --help, --version, or an error
        raise CommandError(f"choose a command: {', '.join(commands)} (see {PROG} --help)")
    except CommandError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return e.status
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except SystemExit as e:  # --help and --version
        return e.code if isinstance(e.code, int) else 0


def _expression_like(arg: str, options: Sequence[str], first: bool) -> bool:
    """An argument that starts with '-' but names none of ``options``: an expression such
    as -x*2, not an option. One that starts with '--' (--x) is taken for an expression
    only as the ``first`` argument, and only if it abbreviates no long option (argparse
    accepts --dig for --digits); elsewhere it is an unknown option, said as such."""
    if not arg.startswith("-") or arg == "--":
        return False
    name = arg.split("=", 1)[0]
    if name.startswith("--"):
        return first and not any(o.startswith(name) for o in options if o.startswith("--"))
    return name not in options


if __name__ == "__main__":
    sys.exit(main())
