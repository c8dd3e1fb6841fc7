// The edgeflix web app: sign-up, OAuth sign-in with PKCE, profiles,
// browse rows, search, title detail, My List, devices, TV activation, the
// operator's QoE view and keyboard/TV navigation, in plain ES modules that
// render at once. Playback (player.js) uses the Go/Wasm engine, which
// loader.js fetches in the background from page load on.
import * as auth from "./api.js";
import { api, SignedOut } from "./api.js";
import { arr, decodeDevices, decodeProfile, decodeProfiles, decodeRows, decodeTitle, decodeTitles, json, obj, problemDetail, problemOr, str, text } from "./decode.js";
import { byID, el, setStatus, message, show, ui, focusFirst, cssURL, percent, minutes, factsLine, shortDate, missing, sessionGet, sessionSet } from "./dom.js";
import { bindKeys } from "./keys.js";
import { parseTokenResponse } from "./oauth.js";
import * as playback from "./player.js";
import { qoeHeaders, qoeRows } from "./qoe.js";
import { episodeLabel, findEpisode, fraction, resumeAt } from "./resume.js";

const keyProfile = "edgeflix.profile"; // the selected profile (JSON)
const keyAfter = "edgeflix.after"; // where to go after signing in
const searchDebounceMs = 300;

// state is what the views share.
const state = {
  next: "", // cursor of the next title page
  detail: null, // the title shown in view-detail
  hero: null, // the featured title of the home view
  profiles: [],
  managing: false,
  editing: "", // the profile in the form, "" to add one
  pinFor: null, // the profile waiting for its PIN
  searchSeq: 0, // numbers search input so only the latest query renders
};

// ---- profiles in this browser session ----

function selectedProfile() {
  const p = json(sessionGet(keyProfile));
  return p && text(p.id) ? decodeProfile(p) : null;
}

function rememberProfile(p) {
  sessionSet(keyProfile, JSON.stringify({ id: p.id, name: p.name, kids: p.kids, has_pin: p.has_pin }));
  byID("nav-profile").textContent = p.name;
}

const profileID = () => (selectedProfile() || { id: "" }).id;

// withProfile appends the selected profile to an API path.
function withProfile(path) {
  const id = profileID();
  return id ? path + (path.includes("?") ? "&" : "?") + "profile_id=" + encodeURIComponent(id) : path;
}

// apiFailed reports an API failure, back to sign-in if the session ended.
function apiFailed(err) {
  if (err instanceof SignedOut) {
    byID("topnav").hidden = true;
    show("view-welcome", false);
    setStatus("Your session has ended. Please sign in again.", true);
    return;
  }
  setStatus("Network error: " + err.message, true);
}

// ctx is what player.js needs of the app.
const ctx = { withProfile, profileID, apiFailed };

// call runs api and reports a failure; it returns null then.
async function call(method, path, body) {
  try {
    return await api(method, path, body);
  } catch (e) {
    apiFailed(e);
    return null;
  }
}

// ---- routing ----

// route picks the first view from the URL and the stored session.
async function route() {
  const q = new URLSearchParams(location.search);
  const play = q.get("play");
  if (play) { // debug hook: play a master playlist directly
    byID("player").muted = true;
    return playback.playURL(play, play, { autoplay: true }, null);
  }
  const path = location.pathname.replace(/\/$/, "");
  if (location.pathname.endsWith("/callback")) {
    setStatus("Signing in…", false);
    let err = null;
    try {
      await auth.callback(location.search);
    } catch (e) {
      err = e;
    }
    const after = sessionGet(keyAfter) || "/app/";
    sessionSet(keyAfter, "");
    history.replaceState(null, "", after);
    if (err) {
      setStatus("Sign in failed: " + err.message, true);
      return show("view-welcome", false);
    }
    setStatus("", false);
    return route();
  }
  if (path.endsWith("/activate")) {
    if (!auth.tokens()) {
      sessionSet(keyAfter, "/app/activate?user_code=" + encodeURIComponent(q.get("user_code") || ""));
      setStatus("Sign in to activate your TV.", false);
      return show("view-welcome", false);
    }
    signedIn();
    return activate(q.get("user_code") || "");
  }
  if (path.endsWith("/operator")) {
    if (!auth.tokens()) {
      sessionSet(keyAfter, "/app/operator");
      setStatus("Sign in to see playback quality.", false);
      return show("view-welcome", false);
    }
    signedIn();
    return operator();
  }
  if (auth.tokens()) {
    signedIn();
    return pickProfile(false);
  }
  show("view-welcome", false);
}

