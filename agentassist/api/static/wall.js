"use strict";
// agentassist team wall: a tile per agent of this user's scope (GET /api/wall/agents, every few seconds)
// with their state; an agent in a call shows the call live (WS /api/wall): its step, last lines and
// alerts; click one (or Enter on it) to follow its whole transcript (WS /api/calls/{id}/live), or its
// Listen button to hear it (listen.js). Above
// them, today's numbers (GET /api/wall/kpis) and the agents by state. Sorting and filters are
// remembered in localStorage.
const state = {
  calls: new Map(),  // call id -> { call: the wall's tile JSON, part: its step/lines/alerts, alerts, base, at }
  roster: new Map(),  // agent name -> their entry from /api/wall/agents
  tiles: new Map(),  // agent name -> <article>
  lines: 6, drill: null,
};
const VIEW_KEY = "agentassist.wall.view";
const view = { sort: "alert", state: "", team: "", alerts: false, ...readView() };
const STATES = { in_call: "in call", on_hold: "on hold", ringing: "ringing", wrap_up: "wrap-up", idle: "idle", offline: "offline" };
const AGENTS_EVERY_MS = 5000;  // desks, ringing and dispositions are not on the feed: asked this often
const KPIS_EVERY_MS = 30000;

function readView() {
  try { return JSON.parse(localStorage.getItem(VIEW_KEY) || "{}"); } catch (e) { return {}; }
}

// ---- a call's part of its agent's tile -------------------------------------------------------------
// it keeps its last few finals, and the lines being spoken below them
function wallLine(list, u, partial, keep) {
  putLine(list, u, { partial, who: u.channel, finalsAbove: true, keep });
}

function renderStep(node, step) {
  node.replaceChildren(...(step && step.id ? [el("b", {}, step.id), step.prompt || ""] : []));
}

function alertItem(a) { return el("div", { class: "alert", "data-alert": a.type || "" }, a.message || a.type || "alert"); }

function putCall(call) {
  const part = el("div", { class: "call-part" },
    el("div", { class: "call-head" }, el("span", { class: "remote", translate: "no" }, call.remote || ""), el("span", { class: "badge" }, ""),
      listenButton(call)),
    el("div", { class: "step" }), el("ol", { class: "lines" }), el("div", { class: "alerts" }));
  renderStep(part.querySelector(".step"), call.step);
  const list = part.querySelector(".lines");
  for (const u of call.lines || []) wallLine(list, u, !u.final, 0);
  const alerts = part.querySelector(".alerts");
  for (const a of call.alerts || []) alerts.append(alertItem(a));
  const old = state.calls.get(call.call_id);
  old?.part.remove();
  const entry = { call, part, alerts: Math.max((call.alerts || []).length, old?.alerts || 0), base: call.duration_s || 0, at: Date.now() };
  state.calls.set(call.call_id, entry);
  setFlags(entry, call);
}

function setFlags(entry, flags) {
  Object.assign(entry.call, flags);
  const c = entry.call;
  const behind = c.behind ? t("transcript {s} s behind", { s: Math.round(c.lag_s || 0) }) : "";
  const words = [c.on_hold ? t("on hold") : "", c.paused ? t("paused") : "", behind].filter(Boolean);
  entry.part.querySelector(".badge").textContent = words.join(" · ");
}

// ---- agents: what each tile shows ----------------------------------------------------------------
// An agent's live calls (from the feed) decide in call / on hold at once; otherwise the state the
// server derived (docs/wall.md). Agents outside the roster (not agent users) show while in a call.
function agentViews() {
  const byAgent = new Map();
  for (const [name, a] of state.roster) byAgent.set(name, { name, teams: a.teams, entry: a, calls: [] });
  for (const c of state.calls.values()) {
    const name = c.call.agent || "—";
    if (!byAgent.has(name)) byAgent.set(name, { name, teams: [], entry: null, calls: [] });
    byAgent.get(name).calls.push(c);
  }
  const now = Date.now();
  return [...byAgent.values()].map((v) => {
    const calls = v.calls.sort((a, b) => b.base - a.base);
    const talking = calls.filter((c) => !c.call.on_hold);
    const current = (talking.length ? talking : calls)[0];
    const s = current ? (talking.length ? "in_call" : "on_hold") : (v.entry?.state || "offline");
    const seconds = current ? current.base + (now - current.at) / 1000
      : v.entry?.since ? (now - Date.parse(v.entry.since)) / 1000 : null;
    const alerts = Math.max(calls.reduce((n, c) => n + c.alerts, 0), current ? v.entry?.alerts || 0 : 0);
    return { ...v, state: s, current, seconds, alerts, ringing: v.entry?.ringing || 0 };
  });
}

