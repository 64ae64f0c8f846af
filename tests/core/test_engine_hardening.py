"""Defects found when the engine was attacked, one test each.

- ``no_grad`` is local to the thread and to the async context, as in PyTorch.
- ``**`` refuses nan on either side.
- ``**`` with a Value exponent at a negative or zero base gives what PyTorch gives.
- ``backward(create_graph=True)`` leaves a graph that reference counting alone frees.
- ``gradcheck`` at a large input takes a step that changes it.

The threads below meet at ``threading.Event``s; every wait has a timeout only so that a
broken engine fails the test instead of hanging it (``HANG``), never as a time limit.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import subprocess
import sys
import threading
import weakref

import pytest

import micrograd
from micrograd import DomainError, Value

HANG = 60.0  # seconds: only to turn a deadlock into a failure


def _square_grad(x: float = 3.0) -> tuple[bool, float]:
    """y = x*x, y.backward(): whether y was recorded (not a leaf), and dy/dx (2x when it was)."""
    v = Value(x)
    y = v * v
    y.backward()
    return (not y.is_leaf(), v.grad)


def _recording() -> bool:
    return not (Value(2.0) * Value(3.0)).is_leaf()


class _Thread(threading.Thread):
    """A thread that keeps what its target returned or raised, for the main thread."""

    def __init__(self, target) -> None:
        super().__init__(daemon=True)
        self._target_fn, self.result, self.error = target, None, None

    def run(self) -> None:
        try:
            self.result = self._target_fn()
        except BaseException as e:  # noqa: BLE001 - handed to the main thread
            self.error = e

    def outcome(self):
        self.join(HANG)
        assert not self.is_alive(), "the other thread did not finish"
        if self.error is not None:
            raise self.error
        return self.result


def _wait(event: threading.Event, what: str) -> None:
    assert event.wait(HANG), f"never happened: {what}"


# --- no_grad is local to the thread and the async context -------------------------


def test_no_grad_in_one_thread_does_not_stop_recording_in_another():
    inside, leave = threading.Event(), threading.Event()

    def a():
        with micrograd.no_grad():
            recording_in_a = _recording()
            inside.set()
            _wait(leave, "the main thread's backward")
        return recording_in_a

    thread = _Thread(a)
    thread.start()
    try:
        _wait(inside, "thread A inside no_grad")
        recorded, grad = _square_grad(3.0)
    finally:
        leave.set()
    assert thread.outcome() is False, "no_grad did not stop recording in its own thread"
    assert recorded, "y = x*x in thread B was not recorded while thread A was inside no_grad"
    assert grad == 6.0, f"x.grad is {grad!r} in thread B while thread A was inside no_grad; expected 2 * 3.0 = 6.0"


# Run in a fresh interpreter: an engine with one process-wide flag is left with recording
# off for good, which would break every test after this one in the same process.
OVERLAP = """
import json, threading
import micrograd
from micrograd import Value

def recording():
    return not (Value(2.0) * Value(3.0)).is_leaf()

a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
seen = {}

def a():
    with micrograd.no_grad():
        a_in.set()
        b_in.wait(%(hang)r)
    a_out.set()
    seen["a"] = recording()

def b():
    a_in.wait(%(hang)r)
    with micrograd.no_grad():
        b_in.set()
        a_out.wait(%(hang)r)
    seen["b"] = recording()

threads = [threading.Thread(target=a), threading.Thread(target=b)]
for t in threads:
    t.start()
for t in threads:
    t.join(%(hang)r)
x = Value(3.0)
y = x * x
y.backward()
fresh = threading.Thread(target=lambda: seen.update(fresh=recording()))
fresh.start()
fresh.join(%(hang)r)
seen.update(main=recording(), grad=x.grad, order=[a_in.is_set(), b_in.is_set(), a_out.is_set()])
print(json.dumps(seen))
""" % {"hang": HANG}


def test_overlapping_no_grad_blocks_in_two_threads_leave_recording_on():
    """Enter A, enter B, exit A, exit B: afterwards every thread records again."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(micrograd.__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    run = subprocess.run([sys.executable, "-c", OVERLAP], capture_output=True, text=True, env=env, timeout=2 * HANG)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["order"] == [True, True, True], f"the threads did not meet as planned: {seen}"
    assert seen["a"] and seen["b"], f"a thread does not record after leaving its own no_grad block: {seen}"
    assert seen["main"], f"the main thread does not record after overlapping no_grad blocks in two threads: {seen}"
    assert seen["fresh"], f"a new thread does not record after overlapping no_grad blocks in two threads: {seen}"
    assert seen["grad"] == 6.0, f"y = x*x afterwards gives x.grad = {seen['grad']!r}, expected 6.0"


def test_no_grad_in_one_async_task_does_not_stop_recording_in_another():
    async def main():
        inside, leave = asyncio.Event(), asyncio.Event()

        async def quiet():
            with micrograd.no_grad():
                recording_here = _recording()
                inside.set()
                await leave.wait()
            return recording_here, _recording()

        async def busy():
            await inside.wait()
            try:
                return _square_grad(3.0)
            finally:
                leave.set()

        return await asyncio.wait_for(asyncio.gather(quiet(), busy()), HANG)

    (recording_inside, recording_after), (recorded, grad) = asyncio.run(main())
    assert recording_inside is False, "no_grad did not stop recording in its own task"
    assert recorded and grad == 6.0, f"y = x*x in another task while one task was inside no_grad: recorded {recorded}, x.grad {grad!r} (expected 6.0)"
    assert recording_after is True
    assert _recording()


