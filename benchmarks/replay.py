"""Benchmark: what ``--html`` adds to ``micrograd train`` (issue 23: at most half the time).

    python benchmarks/replay.py            # 5 runs of each command, interleaved
    python benchmarks/replay.py --runs 3
    python benchmarks/replay.py --repo ../main --no-parts   # another checkout's code (the "before")

Runs the command line as a user does, each run in its own process, alternating the plain
command and the same command with ``--html``, and reports for each the median wall time and
the median CPU time of the process (user + system), and their ratios in the same run; the
machine's speed cancels out of the ratios. Compiled bytecode is kept between runs (in a
temporary folder), as it is for an installed package. The default command is the issue's: moons, 100
epochs (a 2-16-16-1 network, 700 mini-batch steps). Also reported: the page's size and, in
one process, where the extra time goes (recording the snapshots, writing the page).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
COMMAND = ["--dataset", "moons", "--epochs", "100", "--no-progress"]


def timed(argv: list[str], cache: str, repo: str = REPO) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of ``python -m micrograd train argv``, with its
    compiled bytecode kept in ``cache`` between runs, as an installed package keeps it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "micrograd", "train", *argv], check=True, cwd=repo, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def parts(argv: list[str]) -> str:
    """Where the extra time goes, in this process: training with and without a recorder, and writing the page."""
    sys.path.insert(0, REPO)
    import nn
    from micrograd.cli.train import objective

    xs, labels = nn.DATASETS["moons"](n=100, seed=0)
    loss, outputs, ts = objective(labels)

    def train(monitor):
        net = nn.MLP(2, [16, 16, outputs], seed=0)
        start = time.process_time()
        nn.train(net, xs, ts, loss=loss, optimizer=nn.OPTIMIZERS["sgd"](net.parameters(), None), epochs=100, mode="minibatch",
                 batch_size=16, seed=0, progress=False, monitor=monitor)
        return time.process_time() - start

    plain = statistics.median(train(None) for _ in range(3))
    recorders = [nn.TrainingRecorder() for _ in range(3)]
    recorded = statistics.median(train(r) for r in recorders)
    with tempfile.TemporaryDirectory() as folder:
        start = time.process_time()
        nn.write_replay(recorders[0].history, os.path.join(folder, "run.html"))
        written = time.process_time() - start
    frames = len(recorders[0].history.frames)
    return (f"in one process (CPU): training {plain:.2f} s; with the recorder {recorded:.2f} s (+{recorded - plain:.2f} s, "
            f"{frames} snapshots, {1000 * (recorded - plain) / frames:.1f} ms each); writing the page {written:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--repo", default=REPO, help="the checkout whose code runs (python -m micrograd from there)")
    parser.add_argument("--no-parts", action="store_true", help="skip the in-process breakdown")
    args = parser.parse_args()
    repo = os.path.abspath(args.repo)
    with tempfile.TemporaryDirectory() as folder:
        page = os.path.join(folder, "run.html")
        plain, html = [], []
        timed([*COMMAND, "--html", page], folder, repo)  # compile the bytecode of both, warm the file cache
        for _ in range(args.runs):
            plain.append(timed(COMMAND, folder, repo))
            html.append(timed([*COMMAND, "--html", page], folder, repo))
        size = os.path.getsize(page)
    print(f"{time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"micrograd train {' '.join(COMMAND)} ({repo}): {args.runs} runs each, interleaved; medians")
    for name, index in (("wall", 0), ("CPU", 1)):
        a, b = statistics.median(r[index] for r in plain), statistics.median(r[index] for r in html)
        print(f"  {name:<4}  plain {a:6.2f} s   --html {b:6.2f} s   ratio {b / a:.2f}  (--html adds {100 * (b - a) / a:.0f}%)")
    print(f"  the page: {size / 1e6:.2f} MB")
    if not args.no_parts:
        print("  " + parts(COMMAND))


if __name__ == "__main__":
    main()
