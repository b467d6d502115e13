"use strict";
// Shared by every page: building elements, times, the session (a token kept in localStorage under
// one key, so signing in on one page signs in every page), API calls that carry it, the sign-in form
// (user name and password, or an API token) and the header's "who" and navigation by role; live feeds
// (WebSockets) and transcript lines for the pages that show calls. Whatever the server sends goes into
// text nodes and attributes (el), and into selectors only through CSS.escape.
//
// A page has <section id="login" hidden></section>, one element with data-app (hidden until signed
// in), optionally <nav></nav> in its header (links to the other pages, by role), <span id="who"></span>
// and more elements with data-roles="role role". It calls startPage(onReady); onReady(me) runs once the
// token is known good.
// The pages a header's <nav> links to, and the roles that may open each (none: every role).
const PAGES = [
  { path: "/", id: "calls-link", title: "calls" },
  { path: "/agent", id: "agent-link", title: "agent panel", roles: "agent team_leader supervisor admin" },
  { path: "/wall", id: "wall-link", title: "live wall", roles: "team_leader supervisor admin" },
  { path: "/calibrations", id: "calibrations-link", title: "calibrations", roles: "quality_checker team_leader supervisor admin" },
  { path: "/scripts", id: "scripts-link", title: "scripts", roles: "team_leader supervisor admin" },
  { path: "/privacy", id: "privacy-link", title: "privacy", roles: "admin" },
  { path: "/outcomes", id: "outcomes-link", title: "outcomes", roles: "team_leader supervisor admin client" },
  { path: "/coaching", id: "coaching-link", title: "coaching" },
  { path: "/scorecards", id: "scorecards-link", title: "scorecards", roles: "team_leader supervisor admin" },
  { path: "/distribution", id: "distribution-link", title: "distribution", roles: "team_leader supervisor admin" },
  { path: "/reports", id: "reports-link", title: "reports", roles: "team_leader supervisor admin client" },
];

const TOKEN_KEY = "agentassist.token";
const session = { token: null, me: null };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

const fmtTime = (s) => s == null ? "" : `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

// A SIP party as people read it: `"Ann Lee" <sip:+4930123@pbx.example.com>` is {name: "Ann Lee",
// number: "+4930123"}; with no display name, name is "" (the URI's user part is the number; with no
// user part, its host).
function parseRemote(remote) {
  const text = (remote || "").trim();
  const m = /^(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*<([^>]*)>/.exec(text);
  const name = m ? (m[1] ?? m[2] ?? "").replace(/\\(.)/g, "$1").trim() : "";
  const uri = m ? m[3] : text;
  const at = /^(?:sips?:|tel:)?(?:([^@;]+)@)?([^;?>]*)/.exec(uri) || [];
  let number = at[1] || at[2] || uri;
  try { number = decodeURIComponent(number); } catch (e) { /* kept as sent */ }
  return { name, number, uri };
}

// ---- live feeds ---------------------------------------------------------------------------------
// A WebSocket opens with a one-use ticket (POST /api/ws-ticket, valid 30 s): a browser cannot send the
// Authorization header there, and a URL is logged by proxies and history, so the token never goes in one.
async function openSocket(path) {
  const { ticket } = await api("/api/ws-ticket", { method: "POST" });
  return new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}` +
    `${path.includes("?") ? "&" : "?"}ticket=${encodeURIComponent(ticket)}`);
}

// The header's <span id="conn">: whether the page's feed is live.
function showConn(live) {
  $("conn").textContent = live ? "live" : "offline";
  $("conn").className = `conn ${live ? "on" : "off"}`;
}

// A live feed at `path` whose JSON messages go to onMessage; stop() ends it for good, also while its
// ticket is on its way. The server refusing the token (close 4401) signs out. Options:
//   conn: its state shows in the header (showConn)
//   onOpen(): once open; what is fetched then misses no event (they queue on the socket meanwhile)
//   retryMs(code): opened again this many ms after the server closed it (code 0: a ticket refused, but
//     not for a bad token), while signed in; without it a feed ends at its first close
//   onRefused(message): signed in, but not allowed this feed (ticket 403, close 4403): not retried
//   onEnd(): it closed, or its ticket was refused, and it will not open again (not after stop())
function liveFeed(path, { onMessage, conn = false, onOpen, retryMs, onRefused, onEnd }) {
  const feed = { stopped: false, ws: null, stop() { feed.stopped = true; feed.ws?.close(); } };
  const open = async () => {
    if (feed.stopped) return;
    let ws;
    try { ws = await openSocket(path); } catch (e) {
      if (feed.stopped) return;
      if (e.status === 403 && onRefused) onRefused(e.message);
      else if (retryMs) { if (session.token && e.status !== 401) setTimeout(open, retryMs(0)); }
      else { console.error(e); onEnd?.(); }
      return;
    }
    if (feed.stopped) { ws.close(); return; }  // stopped (or another feed followed) meanwhile
    feed.ws = ws;
    ws.onopen = () => { if (conn) showConn(true); onOpen?.(); };
    ws.onmessage = (m) => onMessage(JSON.parse(m.data));
    ws.onclose = (e) => {
      if (feed.stopped) return;  // ended by the page
      feed.ws = null;
      if (conn) showConn(false);
      if (e.code === 4401) signOut("The token was refused: sign in again.");
      else if (e.code === 4403 && onRefused) onRefused(e.reason);
      else if (retryMs) { if (session.token) setTimeout(open, retryMs(e.code)); return; }
      onEnd?.();
    };
  };
  open();
  return feed;
}

