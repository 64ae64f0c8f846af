// The playground page: loads Pyodide (Python as WebAssembly), micrograd's wheel and
// Graphviz as WebAssembly (viz.js), all from this page's folder, then runs
// micrograd.cli.playground.run(expression, inputs) for what the reader types and shows what it
// returns: the table of `micrograd grad`, the graph, the step-through viewer (its own HTML
// and script, as micrograd.viz writes them) and micrograd.compile's program.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("pg-config").textContent);
  const $ = id => document.getElementById(id);
  const form = $("pg-form"), expression = $("pg-expression"), inputs = $("pg-inputs"), button = $("pg-compute");
  const results = $("pg-results"), errorBox = $("pg-error");
  const STEPS = 5;  // the loading steps the progress bar counts
  let run = null, runs = 0;

  function say(text, step) {
    $("pg-status").textContent = text;
    if (step !== undefined) $("pg-progress").value = step;
  }

  function fatal(text) {  // the page cannot work here: say why, instead of the progress
    $("pg-loading").hidden = true;
    $("pg-fatal").textContent = text;
    $("pg-fatal").hidden = false;
    button.disabled = true;
  }

  // Why the page cannot run in this browser, or null
  function unsupported() {
    if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") {
      return "This browser does not run WebAssembly (it lacks it, or it is turned off), and the playground needs it: " +
        "Python (Pyodide) and Graphviz run in the page as WebAssembly. Open the page in a browser with WebAssembly " +
        "turned on (any current Firefox, Chrome, Edge or Safari).";
    }
    if (location.protocol === "file:") {
      return "This page was opened as a file (file://), and browsers load WebAssembly only from a web server. " +
        "Serve its folder, e.g. run  python -m http.server  there, and open http://localhost:8000/";
    }
    return null;
  }

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = () => reject(new Error("could not load " + src + " from this page's folder"));
      document.head.appendChild(script);
    });
  }

  // HTML from Python, with its scripts run (innerHTML alone would not run them)
  function place(container, markup) {
    container.innerHTML = markup;
    container.querySelectorAll("script").forEach(old => {
      if (old.type && old.type !== "text/javascript") return;  // data (application/json) stays as it is
      const script = document.createElement("script");
      script.textContent = old.textContent;
      old.replaceWith(script);
    });
  }

  function note(container, text) {
    container.innerHTML = "";
    const p = document.createElement("p");
    p.className = "pg-note";
    p.textContent = text;
    container.appendChild(p);
  }

  function lastLine(text) {
    const lines = String(text).trim().split("\n");
    return lines[lines.length - 1];
  }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = false;
    results.hidden = true;
  }

  function compute() {
    errorBox.hidden = true;
    let result;
    try {
      result = JSON.parse(run(expression.value, inputs.value));
    } catch (e) {  // a fault of the page, not of the input: the Python error's last line
      showError("The playground failed: " + lastLine(e.message || e));
      return;
    }
    if (result.error) {
      showError(result.error);
      return;
    }
    results.hidden = false;  // shown first: the viewer measures its pane as it starts
    $("pg-table").textContent = result.table;
    const notes = result.notes || {};
    if (result.graph) place($("pg-graph"), result.graph); else note($("pg-graph"), notes.graph);
    if (result.steps) place($("pg-steps"), result.steps); else note($("pg-steps"), notes.steps);
    $("pg-program").firstElementChild.textContent = result.program || notes.program;
    runs += 1;
    results.dataset.run = String(runs);
    results.dataset.expression = expression.value;
    const query = new URLSearchParams({expr: expression.value, inputs: inputs.value});
    history.replaceState(null, "", "?" + query.toString());
  }

  form.addEventListener("submit", event => {
    event.preventDefault();
    if (!run) return;
    button.disabled = true;
    say("computing…");
    setTimeout(() => {  // after the browser has shown "computing…"
      try { compute(); } finally {
        button.disabled = false;
        say("ready");
        form.dataset.answers = String(Number(form.dataset.answers || 0) + 1);  // answered, with a result or an error
      }
    }, 0);
  });

  async function start() {
    const why = unsupported();
    if (why) { fatal(why); return; }
    const started = performance.now();
    const here = name => new URL(name, location.href).href;
    try {
      say("loading Graphviz and Python (WebAssembly, " + config.megabytes + " MB)…", 1);
      await Promise.all([loadScript(config.viz), loadScript(config.pyodide + "pyodide.js")]);
      const vizReady = self.Viz.instance();
      say("starting Python (Pyodide " + config.versions.pyodide + ")…", 2);
      const pyodide = await self.loadPyodide({indexURL: here(config.pyodide)});
      say("installing micrograd…", 3);
      await pyodide.loadPackage(config.wheels.map(here), {messageCallback: () => {}});
      say("starting Graphviz (viz.js " + config.versions.viz + ")…", 4);
      const viz = await vizReady;
      globalThis.micrograd_viz = viz;  // how micrograd finds Graphviz in Pyodide (micrograd.viz.render)
      run = pyodide.pyimport("micrograd.cli.playground").run;
      window.playground = {pyodide: pyodide, viz: viz, readyMs: performance.now() - started};
    } catch (e) {
      fatal("The playground could not start: " + lastLine(e.message || e));
      return;
    }
    say("ready", STEPS);
    $("pg-loading").dataset.ready = "yes";
    button.disabled = false;
    const asked = new URLSearchParams(location.search);
    if (asked.has("expr")) expression.value = asked.get("expr");
    if (asked.has("inputs")) inputs.value = asked.get("inputs");
    form.requestSubmit();
  }

  start();
})();
