// Fetches and starts the Go/Wasm playback engine (player.wasm) with Go's
// wasm_exec.js runtime from page load on, while the app (app.js) renders;
// window.edgeflixModule resolves to the engine's API (window.edgeflix,
// see player/app/api.go) once it runs. The progress bar shows how much of
// the module has arrived, in the loading view the app shows only when a
// play has to wait. The origin rewrites data-wasm to the module's
// content-hashed name and data-size to its size (the decoded bytes a
// streaming read counts, whatever the transfer coding).
"use strict";
(function () {
  const bar = document.getElementById("load-progress");
  const text = document.getElementById("load-text");
  const script = document.currentScript;
  const url = (script && script.dataset.wasm) || "player.wasm";
  const load = { received: 0, total: Number((script && script.dataset.size) || 0), done: false, ready: false };
  window.edgeflixLoad = load; // read by the app and by tests
  const mb = (n) => (n / 1e6).toFixed(1);
  const show = () => {
    if (load.total > 0) {
      bar.max = load.total;
      bar.value = Math.min(load.received, load.total);
      text.textContent = "Loading the player… " + mb(load.received) + " of " + mb(load.total) + " MB";
    } else {
      bar.removeAttribute("value"); // indeterminate
      text.textContent = "Loading the player… " + mb(load.received) + " MB";
    }
  };
  // counted wraps a response so that reading its body advances the bar;
  // instantiateStreaming still compiles while the bytes arrive.
  const counted = (resp) => {
    if (!resp.ok) throw new Error("HTTP " + resp.status + " for " + url);
    if (!load.total && !resp.headers.get("Content-Encoding")) {
      load.total = Number(resp.headers.get("Content-Length")) || 0;
    }
    if (!resp.body || !("ReadableStream" in window)) return resp;
    const reader = resp.body.getReader();
    const body = new ReadableStream({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          load.done = true;
          controller.close();
          return;
        }
        load.received += value.byteLength;
        show();
        controller.enqueue(value);
      },
      cancel(reason) { return reader.cancel(reason); },
    });
    return new Response(body, { status: resp.status, headers: { "Content-Type": "application/wasm" } });
  };
  const start = (result) => {
    go.run(result.instance); // runs the module's main until it waits, which sets window.edgeflix
    if (!window.edgeflix) throw new Error("the module did not start");
    load.ready = true;
    return window.edgeflix;
  };
  let go;
  window.edgeflixModule = (!("WebAssembly" in window) || !("Go" in window))
    ? Promise.reject(new Error("this browser cannot run the edgeflix player (WebAssembly is required)"))
    : (go = new Go(), show(), fetch(url)
      .then(counted)
      .then((resp) => WebAssembly.instantiateStreaming(resp, go.importObject)
        .catch(() => fetch(url) // servers without application/wasm
          .then((r) => r.arrayBuffer())
          .then((b) => WebAssembly.instantiate(b, go.importObject))))
      .then(start));
  window.edgeflixModule.catch(() => {}); // reported where a play waits for it
})();