// An <audio> plays a recording from a signed link (POST .../recording/link: this user, 5 minutes; its
// Range requests reuse it). A seek that fails once the link has expired gets a fresh link, at the same time.
// `linkPath`: another signed link's route (a coaching clip's: POST /api/coaching/clips/{id}/audio/link).
async function playRecording(player, callId, linkPath = `/api/calls/${encodeURIComponent(callId)}/recording/link`) {
  const link = async () => {
    player.dataset.linkAt = String(Date.now());
    return (await api(linkPath, { method: "POST" })).url;
  };
  player.dataset.call = callId;
  player.onerror = async () => {
    // a link younger than a minute failed for another reason (no recording): asking again would loop
    if (player.dataset.call !== callId || Date.now() - Number(player.dataset.linkAt) < 60_000) return;
    const at = player.currentTime, playing = !player.paused;
    try { player.src = await link(); } catch (e) { return; }
    player.currentTime = at;
    if (playing) player.play().catch(() => {});
  };
  player.src = await link();
}

// body: the answer as sent (a 422's "errors" list their {loc, msg}: a page may show each at its field)
class ApiError extends Error {
  constructor(status, message, body) { super(message); this.status = status; this.body = body; }
}

// ---- transcript lines ---------------------------------------------------------------------------
// One utterance is one line: <li class="CHANNEL [partial]" data-utt="ID" data-start="S"> with the
// speaker (<span class="who">, by default the channel and the time) before the text, which is the
// line's last child: a later partial, the final or a revision replaces it. `attrs`: more attributes.
function lineItem(u, { partial = false, who = `${u.channel} · ${fmtTime(u.start)}`, ...attrs } = {}) {
  return el("li", { class: `${u.channel}${partial ? " partial" : ""}`, "data-utt": u.id, "data-start": u.start ?? "", ...attrs },
    el("span", { class: "who" }, who), u.text);
}

// Utterance `u` (a partial, or a final) in `list`: the text of its line replaced, or a new line at the
// end; a stale partial after its final changes nothing. Options: partial, who (as lineItem),
// finalsAbove (a new final goes above the partials still being spoken), keep (only the last `keep`
// finals stay; 0 keeps all), follow (a new line scrolls the list to its end).
function putLine(list, u, { partial = false, who, finalsAbove = false, keep = 0, follow = false } = {}) {
  const existing = list.querySelector(`[data-utt="${CSS.escape(u.id)}"]`);
  if (existing) {
    if (partial && !existing.classList.contains("partial")) return;  // a stale partial after its final
    existing.lastChild.textContent = u.text;
    existing.classList.toggle("partial", partial);
  } else {
    const added = lineItem(u, { partial, who });
    list.insertBefore(added, finalsAbove && !partial ? list.querySelector("li.partial") : null);
    if (follow) list.scrollTop = list.scrollHeight;
  }
  if (keep) {
    const finals = list.querySelectorAll("li:not(.partial)");
    for (let i = 0; i < finals.length - keep; i++) finals[i].remove();
  }
}

// A revised final (utterance.revised) replaces the text of its line in `list`; a line no longer shown
// stays gone.
function reviseLine(list, u) {
  const li = list.querySelector(`li[data-utt="${CSS.escape(u.id)}"]:not(.partial)`);
  if (li && u.text) li.lastChild.textContent = u.text;
  else if (li) li.remove();  // revised to no text: its words went to the line before or after
}

// A table row that opens something on a click (it has tabindex="0") opens it on Enter or Space too.
document.addEventListener("keydown", (e) => {
  if (e.key !== "Enter" && e.key !== " " || e.ctrlKey || e.metaKey || e.altKey) return;
  if (!(e.target instanceof Element) || !e.target.matches("tbody tr[tabindex]")) return;
  e.preventDefault();
  e.target.click();
});