// signedIn shows the signed-in chrome.
function signedIn() {
  byID("topnav").hidden = false;
  byID("signout").hidden = false;
  const p = selectedProfile();
  byID("nav-profile").textContent = p ? p.name : "Profiles";
}

// back goes to the previous view (Back/Escape, the Back buttons).
async function back() {
  const view = ui.view;
  if (view === "view-player") {
    await playback.leavePlayback();
  } else if (view === "view-profiles" && (!byID("pin-form").hidden || !byID("profile-form").hidden)) {
    return closeProfileForms();
  } else if (view === "view-browse" && byID("search").value !== "") {
    byID("search").value = "";
    return showRows();
  }
  const prev = ui.history.pop() || "";
  if (prev === "view-browse") return home();
  if (prev === "view-detail") return state.detail ? openDetail(state.detail, false) : home();
  if (prev) return show(prev, false);
  if (["view-player", "view-detail", "view-devices", "view-activate"].includes(view)) {
    if (auth.tokens()) return home();
    show("view-welcome", false);
  }
}

// ---- sign-up ----

// signingUp settles when the last sign-up has been answered: signing in
// waits for it, so leaving for the sign-in page does not abort the
// account's creation.
let signingUp = Promise.resolve();

async function signUp() {
  const email = byID("signup-email").value, password = byID("signup-password").value;
  const msg = byID("signup-message"), submit = byID("signup-submit");
  if (!email || !password) return message(msg, "Enter an email and a password.", true);
  submit.disabled = true;
  const answer = auth.fetchText(auth.origin + "/v1/accounts", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ email, password }),
  });
  signingUp = answer.catch(() => {});
  try {
    const r = await answer;
    if (r.status === 201) {
      byID("signup-password").value = "";
      message(msg, "Account created for " + email + ". Sign in to start watching.", false);
      byID("signin").hidden = false;
      byID("signin").focus();
    } else {
      message(msg, "Could not sign up: " + problemOr(r.body, r.status), true);
    }
  } catch (e) {
    message(msg, "Could not sign up: " + e.message, true);
  } finally {
    submit.disabled = false;
  }
}

// ---- profiles ----

// pickProfile shows "Who's watching?". Unless force is set, a profile
// already chosen in this session goes home, and an account whose only
// profile has no PIN selects it without asking. Without the profiles API
// (404) the app goes home.
async function pickProfile(force) {
  if (selectedProfile() && !force) return home();
  const r = await call("GET", "/v1/profiles");
  if (!r) return;
  if (missing(r.status)) return home();
  if (r.status !== 200) {
    setStatus("Could not load profiles: " + problemOr(r.body, r.status), true);
    return home();
  }
  const v = json(r.body);
  if (v === null) return setStatus("Could not load profiles: the answer is not JSON", true);
  state.profiles = decodeProfiles(v);
  if (!force && state.profiles.length === 1 && !state.profiles[0].has_pin) return selectProfile(state.profiles[0], "");
  setStatus("", false);
  show("view-profiles", false);
  closeProfileForms();
  renderProfiles();
}

function renderProfiles() {
  const box = byID("profile-list");
  box.textContent = "";
  for (const p of state.profiles) {
    const b = el("button", "profile-tile nav-item");
    b.type = "button";
    b.dataset.profileId = p.id;
    b.appendChild(el("span", "avatar", [...p.name.toUpperCase()][0] || "?"));
    b.appendChild(el("span", "profile-name", p.name));
    if (state.managing) b.appendChild(el("span", "badge", "✎ Edit"));
    else if (p.kids) b.appendChild(el("span", "badge", "Kids"));
    else if (p.has_pin) b.appendChild(el("span", "badge", "🔒 PIN"));
    b.addEventListener("click", () => {
      if (state.managing) return editProfile(p);
      if (p.has_pin) return askPIN(p);
      selectProfile(p, "");
    });
    box.appendChild(b);
  }
  if (state.profiles.length < 5) {
    const add = el("button", "profile-tile add nav-item");
    add.type = "button";
    add.id = "profile-add";
    add.appendChild(el("span", "avatar", "+"));
    add.appendChild(el("span", "profile-name", "Add profile"));
    add.addEventListener("click", () => editProfile(null));
    box.appendChild(add);
  }
  if (box.firstElementChild) box.firstElementChild.focus();
}