function passesFilters(v) {
  return (!view.state || v.state === view.state) && (!view.team || v.teams.includes(view.team)) && (!view.alerts || v.alerts > 0);
}

const SORTS = {
  alert: (a, b) => b.alerts - a.alerts || (b.current ? b.seconds : -1) - (a.current ? a.seconds : -1) || a.name.localeCompare(b.name),
  duration: (a, b) => (b.current ? b.seconds : -1) - (a.current ? a.seconds : -1) || a.name.localeCompare(b.name),
  name: (a, b) => a.name.localeCompare(b.name),
};

function tileFor(name) {
  let node = state.tiles.get(name);
  if (!node) {
    node = el("article", { class: "tile", tabindex: "0", "data-agent": name,
      onclick: () => { if (node.dataset.call) openDrill(node.dataset.call); },
      onkeydown: (e) => { if ((e.key === "Enter" || e.key === " ") && node.dataset.call) { e.preventDefault(); openDrill(node.dataset.call); } } },
      el("div", { class: "tile-head" },
        el("span", { class: "agent", translate: "no" }, name), el("span", { class: "state" }, ""), el("span", { class: "timer" }, "")),
      el("div", { class: "teams" }), el("div", { class: "slot" }));
    state.tiles.set(name, node);
  }
  return node;
}

function render() {
  const views = agentViews();
  const box = document.getElementById("wall");
  const visible = views.filter(passesFilters).sort(SORTS[view.sort] || SORTS.alert);
  for (const [name, node] of state.tiles) if (!views.some((v) => v.name === name)) { node.remove(); state.tiles.delete(name); }
  const nodes = visible.map((v) => {
    const node = tileFor(v.name);
    node.dataset.state = v.state;
    if (v.current) node.dataset.call = v.current.call.call_id; else delete node.dataset.call;
    node.classList.toggle("alerting", v.alerts > 0);
    node.classList.toggle("behind", !!v.current?.call.behind);  // its transcript is behind (wall.lag)
    node.classList.toggle("open", !!(state.drill && v.current && state.drill.callId === v.current.call.call_id));
    const words = t(STATES[v.state]) + (v.ringing && v.state !== "ringing" ? ` · ${t("{n} ringing", { n: v.ringing })}` : "")
      + (v.alerts ? ` · ${t("{n} alert|{n} alerts", { n: v.alerts })}` : "");
    node.querySelector(".state").textContent = words;
    node.querySelector(".timer").textContent = v.seconds == null ? "" : fmtTime(Math.max(0, v.seconds));
    node.querySelector(".teams").textContent = v.teams.join(", ");
    const slot = node.querySelector(".slot");
    if (v.current) { if (slot.firstChild !== v.current.part) slot.replaceChildren(v.current.part); } else slot.replaceChildren();
    node.setAttribute("aria-label", `${v.name}: ${words}${v.current ? t(", press Enter to follow the call") : ""}`);
    return node;
  });
  const same = nodes.length === box.children.length && nodes.every((n, i) => box.children[i] === n);
  if (nodes.length && !same) {
    const focused = document.activeElement;  // moving a tile would drop the keyboard's place
    box.replaceChildren(...nodes);
    if (focused && nodes.includes(focused)) focused.focus();
  } else if (!nodes.length) {
    box.replaceChildren(el("p", { class: "empty" }, views.length ? "No agent matches these filters." : "No agents."));
  }
  document.getElementById("wall-count").textContent = nodes.length === views.length ? views.length
    : t("{shown} of {n}", { shown: nodes.length, n: views.length });
  const counts = {};
  for (const v of views) if (!view.team || v.teams.includes(view.team)) counts[v.state] = (counts[v.state] || 0) + 1;
  document.getElementById("state-counts").replaceChildren(...Object.keys(STATES).map((s) =>
    el("span", { class: "state-count", "data-state": s }, el("b", {}, String(counts[s] || 0)), ` ${t(STATES[s])}`)));
}

