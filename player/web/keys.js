// Keyboard and TV-remote navigation: arrow keys move the focus between the
// visible .nav-item elements of the top bar and the current view, grouped
// into rows by their position on screen; Enter selects; Back/Escape goes
// back.
import { ui } from "./dom.js";

// seekStep is how far Left/Right move the playhead in the player.
const seekStep = 10;

// key maps a KeyboardEvent.key to an action and a direction.
export function key(k) {
  switch (k) {
    case "ArrowUp": case "Up": return ["move", "up"];
    case "ArrowDown": case "Down": return ["move", "down"];
    case "ArrowLeft": case "Left": return ["move", "left"];
    case "ArrowRight": case "Right": return ["move", "right"];
    case "Enter": case "Select": case "OK": return ["select", ""];
    case "Escape": case "Esc": case "GoBack": case "BrowserBack": case "Back": case "XF86Back": return ["back", ""];
  }
  return ["", ""];
}

// Grid is a focus model over rows of items: Left/Right move within a row,
// Up/Down to the nearest non-empty row, at the column remembered for that
// row, or at the same column when both rows belong to one group (the rows
// of one wrapped grid).
export class Grid {
  constructor(lengths) {
    this.lengths = [];
    this.groups = [];
    this.memory = [];
    this.row = -1;
    this.col = 0;
    this.setLengths(lengths);
    this.row = this.lengths.findIndex((n) => n > 0);
  }

  setLengths(lengths) {
    this.lengths = lengths.map((n) => Math.max(0, n));
    while (this.memory.length < this.lengths.length) this.memory.push(0);
    this.memory.length = this.lengths.length;
    if (this.row >= this.lengths.length || (this.row >= 0 && this.lengths[this.row] === 0)) this.row = this.nearestRow(this.row);
    if (this.row >= 0 && this.col >= this.lengths[this.row]) this.col = this.lengths[this.row] - 1;
  }

  setGroups(groups) { this.groups = groups.slice(); }

  nearestRow(r) {
    for (let d = 0; d <= this.lengths.length; d++) {
      for (const c of [r - d, r + d]) {
        if (c >= 0 && c < this.lengths.length && this.lengths[c] > 0) return c;
      }
    }
    return -1;
  }

  setFocus(row, col) {
    if (row < 0 || row >= this.lengths.length || col < 0 || col >= this.lengths[row]) return false;
    this.row = row;
    this.col = col;
    this.memory[row] = col;
    return true;
  }

  // move moves the focus one step; it reports whether it moved.
  move(dir) {
    if (this.row < 0) return false;
    if (dir === "left") {
      if (this.col === 0) return false;
      this.col--;
    } else if (dir === "right") {
      if (this.col + 1 >= this.lengths[this.row]) return false;
      this.col++;
    } else if (dir === "up" || dir === "down") {
      const step = dir === "up" ? -1 : 1;
      let r = this.row + step;
      while (r >= 0 && r < this.lengths.length && this.lengths[r] === 0) r += step;
      if (r < 0 || r >= this.lengths.length) return false;
      const g = this.groups[r] || 0;
      const want = g !== 0 && g === (this.groups[this.row] || 0) ? this.col : this.memory[r];
      this.row = r;
      this.col = Math.min(want, this.lengths[r] - 1);
    } else {
      return false;
    }
    this.memory[this.row] = this.col;
    return true;
  }
}

// grids keep each view's focus model.
const grids = {};

// moveFocus moves the focus one step in dir among the visible nav items;
// it reports whether it moved.
function moveFocus(dir) {
  const view = ui.view;
  if (!view) return false;
  const rows = [];
  let lastTop = 0;
  for (const n of document.querySelectorAll("#topnav .nav-item, #" + view + " .nav-item")) {
    if (n.offsetParent === null || n.disabled) continue; // hidden or disabled
    const top = n.getBoundingClientRect().top;
    if (rows.length === 0 || Math.abs(top - lastTop) > 8) {
      rows.push([]);
      lastTop = top;
    }
    rows[rows.length - 1].push(n);
  }
  if (rows.length === 0) return false;
  const groups = rows.map(() => 0);
  let group = 0;
  rows.forEach((row, r) => {
    if (r > 0 && row[0].parentElement === rows[r - 1][0].parentElement) {
      if (groups[r - 1] === 0) groups[r - 1] = ++group;
      groups[r] = groups[r - 1];
    }
  });
  const lengths = rows.map((row) => row.length);
  const g = grids[view] || (grids[view] = new Grid(lengths));
  g.setLengths(lengths);
  g.setGroups(groups);
  let found = false;
  rows.forEach((row, r) => row.forEach((n, c) => {
    if (n === document.activeElement) {
      g.setFocus(r, c);
      found = true;
    }
  }));
  if (!found) {
    // Nothing focused yet: start on the view's first item.
    const start = Math.max(0, rows.findIndex((row) => !row[0].closest("#topnav")));
    g.setFocus(start, 0);
  } else if (!g.move(dir)) {
    return false;
  }
  if (g.row < 0) return false;
  const target = rows[g.row][g.col];
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: "nearest", inline: "nearest", behavior: "smooth" });
  return true;
}

// bindKeys listens for keys on the document; back is the app's Back.
export function bindKeys(back) {
  document.addEventListener("keydown", (ev) => {
    if (ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const [action, dir] = key(ev.key);
    const target = document.activeElement;
    const tag = target ? target.tagName.toLowerCase() : "";
    const typ = target && typeof target.type === "string" ? target.type : "";
    const typing = tag === "textarea" || (tag === "input" && !["checkbox", "range", "button", "submit"].includes(typ));
    switch (action) {
      case "back":
        if (typing && ev.key !== "Escape") return;
        ev.preventDefault();
        if (typing) target.blur();
        back();
        return;
      case "select":
        if (tag === "video") {
          ev.preventDefault();
          if (target.paused) target.play();
          else target.pause();
          return;
        }
        if (target && target.classList.contains("nav-item") && !["button", "input", "select", "a", "textarea"].includes(tag)) {
          ev.preventDefault();
          target.click();
        }
        return;
      case "move": {
        if (tag === "video" && (dir === "left" || dir === "right")) {
          ev.preventDefault();
          let t = target.currentTime + (dir === "left" ? -seekStep : seekStep);
          if (Number.isFinite(target.duration)) t = Math.min(t, target.duration);
          target.currentTime = Math.max(0, t);
          return;
        }
        const sideways = dir === "left" || dir === "right";
        if (typing && sideways) return; // move the caret
        if (tag === "select" && !sideways) return; // change the option
        if (typ === "range" && sideways) return;
        if (moveFocus(dir)) ev.preventDefault();
      }
    }
  });
}
