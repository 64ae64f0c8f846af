"""Benchmark: micrograd.compile at real sizes, and whether its cost grows linearly.

    python benchmarks/compile_scale.py            # sum and dot of 10^3 .. 10^5 operands, MLP 784-128-10
    python benchmarks/compile_scale.py --quick    # up to 10^4, no MLP

Each graph is built and compiled in a fresh process (so one graph's memory never counts for
the next): the seconds to compile, the memory the compile added (peak resident set size
after, minus before), both per graph node, and beside them one ``backward()`` on the same
graph. Linear growth shows as flat columns "s per 100k nodes" and "B per node" down a
workload's sizes.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = textwrap.dedent("""
    import gc, json, random, resource, sys, time
    sys.path.insert(0, {root!r})
    import micrograd, nn
    from micrograd import Value

    def peak_bytes():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB

    kind, n = {kind!r}, {n}
    rng = random.Random(0)
    if kind == "sum":
        xs = [Value(rng.uniform(-1, 1)) for _ in range(n)]
        root = micrograd.sum(xs)
    elif kind == "dot":
        ws = [Value(rng.uniform(-1, 1)) for _ in range(n // 2)]
        xs = [Value(rng.uniform(-1, 1)) for _ in range(n - n // 2)]
        root = micrograd.dot(ws, xs[: len(ws)])
    else:  # one sample's loss through nn.MLP(784, [128, 10])
        net = nn.MLP(784, [128, 10], seed=0)
        root = nn.squared_error(net([rng.random() for _ in range(784)]), [0.0] * 10)
    nodes = len(micrograd.backward_order(root))
    gc.collect()
    before = peak_bytes()
    start = time.perf_counter()
    program = micrograd.compile(root)
    seconds = time.perf_counter() - start
    added = max(peak_bytes() - before, 0)
    start = time.perf_counter()
    root.backward()
    backward = time.perf_counter() - start
    start = time.perf_counter()
    program.backward()
    replay = time.perf_counter() - start
    print(json.dumps(dict(nodes=nodes, seconds=seconds, bytes=added, backward=backward, replay=replay,
                          lines=program.source.count(chr(10)) + 1)))
""")


def measure(kind: str, n: int) -> dict:
    code = CHILD.format(root=str(ROOT), kind=kind, n=n)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="sizes up to 10^4 and no MLP")
    args = parser.parse_args()
    sizes = (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000)
    cases = [(kind, n) for kind in ("sum", "dot") for n in sizes] + ([] if args.quick else [("mlp", 0)])
    print(f"Python {platform.python_version()}, {platform.machine()}")
    print(f"{'graph':<22} {'nodes':>8} {'lines':>8} {'compile':>9} {'s per 100k nodes':>17} {'B per node':>11}"
          f" {'backward()':>11} {'replay':>9}")
    for kind, n in cases:
        r = measure(kind, n)
        name = "MLP 784-128-10 loss" if kind == "mlp" else f"{kind} of {n:,} operands"
        print(f"{name:<22} {r['nodes']:>8,} {r['lines']:>8,} {r['seconds']:>8.2f}s {r['seconds'] / r['nodes'] * 1e5:>16.2f}s"
              f" {r['bytes'] / r['nodes']:>11,.0f} {r['backward']:>10.3f}s {r['replay']:>8.3f}s", flush=True)


if __name__ == "__main__":
    main()