function tileOf(callId) { return document.querySelector(`#wall article[data-call="${CSS.escape(callId)}"]`); }

setInterval(() => {
  for (const v of agentViews()) {
    const node = state.tiles.get(v.name);
    if (node && v.seconds != null) node.querySelector(".timer").textContent = fmtTime(Math.max(0, v.seconds));
  }
}, 1000);

// ---- the roster and the numbers ------------------------------------------------------------------
let rosterTimer = null;
async function loadAgents() {
  clearTimeout(rosterTimer);
  try {
    const { agents } = await api("/api/wall/agents");
    state.roster = new Map(agents.map((a) => [a.name, a]));
    const teams = [...new Set(agents.flatMap((a) => a.teams))].sort();
    const select = document.getElementById("filter-team");
    const have = [...select.options].map((o) => o.value).slice(1);
    if (have.join() !== teams.join()) {
      select.replaceChildren(el("option", { value: "" }, "every team"), ...teams.map((t) => el("option", { value: t }, t)));
      if (view.team && !teams.includes(view.team)) { view.team = ""; localStorage.setItem(VIEW_KEY, JSON.stringify(view)); loadKpis(); }
      select.value = view.team;  // a remembered team that is gone (or out of scope) is forgotten
    }
    render();
  } catch (e) { if (e.status === 403) { notAllowed(e.message); return; } console.error(e); }
  rosterTimer = setTimeout(loadAgents, AGENTS_EVERY_MS);
}
let soon = null;  // a call came or went: the roster again shortly (its row, a wrap-up)
function loadAgentsSoon() { clearTimeout(soon); soon = setTimeout(loadAgents, 300); }

function localMidnight() { const d = new Date(); d.setHours(0, 0, 0, 0); return d.toISOString(); }

let kpiTimer = null;
async function loadKpis() {
  clearTimeout(kpiTimer);
  const q = new URLSearchParams({ from: localMidnight() });
  if (view.team) q.set("team", view.team);
  try {
    const k = await api(`/api/wall/kpis?${q}`);
    const put = (name, text) => { document.querySelector(`[data-kpi="${name}"] .v`).textContent = text; };
    put("calls", String(k.calls));
    put("aht", k.aht_s == null ? "—" : fmtTime(k.aht_s));
    put("adherence", k.adherence_mean == null ? "—" : `${Math.round(k.adherence_mean * 100)} %`);
    put("alerts", String(k.alerts));
    document.getElementById("kpis").dataset.team = k.team || "";
  } catch (e) { console.error(e); }
  kpiTimer = setTimeout(loadKpis, KPIS_EVERY_MS);
}

function bindTools() {
  const controls = { sort: "sort", state: "filter-state", team: "filter-team" };
  for (const [key, id] of Object.entries(controls)) {
    const select = document.getElementById(id);
    if (key === "team" && view.team) select.append(el("option", { value: view.team }, view.team));
    select.value = view[key] || (key === "sort" ? "alert" : "");
    select.addEventListener("change", () => { view[key] = select.value; saveView(); if (key === "team") loadKpis(); });
  }
  const alerts = document.getElementById("filter-alerts");
  alerts.checked = !!view.alerts;
  alerts.addEventListener("change", () => { view.alerts = alerts.checked; saveView(); });
  document.getElementById("wall-tools").addEventListener("submit", (e) => e.preventDefault());
}

function saveView() { localStorage.setItem(VIEW_KEY, JSON.stringify(view)); render(); }

// ---- the feed ------------------------------------------------------------------------------------
const FLAGS = { "call.held": { on_hold: true }, "call.unheld": { on_hold: false },
  "call.paused": { paused: true }, "call.resumed": { paused: false } };

