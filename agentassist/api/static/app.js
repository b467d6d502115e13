"use strict";
// agentassist page: active calls with live transcript and checklist, past calls with a player.
const state = { calls: new Map(), ws: null, live: false };  // common.js holds the session

// ---- active calls -------------------------------------------------------------------------------
function callCard(call) {
  const card = el("article", { class: "call", "data-call": call.id },
    el("div", { class: "call-head" }, el("span", {}, call.remote || call.id), el("span", { class: "timer" }, "")),
    el("div", { class: "prompt" }),
    el("div", { class: "call-body" },
      el("ol", { class: "transcript" }),
      el("div", {}, el("ul", { class: "checklist" }), el("div", { class: "cards" }), el("div", { class: "alerts" }))));
  return { call, card, started: Date.parse(call.started_at) };
}

function renderSteps(list, steps) {
  list.replaceChildren(...(steps || []).map((s) =>
    el("li", { class: s.status, "data-step": s.id }, s.id, el("span", { class: "t" }, s.t != null ? fmtTime(s.t) : ""))));
}

function addLine(list, u, partial = false) {
  const existing = list.querySelector(`[data-utt="${u.id}"]`);
  if (existing) {
    if (partial && !existing.classList.contains("partial")) return;  // a stale partial after its final
    existing.lastChild.textContent = u.text;
    existing.classList.toggle("partial", partial);
    return;
  }
  const li = el("li", { class: `${u.channel}${partial ? " partial" : ""}`, "data-utt": u.id, "data-start": u.start },
    el("span", { class: "who" }, `${u.channel} · ${fmtTime(u.start)}`), u.text);
  list.append(li);
  list.scrollTop = list.scrollHeight;
}

async function addActive(call) {
  if (state.calls.has(call.id)) return state.calls.get(call.id);
  const entry = callCard(call);
  state.calls.set(call.id, entry);
  renderActive();
  try {
    const t = await api(`/api/calls/${call.id}/transcript`);
    t.utterances.forEach((u) => addLine(entry.card.querySelector(".transcript"), u));
  } catch (e) { /* a fresh call has nothing yet */ }
  try {
    const a = await api(`/api/calls/${call.id}/adherence`);
    renderSteps(entry.card.querySelector(".checklist"), a.steps);
  } catch (e) { /* no script */ }
  return entry;
}

function renderActive() {
  const box = document.getElementById("active");
  document.getElementById("active-count").textContent = state.calls.size;
  if (!state.calls.size) { box.replaceChildren(el("p", { class: "empty" }, "No active calls.")); return; }
  box.replaceChildren(...[...state.calls.values()].map((e) => e.card));
}

setInterval(() => {
  for (const e of state.calls.values()) e.card.querySelector(".timer").textContent = fmtTime((Date.now() - e.started) / 1000);
}, 1000);

async function onEvent(ev) {
  let entry = state.calls.get(ev.call_id);
  if (ev.type === "call.started") {
    await addActive(await api(`/api/calls/${ev.call_id}`));
    return;
  }
  if (ev.type === "call.ended") {
    state.calls.delete(ev.call_id);
    renderActive();
    loadPast();
    return;
  }
  if (!entry) entry = await addActive(await api(`/api/calls/${ev.call_id}`));
  const card = entry.card;
  if (ev.type === "utterance.final") addLine(card.querySelector(".transcript"), ev.utterance);
  else if (ev.type === "utterance.partial") addLine(card.querySelector(".transcript"), ev.utterance, true);
  else if (ev.type === "assist.step") {
    const li = card.querySelector(`.checklist [data-step="${ev.step.id}"]`);
    if (li) { li.className = ev.step.status; li.querySelector(".t").textContent = ev.step.t != null ? fmtTime(ev.step.t) : ""; }
    else api(`/api/calls/${ev.call_id}/adherence`).then((a) => renderSteps(card.querySelector(".checklist"), a.steps));
  } else if (ev.type === "assist.prompt") card.querySelector(".prompt").textContent = ev.prompt.text || "";
  else if (ev.type === "assist.card") card.querySelector(".cards").append(el("div", { class: "kcard" }, el("b", {}, ev.card.title), " ", ev.card.body));
  else if (ev.type === "assist.alert") card.querySelector(".alerts").append(el("div", { class: "alert" }, ev.alert.message));
  else if (ev.type === "assist.script") renderSteps(card.querySelector(".checklist"), ev.script.steps);  // a new version
}