function closeProfileForms() {
  byID("profile-form").hidden = true;
  byID("pin-form").hidden = true;
  message(byID("pin-message"), "", false);
  message(byID("profile-message"), "", false);
  byID("pin-input").value = "";
  state.pinFor = null;
}

function askPIN(p) {
  closeProfileForms();
  state.pinFor = p;
  byID("pin-title").textContent = "Enter the PIN for " + p.name;
  byID("pin-form").hidden = false;
  byID("pin-input").focus();
}

// selectProfile binds the session to p: POST /v1/profiles/{id}/select
// answers a token response carrying the profile. Without the route the
// choice is kept in the browser and sent as profile_id.
async function selectProfile(p, pin) {
  const r = await call("POST", "/v1/profiles/" + encodeURIComponent(p.id) + "/select", pin ? { pin } : {});
  if (!r) return;
  if (r.status === 200 || r.status === 201) {
    try {
      auth.storeTokens(parseTokenResponse(r.body, auth.tokens(), Date.now()));
    } catch (e) {
      return setStatus("Could not switch profile: " + e.message, true);
    }
  } else if (missing(r.status)) {
    // keep the choice in the browser
  } else if (p.has_pin && [400, 401, 403].includes(r.status)) {
    byID("pin-input").value = "";
    message(byID("pin-message"), "That PIN is not right. " + problemDetail(r.body), true);
    byID("pin-input").focus();
    return;
  } else {
    return setStatus("Could not switch profile: " + problemOr(r.body, r.status), true);
  }
  rememberProfile(p);
  closeProfileForms();
  setStatus("", false);
  home();
}

function editProfile(p) {
  closeProfileForms();
  state.editing = p ? p.id : "";
  byID("profile-form-title").textContent = p ? "Edit " + p.name : "Add profile";
  byID("profile-name").value = p ? p.name : "";
  byID("profile-kids").checked = p ? p.kids : false;
  byID("profile-delete").hidden = !p;
  byID("profile-form").hidden = false;
  byID("profile-name").focus();
}

async function saveProfile() {
  const name = byID("profile-name").value.trim(), kids = byID("profile-kids").checked;
  const msg = byID("profile-message");
  if (!name) return message(msg, "Enter a name.", true);
  const id = state.editing;
  const r = await call(id ? "PATCH" : "POST", id ? "/v1/profiles/" + encodeURIComponent(id) : "/v1/profiles", { name, kids });
  if (!r) return;
  if (r.status < 200 || r.status > 299) return message(msg, "Could not save the profile: " + problemOr(r.body, r.status), true);
  reloadProfiles();
}

async function deleteProfile() {
  const id = state.editing;
  if (!id) return;
  const r = await call("DELETE", "/v1/profiles/" + encodeURIComponent(id));
  if (!r) return;
  if (r.status < 200 || r.status > 299) return message(byID("profile-message"), "Could not delete the profile: " + problemOr(r.body, r.status), true);
  const sel = selectedProfile();
  if (sel && sel.id === id) sessionSet(keyProfile, "");
  reloadProfiles();
}

async function reloadProfiles() {
  const r = await call("GET", "/v1/profiles");
  if (!r) return;
  const v = r.status === 200 ? json(r.body) : null;
  if (v === null) return setStatus("Could not load profiles: " + problemOr(r.body, r.status), true);
  state.profiles = decodeProfiles(v);
  closeProfileForms();
  renderProfiles();
}