function onMessage(m) {
  if (m.type === "wall.snapshot") {
    state.lines = m.lines || state.lines;
    for (const c of state.calls.values()) c.part.remove();
    state.calls.clear();
    m.calls.forEach(putCall);
    render();
    return;
  }
  if (m.type === "wall.call") { putCall(m.call); render(); loadAgentsSoon(); return; }
  if (m.type === "call.ended") {
    if (state.calls.has(m.call_id)) { state.calls.get(m.call_id).part.remove(); state.calls.delete(m.call_id); render(); }
    loadAgentsSoon();
    return;
  }
  const entry = state.calls.get(m.call_id);
  if (!entry) return;  // its wall.call comes first; anything else is for a call this user does not see
  const part = entry.part;
  if (m.type === "utterance.final" || m.type === "utterance.partial") {
    wallLine(part.querySelector(".lines"), m.utterance, m.type === "utterance.partial", state.lines);
  } else if (m.type === "utterance.revised") {
    reviseLine(part.querySelector(".lines"), m.utterance);
  } else if (m.type === "assist.prompt") {
    entry.call.step = { id: m.prompt.step_id, prompt: m.prompt.text };
    renderStep(part.querySelector(".step"), entry.call.step);
    if (state.drill?.callId === m.call_id) renderStep(document.getElementById("drill-prompt"), entry.call.step);
  } else if (m.type === "assist.alert") {
    const alerts = part.querySelector(".alerts");
    alerts.append(alertItem(m.alert));
    while (alerts.children.length > 5) alerts.firstChild.remove();
    entry.alerts += 1;
    render();
  } else if (m.type === "wall.lag") { setFlags(entry, { behind: m.behind, lag_s: m.lag_s }); render(); }
  else if (FLAGS[m.type]) { setFlags(entry, FLAGS[m.type]); render(); }
}

function connect() {
  liveFeed("/api/wall", {
    conn: true, onMessage,
    retryMs: (code) => code === 4408 ? 0 : 2000,  // 4408, too slow: a fresh snapshot now
    onRefused: (message) => notAllowed(message || "This account may not watch the wall."),
  });
}

// ---- drill into one call --------------------------------------------------------------------------
// The drill's feed opens first and the stored transcript is fetched once it is open; events that come
// before the transcript are applied after it.
function openDrill(callId) {
  closeDrill();
  const tile = state.calls.get(callId);
  const box = document.getElementById("drill");
  box.hidden = false;
  box.dataset.call = callId;
  tileOf(callId)?.classList.add("open");
  document.getElementById("drill-title").textContent = tile ? `${tile.call.agent} · ${tile.call.remote}` : callId;
  renderStep(document.getElementById("drill-prompt"), tile?.call.step);
  const list = document.getElementById("drill-transcript");
  list.replaceChildren();
  const pending = [];
  let loaded = false;
  const apply = (ev) => {
    if (ev.type === "utterance.final") wallLine(list, ev.utterance, false, 0);
    else if (ev.type === "utterance.partial") wallLine(list, ev.utterance, true, 0);
    else if (ev.type === "utterance.revised") reviseLine(list, ev.utterance);
    list.scrollTop = list.scrollHeight;
  };
  const load = async () => {
    try {
      const t = await api(`/api/calls/${encodeURIComponent(callId)}/transcript`);
      if (state.drill?.feed !== feed) return;
      t.utterances.forEach((u) => wallLine(list, u, false, 0));
    } catch (e) { /* a fresh call has nothing stored yet */ }
    loaded = true;
    pending.forEach(apply);
  };
  const feed = liveFeed(`/api/calls/${encodeURIComponent(callId)}/live`, {
    onMessage: (ev) => { if (loaded) apply(ev); else pending.push(ev); }, onOpen: load,
  });
  state.drill = { callId, feed };
}

function closeDrill() {
  if (state.drill) { state.drill.feed.stop(); tileOf(state.drill.callId)?.classList.remove("open"); }
  state.drill = null;
  document.getElementById("drill").hidden = true;
}
document.getElementById("drill-close").addEventListener("click", closeDrill);

function notAllowed(message) {  // signed in, but not for this page: the session stays for the others
  appRoot().replaceChildren(el("p", { id: "not-allowed", class: "error" }, message, " ", el("a", { href: "/" }, "Back to the calls")));
}

// ---- start ---------------------------------------------------------------------------------------
// Team leaders, supervisors and admins watch the wall; anyone else is told so on the sign-in form.
startPage(async (me) => {
  if (!["team_leader", "supervisor", "admin"].includes(me.role)) {
    const role = me.role.replace("_", " "), said = { name: me.name, role: t(me.role) === me.role ? role : t(me.role) };
    notAllowed(/^[aeiou]/.test(role)
      ? t("Signed in as {name}, an {role}: the team wall is for team leaders, supervisors and admins.", said)
      : t("Signed in as {name}, a {role}: the team wall is for team leaders, supervisors and admins.", said));
    return;
  }
  bindTools();
  bindListening();
  connect();
  loadAgents();
  loadKpis();
});
