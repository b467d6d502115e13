"use strict";
// The calls page (/): active calls with live transcript and checklist, past calls with a player.
const state = { calls: new Map(), live: false };  // common.js holds the session

// ---- active calls -------------------------------------------------------------------------------
function callCard(call) {
  const card = el("article", { class: "call", "data-call": call.id },
    el("div", { class: "call-head" }, el("span", { class: "agent", translate: "no" }, call.agent || "—"),
      el("span", { class: "remote", translate: "no" }, call.remote || call.id), el("span", { class: "timer" }, "")),
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

async function addActive(call) {
  if (state.calls.has(call.id)) return state.calls.get(call.id);
  const entry = callCard(call);
  state.calls.set(call.id, entry);
  renderActive();
  try {
    const t = await api(`/api/calls/${encodeURIComponent(call.id)}/transcript`);
    t.utterances.forEach((u) => putLine(entry.card.querySelector(".transcript"), u, { follow: true }));
  } catch (e) { /* a fresh call has nothing yet */ }
  try {
    const a = await api(`/api/calls/${encodeURIComponent(call.id)}/adherence`);
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
    await addActive(await api(`/api/calls/${encodeURIComponent(ev.call_id)}`));
    return;
  }
  if (ev.type === "call.ended") {
    state.calls.delete(ev.call_id);
    renderActive();
    loadPast();
    loadActive();
    return;
  }
  if (!entry) entry = await addActive(await api(`/api/calls/${encodeURIComponent(ev.call_id)}`));
  const card = entry.card;
  if (ev.type === "utterance.final") putLine(card.querySelector(".transcript"), ev.utterance, { follow: true });
  else if (ev.type === "utterance.partial") putLine(card.querySelector(".transcript"), ev.utterance, { partial: true, follow: true });
  else if (ev.type === "utterance.revised") reviseLine(card.querySelector(".transcript"), ev.utterance);
  else if (ev.type === "assist.step") {
    const li = card.querySelector(`.checklist [data-step="${CSS.escape(ev.step.id)}"]`);
    if (li) { li.className = ev.step.status; li.querySelector(".t").textContent = ev.step.t != null ? fmtTime(ev.step.t) : ""; }
    else api(`/api/calls/${encodeURIComponent(ev.call_id)}/adherence`).then((a) => renderSteps(card.querySelector(".checklist"), a.steps));
  } else if (ev.type === "assist.prompt") card.querySelector(".prompt").textContent = ev.prompt.text || "";
  else if (ev.type === "assist.card") card.querySelector(".cards").append(el("div", { class: "kcard" }, el("b", {}, ev.card.title), " ", ev.card.body));
  else if (ev.type === "assist.alert") card.querySelector(".alerts").append(el("div", { class: "alert" }, ev.alert.message));
  else if (ev.type === "assist.script") renderSteps(card.querySelector(".checklist"), ev.script.steps);  // a new version
}

// every active call in this user's scope, whatever the search below
async function loadActive() {
  const { items } = await api("/api/calls?status=active&limit=500");
  for (const c of items) addActive(c);
}

// ---- past calls: search ------------------------------------------------------------------------
// The form's fields are named as the page's query string (/?q=refund&agent=alice), so a search can be
// bookmarked and the back button returns to the one before. From and to are days of the browser's
// time zone (to included), min_adherence a percentage: the API takes ISO times and 0..1. A hidden
// ?limit= sets the page size; More loads the next page with the API's cursor.
const SEARCH_FIELDS = ["q", "agent", "team", "campaign", "from", "to", "direction", "status", "disposition",
  "min_adherence", "alert"];
const PAGE_SIZE = 25;
const past = { query: null, next: null, seq: 0 };  // seq: a newer search drops an older one's answer

function urlSearch() {
  const url = new URLSearchParams(location.search);
  const out = new URLSearchParams();
  for (const k of [...SEARCH_FIELDS, "limit"]) { const v = url.get(k)?.trim(); if (v) out.set(k, v); }
  return out;
}

function fillForm(params) {
  const fields = $("search").elements;
  for (const k of SEARCH_FIELDS) fields[k].value = params.get(k) || "";
}

function formSearch() {
  const fields = $("search").elements;
  const out = new URLSearchParams();
  for (const k of SEARCH_FIELDS) { const v = fields[k].value.trim(); if (v) out.set(k, v); }
  const limit = urlSearch().get("limit");
  if (limit) out.set("limit", limit);
  return out;
}

// a day (YYYY-MM-DD) as the ISO time of its midnight here, `days` later; anything else as given
function dayStart(value, days = 0) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days).toISOString() : value;
}

