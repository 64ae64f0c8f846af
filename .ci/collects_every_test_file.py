"""Every test file is collected, with no error, in this environment (run by .ci/run in a venv
without torch or numpy: a test file that imports them at its top would fail to collect)."""

import subprocess
import sys
from pathlib import Path

tests = sorted(str(p) for p in Path("tests").rglob("test_*.py"))
run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", "-o", "addopts="],
                     capture_output=True, text=True)
collected = {line.split("::", 1)[0] for line in run.stdout.splitlines() if "::" in line}
missing = [t for t in tests if t not in collected]
if run.returncode != 0 or missing:
    print(run.stdout[-3000:], run.stderr[-3000:], sep="\n")
    sys.exit(f"pytest --collect-only: exit {run.returncode}; test files not collected: {missing or 'none'}")
print(f"collected every test file: {len(tests)} files, {sum('::' in l for l in run.stdout.splitlines())} tests")
