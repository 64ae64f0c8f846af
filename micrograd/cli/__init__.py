"""The ``micrograd`` command, a front door: it may import ``nn`` and the core, and nothing
imports it. One module per command:

    micrograd grad "tanh(x*w + b)" x=0.5 w=-1.2 b=0.3 [--svg F | --png F | --dot F] [--steps DIR]
    micrograd demo [--out FILE]
    micrograd train --dataset moons --hidden 16,16 --epochs 100 [--save model.json] [--html run.html]
    micrograd predict --load model.json X1 X2
    micrograd eval --load model.json --dataset moons

Exit status: 0 done; 2 bad input or a file that cannot be written, told in one line on
stderr (for an expression, with the column); 1 a picture could not be rendered because
Graphviz's ``dot`` is missing (its DOT source is written instead, beside the file asked
for). Files are written only where an option names them, by
``micrograd.files.write_atomically`` and under its rules (never a directory, device or
FIFO; through a symbolic link; never a read-only file); two outputs of one command may not
name the same file.
"""

from .main import build_parser, main

__all__ = ["main", "build_parser"]
