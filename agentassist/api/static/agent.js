"use strict";
// Agent panel: the signed-in agent's active call. The next line to say, a checklist that ticks itself
// (evidence on hover), knowledge cards, alerts and the live transcript. Active calls are looked up
// every few seconds; the one followed streams through its WebSocket feed (/api/calls/{id}/live).
const POLL_MS = 2000;
const state = {
  me: null, callId: null, call: null, feed: null, ready: false, backlog: [], sayLines: {}, variables: {},
};

// ---- rendering ----------------------------------------------------------------------------------
function evidenceText(step) {
  const e = step.evidence || {};
  if (step.status !== "done" || !e.text) return step.status === "missed" ? "not said" : "not said yet";
  const parts = [`said at ${fmtTime(e.t ?? step.t)}: “${e.text}”`];
  if (e.score != null) parts.push(`match ${Math.round(e.score * 100)} %`);
  if (e.partial) parts.push("from a partial transcript");
  if (e.out_of_order) parts.push(`before ${e.out_of_order.join(", ")}`);
  return parts.join(" · ");
}

function stepItem(step) {
  const li = el("li", { "data-step": step.id });
  li.append(step.id, el("span", { class: "t" }, ""), el("span", { class: "say" }, state.sayLines[step.id] || ""));
  setStep(li, step);
  return li;
}

function setStep(li, step) {
  const status = step.status === "withdrawn" ? "pending" : step.status;
  const current = li.classList.contains("current");
  li.className = status + (current ? " current" : "");
  li.querySelector(".t").textContent = status === "done" && step.t != null ? fmtTime(step.t) : "";
  li.title = evidenceText({ ...step, status });
}

function renderSteps(steps) {
  $("checklist").replaceChildren(...steps.map(stepItem));
  markCurrent($("next").dataset.step);
}

function markCurrent(stepId) {
  for (const li of $("checklist").children) li.classList.toggle("current", li.dataset.step === stepId);
}

function setPrompt(prompt) {
  const box = $("next");
  const changed = box.dataset.step !== (prompt.step_id || "") || $("next-text").textContent !== (prompt.text || "");
  box.dataset.step = prompt.step_id || "";
  $("next-text").textContent = prompt.step_id ? prompt.text : "All steps said.";
  markCurrent(prompt.step_id);
  if (changed) { box.classList.remove("changed"); void box.offsetWidth; box.classList.add("changed"); }
}

function showCard(card) {
  const old = $("cards").querySelector(`[data-card="${CSS.escape(card.id)}"]`);
  const node = el("div", { class: "kcard", "data-card": card.id, title: `customer said “${card.trigger}”` },
    el("b", {}, card.title), card.body);
  if (old) old.replaceWith(node); else $("cards").prepend(node);
}

function showAlert(alert) {
  $("alerts").prepend(el("div", { class: "alert", "data-type": alert.type },
    el("span", { class: "kind" }, alert.type.replace(/_/g, " ")), alert.message));
}

function addLine(u, partial = false) {
  const who = `${u.channel === "agent" ? "you" : "customer"} · ${fmtTime(u.start)}`;
  putLine($("transcript"), u, { partial, who, follow: true });
}

function setScript(id, version) {
  $("script").textContent = id ? `script ${id} · version ${version}` : "no script";
  $("script").dataset.version = version ?? "";
}

async function loadSayLines(scriptId, version) {
  try {
    const s = await api(`/api/scripts/${encodeURIComponent(scriptId)}?version=${version}`);
    const vars = { ...s.summary.variables, ...state.variables };
    const filled = (text) => text.replace(/\{(\w+)\}/g, (m, name) => vars[name] || m);
    state.sayLines = Object.fromEntries(s.summary.steps.map((st) => [st.id, filled(st.say[0] || "")]));
  } catch (e) { state.sayLines = {}; }
  for (const li of $("checklist").children) li.querySelector(".say").textContent = state.sayLines[li.dataset.step] || "";
}

// ---- the followed call --------------------------------------------------------------------------
function apply(ev) {
  if (ev.call_id !== state.callId) return;
  switch (ev.type) {
    case "utterance.final": addLine(ev.utterance); break;
    case "utterance.partial": addLine(ev.utterance, true); break;
    case "utterance.revised": reviseLine($("transcript"), ev.utterance); break;  // its turn's revision
    case "assist.step": {
      const li = $("checklist").querySelector(`[data-step="${CSS.escape(ev.step.id)}"]`);
      if (li) setStep(li, ev.step);
      break;
    }
    case "assist.prompt": setPrompt(ev.prompt); break;
    case "assist.card": showCard(ev.card); break;
    case "assist.alert": showAlert(ev.alert); break;
    case "assist.script":
      renderSteps(ev.script.steps);
      setScript(ev.script.id, ev.script.version);
      loadSayLines(ev.script.id, ev.script.version);
      break;
    case "call.paused": $("paused").hidden = false; break;
    case "call.resumed": $("paused").hidden = true; break;
    case "call.ended": endCall(); break;
    default: break;
  }
}

