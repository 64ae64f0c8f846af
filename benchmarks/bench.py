"""Benchmark: this engine, micrograd 0.1.0 (2020) and plain Python floats, side by side.

    python benchmarks/bench.py            # everything, about two minutes
    python benchmarks/bench.py --quick    # fewer repeats

Each engine runs in its own process (0.1.0's import name clashes with ours; it is
installed into a temporary directory with pip). Workloads:
  mlp-ops   one training step of an MLP 2-16-16-1 (ReLU hidden, linear output) on 100
            two-moons points: hinge loss + 1e-4 * sum of squared parameters, built
            from plain Value operators; forward, backward, SGD update
  mlp-nn    the same step through nn.MLP (0.1.0: its own micrograd.nn.MLP)
  chain     x = x*1.0001 + 0.0001, 10^5 and 10^6 links, forward and backward
  sum       a sum of 10^5 products, forward and backward
  mlp-compiled  the mlp-ops step replayed by micrograd.compile's program (compiled once,
            compile time reported): forward and backward on floats, SGD on the floats
  train     nn.train epochs on the same moons (MLP 2-16-16-1, hinge loss), full-batch and
            in mini-batches of 16 (the command line's default mode), interpreted
            (compiled=False) and compiled (the default), after the compile
The floor is the same arithmetic on floats, with the backward pass written by hand.
Reported: seconds per step (median), graph nodes, graph memory per node (tracemalloc
over the forward pass), the share of the step spent in the cyclic garbage collector,
and the ratios to the floor and to 0.1.0.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SIZES = (2, 16, 16, 1)
LR = 0.05


# --------------------------------------------------------------------------- data


def moons_data() -> tuple[list[tuple[float, float]], list[float]]:
    """100 two-moons points with labels -1/+1, from nn.datasets (the project's one generator)."""
    sys.path.insert(0, REPO)
    from nn.datasets import moons

    X, y = moons(100, noise=0.1, seed=0, signed=True)
    return [(float(a), float(b)) for a, b in X], [float(label) for label in y]


def nn_weights() -> list[tuple[list[list[float]], list[float]]]:
    """The initial weights of nn.MLP(2, [16, 16, 1], seed=0), for the floor of the nn step."""
    from nn import MLP

    net = MLP(2, [16, 16, 1], seed=0)
    return [([[w.data for w in n.w] for n in layer.neurons], [n.b.data for n in layer.neurons]) for layer in net.layers]


def initial_weights(seed: int = 0) -> list[tuple[list[list[float]], list[float]]]:
    rng = random.Random(seed)
    return [
        ([[rng.uniform(-1, 1) for _ in range(nin)] for _ in range(nout)], [0.0] * nout)
        for nin, nout in zip(SIZES, SIZES[1:])
    ]


# --------------------------------------------------------------------------- timing


class GCTimer:
    """Time spent inside the cyclic garbage collector, through gc.callbacks."""

    def __init__(self) -> None:
        self.total = 0.0
        self._start = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._start


def measure(step, repeats: int, gc_timer: GCTimer) -> dict:
    step()  # warm up
    times, gc_shares = [], []
    for _ in range(repeats):
        gc_timer.total = 0.0
        start = time.perf_counter()
        step()
        elapsed = time.perf_counter() - start
        times.append(elapsed)
        gc_shares.append(gc_timer.total / elapsed)
    return {"seconds": statistics.median(times), "gc_share": statistics.median(gc_shares)}


def memory_per_node(build, count_nodes) -> tuple[int, float]:
    """Build a graph under tracemalloc: (nodes, bytes per node held by the graph)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root = build()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    n = count_nodes(root)
    return n, held / n


# --------------------------------------------------------------------------- workloads on Values


def mlp_ops_step_factory(Value, X, Y):
    """The plain-operator training step, written once for any engine with micrograd's Value API."""
    layers = [([[Value(w) for w in row] for row in W], [Value(b) for b in bs]) for W, bs in initial_weights()]
    params = [p for W, bs in layers for p in [w for row in W for w in row] + bs]

    def score(x):
        z = list(x)
        for k, (W, bs) in enumerate(layers):
            out = []
            for row, b in zip(W, bs):
                u = b
                for w, zi in zip(row, z):
                    u = u + w * zi
                out.append(u.relu() if k < len(layers) - 1 else u)
            z = out
        return z[0]

    def loss():
        data_loss = sum((1 + -y * score(x)).relu() for x, y in zip(X, Y)) * (1.0 / len(X))
        return data_loss + 1e-4 * sum(p * p for p in params)

    return sgd_step(loss, params), loss


class BareNode:
    """The least a graph node can be: its data and its (at most two) operands; no op,
    no local derivatives, no gradient, no checks. Not an engine: it only shows what the
    cyclic garbage collector costs for any design that keeps one Python object per node."""

    __slots__ = ("data", "a", "b")

    def __init__(self, data, a=None, b=None):
        self.data, self.a, self.b = data, a, b

    def __add__(self, other):
        return BareNode(self.data + (other.data if type(other) is BareNode else other), self, other)

    def __mul__(self, other):
        return BareNode(self.data * (other.data if type(other) is BareNode else other), self, other)

    __radd__, __rmul__ = __add__, __mul__

    def relu(self):
        return BareNode(self.data if self.data > 0 else 0.0, self)


def forward_gc(build, repeats: int, gc_timer: GCTimer) -> float:
    """Median seconds the cyclic collector spends while ``build()`` makes a graph."""
    build()
    spent = []
    for _ in range(repeats):
        gc_timer.total = 0.0
        build()
        spent.append(gc_timer.total)
    return statistics.median(spent)


def sgd_step(loss, params):
    """One training step: the loss graph, zeroed gradients, backward, an SGD update."""

    def step():
        total = loss()
        for p in params:
            p.grad = 0.0
        total.backward()
        for p in params:
            p.data -= LR * p.grad
        return total.data

    return step


def backward_step(build):
    """A step that builds a graph and backpropagates from its root."""

    def step():
        root = build()
        root.backward()
        return root.data

    return step


def compiled_mlp_step_factory(X, Y):
    """The mlp-ops step by the compiled program: (step, compile seconds, nodes, lines)."""
    import micrograd
    from micrograd import Value

    _, build_loss = mlp_ops_step_factory(Value, X, Y)
    root = build_loss()
    start = time.perf_counter()
    prog = micrograd.compile(root)
    seconds = time.perf_counter() - start
    values = [x.data for x in prog.leaves]  # every leaf is a parameter: the inputs are constants

    def step():
        nonlocal values
        value, grads = prog(values)
        values = [w - LR * g for w, g in zip(values, grads)]
        return value

    return step, seconds, len(micrograd.backward_order(root)), prog.source.count("\n")


def train_epoch_seconds(X, Y, mode: str, compiled: bool, repeats: int, pause_collector: bool = False) -> float:
    """Seconds per epoch of nn.train after its compile: the time of 3 + 20 epochs less that
    of 3 (the first compiles the samples' programs), over 20; the median of ``repeats``."""
    from nn import MLP, train

    def run(epochs):
        net = MLP(2, [16, 16, 1], seed=0)
        start = time.perf_counter()
        train(net, X, Y, loss="hinge", lr=LR, epochs=epochs, mode=mode, progress=False, compiled=compiled,
              pause_collector=pause_collector)
        return time.perf_counter() - start

    return statistics.median((run(23) - run(3)) / 20 for _ in range(repeats))


def chain_factory(Value, n):
    def build():
        x = Value(1.0)
        for _ in range(n):
            x = x * 1.0001 + 0.0001
        return x

    return backward_step(build), build


def sum_factory(Value, n, total):
    rng = random.Random(1)
    A = [Value(rng.uniform(-1, 1)) for _ in range(n)]
    B = [Value(rng.uniform(-1, 1)) for _ in range(n)]

    def build():
        return total(a * b for a, b in zip(A, B))

    return backward_step(build), build


# --------------------------------------------------------------------------- the float floor


def float_mlp_step_factory(X, Y, layers):
    """The floor: the same forward, backward and update on floats. Like the graph, it
    backpropagates every point, an inactive hinge (relu' = 0) sending zeros down."""
    layers = [([list(row) for row in W], list(bs)) for W, bs in layers]
    last = len(layers) - 1

    def step():
        grads = [([[0.0] * len(W[0]) for _ in W], [0.0] * len(bs)) for W, bs in layers]
        n = len(X)
        data_loss = 0.0
        for x, y in zip(X, Y):
            zs, us = [list(x)], []
            for k, (W, bs) in enumerate(layers):
                u = []
                for row, b in zip(W, bs):
                    a = b
                    for w, zi in zip(row, zs[-1]):
                        a = a + w * zi
                    u.append(a)
                us.append(u)
                zs.append([a if a >= 0 else 0.0 for a in u] if k < last else u)
            margin = 1 + -y * zs[-1][0]
            active = margin >= 0  # relu'(0) = 1, the engine's convention
            if active:
                data_loss += margin
            delta = [-y / n if active else 0.0]
            for k in range(last, -1, -1):
                W, _ = layers[k]
                gW, gb = grads[k]
                z_in = zs[k]
                back = [0.0] * len(z_in)
                for j, d in enumerate(delta):
                    gb[j] += d
                    row, grow = W[j], gW[j]
                    for i, zi in enumerate(z_in):
                        grow[i] += d * zi
                        back[i] += row[i] * d
                if k:
                    delta = [b if a >= 0 else 0.0 for b, a in zip(back, us[k - 1])]
        reg = 0.0
        for (W, bs), (gW, gb) in zip(layers, grads):
            for row, grow in zip(W, gW):
                for i, w in enumerate(row):
                    reg += w * w
                    row[i] = w - LR * (grow[i] + 2e-4 * w)
            for j, b in enumerate(bs):
                reg += b * b
                bs[j] = b - LR * (gb[j] + 2e-4 * b)
        return data_loss / n + 1e-4 * reg

    return step


def float_chain_step(n):
    def step():
        x = 1.0
        for _ in range(n):
            x = x * 1.0001 + 0.0001
        g = 1.0
        for _ in range(n):
            g = g * 1.0001
        return x

    return step


def float_sum_step(n):
    rng = random.Random(1)
    A = [rng.uniform(-1, 1) for _ in range(n)]
    B = [rng.uniform(-1, 1) for _ in range(n)]

    def step():
        s = 0.0
        for a, b in zip(A, B):
            s = s + a * b
        ga = [b for b in B]
        gb = [a for a in A]
        return s, ga, gb

    return step


# --------------------------------------------------------------------------- workers


def run_worker(engine: str, data: dict, repeats: int) -> dict:
    X, Y = [tuple(x) for x in data["X"]], data["Y"]
    gc_timer = GCTimer()
    results: dict = {}
    chains = (100_000, 1_000_000)

    if engine == "floats":
        for name, weights in (("mlp-ops", initial_weights()), ("mlp-nn", data["nn_weights"])):
            step = float_mlp_step_factory(X, Y, weights)
            results[name] = measure(step, repeats, gc_timer)
            results[name]["loss"] = step()
        for n in chains:
            results[f"chain-{n}"] = measure(float_chain_step(n), 2, gc_timer)
        results["sum-100000"] = measure(float_sum_step(100_000), repeats, gc_timer)
        return results

    from micrograd.engine import Value  # ours or 0.1.0, whichever this process sees

    old = engine == "micrograd-0.1.0"
    count = count_old if old else count_ours

    step, build_loss = mlp_ops_step_factory(Value, X, Y)
    results["mlp-ops"] = measure(step, repeats, gc_timer)
    results["mlp-ops"]["loss"] = step()
    results["mlp-ops"]["nodes"], results["mlp-ops"]["bytes_per_node"] = memory_per_node(build_loss, count)
    if not old:  # the same forward graph, once from Values and once from bare nodes
        results["gc-floor"] = {
            "ours": forward_gc(build_loss, 4 * repeats, gc_timer),
            "bare": forward_gc(mlp_ops_step_factory(BareNode, X, Y)[1], 4 * repeats, gc_timer),
        }
    step = nn_step_factory(old, X, Y)
    results["mlp-nn"] = measure(step, repeats, gc_timer)
    results["mlp-nn"]["loss"] = step()
    if not old:
        step, seconds, nodes, lines = compiled_mlp_step_factory(X, Y)
        results["mlp-compiled"] = measure(step, repeats, gc_timer)
        results["mlp-compiled"].update(loss=step(), compile_seconds=seconds, nodes=nodes, lines=lines)
        results["train"] = {f"{mode}, {kind}": train_epoch_seconds(X, Y, mode, kind == "compiled", max(1, repeats // 2))
                            for mode in ("full", "minibatch") for kind in ("interpreted", "compiled")}
        # what the default (the collector left alone) costs against pausing it in each step
        results["train"].update({f"{mode}, {kind}, collector paused": train_epoch_seconds(
            X, Y, mode, kind == "compiled", max(1, repeats // 2), pause_collector=True)
            for mode in ("full",) for kind in ("interpreted", "compiled")})

    for n in chains:
        step, build = chain_factory(Value, n)
        try:
            results[f"chain-{n}"] = measure(step, 1, gc_timer)
            results[f"chain-{n}"]["nodes"], results[f"chain-{n}"]["bytes_per_node"] = memory_per_node(build, count)
        except RecursionError:
            results[f"chain-{n}"] = {"failed": f"RecursionError at {first_failing_chain(Value)} links"}

    total = builtin_sum if old else ours_sum()
    step, build = sum_factory(Value, 100_000, total)
    try:
        results["sum-100000"] = measure(step, repeats, gc_timer)
        results["sum-100000"]["nodes"], results["sum-100000"]["bytes_per_node"] = memory_per_node(build, count)
    except RecursionError:
        results["sum-100000"] = {"failed": "RecursionError"}
    return results


builtin_sum = sum


def ours_sum():
    import micrograd

    return lambda values: micrograd.sum(list(values))


def nn_step_factory(old: bool, X, Y):
    if old:
        from micrograd.nn import MLP

        model = MLP(2, [16, 16, 1])
        forward = model
        params = model.parameters()
        total = builtin_sum
    else:
        import micrograd
        from nn import MLP

        model = MLP(2, [16, 16, 1], seed=0)
        params = model.parameters()

        def forward(x):
            return model(x)[0]

        def total(values):
            return micrograd.sum(list(values))

    def loss():
        losses = total((1 + -y * forward(x)).relu() for x, y in zip(X, Y))
        return losses * (1.0 / len(X)) + 1e-4 * total(p * p for p in params)

    return sgd_step(loss, params)


def count_ours(root) -> int:
    from micrograd import backward_order

    return len(backward_order(root))


def count_old(root) -> int:
    seen, stack = {id(root)}, [root]
    while stack:
        for p in stack.pop()._prev:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return len(seen)


def first_failing_chain(Value) -> int:
    lo, hi = 1, 100_000
    while lo < hi:
        mid = (lo + hi) // 2
        x = Value(1.0)
        for _ in range(mid):
            x = x * 1.0001 + 0.0001
        try:
            x.backward()
            lo = mid + 1
        except RecursionError:
            hi = mid
    return lo


# --------------------------------------------------------------------------- driver


def install_old(target: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", target, "micrograd==0.1.0"],
        capture_output=True, text=True,
    )
    if done.returncode:
        said = "\n".join(done.stderr.strip().splitlines()[-3:])
        raise SystemExit(f"bench: could not install micrograd==0.1.0 from the package index with pip:\n{said}")


def spawn(engine: str, data_file: str, repeats: int, pythonpath: str) -> dict:
    env = dict(os.environ, PYTHONPATH=pythonpath)
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--worker", engine, "--data", data_file, "--repeats", str(repeats)],
        env=env, cwd=tempfile.gettempdir(), capture_output=True, text=True,
    )
    if out.returncode:
        raise SystemExit(f"{engine} worker failed:\n{out.stderr}")
    return json.loads(out.stdout)


def fmt_seconds(s: float) -> str:
    return f"{s * 1e3:9.2f} ms" if s < 1 else f"{s:9.2f} s "


def report(results: dict) -> str:
    ours, old, floor = results["ours"], results["micrograd-0.1.0"], results["floats"]
    lines = [
        f"{'workload':<15} {'engine':<16} {'per step':>12} {'x floor':>8} {'x 0.1.0':>8} {'nodes':>9} {'B/node':>7} {'GC share':>8}",
    ]
    for name in ("mlp-ops", "mlp-nn", "chain-100000", "chain-1000000", "sum-100000"):
        for engine, row in (("micrograd-backprop", ours[name]), ("micrograd 0.1.0", old[name]), ("floats", floor[name])):
            if "failed" in row:
                lines.append(f"{name:<15} {engine:<16} {row['failed']}")
                continue
            x_floor = row["seconds"] / floor[name]["seconds"]
            base = old[name]
            x_old = f"{row['seconds'] / base['seconds']:8.3f}" if "seconds" in base else f"{'-':>8}"
            nodes = f"{row['nodes']:9d}" if "nodes" in row else f"{'':>9}"
            per_node = f"{row['bytes_per_node']:7.0f}" if "bytes_per_node" in row else f"{'':>7}"
            lines.append(
                f"{name:<15} {engine:<16} {fmt_seconds(row['seconds']):>12} {x_floor:8.1f} {x_old} {nodes} {per_node} {row['gc_share']:8.1%}"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=5, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        with open(args.data) as f:
            data = json.load(f)
        print(json.dumps(run_worker(args.worker, data, args.repeats)))
        return

    repeats = 2 if args.quick else args.repeats
    X, Y = moons_data()
    with tempfile.TemporaryDirectory() as tmp:
        data_file = os.path.join(tmp, "data.json")
        with open(data_file, "w") as f:
            json.dump({"X": X, "Y": Y, "nn_weights": nn_weights()}, f)
        old_dir = os.path.join(tmp, "old")
        install_old(old_dir)
        results = {
            "ours": spawn("ours", data_file, repeats, REPO),
            "micrograd-0.1.0": spawn("micrograd-0.1.0", data_file, max(1, repeats // 2), old_dir),
            "floats": spawn("floats", data_file, repeats, REPO),
        }
    print(f"{time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores")
    print(report(results))
    for name in ("mlp-ops", "mlp-nn"):
        gap = abs(results["ours"][name]["loss"] - results["floats"][name]["loss"])
        print(f"{name}: after the timed steps, our loss and the floor's differ by {gap:.1e}")
    compiled, floor_ops, floor_nn = results["ours"]["mlp-compiled"], results["floats"]["mlp-ops"], results["floats"]["mlp-nn"]
    print(
        f"mlp-compiled: {fmt_seconds(compiled['seconds']).strip()} a step, {compiled['seconds'] / floor_ops['seconds']:.2f}x the "
        f"mlp-ops floor; compiling its {compiled['nodes']} nodes ({compiled['lines']} lines) took {compiled['compile_seconds']:.2f} s; "
        f"loss after the timed steps differs from the floor's by {abs(compiled['loss'] - floor_ops['loss']):.1e}"
    )
    for kind, seconds in results["ours"]["train"].items():
        print(f"nn.train, {kind}: {fmt_seconds(seconds).strip()} an epoch ({1 / seconds:.0f} epochs/s), "
              f"{seconds / floor_nn['seconds']:.2f}x the mlp-nn floor")
    floor = results["ours"]["gc-floor"]
    print(
        f"mlp-ops forward: the cyclic GC spends {floor['ours'] * 1e3:.2f} ms over our graph and "
        f"{floor['bare'] * 1e3:.2f} ms over the same graph of bare nodes (data and two operands, nothing else)"
    )


if __name__ == "__main__":
    main()
