"""Widget events while a cell runs: ``KernelEvents.poll()`` handles the widget (comm) messages
the front end has sent since the last poll, so a button clicked during training takes effect
during training.

A kernel runs one cell at a time: the messages of a click wait in the kernel's queue until the
cell ends. ``poll`` reads that queue itself, hands comm messages (``comm_msg``, ``comm_open``,
``comm_close``) to the kernel's comm handlers, and puts every other message (a cell queued
behind this one, say) back on the kernel's event loop, in order, to run when the cell is over.

Each comm message is handled as the kernel handles one between cells: "busy", the handler,
"idle" on iopub with that message as parent, then "busy" again for the running cell. The widget
front end (ipywidgets 8) sends a widget's next state only once the kernel said "idle" for its
previous one: without that "idle" the second click of a button (pause, then go on) would wait
in the browser until the run was over.

The message is handled as the main shell's, whatever subshell the front end addressed it to.
JupyterLab 4.6 and Notebook 7.6 send widget messages to a subshell, and ipykernel 7.4 sends a
comm's later messages to the subshell its last reply came from: handled as the main shell's,
they keep coming here, and no widget callback runs on another thread beside the training.

This needs ipykernel 7.4 or later (its shell-channel thread, and some internal names, which
may change): ``KernelEvents.open()`` checks the version and every name, and returns None when
one is missing; the live view then says so once and its controls answer after the run.
"""

from __future__ import annotations

import sys
from typing import Any

COMM_MESSAGES = frozenset({"comm_msg", "comm_open", "comm_close"})
IPYKERNEL = (7, 4)  # the oldest ipykernel whose internals poll() reads (checked again, name by name, in open())
INTERNALS = ("get_parent", "set_parent", "_get_shell_context_var", "_shell_parent_ident", "_publish_status")


def ipykernel_version() -> tuple[int, ...]:
    """The running ipykernel's (major, minor), or () when no ipykernel runs here."""
    ipykernel = sys.modules.get("ipykernel")  # a kernel's process has imported it
    if ipykernel is None:
        return ()
    parts = []
    for part in str(getattr(ipykernel, "__version__", "0")).split(".")[:2]:
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


class KernelEvents:
    """Reads the main shell's message queue of the running kernel (see the module docstring)."""

    def __init__(self, kernel: Any, manager: Any, socket: Any) -> None:
        from tornado.ioloop import IOLoop

        self.kernel, self.manager, self.socket = kernel, manager, socket
        self.loop = IOLoop.current()  # the kernel's loop: it runs the other messages after the cell

    @classmethod
    def open(cls) -> KernelEvents | None:
        """The running kernel's events, or None (no kernel, an ipykernel older than 7.4, or one
        that does not queue its shell messages on a socket this code knows how to read)."""
        if ipykernel_version() < IPYKERNEL:
            return None
        try:
            from IPython import get_ipython

            kernel = get_ipython().kernel
            manager = kernel.shell_channel_thread.manager
            socket = manager.get_shell_channel_to_subshell_pair(None).to_socket
            for name in INTERNALS:
                getattr(kernel, name)
            if not COMM_MESSAGES <= kernel.shell_handlers.keys():
                return None
            manager._on_recv_callback  # noqa: B018 (where the other messages go back)
        except Exception:
            return None
        return cls(kernel, manager, socket)

    def poll(self) -> None:
        """Handle the widget messages waiting now; put any other message back for after the cell."""
        session = self.kernel.session
        while self.socket.poll(0):
            message = self.socket.recv_multipart(copy=False)
            idents, frames = session.feed_identities(message, copy=False)
            try:
                kind = session.deserialize(frames, content=False, copy=False)["header"]["msg_type"]  # a peek
            except Exception:
                kind = None
            if kind not in COMM_MESSAGES:
                self.loop.add_callback(self.manager._on_recv_callback, None, message)
                continue
            try:
                request = session.deserialize(frames, copy=False)
            except Exception:  # a bad signature: the kernel would drop it too
                continue
            self._handle(idents, request)

    def _handle(self, idents: Any, request: dict) -> None:
        """One comm message, as the kernel handles it between cells (module docstring)."""
        kernel, failed = self.kernel, None
        cell, cell_ident = kernel.get_parent("shell"), kernel._get_shell_context_var(kernel._shell_parent_ident)
        sys.stdout.flush()  # what the cell printed so far goes to the cell
        sys.stderr.flush()
        request["header"] = {**request["header"], "subshell_id": None}  # the main shell's
        kernel.set_parent(idents, request, channel="shell")
        kernel._publish_status("busy", "shell")
        try:
            kernel.shell_handlers[request["header"]["msg_type"]](None, idents, request)
        except Exception as error:  # a widget callback that raised: say so, keep training
            failed = error
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            kernel._publish_status("idle", "shell")  # the front end may send this widget's next message
            kernel.set_parent(cell_ident, cell, channel="shell")  # the cell's output stays in the cell
            kernel._publish_status("busy", "shell")  # the cell runs on
        if failed is not None:
            print(f"a widget event failed: {failed!r}", file=sys.stderr)
