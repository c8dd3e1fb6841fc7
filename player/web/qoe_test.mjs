// Unit tests of qoe.js, the operator's QoE table: node --test (run by
// TestJSUnits in js_test.go).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { qoeColumns, qoeHeaders, qoeRows } from "./qoe.js";

const group = (o) => ({
  fn_version: "3", device_class: "tv", sessions: 4, startup_p50_ms: 900, startup_p95_ms: 2100,
  rebuffer_ratio: 0.0125, avg_bitrate_kbps: 2400, ebvs_rate: 0.25, vsf_rate: 0, errors: 2, ...o,
});

describe("qoeHeaders", () => {
  test("names the version, device, sessions and every charted column", () => {
    assert.deepEqual(qoeHeaders, ["Function version", "Device", "Sessions", "Startup p50", "Startup p95",
      "Rebuffer ratio", "Avg bitrate", "EBVS", "VSF", "Errors"]);
    assert.equal(qoeHeaders.length, 3 + qoeColumns.length);
  });
});

describe("qoeRows", () => {
  const cases = [
    {
      name: "one group: every bar full where its value is above 0",
      groups: [group({})],
      want: [{
        fnVersion: "3", deviceClass: "tv", cells: ["3", "tv", "4"],
        widths: ["100.0%", "100.0%", "100.0%", "100.0%", "100.0%", "0.0%", "100.0%"],
        labels: ["900 ms", "2100 ms", "1.25 %", "2400 kbit/s", "25.00 %", "0.00 %", "2"],
      }],
    },
    {
      name: "bars scale to the column's largest",
      groups: [group({ startup_p50_ms: 1000, errors: 0 }), group({ fn_version: "4", startup_p50_ms: 250, errors: 8 })],
      want: [
        { fnVersion: "3", widths0: "100.0%", errors: "0.0%" },
        { fnVersion: "4", widths0: "25.0%", errors: "100.0%" },
      ],
    },
    {
      name: "no version named: shown as unknown, kept empty in the data",
      groups: [group({ fn_version: undefined })],
      want: [{ fnVersion: "", cells: ["(unknown)", "tv", "4"] }],
    },
    {
      name: "missing and malformed figures count as 0",
      groups: [{ device_class: "phone", sessions: "many", startup_p50_ms: NaN, rebuffer_ratio: "x" }],
      want: [{
        fnVersion: "", deviceClass: "phone", cells: ["(unknown)", "phone", "0"],
        widths: ["0.0%", "0.0%", "0.0%", "0.0%", "0.0%", "0.0%", "0.0%"],
        labels: ["0 ms", "0 ms", "0.00 %", "0 kbit/s", "0.00 %", "0.00 %", "0"],
      }],
    },
    {
      name: "a negative figure draws no bar and does not widen the others",
      groups: [group({ errors: -3 }), group({ fn_version: "4", errors: 1 })],
      want: [{ errors: "0.0%" }, { errors: "100.0%" }],
    },
    { name: "no groups: no rows", groups: [], want: [] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const rows = qoeRows(c.groups);
      assert.equal(rows.length, c.want.length);
      rows.forEach((r, i) => {
        const w = c.want[i];
        if (w.fnVersion !== undefined) assert.equal(r.fnVersion, w.fnVersion);
        if (w.deviceClass !== undefined) assert.equal(r.deviceClass, w.deviceClass);
        if (w.cells) assert.deepEqual(r.cells.map((c) => c.text), w.cells);
        assert.deepEqual(r.cells.map((c) => c.className), ["", "", "num"]);
        if (w.widths) assert.deepEqual(r.bars.map((b) => b.width), w.widths);
        if (w.labels) assert.deepEqual(r.bars.map((b) => b.label), w.labels);
        if (w.widths0) assert.equal(r.bars[0].width, w.widths0);
        if (w.errors) assert.equal(r.bars[6].width, w.errors);
      });
    });
  }
});
