// Runs the engine's tests in Pyodide (CPython compiled to WebAssembly) under Node.js.
//
//   node tests/pyodide/run.mjs --npm DIR --wheels DIR [--wheels DIR...] [--junit FILE] [--no-viz] -- PYTEST ARGS
//
// --npm: a folder holding node_modules/pyodide and node_modules/@viz-js/viz (npm ci of
// notebooks/lite/package-lock.json). --wheels: folders of wheels, every *.whl in them installed:
// the project's, and the pure-Python ones the tests need (tests/pyodide/wheels.txt). The tests folder and
// setup.cfg are copied into Pyodide's in-memory file system at /repo, and pytest runs there
// with the arguments after "--", each line of tests/pyodide/exclusions.txt deselected.
// Graphviz as WebAssembly is handed over as micrograd.viz.render's docstring says: an instance
// in globalThis.micrograd_viz (--no-viz leaves it out). --junit: where to copy pytest's
// JUnit XML report. The exit status is pytest's. Start Node with WebAssembly stack switching
// (JSPI: --experimental-wasm-stack-switching on Node 20) for the tests that wait for a Promise
// (asyncio.run, a viz.js instance still loading).

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

function options(argv) {
  const split = argv.indexOf("--");
  const ours = split < 0 ? argv : argv.slice(0, split);
  const opts = { pytest: split < 0 ? [] : argv.slice(split + 1), viz: true, wheels: [] };
  for (let i = 0; i < ours.length; i++) {
    const name = ours[i];
    if (name === "--no-viz") opts.viz = false;
    else if (name === "--wheels" && i + 1 < ours.length) opts.wheels.push(resolve(ours[++i]));
    else if (["--npm", "--junit"].includes(name) && i + 1 < ours.length) opts[name.slice(2)] = resolve(ours[++i]);
    else throw new Error(`run.mjs: unknown or incomplete option ${JSON.stringify(name)}; see the comment at the top of the file`);
  }
  if (!opts.npm || opts.wheels.length === 0) throw new Error("run.mjs: --npm DIR and --wheels DIR are required");
  return opts;
}

// Every file under `dir` (skipping caches), as paths relative to it.
function files(dir, prefix = "") {
  const found = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = join(prefix, entry.name);
    if (entry.isDirectory()) {
      if (![".hypothesis", "__pycache__", ".pytest_cache"].includes(entry.name)) found.push(...files(dir, rel));
    } else if (entry.isFile()) {
      found.push(rel);
    }
  }
  return found;
}

const opts = options(process.argv.slice(2));
const modules = join(opts.npm, "node_modules");
const { loadPyodide } = await import(pathToFileURL(join(modules, "pyodide", "pyodide.mjs")).href);

const vizUrl = pathToFileURL(join(modules, "@viz-js", "viz", "dist", "viz.js")).href;
const pyodide = await loadPyodide({
  env: {
    HOME: "/home/pyodide",
    HYPOTHESIS_PROFILE: process.env.HYPOTHESIS_PROFILE || "ci-quick",
    CI: process.env.CI || "",
    VIZ_URL: vizUrl, // for the tests of the other ways of handing viz.js over
  },
});

const wheels = opts.wheels.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith(".whl")).map((f) => join(dir, f)));
await pyodide.loadPackage(wheels, { messageCallback: () => {} });

for (const rel of ["setup.cfg", "README.md", ...files(ROOT, "tests").filter((f) => !f.endsWith(".pyc"))]) {
  const target = join("/repo", rel);
  pyodide.FS.mkdirTree(dirname(target));
  pyodide.FS.writeFile(target, readFileSync(join(ROOT, rel)));
}

if (opts.viz) {
  const Viz = await import(vizUrl);
  globalThis.micrograd_viz = await Viz.instance(); // the contract's first way
}

pyodide.globals.set("pytest_args", pyodide.toPy(opts.pytest));
const status = await pyodide.runPythonAsync(`
import os, sys
import pytest

os.chdir("/repo")
sys.dont_write_bytecode = True
deselect = []
with open("tests/pyodide/exclusions.txt", encoding="utf-8") as f:
    for line in f:
        node_id = line.split("  # ")[0].strip()
        if node_id and not node_id.startswith("#"):  # a whole file is left out before it is imported
            deselect += ["--deselect" if "::" in node_id else "--ignore", node_id]
# setup.cfg's addopts start pytest-xdist's workers, which are processes: not here
int(pytest.main(["-o", "addopts=", "-p", "no:cacheprovider", "-rfEs", "--junitxml=/tmp/junit.xml", *deselect, *pytest_args]))
`);
if (opts.junit) writeFileSync(opts.junit, pyodide.FS.readFile("/tmp/junit.xml"));
process.exit(status);
