"use strict";
// agentassist live wall: a tile per active call (WS /api/wall); click one to follow its whole transcript
// (WS /api/calls/{id}/live).
const state = { tiles: new Map(), lines: 6, ws: null, drill: null };

// ---- tiles ----------------------------------------------------------------------------------------
function lineItem(u, partial) {
  return el("li", { class: `${u.channel}${partial ? " partial" : ""}`, "data-utt": u.id, "data-start": u.start ?? "" },
    el("span", { class: "who" }, u.channel), u.text);
}

function putLine(list, u, partial, keep) {
  const existing = list.querySelector(`[data-utt="${CSS.escape(u.id)}"]`);
  if (existing) {
    if (partial && !existing.classList.contains("partial")) return;  // a stale partial after its final
    existing.lastChild.textContent = u.text;
    existing.classList.toggle("partial", partial);
  } else {
    const li = lineItem(u, partial);
    const firstPartial = partial ? null : list.querySelector("li.partial");
    list.insertBefore(li, firstPartial);  // finals stay above the partials still being spoken
  }
  if (keep) {
    const finals = list.querySelectorAll("li:not(.partial)");
    for (let i = 0; i < finals.length - keep; i++) finals[i].remove();
  }
}

function renderStep(node, step) {
  node.replaceChildren(...(step && step.id ? [el("b", {}, step.id), step.prompt || ""] : []));
}

function alertItem(a) { return el("div", { class: "alert", "data-alert": a.type || "" }, a.message || a.type || "alert"); }

function makeTile(call) {
  const node = el("article", { class: "tile", "data-call": call.call_id, onclick: () => openDrill(call.call_id) },
    el("div", { class: "tile-head" },
      el("span", { class: "agent" }, call.agent || "—"), el("span", { class: "remote" }, call.remote || ""),
      el("span", { class: "badge" }, ""), el("span", { class: "timer" }, fmtTime(call.duration_s))),
    el("div", { class: "step" }),
    el("ol", { class: "lines" }),
    el("div", { class: "alerts" }));
  const tile = { call, node, base: call.duration_s || 0, at: Date.now() };
  renderStep(node.querySelector(".step"), call.step);
  const list = node.querySelector(".lines");
  for (const u of call.lines || []) putLine(list, u, !u.final, 0);
  const alerts = node.querySelector(".alerts");
  for (const a of call.alerts || []) alerts.append(alertItem(a));
  node.classList.toggle("alerting", (call.alerts || []).length > 0);
  setFlags(tile, call);
  return tile;
}

function setFlags(tile, flags) {
  Object.assign(tile.call, flags);
  const words = [tile.call.on_hold ? "on hold" : "", tile.call.paused ? "paused" : ""].filter(Boolean);
  tile.node.querySelector(".badge").textContent = words.join(" · ");
}

function putTile(call) {
  const old = state.tiles.get(call.call_id);
  const tile = makeTile(call);
  state.tiles.set(call.call_id, tile);
  const box = document.getElementById("wall");
  if (old) old.node.replaceWith(tile.node);
  else { box.querySelector(".empty")?.remove(); box.append(tile.node); }
  if (state.drill && state.drill.callId === call.call_id) tile.node.classList.add("open");
  count();
}

function removeTile(callId) {
  const tile = state.tiles.get(callId);
  if (!tile) return;
  tile.node.remove();
  state.tiles.delete(callId);
  count();
}

function count() {
  document.getElementById("wall-count").textContent = state.tiles.size;
  const box = document.getElementById("wall");
  if (!state.tiles.size && !box.querySelector(".empty")) box.replaceChildren(el("p", { class: "empty" }, "No active calls."));
}

setInterval(() => {
  for (const t of state.tiles.values()) t.node.querySelector(".timer").textContent = fmtTime(t.base + (Date.now() - t.at) / 1000);
}, 1000);

const FLAGS = { "call.held": { on_hold: true }, "call.unheld": { on_hold: false },
  "call.paused": { paused: true }, "call.resumed": { paused: false } };