function connect() {
  const ws = new WebSocket(wsUrl("/api/live"));
  state.ws = ws;
  const conn = document.getElementById("conn");
  ws.onopen = () => { conn.textContent = "live"; conn.className = "conn on"; };
  ws.onmessage = (m) => onEvent(JSON.parse(m.data)).catch(console.error);
  ws.onclose = (e) => {
    conn.textContent = "offline"; conn.className = "conn off";
    if (e.code === 4401) { signOut("The token was refused: sign in again."); return; }
    if (session.token) setTimeout(connect, 2000);
  };
}

// ---- past calls ---------------------------------------------------------------------------------
async function loadPast() {
  const { items } = await api("/api/calls?limit=50");
  const body = document.querySelector("#past tbody");
  body.replaceChildren(...items.filter((c) => c.status !== "active").map((c) =>
    el("tr", { "data-call": c.id, onclick: () => openReplay(c) },
      el("td", {}, new Date(c.started_at).toLocaleString()), el("td", {}, c.remote), el("td", {}, c.agent),
      el("td", {}, fmtTime(c.duration_s)), el("td", {}, c.adherence_score == null ? "—" : `${Math.round(c.adherence_score * 100)} %`),
      el("td", {}, c.end_reason === "abnormal" ? "ended abnormally" : c.status),
      el("td", {}, el("a", { class: "replay-link", href: `/static/replay.html?call=${encodeURIComponent(c.id)}`,
        onclick: (e) => e.stopPropagation() }, session.me.role === "agent" ? "replay" : "replay & evaluate")))));
  if (state.live) for (const c of items.filter((c) => c.status === "active")) addActive(c);
}

async function openReplay(call) {
  const box = document.getElementById("replay");
  box.hidden = false;
  document.getElementById("replay-title").textContent = `${call.remote} · ${new Date(call.started_at).toLocaleString()}`;
  const player = document.getElementById("player");
  player.src = `/api/calls/${call.id}/recording?token=${encodeURIComponent(session.token)}`;
  const list = document.getElementById("replay-transcript");
  list.replaceChildren();
  const t = await api(`/api/calls/${call.id}/transcript`);
  t.utterances.forEach((u) => addLine(list, u));
  list.querySelectorAll("li").forEach((li) => li.addEventListener("click", () => {
    player.currentTime = Number(li.dataset.start); player.play().catch(() => {});
  }));
  const steps = document.getElementById("replay-steps");
  try { renderSteps(steps, (await api(`/api/calls/${call.id}/adherence`)).steps); } catch (e) { steps.replaceChildren(); }
}

document.getElementById("player").addEventListener("timeupdate", (e) => {
  const now = e.target.currentTime;
  document.querySelectorAll("#replay-transcript li").forEach((li) => {
    const start = Number(li.dataset.start);
    const next = li.nextElementSibling ? Number(li.nextElementSibling.dataset.start) : Infinity;
    li.classList.toggle("playing", now >= start && now < next);
  });
});

// ---- start ---------------------------------------------------------------------------------------
// Team leaders, supervisors and admins watch the live feed of active calls; agents and quality
// checkers see the past calls they may open (their own, their assigned ones).
startPage(async (me) => {
  state.live = ["team_leader", "supervisor", "admin"].includes(me.role);
  await loadPast();
  if (state.live) connect();
});