function bindProfiles() {
  byID("profiles-manage").addEventListener("click", () => {
    state.managing = !state.managing;
    const m = state.managing;
    byID("profiles-manage").textContent = m ? "Done" : "Manage profiles";
    byID("profiles-manage").setAttribute("aria-pressed", String(m));
    byID("profiles-heading").textContent = m ? "Manage profiles" : "Who's watching?";
    closeProfileForms();
    renderProfiles();
  });
  onSubmit("profile-form", saveProfile);
  byID("profile-cancel").addEventListener("click", closeProfileForms);
  byID("profile-delete").addEventListener("click", deleteProfile);
  onSubmit("pin-form", () => state.pinFor && selectProfile(state.pinFor, byID("pin-input").value));
  byID("pin-cancel").addEventListener("click", closeProfileForms);
}

function onSubmit(id, f) {
  byID(id).addEventListener("submit", (ev) => {
    ev.preventDefault();
    f();
  });
}

// ---- browse ----

// home shows the hero and the rows of GET /v1/browse/home, or the title
// grid when the origin has no browse rows (404).
async function home() {
  signedIn();
  show("view-browse", false);
  byID("search").value = "";
  showRows();
  setStatus("Loading…", false);
  const r = await call("GET", withProfile("/v1/browse/home"));
  if (!r) return;
  if (missing(r.status)) {
    byID("rows").textContent = "";
    byID("hero").hidden = true;
    byID("all-titles").hidden = false;
    return browse(false);
  }
  if (r.status !== 200) return setStatus("Could not load your home page: " + problemOr(r.body, r.status), true);
  const h = obj(json(r.body));
  if (!h) return setStatus("Could not load your home page: the answer is not a JSON object", true);
  byID("all-titles").hidden = true;
  const rows = byID("rows");
  rows.textContent = "";
  let featured = null, firstItem = null;
  for (const row of decodeRows(h)) {
    if (row.items.length === 0) continue;
    const sec = el("section", "row");
    sec.dataset.rowId = row.id;
    sec.id = "row-" + row.id;
    sec.appendChild(el("h2", "row-title", row.title));
    const items = el("div", "row-items nav-row");
    items.setAttribute("role", "list");
    for (const t of row.items) {
      items.appendChild(card(t));
      if (!featured && row.id !== "continue-watching" && row.id !== "my-list") featured = t;
    }
    firstItem = firstItem || row.items[0];
    sec.appendChild(items);
    rows.appendChild(sec);
  }
  setHero(featured || firstItem);
  if (rows.childElementCount === 0) return setStatus("Nothing to watch yet.", false);
  setStatus("", false);
  focusFirst(rows, ".nav-item");
}

function setHero(t) {
  state.hero = t;
  const hero = byID("hero");
  if (!t) {
    hero.hidden = true;
    return;
  }
  hero.hidden = false;
  byID("hero-title").textContent = t.title;
  byID("hero-facts").textContent = factsLine(t);
  byID("hero-synopsis").textContent = t.synopsis;
  const img = t.backdrop_url || t.poster_url;
  hero.style.backgroundImage = img ? "linear-gradient(90deg, rgba(11,11,15,0.95) 25%, rgba(11,11,15,0.2) 70%), url(" + cssURL(img) + ")" : "";
}

// showRows shows the home rows and hides search results.
function showRows() {
  byID("search-results").hidden = true;
  byID("rows").hidden = false;
  byID("hero").hidden = !state.hero;
}

// search runs GET /v1/search?q= for the search box; without the route it
// filters the title list by name.
async function search(q, seq) {
  if (ui.view !== "view-browse") await home();
  if (!q) return showRows();
  let r = await call("GET", withProfile("/v1/search?q=" + encodeURIComponent(q) + "&limit=48"));
  if (!r) return;
  let items;
  if (missing(r.status)) {
    r = await call("GET", "/v1/titles?limit=100");
    if (!r) return;
    const page = r.status === 200 ? obj(json(r.body)) : null;
    items = page ? decodeTitles(page.items).filter((t) => t.title.toLowerCase().includes(q.toLowerCase())) : [];
  } else if (r.status !== 200) {
    return setStatus("Search failed: " + problemOr(r.body, r.status), true);
  } else {
    const page = obj(json(r.body));
    if (!page) return setStatus("Search failed: the answer is not a JSON object", true);
    items = decodeTitles(page.items);
  }
  if (state.searchSeq !== seq) return; // a later query is on its way
  byID("hero").hidden = true;
  byID("rows").hidden = true;
  byID("all-titles").hidden = true;
  byID("search-results").hidden = false;
  const grid = byID("search-grid");
  grid.textContent = "";
  for (const t of items) grid.appendChild(card(t));
  byID("search-heading").textContent = (items.length === 0 ? "No titles match “" : "Results for “") + q + "”";
  setStatus("", false);
}