function apiQuery(params) {
  const q = new URLSearchParams(params);
  if (q.has("from")) q.set("from", dayStart(q.get("from")));
  if (q.has("to")) q.set("to", dayStart(q.get("to"), 1));
  const pct = q.get("min_adherence");
  if (pct != null && !Number.isNaN(Number(pct))) q.set("min_adherence", String(Number(pct) / 100));
  if (!q.has("limit")) q.set("limit", PAGE_SIZE);
  return q;
}

function pastRow(c) {
  return el("tr", { "data-call": c.id, tabindex: "0", onclick: () => openReplay(c) },
    el("td", {}, fmtDate(c.started_at)), el("td", { translate: "no" }, c.remote), el("td", { translate: "no" }, c.agent),
    el("td", {}, fmtTime(c.duration_s)), el("td", {}, c.adherence_score == null ? "—" : `${Math.round(c.adherence_score * 100)} %`),
    el("td", { class: "status" }, c.end_reason === "abnormal" ? "ended abnormally" : t(c.status)),
    el("td", {}, el("a", { class: "replay-link", href: `/static/replay.html?call=${encodeURIComponent(c.id)}`,
      onclick: (e) => e.stopPropagation() }, session.me.role === "agent" ? "replay" : "replay & evaluate")));
}

// Calls in progress (ringing or answered) are on the live cards above, so the table leaves them out
// unless asked for by status.
function showPast({ items, next }) {
  const body = document.querySelector("#past tbody");
  const asked = past.query.get("status");
  const rows = items.filter((c) => asked === c.status || !["ringing", "active"].includes(c.status)).map(pastRow);
  body.append(...rows);
  markEvaluated(rows).catch(console.error);
  past.next = next;
  $("past-count").textContent = body.rows.length;
  $("past-empty").hidden = body.rows.length > 0 || next != null;
  $("more").hidden = next == null;
}

function searchFailed(message) {
  document.querySelector("#past tbody").replaceChildren();
  $("past-count").textContent = 0;
  $("past-empty").hidden = true;
  $("more").hidden = true;
  $("search-error").textContent = message;
}

// the first page of the search in the address bar
async function loadPast() {
  const seq = ++past.seq;
  past.query = apiQuery(urlSearch());
  let page;
  try { page = await api(`/api/calls?${past.query}`); } catch (e) {
    if (seq === past.seq) searchFailed(e.message);
    return;
  }
  if (seq !== past.seq) return;
  $("search-error").textContent = "";
  document.querySelector("#past tbody").replaceChildren();
  showPast(page);
}

async function loadMore() {
  const seq = past.seq;
  const q = new URLSearchParams(past.query);
  q.set("cursor", past.next);
  $("more").disabled = true;
  try {
    const page = await api(`/api/calls?${q}`);
    if (seq === past.seq) showPast(page);
  } catch (e) {
    if (seq === past.seq) $("search-error").textContent = e.message;
  } finally { $("more").disabled = false; }
}

function search(params) {
  const qs = params.toString();
  const url = `${location.pathname}${qs ? `?${qs}` : ""}`;
  if (url !== `${location.pathname}${location.search}`) history.pushState(null, "", url);
  return loadPast();
}

$("search").addEventListener("submit", (e) => { e.preventDefault(); search(formSearch()); });
$("search-clear").addEventListener("click", () => { fillForm(new URLSearchParams()); search(formSearch()); });
$("more").addEventListener("click", loadMore);
window.addEventListener("popstate", () => {
  if (!session.me) return;
  fillForm(urlSearch());
  loadPast();
});