async function api(path, { method = "GET", body } = {}) {
  const headers = { Authorization: `Bearer ${session.token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = r.headers.get("content-type")?.includes("json") ? await r.json() : null;
  if (r.status === 401) signOut("The token was refused: sign in again.");
  if (!r.ok) throw new ApiError(r.status, errorText(data && data.detail) || `${method} ${path}: ${r.status}`, data);
  return data;
}

// An error's detail as people read it: FastAPI's 422 sends a list of {loc, msg}, the others a text.
function errorText(detail) {
  if (!Array.isArray(detail)) return detail;
  return detail.map((d) => `${(d.loc || []).filter((l) => l !== "body").join(".")}: ${d.msg}`).join("; ");
}

function appRoot() { return document.querySelector("[data-app]"); }

// Back to the sign-in form: the token is forgotten on every page of this browser.
function signOut(message) {
  localStorage.removeItem(TOKEN_KEY);
  session.token = null;
  session.me = null;
  const root = appRoot();
  if (root) root.hidden = true;
  const who = $("who");
  if (who) who.textContent = "";
  const out = $("sign-out");
  if (out) out.remove();
  $("login").hidden = false;
  $("login-error").textContent = message || "";
}

function loginForm(onReady) {
  const form = el("form", { id: "login-form" },
    el("label", { for: "login-name" }, "User name"),
    el("input", { id: "login-name", autocomplete: "username" }),
    el("label", { for: "login-password" }, "Password"),
    el("input", { id: "login-password", type: "password", autocomplete: "current-password" }),
    el("button", { type: "submit" }, "Sign in"),
    el("details", { id: "token-login" },
      el("summary", {}, "Use an API token instead"),
      el("label", { for: "token-input" }, "API token"),
      el("input", { id: "token-input", type: "password", autocomplete: "off",
        placeholder: "from `agentassist users add`" })),
    el("p", { id: "login-error", class: "error", role: "alert" }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const name = $("login-name").value.trim();
    const token = $("token-input").value.trim();
    $("login-error").textContent = "";
    if (name) {
      const r = await fetch("/api/login", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name, password: $("login-password").value }),
      });
      const data = r.headers.get("content-type")?.includes("json") ? await r.json() : {};
      if (!r.ok) { $("login-error").textContent = data.detail || t("Sign in failed: {status}", { status: r.status }); return; }
      $("login-password").value = "";
      await enter(data.token, onReady);
    } else if (token) {
      $("token-input").value = "";
      await enter(token, onReady);
    } else {
      $("login-error").textContent = "Enter your user name and password, or an API token.";
    }
  });
  $("login").replaceChildren(form);
  $("login").setAttribute("role", "main");  // the page's main part while signed out (its <main> is hidden)
}

async function enter(token, onReady) {
  session.token = token;
  let me;
  try { me = await api("/api/me"); } catch (e) {
    if (e.status !== 401) { signOut(t("Could not sign in: {error}", { error: e.message })); }
    return;
  }
  localStorage.setItem(TOKEN_KEY, token);
  session.me = me;
  if (typeof i18nSignedIn === "function") await i18nSignedIn(me);  // the user's language (i18n.js)
  const who = $("who");
  if (who) {
    who.textContent = `${me.name} (${t(me.role)})`;
    if (!$("sign-out")) who.after(el("button", { id: "sign-out", type: "button", class: "link", onclick: logout }, "Sign out"));
  }
  const nav = document.querySelector("header nav");
  if (nav && !nav.children.length) {
    nav.append(...PAGES.filter((p) => p.path !== location.pathname).map((p) =>
      el("a", { href: p.path, class: "nav", id: p.id, ...(p.roles ? { "data-roles": p.roles } : {}) }, p.title)));
  }
  document.querySelectorAll("[data-roles]").forEach((n) => { n.hidden = !n.dataset.roles.split(" ").includes(me.role); });
  $("login").hidden = true;
  appRoot().hidden = false;
  await onReady(me);
}

async function logout() {
  // a password login's token ends on the server, and the sockets it opened close; an API token stays valid
  try { await fetch("/api/logout", { method: "POST", headers: { Authorization: `Bearer ${session.token}` } }); }
  catch (e) { /* signed out here all the same */ }
  localStorage.removeItem(TOKEN_KEY);
  location.replace(location.pathname);  // a fresh page: no feed or timer of the old session survives
}

// ?token=... signs in once and leaves the address bar; otherwise the saved token, or the form.
async function startPage(onReady) {
  const params = new URLSearchParams(location.search);
  const urlToken = params.get("token");
  if (urlToken) {
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", `${location.pathname}${rest ? `?${rest}` : ""}`);
  }
  loginForm(onReady);
  const token = urlToken || localStorage.getItem(TOKEN_KEY);
  if (token) await enter(token, onReady); else signOut();
}