// browse shows the plain title grid (GET /v1/titles); more appends the
// next page.
async function browse(more) {
  const grid = byID("grid");
  let path = "/v1/titles?limit=24";
  if (more) {
    if (!state.next) return;
    path += "&cursor=" + encodeURIComponent(state.next);
  } else {
    grid.textContent = "";
  }
  setStatus("Loading titles…", false);
  const r = await call("GET", path);
  if (!r) return;
  if (r.status !== 200) return setStatus("Could not load titles: " + problemOr(r.body, r.status), true);
  const page = obj(json(r.body));
  if (!page) return setStatus("Could not load titles: the answer is not a JSON object", true);
  const items = decodeTitles(page.items);
  for (const t of items) grid.appendChild(card(t));
  state.next = str(page.next);
  byID("more").hidden = !state.next;
  if (grid.childElementCount === 0) return setStatus("No titles yet.", false);
  if (!more && items.length > 0) setHero(items[0]);
  setStatus("", false);
}

// card builds one .title-card: selecting it opens the title's detail, its
// Play button plays (or resumes) it at once.
function card(t) {
  const c = el("article", "title-card nav-item");
  c.setAttribute("role", "listitem");
  c.tabIndex = 0;
  c.setAttribute("aria-label", t.title);
  c.dataset.titleId = t.id;
  const img = el("img");
  img.alt = "";
  img.loading = "lazy";
  if (t.poster_url) img.src = t.poster_url;
  c.appendChild(img);
  const p = t.progress;
  if (p && p.duration_s > 0) {
    const bar = el("div", "progress"), fill = el("span");
    fill.style.width = percent(fraction(p.position_s, p.duration_s));
    bar.appendChild(fill);
    c.appendChild(bar);
  }
  const meta = el("div", "meta");
  meta.appendChild(el("h3", "", t.title));
  const facts = el("span", "facts", factsLine(t));
  if (t.maturity) facts.appendChild(el("span", "maturity", t.maturity));
  meta.appendChild(facts);
  if (t.synopsis) meta.appendChild(el("p", "synopsis", t.synopsis));
  const play = el("button", "btn play", p && resumeAt(p.position_s, p.duration_s) > 0 ? "▶ Resume" : "▶ Play");
  play.type = "button";
  play.tabIndex = -1;
  play.setAttribute("aria-label", "Play " + t.title);
  play.addEventListener("click", (ev) => {
    ev.stopPropagation(); // the card's click opens the detail
    playback.playSummary(ctx, t);
  });
  meta.appendChild(play);
  c.appendChild(meta);
  c.addEventListener("click", () => openDetail(t, true));
  return c;
}

function bindBrowse() {
  byID("search").addEventListener("input", () => {
    const seq = ++state.searchSeq;
    setTimeout(() => {
      if (state.searchSeq === seq) search(byID("search").value.trim(), seq);
    }, searchDebounceMs);
  });
  byID("hero-play").addEventListener("click", () => state.hero && playback.playSummary(ctx, state.hero));
  byID("hero-info").addEventListener("click", () => state.hero && openDetail(state.hero, true));
  byID("more").addEventListener("click", () => browse(true));
}

// ---- detail ----

// openDetail shows t's detail page from GET /v1/titles/{id}; without the
// detail route it shows what the summary has.
async function openDetail(t, push) {
  show("view-detail", push);
  renderDetail(t);
  const r = await call("GET", withProfile("/v1/titles/" + encodeURIComponent(t.id)));
  if (!r) return;
  if (r.status === 200) {
    const d = decodeTitle(json(r.body));
    if (d && d.id) {
      if (!d.progress) d.progress = t.progress;
      t = d;
    }
  } else if (!missing(r.status)) {
    setStatus("Could not load " + t.title + ": " + problemOr(r.body, r.status), true);
  }
  if (ui.view !== "view-detail") return; // the viewer moved on
  renderDetail(t);
  focusFirst(byID("view-detail"), "#detail-play");
}

