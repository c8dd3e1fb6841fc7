// DOM helpers, the view switcher and the small formatting functions the
// views share.

export const byID = (id) => document.getElementById(id);

// el creates an element with a class and text.
export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text) e.textContent = text;
  return e;
}

// setStatus writes the status line; isErr styles it as an error.
export function setStatus(msg, isErr) {
  const s = byID("status");
  s.textContent = msg;
  s.classList.toggle("error", !!isErr);
}

// message shows text in a form's message line.
export function message(msg, text, isErr) {
  msg.textContent = text;
  msg.classList.toggle("error", !!isErr);
  msg.hidden = text === "";
}

// The app's top-level sections.
export const views = ["view-loading", "view-welcome", "view-profiles", "view-browse", "view-detail",
  "view-devices", "view-activate", "view-player", "view-operator"];

// ui is the visible view and the views Back returns to.
export const ui = { view: "", history: [] };

// show makes view visible; push records the current view for Back.
export function show(view, push) {
  if (push && ui.view && ui.view !== view && ui.view !== "view-loading") {
    ui.history.push(ui.view);
    if (ui.history.length > 20) ui.history.shift();
  }
  if (!push) ui.history = [];
  ui.view = view;
  for (const v of views) byID(v).hidden = v !== view;
  window.scrollTo(0, 0);
}

// focusFirst focuses the first element matching selector inside root.
export function focusFirst(root, selector) {
  const e = root.querySelector(selector);
  if (e) e.focus({ preventScroll: true });
}

// cssURL quotes u for url(…) in a style.
export const cssURL = (u) => '"' + u.replace(/["\\\n)]/g, (c) => ({ '"': "%22", "\\": "%5C", "\n": "", ")": "%29" })[c]) + '"';

// percent writes a fraction as a CSS percentage with one decimal ("42.5%").
export const percent = (f) => (100 * f).toFixed(1) + "%";

// minutes writes a runtime in seconds as whole minutes, rounded up.
export const minutes = (s) => Math.ceil(s / 60) + " min";

// factsLine is a title's year and its seasons (a series with seasons) or
// its runtime, joined by " · "; what is unknown is left out.
export function factsLine(t) {
  const parts = [];
  if (t.year > 0) parts.push(String(t.year));
  if (t.kind === "series" && t.seasons.length > 0) parts.push(t.seasons.length + " season" + (t.seasons.length === 1 ? "" : "s"));
  else if (t.runtime_s > 0) parts.push(minutes(t.runtime_s));
  return parts.join(" · ");
}

const pad2 = (n) => String(n).padStart(2, "0");

// clock writes seconds as m:ss or h:mm:ss.
export function clock(t) {
  const s = Math.floor(t);
  if (s >= 3600) return Math.floor(s / 3600) + ":" + pad2(Math.floor(s / 60) % 60) + ":" + pad2(s % 60);
  return Math.floor(s / 60) + ":" + pad2(s % 60);
}

// shortDate writes a date as "2 Jan 2006 15:04" in local time.
export function shortDate(d) {
  const month = d.toLocaleString("en", { month: "short" });
  return d.getDate() + " " + month + " " + d.getFullYear() + " " + pad2(d.getHours()) + ":" + pad2(d.getMinutes());
}

// missing reports whether status means the route does not exist (yet).
export const missing = (status) => status === 404 || status === 405 || status === 501;

// Storage wrappers: "" for a missing key; setting "" removes it.
export const sessionGet = (k) => sessionStorage.getItem(k) || "";
export function sessionSet(k, v) {
  if (v) sessionStorage.setItem(k, v);
  else sessionStorage.removeItem(k);
}
export const localGet = (k) => localStorage.getItem(k) || "";
export const localSet = (k, v) => localStorage.setItem(k, v);