async function openReplay(call) {
  const box = document.getElementById("replay");
  box.hidden = false;
  document.getElementById("replay-title").textContent = `${call.remote} · ${fmtDate(call.started_at)}`;
  const player = document.getElementById("player");
  await playRecording(player, call.id);
  const list = document.getElementById("replay-transcript");
  list.replaceChildren();
  const t = await api(`/api/calls/${encodeURIComponent(call.id)}/transcript`);
  t.utterances.forEach((u) => putLine(list, u, { follow: true }));
  list.querySelectorAll("li").forEach((li) => li.addEventListener("click", () => {
    player.currentTime = Number(li.dataset.start); player.play().catch(() => {});
  }));
  const steps = document.getElementById("replay-steps");
  try { renderSteps(steps, (await api(`/api/calls/${encodeURIComponent(call.id)}/adherence`)).steps); } catch (e) { steps.replaceChildren(); }
}

document.getElementById("player").addEventListener("timeupdate", (e) => {
  const now = e.target.currentTime;
  document.querySelectorAll("#replay-transcript li").forEach((li) => {
    const start = Number(li.dataset.start);
    const next = li.nextElementSibling ? Number(li.nextElementSibling.dataset.start) : Infinity;
    li.classList.toggle("playing", now >= start && now < next);
  });
});

// ---- a checker's marks and queue --------------------------------------------------------------------
const EVALUATORS = ["quality_checker", "team_leader", "supervisor", "admin"];
const MAX_ASKED = 500;  // GET /api/quality/evaluated takes at most this many calls at once

// Each row of a call with an evaluation this user may read gets a badge: by me, or by others (count).
async function markEvaluated(rows) {
  if (!EVALUATORS.includes(session.me.role) || !rows.length) return;
  for (let i = 0; i < rows.length; i += MAX_ASKED) {
    const q = new URLSearchParams(rows.slice(i, i + MAX_ASKED).map((r) => ["call_id", r.dataset.call]));
    for (const e of await api(`/api/quality/evaluated?${q}`)) {
      const row = document.querySelector(`#past tr[data-call="${CSS.escape(e.call_id)}"]`);
      if (!row || row.querySelector(".evaluated")) continue;
      const others = e.by_anyone - e.by_me;
      const text = e.by_me ? `${t("evaluated by me")}${others ? ` +${others}` : ""}` : t("evaluated ×{n}", { n: e.by_anyone });
      row.dataset.evaluated = e.by_me ? "me" : "others";
      row.querySelector("td.status").append(" ", el("span", { class: `evaluated ${e.by_me ? "by-me" : "by-others"}`,
        title: t("{n} evaluation, {mine} of them mine|{n} evaluations, {mine} of them mine", { n: e.by_anyone, mine: e.by_me }) }, text));
    }
  }
}

// "My queue": the calls assigned to me that I have not evaluated, and a link to the first.
async function showQueue() {
  if (!EVALUATORS.includes(session.me.role)) return;
  const queue = await api("/api/quality/queue");
  if (!queue.length && session.me.role !== "quality_checker") return;  // only checkers are assigned calls
  $("queue-count").textContent = queue.length;
  const first = queue[0];
  $("queue-open").hidden = !first;
  if (first) $("queue-open").href = `/static/replay.html?call=${encodeURIComponent(first.call_id)}`;
  $("queue-line").hidden = false;
}

// ---- start ---------------------------------------------------------------------------------------
// Team leaders, supervisors and admins watch the live feed of active calls; agents and quality
// checkers see the past calls they may open (their own, their assigned ones).
startPage(async (me) => {
  state.live = ["team_leader", "supervisor", "admin"].includes(me.role);
  $("team-list").replaceChildren(...(me.teams || []).map((t) => el("option", {}, t)));
  fillForm(urlSearch());
  await loadPast();
  showQueue().catch(console.error);
  if (state.live) {
    loadActive();
    liveFeed("/api/live", { conn: true, onMessage: (ev) => onEvent(ev).catch(console.error), retryMs: () => 2000 });
  }
});