function renderDetail(t) {
  state.detail = t;
  byID("detail-title").textContent = t.title;
  const facts = byID("detail-facts");
  facts.textContent = factsLine(t);
  if (t.maturity) facts.appendChild(el("span", "maturity", t.maturity));
  byID("detail-synopsis").textContent = t.synopsis;
  byID("detail-cast").textContent = t.cast.length ? "Cast: " + t.cast.join(", ") : "";
  byID("detail-genres").textContent = t.genres.length ? "Genres: " + t.genres.join(", ") : "";
  const img = t.backdrop_url || t.poster_url;
  byID("detail-backdrop").style.backgroundImage = img ? "linear-gradient(0deg, rgba(11,11,15,1) 5%, rgba(11,11,15,0.3) 60%), url(" + cssURL(img) + ")" : "";
  setMyList(t.in_my_list);
  let play = "▶ Play";
  const bar = byID("detail-progress");
  bar.hidden = true;
  const p = t.progress;
  if (p) {
    if (resumeAt(p.position_s, p.duration_s) > 0) {
      const ep = findEpisode(t, p.episode_id);
      play = ep ? "▶ Resume " + episodeLabel(ep) : "▶ Resume";
    }
    if (p.duration_s > 0) {
      bar.hidden = false;
      bar.firstElementChild.style.width = percent(fraction(p.position_s, p.duration_s));
    }
  }
  byID("detail-play").textContent = play;
  const series = t.kind === "series" && t.seasons.length > 0;
  byID("detail-series").hidden = !series;
  if (!series) return;
  const sel = byID("season-select");
  sel.textContent = "";
  const inProgress = p ? findEpisode(t, p.episode_id) : null;
  const current = inProgress ? inProgress.season : t.seasons[0].number;
  for (const s of t.seasons) {
    const o = el("option", "", s.name || "Season " + s.number);
    o.value = String(s.number);
    o.selected = s.number === current;
    sel.appendChild(o);
  }
  renderEpisodes(t, current);
}

// renderEpisodes lists season n's episodes; each plays on select.
function renderEpisodes(t, n) {
  const list = byID("episodes");
  list.textContent = "";
  for (const s of t.seasons) {
    if (s.number !== n) continue;
    for (let ep of s.episodes) {
      if (!ep.season) ep = { ...ep, season: s.number };
      const li = el("li", "episode nav-row");
      const b = el("button", "btn episode-play nav-item");
      b.type = "button";
      b.dataset.episodeId = ep.id;
      b.appendChild(el("span", "episode-name", episodeLabel(ep)));
      if (ep.runtime_s > 0) b.appendChild(el("span", "dim", " " + minutes(ep.runtime_s)));
      if (ep.playable === false) b.disabled = true;
      const episode = ep;
      b.addEventListener("click", () => playback.playTitle(ctx, t, episode, 0));
      li.appendChild(b);
      if (ep.synopsis) li.appendChild(el("p", "synopsis", ep.synopsis));
      list.appendChild(li);
    }
  }
}

function setMyList(inList) {
  const b = byID("detail-mylist");
  b.textContent = inList ? "✓ My List" : "+ My List";
  b.setAttribute("aria-pressed", String(inList));
}

// toggleMyList adds the detail's title to My List or removes it.
async function toggleMyList() {
  const d = state.detail;
  if (!d) return;
  const method = d.in_my_list ? "DELETE" : "PUT";
  const r = await call(method, withProfile("/v1/my-list/" + encodeURIComponent(d.id)));
  if (!r) return;
  if ((missing(r.status) && r.status !== 404) || (r.status === 404 && method === "PUT")) {
    setStatus("My List is not available yet.", true);
  } else if ((r.status >= 200 && r.status < 300) || r.status === 404) {
    if (state.detail && state.detail.id === d.id) state.detail.in_my_list = !d.in_my_list;
    setMyList(!!(state.detail && state.detail.in_my_list));
    setStatus("", false);
  } else {
    setStatus("Could not update My List: " + problemOr(r.body, r.status), true);
  }
}

function bindDetail() {
  byID("detail-back").addEventListener("click", back);
  byID("detail-play").addEventListener("click", () => state.detail && playback.playSummary(ctx, state.detail));
  byID("detail-mylist").addEventListener("click", toggleMyList);
  byID("season-select").addEventListener("change", () => state.detail && renderEpisodes(state.detail, Number(byID("season-select").value)));
}

