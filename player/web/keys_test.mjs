// Unit tests of keys.js's key map and focus grid: node --test (run by
// TestJSUnits in js_test.go).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Grid, key } from "./keys.js";

describe("key", () => {
  const cases = [
    { key: "ArrowUp", want: ["move", "up"] }, { key: "Up", want: ["move", "up"] },
    { key: "ArrowDown", want: ["move", "down"] }, { key: "Down", want: ["move", "down"] },
    { key: "ArrowLeft", want: ["move", "left"] }, { key: "Left", want: ["move", "left"] },
    { key: "ArrowRight", want: ["move", "right"] }, { key: "Right", want: ["move", "right"] },
    { key: "Enter", want: ["select", ""] }, { key: "Select", want: ["select", ""] }, { key: "OK", want: ["select", ""] },
    { key: "Escape", want: ["back", ""] }, { key: "Esc", want: ["back", ""] }, { key: "GoBack", want: ["back", ""] },
    { key: "BrowserBack", want: ["back", ""] }, { key: "Back", want: ["back", ""] }, { key: "XF86Back", want: ["back", ""] },
    { key: "a", want: ["", ""] }, { key: "Tab", want: ["", ""] }, { key: "arrowup", want: ["", ""] }, { key: "", want: ["", ""] },
  ];
  for (const c of cases) {
    test(c.key || "(empty)", () => assert.deepEqual(key(c.key), c.want));
  }
});

// Each step is [direction, moved, row, col]: the focus after the move.
describe("Grid.move", () => {
  const cases = [
    {
      name: "rows of one wrapped grid keep the column, other rows remember theirs",
      lengths: [3, 4, 4, 2], groups: [0, 7, 7, 7],
      steps: [
        ["down", true, 1, 0], ["right", true, 1, 1], ["right", true, 1, 2],
        ["down", true, 2, 2], ["down", true, 3, 1], // clamped to the short last row
        ["up", true, 2, 1], ["up", true, 1, 1],
        ["up", true, 0, 0], // row 0 is no part of the grid: its own column
      ],
    },
    {
      name: "rows of different length: remembered column, clamped",
      lengths: [5, 2, 6],
      steps: [
        ["right", true, 0, 1], ["right", true, 0, 2], ["right", true, 0, 3],
        ["down", true, 1, 0], // row 1 never focused: column 0
        ["right", true, 1, 1],
        ["down", true, 2, 0],
        ["up", true, 1, 1],
        ["up", true, 0, 3], // back to where row 0 was left
        ["up", false, 0, 3],
      ],
    },
    {
      name: "remembered column beyond a row that shrank is clamped",
      lengths: [4, 1], groups: [3, 3],
      steps: [["right", true, 0, 1], ["right", true, 0, 2], ["right", true, 0, 3], ["down", true, 1, 0], ["up", true, 0, 0]],
    },
    {
      name: "edges of one row",
      lengths: [2],
      steps: [["left", false, 0, 0], ["right", true, 0, 1], ["right", false, 0, 1], ["down", false, 0, 1], ["up", false, 0, 1], ["", false, 0, 1], ["sideways", false, 0, 1]],
    },
    {
      name: "edges of a column",
      lengths: [1, 1, 1],
      steps: [["up", false, 0, 0], ["left", false, 0, 0], ["right", false, 0, 0], ["down", true, 1, 0], ["down", true, 2, 0], ["down", false, 2, 0], ["right", false, 2, 0]],
    },
    {
      name: "empty rows are skipped",
      lengths: [0, 3, 0, 0, 2],
      steps: [["up", false, 1, 0], ["down", true, 4, 0], ["up", true, 1, 0]],
    },
    {
      name: "all rows empty",
      lengths: [0, 0],
      steps: [["down", false, -1, 0], ["right", false, -1, 0]],
    },
    {
      name: "no rows",
      lengths: [],
      steps: [["down", false, -1, 0], ["left", false, -1, 0]],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const g = new Grid(c.lengths);
      g.setGroups(c.groups || []);
      c.steps.forEach(([dir, moved, row, col], i) => {
        assert.deepEqual([g.move(dir), g.row, g.col], [moved, row, col], "step " + i + " (" + dir + ")");
      });
    });
  }
});

describe("Grid.setFocus", () => {
  const cases = [
    { name: "inside", row: 2, col: 2, ok: true, want: [2, 2] },
    { name: "row past the end", row: 3, col: 0, ok: false, want: [0, 0] },
    { name: "column past the row", row: 0, col: 3, ok: false, want: [0, 0] },
    { name: "negative row", row: -1, col: 0, ok: false, want: [0, 0] },
    { name: "negative column", row: 1, col: -1, ok: false, want: [0, 0] },
    { name: "empty row", row: 3, col: 0, lengths: [3, 3, 3, 0], ok: false, want: [0, 0] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const g = new Grid(c.lengths || [3, 3, 3]);
      assert.equal(g.setFocus(c.row, c.col), c.ok);
      assert.deepEqual([g.row, g.col], c.want);
    });
  }
  test("is remembered for the row", () => {
    const g = new Grid([3, 3]);
    g.setFocus(0, 2);
    g.move("down");
    g.move("up");
    assert.deepEqual([g.row, g.col], [0, 2]);
  });
});

// Each step is [lengths, row, col]: the focus after setLengths.
describe("Grid.setLengths", () => {
  const cases = [
    { name: "a shrinking row clamps the column", start: [2, 2], steps: [[[3, 3, 1], 2, 0]] },
    { name: "a removed row moves to the nearest", start: [2, 2], steps: [[[3, 3], 1, 2]] },
    { name: "emptied rows move to the nearest non-empty one", start: [1, 0], steps: [[[0, 0, 4], 2, 0]] },
    { name: "the nearer row above wins a tie", start: [1, 1], steps: [[[3, 0, 3], 0, 1]] },
    { name: "negative lengths are empty", start: [0, 0], steps: [[[-3], -1, 0]] },
    { name: "growing keeps the focus", start: [1, 1], steps: [[[5, 5, 5, 5], 1, 1]] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const g = new Grid([3, 3, 3]);
      assert.ok(g.setFocus(...c.start));
      c.steps.forEach(([lengths, row, col], i) => {
        g.setLengths(lengths);
        assert.deepEqual([g.row, g.col], [row, col], "step " + i);
      });
    });
  }
});