function onMessage(m) {
  if (m.type === "wall.snapshot") {
    state.lines = m.lines || state.lines;
    for (const t of state.tiles.values()) t.node.remove();
    state.tiles.clear();
    count();
    m.calls.forEach(putTile);
    return;
  }
  if (m.type === "wall.call") { putTile(m.call); return; }
  if (m.type === "call.ended") { removeTile(m.call_id); return; }
  const tile = state.tiles.get(m.call_id);
  if (!tile) return;  // its wall.call comes first; anything else is for a call this user does not see
  const node = tile.node;
  if (m.type === "utterance.final" || m.type === "utterance.partial") {
    putLine(node.querySelector(".lines"), m.utterance, m.type === "utterance.partial", state.lines);
  } else if (m.type === "utterance.revised") {
    reviseLine(node.querySelector(".lines"), m.utterance);
  } else if (m.type === "assist.prompt") {
    tile.call.step = { id: m.prompt.step_id, prompt: m.prompt.text };
    renderStep(node.querySelector(".step"), tile.call.step);
    if (state.drill?.callId === m.call_id) renderStep(document.getElementById("drill-prompt"), tile.call.step);
  } else if (m.type === "assist.alert") {
    const alerts = node.querySelector(".alerts");
    alerts.append(alertItem(m.alert));
    while (alerts.children.length > 5) alerts.firstChild.remove();
    node.classList.add("alerting");
  } else if (FLAGS[m.type]) setFlags(tile, FLAGS[m.type]);
}

async function connect() {
  let ws;
  try { ws = await openSocket("/api/wall"); } catch (e) {
    if (e.status === 403) notAllowed(e.message);
    else if (session.token && e.status !== 401) setTimeout(connect, 2000);
    return;
  }
  state.ws = ws;
  const conn = document.getElementById("conn");
  ws.onopen = () => { conn.textContent = "live"; conn.className = "conn on"; };
  ws.onmessage = (e) => onMessage(JSON.parse(e.data));
  ws.onclose = (e) => {
    conn.textContent = "offline"; conn.className = "conn off";
    if (e.code === 4401) { signOut("The token was refused: sign in again."); return; }
    if (e.code === 4403) { notAllowed(e.reason || "This account may not watch the wall."); return; }
    if (session.token) setTimeout(connect, e.code === 4408 ? 0 : 2000);  // too slow: a fresh snapshot now
  };
}

// ---- drill into one call --------------------------------------------------------------------------
async function openDrill(callId) {
  closeDrill();
  const tile = state.tiles.get(callId);
  const box = document.getElementById("drill");
  box.hidden = false;
  box.dataset.call = callId;
  tile?.node.classList.add("open");
  document.getElementById("drill-title").textContent = tile ? `${tile.call.agent} · ${tile.call.remote}` : callId;
  renderStep(document.getElementById("drill-prompt"), tile?.call.step);
  const list = document.getElementById("drill-transcript");
  list.replaceChildren();
  let ws;
  try { ws = await openSocket(`/api/calls/${encodeURIComponent(callId)}/live`); } catch (e) { console.error(e); return; }
  if (box.dataset.call !== callId || box.hidden) { ws.close(); return; }  // closed or another opened meanwhile
  state.drill = { callId, ws };
  const pending = [];
  let loaded = false;
  const apply = (ev) => {
    if (ev.type === "utterance.final") putLine(list, ev.utterance, false, 0);
    else if (ev.type === "utterance.partial") putLine(list, ev.utterance, true, 0);
    else if (ev.type === "utterance.revised") reviseLine(list, ev.utterance);
    list.scrollTop = list.scrollHeight;
  };
  ws.onmessage = (e) => { const ev = JSON.parse(e.data); if (loaded) apply(ev); else pending.push(ev); };
  try {
    const t = await api(`/api/calls/${encodeURIComponent(callId)}/transcript`);
    if (state.drill?.ws !== ws) return;
    t.utterances.forEach((u) => putLine(list, u, false, 0));
  } catch (e) { /* a fresh call has nothing stored yet */ }
  loaded = true;
  pending.forEach(apply);
}

function closeDrill() {
  if (state.drill) { state.drill.ws.close(); state.tiles.get(state.drill.callId)?.node.classList.remove("open"); }
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
    notAllowed(`Signed in as ${me.name}, a ${me.role.replace("_", " ")}: the live wall is for team leaders, supervisors and admins.`);
    return;
  }
  connect();
});