// ---- devices and TV activation ----

// devices shows GET /v1/devices with rename and sign-out buttons.
async function devices() {
  show("view-devices", true);
  const list = byID("device-list");
  list.textContent = "";
  const r = await call("GET", "/v1/devices");
  if (!r) return;
  if (missing(r.status)) return setStatus("Device management is not available yet.", true);
  if (r.status !== 200) return setStatus("Could not load devices: " + problemOr(r.body, r.status), true);
  const v = json(r.body);
  if (v === null) return setStatus("Could not load devices: the answer is not JSON", true);
  const ds = decodeDevices(v);
  setStatus("", false);
  for (const d of ds) list.appendChild(deviceItem(d));
  if (ds.length === 0) list.appendChild(el("li", "dim", "No devices are signed in."));
  focusFirst(list, ".nav-item");
}

function deviceItem(d) {
  const li = el("li", "device nav-row");
  li.dataset.deviceId = d.id;
  if (d.current) li.classList.add("current");
  const info = el("div", "device-info");
  const name = d.name || d.class.slice(0, 1).toUpperCase() + d.class.slice(1);
  info.appendChild(el("strong", "device-name", name));
  const facts = [d.class];
  const seen = d.last_seen ? new Date(d.last_seen) : null;
  if (seen && !Number.isNaN(seen.getTime())) facts.push("last used " + shortDate(seen));
  info.appendChild(el("span", "dim", " " + facts.join(" · ")));
  if (d.current) info.appendChild(el("span", "badge", "This device"));
  li.appendChild(info);
  const input = el("input", "nav-item rename-input");
  input.type = "text";
  input.value = name;
  input.maxLength = 64;
  input.hidden = true;
  input.setAttribute("aria-label", "Device name");
  const rename = el("button", "btn nav-item", "Rename");
  rename.type = "button";
  rename.addEventListener("click", () => {
    if (input.hidden) {
      input.hidden = false;
      rename.textContent = "Save";
      return input.focus();
    }
    renameDevice(d, input.value.trim());
  });
  const revoke = el("button", "btn nav-item danger", "Sign out");
  revoke.type = "button";
  revoke.addEventListener("click", () => revokeDevice(d));
  li.append(input, rename, revoke);
  return li;
}

async function renameDevice(d, name) {
  if (!name) return setStatus("Enter a name for the device.", true);
  const r = await call("PATCH", "/v1/devices/" + encodeURIComponent(d.id), { name });
  if (!r) return;
  if (r.status < 200 || r.status > 299) return setStatus("Could not rename the device: " + problemOr(r.body, r.status), true);
  refreshDevices();
}

async function revokeDevice(d) {
  const r = await call("DELETE", "/v1/devices/" + encodeURIComponent(d.id));
  if (!r) return;
  if (r.status < 200 || r.status > 299) return setStatus("Could not sign the device out: " + problemOr(r.body, r.status), true);
  if (d.current) {
    await auth.signOut();
    sessionSet(keyProfile, "");
    byID("topnav").hidden = true;
    show("view-welcome", false);
    return setStatus("This device is signed out.", false);
  }
  refreshDevices();
}

function refreshDevices() {
  if (ui.history[ui.history.length - 1] === "view-devices") ui.history.pop();
  devices();
}

// activate shows the "Activate a TV" form, pre-filled with code.
function activate(code) {
  show("view-activate", true);
  setStatus("", false);
  message(byID("activate-message"), "", false);
  byID("user-code").value = code;
  byID("user-code").focus();
}

// decideDevice posts the code to /v1/device/approve or /v1/device/deny.
async function decideDevice(verb) {
  const code = byID("user-code").value.trim().toUpperCase();
  const msg = byID("activate-message");
  if (!code) return message(msg, "Enter the code shown on your TV.", true);
  const r = await call("POST", "/v1/device/" + verb, { user_code: code });
  if (!r) return;
  if (r.status >= 200 && r.status < 300) {
    message(msg, verb === "approve" ? "Your TV is activated. It will sign in in a few seconds." : "The request was denied. The TV will not be signed in.", false);
    byID("user-code").value = "";
  } else if (missing(r.status) && problemDetail(r.body) === "") {
    message(msg, "Activating TVs is not available yet.", true);
  } else {
    message(msg, "That code did not work: " + problemOr(r.body, r.status), true);
  }
}