function onEvent(ev) {
  if (state.ready) apply(ev); else state.backlog.push(ev);
}

async function follow(call) {
  closeFeed();
  state.callId = call.id;
  state.call = call;
  state.ready = false;
  state.backlog = [];
  state.variables = {};
  state.started = Date.parse(call.started_at);
  $("idle").hidden = true;
  $("call").hidden = false;
  $("ended").hidden = true;
  $("paused").hidden = !(call.pauses || []).some((p) => p.end == null);
  $("remote").textContent = call.remote || call.id;
  $("call").dataset.call = call.id;
  for (const id of ["checklist", "cards", "alerts", "transcript"]) $(id).replaceChildren();
  $("next").dataset.step = "";
  $("next-text").textContent = "";
  setScript(call.script_id, "");
  openFeed(call.id);
}

// The call's feed; state.feed stays set while its ticket is on its way, so the poll opens no second one.
// A feed the server closed (or that never opened) is forgotten: the next poll reopens it if the call is
// still active.
function openFeed(callId) {
  state.feed = liveFeed(`/api/calls/${encodeURIComponent(callId)}/live`, {
    conn: true, onMessage: onEvent, onOpen: () => loadState(callId), onEnd: () => { state.feed = null; },
  });
}

async function loadState(callId) {
  // Fetched after the feed is open: nothing falls between; events that came meanwhile are applied after.
  try {
    const t = await api(`/api/calls/${encodeURIComponent(callId)}/transcript`);
    if (state.callId !== callId) return;
    t.utterances.forEach((u) => addLine(u));
  } catch (e) { /* nothing said yet */ }
  try {
    const s = await api(`/api/calls/${encodeURIComponent(callId)}/assist`);
    if (state.callId !== callId) return;
    state.variables = s.variables || {};
    setScript(s.script_id, s.version);
    renderSteps(s.steps);
    setPrompt({ step_id: s.current_step, text: s.next_prompt || "" });
    s.cards.forEach(showCard);
    s.alerts.forEach(showAlert);
    loadSayLines(s.script_id, s.version);
  } catch (e) {
    if (state.callId === callId) setPrompt({ step_id: null, text: "" });
    $("next-text").textContent = "No script for this call.";
  }
  if (state.callId !== callId) return;
  state.ready = true;
  const backlog = state.backlog;
  state.backlog = [];
  backlog.forEach(apply);
}

function closeFeed() {
  state.feed?.stop();
  state.feed = null;
}

function endCall() {
  $("ended").hidden = false;
  $("paused").hidden = true;
  closeFeed();
  showConn(false);
  if (state.call) state.call = { ...state.call, status: "ended" };
}

// ---- calls ringing (a second call while one is up): answer (the current call goes on hold) or decline
async function pollRinging() {
  if (state.ringingOff) return;
  let calls;
  try { calls = await api("/api/ringing"); } catch (e) {
    if (e.status === 403 || e.status === 503) state.ringingOff = true;  // not this agent's phone, or no phone
    if ([403, 409, 503].includes(e.status)) showNoPhone(e.message);  // 409: no phone connected (yet)
    return;
  }
  showNoPhone("");
  const box = $("ringing");
  box.hidden = calls.length === 0;
  box.replaceChildren(...calls.map((c) => el("div", { class: "ring", "data-call": c.id },
    el("span", { class: "who" }, `Incoming call from ${c.remote}`),
    el("button", { type: "button", class: "answer", onclick: () => decide(c.id, "answer") }, "Answer"),
    el("button", { type: "button", class: "decline", onclick: () => decide(c.id, "decline") }, "Decline"))));
}

// Why no call will reach this page, in the server's words (whose phone this server's is, or the 403)
function showNoPhone(reason) {
  $("nophone").hidden = !reason;
  $("nophone").textContent = reason ? `No calls will reach you here: ${reason}.` : "";
}

async function decide(callId, what) {
  try { await api(`/api/ringing/${encodeURIComponent(callId)}/${what}`, { method: "POST" }); } catch (e) { console.error(e); }
  await pollRinging();
  await poll();
}

async function poll() {
  if (!session.token) return;
  pollRinging();
  try {
    const q = new URLSearchParams({ status: "active", agent: state.me.name, limit: "5" });
    const { items } = await api(`/api/calls?${q}`);
    const newest = items[0];
    if (newest && (newest.id !== state.callId || (!state.feed && state.call && state.call.status === "active"))) {
      await follow(newest);
    }
  } catch (e) { console.error(e); }
}

setInterval(() => {
  if (state.callId && $("ended").hidden) $("timer").textContent = fmtTime((Date.now() - state.started) / 1000);
}, 1000);

// ---- start ---------------------------------------------------------------------------------------
startPage(async (me) => {
  state.me = me;
  await poll();
  setInterval(poll, POLL_MS);
});
