"""Widget events while a cell runs: ``KernelEvents.poll()`` handles the widget (comm) messages
the front end has sent since the last poll, so a button clicked during training takes effect
during training.

A kernel runs one cell at a time: the messages of a click wait in the kernel's queue until the
cell ends. ``poll`` reads that queue itself, hands comm messages (``comm_msg``, ``comm_open``,
``comm_close``) to the kernel's own dispatcher, exactly as ipykernel does for a running async
cell, and puts every other message (a cell queued behind this one, say) back on the kernel's
event loop, in order, to run when the cell is over. This needs ipykernel's shell-channel thread
(ipykernel 7) and some of its internal names, which may change: ``KernelEvents.open()`` checks
every one and returns None when one is missing, and the caller says so.
"""

from __future__ import annotations

import sys
from typing import Any

COMM_MESSAGES = frozenset({"comm_msg", "comm_open", "comm_close"})


class KernelEvents:
    """Reads the main shell's message queue of the running kernel (see the module docstring)."""

    def __init__(self, kernel: Any, manager: Any, socket: Any) -> None:
        from tornado.ioloop import IOLoop

        self.kernel, self.manager, self.socket = kernel, manager, socket
        self.loop = IOLoop.current()  # the kernel's loop: it runs the other messages after the cell

    @classmethod
    def open(cls) -> KernelEvents | None:
        """The running kernel's events, or None (no kernel, or one that does not queue its
        shell messages on a socket this code knows how to read)."""
        try:
            from IPython import get_ipython

            kernel = get_ipython().kernel
            manager = kernel.shell_channel_thread.manager
            socket = manager.get_shell_channel_to_subshell_pair(None).to_socket
            for name in ("dispatch_shell", "get_parent", "set_parent", "_get_shell_context_var", "_shell_parent_ident"):
                getattr(kernel, name)
            manager._on_recv_callback  # noqa: B018 (where the other messages go back)
        except Exception:
            return None
        return cls(kernel, manager, socket)

    def poll(self) -> None:
        """Handle the widget messages waiting now; put any other message back for after the cell."""
        kernel = self.kernel
        while self.socket.poll(0):
            message = self.socket.recv_multipart(copy=False)
            _, frames = kernel.session.feed_identities(message, copy=False)
            try:
                kind = kernel.session.deserialize(frames, content=False, copy=False)["header"]["msg_type"]
            except Exception:
                kind = None
            if kind not in COMM_MESSAGES:
                self.loop.add_callback(self.manager._on_recv_callback, None, message)
                continue
            parent, ident = kernel.get_parent("shell"), kernel._get_shell_context_var(kernel._shell_parent_ident)
            handling = kernel.dispatch_shell(message, subshell_id=None, concurrent=True)
            try:
                handling.send(None)  # a comm handler is plain code: it finishes without waiting
            except StopIteration:
                pass
            except Exception as error:  # a widget callback that raised: say so, keep training
                print(f"a widget event failed: {error!r}", file=sys.stderr)
            else:
                handling.close()
                print("a widget event waited for the kernel; it was dropped", file=sys.stderr)
            finally:
                kernel.set_parent(ident, parent, channel="shell")  # the cell's output stays in the cell
