"use strict";
// agentassist live wall: a tile per active call (WS /api/wall); click one to follow its whole transcript
// (WS /api/calls/{id}/live).
const state = { tiles: new Map(), lines: 6, drill: null };

// ---- tiles ----------------------------------------------------------------------------------------
// a tile keeps its last few finals, and the lines being spoken below them
function wallLine(list, u, partial, keep) {
  putLine(list, u, { partial, who: u.channel, finalsAbove: true, keep });
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
  for (const u of call.lines || []) wallLine(list, u, !u.final, 0);
  const alerts = node.querySelector(".alerts");
  for (const a of call.alerts || []) alerts.append(alertItem(a));
  node.classList.toggle("alerting", (call.alerts || []).length > 0);
  setFlags(tile, call);
  return tile;
}

function setFlags(tile, flags) {
  Object.assign(tile.call, flags);
  const c = tile.call;
  const behind = c.behind ? `transcript ${Math.round(c.lag_s || 0)} s behind` : "";
  const words = [c.on_hold ? "on hold" : "", c.paused ? "paused" : "", behind].filter(Boolean);
  tile.node.querySelector(".badge").textContent = words.join(" · ");
  tile.node.classList.toggle("behind", !!c.behind);
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
    wallLine(node.querySelector(".lines"), m.utterance, m.type === "utterance.partial", state.lines);
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
  } else if (m.type === "wall.lag") setFlags(tile, { behind: m.behind, lag_s: m.lag_s });
  else if (FLAGS[m.type]) setFlags(tile, FLAGS[m.type]);
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
  const tile = state.tiles.get(callId);
  const box = document.getElementById("drill");
  box.hidden = false;
  box.dataset.call = callId;
  tile?.node.classList.add("open");
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
  if (state.drill) { state.drill.feed.stop(); state.tiles.get(state.drill.callId)?.node.classList.remove("open"); }
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
