// The operator's QoE view as data: the columns charted per edge function
// version and device class (origin/qoe.Group, GET /v1/operator/qoe) and
// each bar's width against its column's largest value. app.js draws it.
import { num, str } from "./decode.js";

const pct = (f) => (100 * f).toFixed(2) + " %";

// qoeColumns are the charted figures of a group: header, value, label.
export const qoeColumns = [
  ["Startup p50", (g) => num(g.startup_p50_ms), (g) => num(g.startup_p50_ms) + " ms"],
  ["Startup p95", (g) => num(g.startup_p95_ms), (g) => num(g.startup_p95_ms) + " ms"],
  ["Rebuffer ratio", (g) => num(g.rebuffer_ratio), (g) => pct(num(g.rebuffer_ratio))],
  ["Avg bitrate", (g) => num(g.avg_bitrate_kbps), (g) => num(g.avg_bitrate_kbps) + " kbit/s"],
  ["EBVS", (g) => num(g.ebvs_rate), (g) => pct(num(g.ebvs_rate))],
  ["VSF", (g) => num(g.vsf_rate), (g) => pct(num(g.vsf_rate))],
  ["Errors", (g) => num(g.errors), (g) => String(num(g.errors))],
];

// qoeHeaders are the table's column headers.
export const qoeHeaders = ["Function version", "Device", "Sessions", ...qoeColumns.map((c) => c[0])];

// qoeRows turns groups (decoded objects) into table rows: text cells for
// the version ("(unknown)" when the edge named none), device class and
// sessions, and one bar per column, whose width is the value's share of
// the column's largest (0 % when the largest is not above 0).
export function qoeRows(groups) {
  const top = qoeColumns.map(([, value]) => Math.max(0, ...groups.map(value)));
  return groups.map((g) => ({
    fnVersion: str(g.fn_version),
    deviceClass: str(g.device_class),
    cells: [
      { text: str(g.fn_version) || "(unknown)", className: "" },
      { text: str(g.device_class), className: "" },
      { text: String(num(g.sessions)), className: "num" },
    ],
    bars: qoeColumns.map(([, value, label], i) => ({
      width: (top[i] > 0 ? (100 * Math.max(0, value(g))) / top[i] : 0).toFixed(1) + "%",
      label: label(g),
    })),
  }));
}
