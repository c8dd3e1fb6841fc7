// The app's module graph links: every import names a module the origin
// serves and a name it exports. The views touch the DOM as they load, so
// they are linked (vm.SourceTextModule, node --experimental-vm-modules)
// and never run. Run by TestJSUnits in js_test.go, which also checks that
// every .js file here is served.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import vm from "node:vm";

test("app.js and its imports link", async () => {
  assert.ok(vm.SourceTextModule, "run node with --experimental-vm-modules");
  const modules = new Map();
  const load = async (name) => {
    if (!modules.has(name)) {
      const url = new URL(name, import.meta.url);
      modules.set(name, new vm.SourceTextModule(await readFile(url, "utf8"), { identifier: url.href }));
    }
    return modules.get(name);
  };
  const app = await load("app.js");
  await app.link((specifier) => {
    assert.match(specifier, /^\.\/[a-z]+\.js$/, "imports are same-directory modules");
    return load(specifier.slice(2));
  });
  assert.equal(app.status, "linked");
  assert.ok(modules.has("decode.js"), "the graph was walked");
});
