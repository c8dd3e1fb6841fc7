// Starts the Go/Wasm web app (player.wasm) with Go's wasm_exec.js runtime.
"use strict";
(function () {
  const status = document.getElementById("status");
  if (!("WebAssembly" in window) || !("Go" in window)) {
    status.textContent = "This browser cannot run the edgeflix player (WebAssembly is required).";
    return;
  }
  const go = new Go();
  const start = (result) => go.run(result.instance);
  WebAssembly.instantiateStreaming(fetch("player.wasm"), go.importObject)
    .catch(() => fetch("player.wasm") // servers without application/wasm
      .then((r) => r.arrayBuffer())
      .then((b) => WebAssembly.instantiate(b, go.importObject)))
    .then(start)
    .catch((err) => {
      status.textContent = "Could not start the player: " + err;
      status.classList.add("error");
    });
})();