// ---- the operator's QoE view ----

// operator shows the QoE per edge function version and device class (GET
// /v1/operator/qoe) as a table of bars, each scaled to its column's
// largest value.
async function operator() {
  show("view-operator", true);
  const table = byID("qoe-table");
  table.textContent = "";
  const r = await call("GET", "/v1/operator/qoe?since=" + encodeURIComponent(byID("qoe-since").value));
  if (!r) return;
  if (r.status === 403) return setStatus("The operator view needs the operator role.", true);
  if (r.status !== 200) return setStatus("Could not load QoE: " + problemOr(r.body, r.status), true);
  const sum = obj(json(r.body));
  if (!sum) return setStatus("Could not load QoE: the answer is not a JSON object", true);
  const rows = qoeRows(arr(sum.groups).map(obj).filter(Boolean));
  setStatus("", false);
  const head = el("tr");
  for (const h of qoeHeaders) head.appendChild(el("th", "", h));
  table.appendChild(head);
  for (const row of rows) {
    const tr = el("tr", "qoe-row");
    tr.dataset.fnVersion = row.fnVersion;
    tr.dataset.deviceClass = row.deviceClass;
    for (const c of row.cells) tr.appendChild(el("td", c.className, c.text));
    for (const b of row.bars) tr.appendChild(barCell(b));
    table.appendChild(tr);
  }
  if (rows.length === 0) {
    const tr = el("tr"), td = el("td", "dim", "No playback sessions reported in this window.");
    td.colSpan = qoeHeaders.length;
    tr.appendChild(td);
    table.appendChild(tr);
  }
}

// barCell is a table cell with a CSS bar of b.width and b.label.
function barCell(b) {
  const td = el("td", "bar-cell"), bar = el("span", "bar");
  bar.style.width = b.width;
  td.append(bar, el("span", "bar-label", b.label));
  return td;
}

// ---- start ----

function start() {
  byID("player").muted = false;
  onSubmit("signup-form", signUp);
  byID("signin").addEventListener("click", async () => {
    setStatus("Redirecting to sign in…", false);
    byID("view-welcome").hidden = true; // on its way to the sign-in page
    try {
      await signingUp;
      await auth.signIn();
    } catch (e) {
      byID("view-welcome").hidden = false;
      setStatus("Sign in failed: " + e.message, true);
    }
  });
  byID("signout").addEventListener("click", async () => {
    await playback.leavePlayback();
    await auth.signOut();
    sessionSet(keyProfile, "");
    byID("topnav").hidden = true;
    setStatus("You are signed out.", false);
    show("view-welcome", false);
  });
  const leaving = (f) => async () => {
    await playback.leavePlayback();
    f();
  };
  byID("nav-home").addEventListener("click", leaving(home));
  byID("nav-devices").addEventListener("click", leaving(devices));
  byID("nav-activate").addEventListener("click", leaving(() => activate("")));
  byID("nav-profile").addEventListener("click", leaving(() => pickProfile(true)));
  byID("devices-activate").addEventListener("click", () => activate(""));
  byID("qoe-refresh").addEventListener("click", operator);
  byID("back").addEventListener("click", back);
  onSubmit("activate-form", () => decideDevice("approve"));
  byID("activate-deny").addEventListener("click", () => decideDevice("deny"));
  bindProfiles();
  bindBrowse();
  bindDetail();
  playback.bindPlayer();
  bindKeys(back);
  // window.edgeflixPlay(url) plays a master playlist directly; it appears
  // once the engine is loaded, so a caller that waits for it starts a
  // play that does not wait for the download.
  window.edgeflixModule.then(() => {
    window.edgeflixPlay = (url) => {
      if (typeof url !== "string") return "edgeflixPlay(url): url must be a string";
      playback.playURL(url, url, { autoplay: true }, null);
    };
  }, (e) => {
    if (ui.view === "view-loading" || ui.view === "view-player") setStatus("Could not start the player: " + e.message, true);
  });
  route();
}

start();