def test_gradcheck_in_one_thread_does_not_break_backward_in_another():
    """gradcheck evaluates f(x + h) and f(x - h) without recording: while it is at it in
    one thread (held inside f's second call), another thread's backward still works."""
    inside, leave = threading.Event(), threading.Event()
    calls = []

    def f(v):
        calls.append(v.data)
        if len(calls) == 2:  # the first numeric evaluation, after the recorded one
            inside.set()
            _wait(leave, "the main thread's backward")
        return v * v * v

    thread = _Thread(lambda: micrograd.gradcheck(f, [1.5]))
    thread.start()
    try:
        _wait(inside, "gradcheck inside its numeric evaluation")
        recorded, grad = _square_grad(3.0)
    finally:
        leave.set()
    assert thread.outcome() is True
    assert recorded and grad == 6.0, f"while gradcheck ran in another thread, y = x*x gave recorded={recorded}, x.grad={grad!r} (expected 6.0)"


# --- ** and nan -------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: Value(2.0) ** math.nan,
        lambda: math.nan ** Value(2.0),
        lambda: Value(2.0) ** Value(math.nan),
        lambda: Value(math.nan) ** Value(2.0),
        lambda: Value(math.nan) ** 2.0,
    ],
    ids=["Value**nan", "nan**Value", "Value**Value(nan)", "Value(nan)**Value", "Value(nan)**2"],
)
def test_pow_refuses_nan(build):
    with pytest.raises(DomainError, match="nan"):
        build()


# --- ** with a Value exponent at a base <= 0, as PyTorch -----------------------


@pytest.mark.parametrize("a, b", [(-2.0, 2.0), (0.0, 2.0), (-2.0, 3.0), (-0.5, -1.0)])
def test_pow_with_value_exponent_at_base_at_most_zero_matches_pytorch(torch, a, b):
    ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    (ta**tb).backward()
    expected = ((ta**tb).item(), ta.grad.item(), tb.grad.item())

    x, e = Value(a), Value(b)
    y = x**e
    y.backward()
    got = (y.data, x.grad, e.grad)
    for what, g, t in zip(("value", "d/da", "d/db"), got, expected):
        assert (math.isnan(g) and math.isnan(t)) or g == t, f"Value({a}) ** Value({b}): {what} is {g!r}, PyTorch gives {t!r}"


@pytest.mark.parametrize("a, b", [(-2.0, 0.5), (-2.0, -1.5), (-1e-300, 2.5)])
def test_pow_negative_base_with_fractional_value_exponent_is_refused(a, b):
    with pytest.raises(DomainError, match="\\*\\*"):
        Value(a) ** Value(b)


# --- create_graph=True and reference counting ----------------------------------


def _graph_weakrefs(create_graph: bool, n: int = 2000, depth: int = 2000, break_cycles: bool = True) -> list:
    """Build a graph of about 10 n + 3 depth nodes (with its gradient graph, about twice
    that), run backward, and return weak references to some of its Values only. After
    create_graph, a leaf's gradient graph refers back to the leaf (d/dx x*x = 2x, as in
    PyTorch): a reference cycle, which the README documents and ``zero_grad()`` breaks."""
    xs = [Value(0.001 * i - 1.0) for i in range(n)]
    ws = [Value(1.0 - 1e-5 * i) for i in range(n)]
    h = micrograd.sum((w * x).tanh() for w, x in zip(ws, xs))
    for i in range(depth):
        h = h * ws[i % n] + xs[i % n].sigmoid()
    h.backward(create_graph=create_graph)
    kept = [h, xs[0], ws[1], xs[-1], h.parents[0]]
    if create_graph:
        grads = [xs[0].grad, ws[1].grad, xs[-1].grad]
        assert all(type(g) is Value for g in grads), "backward(create_graph=True) did not give Values as gradients"
        kept += grads
    refs = [weakref.ref(v) for v in kept]
    if create_graph and break_cycles:
        h.zero_grad()
    return refs


def test_gradient_graphs_of_create_graph_are_cycles_the_collector_frees():
    """Documented: without zero_grad(), the gradient graphs of create_graph keep their
    leaves alive until the cyclic collector runs; then everything is freed."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        refs = _graph_weakrefs(True, n=200, depth=200, break_cycles=False)
        assert any(r() is not None for r in refs), "expected the documented cycle leaf -> grad -> leaf"
        gc.collect()
        assert all(r() is None for r in refs)
    finally:
        if was_enabled:
            gc.enable()


@pytest.mark.parametrize("create_graph", [False, True], ids=["plain", "create_graph"])
def test_graph_after_backward_is_freed_by_reference_counting_alone(create_graph):
    """With the cyclic collector off, dropping the last reference frees the graph (the
    plain case is the control: the same graph and references, without create_graph,
    where ``zero_grad()`` first breaks the gradient graphs' cycles)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        refs = _graph_weakrefs(create_graph)  # every strong reference ended with the call
        alive = [r() for r in refs if r() is not None]
        assert not alive, f"{len(alive)} of {len(refs)} Values are still alive without the cyclic collector, e.g. {alive[0]!r:.200}"
    finally:
        if was_enabled:
            gc.enable()


# --- gradcheck at a large input ------------------------------------------------------


def test_gradcheck_at_a_large_input():
    """x + 1e-6 == x for x = 1e12: the step must scale with the input."""
    assert micrograd.gradcheck(lambda v: v * 2.0, [1e12]) is True
