"use strict";
// Agent panel, the call shown: the next line to say, a checklist of the script's lines that tick
// themselves (evidence on click), the warning about a compliance line still unsaid, knowledge cards,
// alerts and the live transcript; once the call ends, its wrap-up (summary and disposition form).
// The call shown streams through its WebSocket feed (/api/calls/{id}/live). agent.js is the phone
// around it (the calls, their controls, shortcuts); `phone` is its state, shared by both files.
const phone = {
  me: null,
  calls: new Map(),  // id -> {call (its JSON), base (ms: Date.now() when its duration was 0), wrap (ended, not closed)}
  ringing: [],  // inbound calls ringing on the desk (GET /api/ringing)
  focus: null,  // id of the call shown
};
const view = {
  callId: null, feed: null, ready: false, backlog: [], variables: {},
  steps: {},  // step id -> {text, compliance, mandatory, say_within_s}, from the script's summary
  status: {},  // step id -> pending | done | missed | unsure (a compliance line near, not surely said)
  script: null,  // the script's summary: handle_time_s, alerts, dispositions
};
const COMPLIANCE_WARN_S = 60;  // [assist] compliance_warn_s's default, when the script sets none

// ---- the checklist --------------------------------------------------------------------------------
function evidenceText(step) {
  const e = step.evidence || {};
  // near false: the call's least far sentence is no evidence (nearer another line, none of this one's words)
  if (step.status === "unsure" && e.near === false) return t("said in other words? no sentence of the call is near it");
  if (step.status === "unsure" && e.text) return t("said in other words? nearest at {time}: “{text}”", { time: fmtTime(e.t ?? step.t), text: e.text });
  if (step.status !== "done" || !e.text) return step.status === "missed" ? t("not said") : t("not said yet");
  const parts = [t("said at {time}: “{text}”", { time: fmtTime(e.t ?? step.t), text: e.text })];
  if (e.score != null) parts.push(t("match {percent} %", { percent: Math.round(e.score * 100) }));
  if (e.partial) parts.push(t("from a partial transcript"));
  if (e.out_of_order) parts.push(t("before {steps}", { steps: e.out_of_order.join(", ") }));
  return parts.join(" · ");
}

const stepText = (id) => view.steps[id]?.text || id;

function stepItem(step) {
  // the line is a button (a list holds only items): Enter, Space or a click on it, or a click on its item
  const li = el("li", { "data-step": step.id },
    el("button", { type: "button", class: "say", "aria-controls": "evidence", "aria-expanded": "false" }, stepText(step.id)),
    el("span", { class: "t" }, ""));
  li.addEventListener("click", () => showEvidence(li));
  setStep(li, step);
  return li;
}

function setStep(li, step) {
  // withdrawn: a partial's tick its final did not confirm, back to what it was (unsure keeps its evidence)
  const status = step.status === "withdrawn" ? (step.evidence?.unsure ? "unsure" : "pending") : step.status;
  const current = li.classList.contains("current"), open = li.classList.contains("open");
  li.className = status + (current ? " current" : "") + (open ? " open" : "");
  li.querySelector(".t").textContent = status === "done" && step.t != null ? fmtTime(step.t) : "";
  li.title = evidenceText({ ...step, status });  // a hover shows it too; a click (or Enter) keeps it shown
  view.status[step.id] = status;
  if (open) $("evidence").textContent = `${stepText(step.id)}: ${li.title}`;
}

// The evidence of a step under the checklist, until the step is clicked again.
function showEvidence(li) {
  const open = !li.classList.contains("open");
  for (const other of $("checklist").children) {
    other.classList.remove("open");
    other.querySelector(".say").setAttribute("aria-expanded", "false");
  }
  li.classList.toggle("open", open);
  li.querySelector(".say").setAttribute("aria-expanded", String(open));
  $("evidence").hidden = !open;
  $("evidence").textContent = open ? `${stepText(li.dataset.step)}: ${li.title}` : "";
}

function renderSteps(steps) {
  $("checklist").replaceChildren(...steps.map(stepItem));
  $("evidence").hidden = true;
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
  const node = el("div", { class: "kcard", "data-card": card.id, title: t("customer said “{words}”", { words: card.trigger }) },
    el("b", {}, card.title), card.body);
  if (old) old.replaceWith(node); else $("cards").prepend(node);
}

function showAlert(alert) {
  $("alerts").prepend(el("div", { class: "alert", "data-type": alert.type },
    el("span", { class: "kind" }, alert.type.replace(/_/g, " ")), alert.message));
}

function addLine(u, partial = false) {
  const who = `${u.channel === "agent" ? t("you") : t("customer")} · ${fmtTime(u.start)}`;
  putLine($("transcript"), u, { partial, who, follow: true });
}

function setScript(id, version) {
  $("script").textContent = id ? t("script {id} · version {version}", { id, version }) : t("no script");
  $("script").dataset.version = version ?? "";
}

// The script's lines (variables filled), its compliance budgets and dispositions, for the checklist.
async function loadScript(callId, scriptId, version) {
  let s;
  try { s = await api(`/api/scripts/${encodeURIComponent(scriptId)}?version=${version}`); } catch (e) { return; }
  if (view.callId !== callId) return;
  const vars = { ...s.summary.variables, ...view.variables };
  const filled = (text) => text.replace(/\{(\w+)\}/g, (m, name) => vars[name] || m);
  view.script = s.summary;
  view.steps = Object.fromEntries(s.summary.steps.map((st) => [st.id, { ...st, text: filled(st.say[0] || st.id) }]));
  for (const li of $("checklist").children) li.querySelector(".say").textContent = stepText(li.dataset.step);
  setDispositions(s.summary.dispositions || []);
  checkCompliance();
}

// ---- a compliance line still unsaid -----------------------------------------------------------------
// Its deadline, in seconds of the call: the step's own say_within_s, else the script's handle_time_s;
// none: the warning stays until it is said or the call ends. It turns urgent in the last
// compliance_warn_s (the script's alerts, else the server's default), or the last half of a short budget.
function checkCompliance() {
  const box = $("compliance"), entry = phone.calls.get(view.callId);
  const live = entry && !entry.wrap && entry.call.status === "active";
  const unsaid = live ? Object.values(view.steps).filter((s) => s.compliance && ["pending", "unsure"].includes(view.status[s.id] || "pending")) : [];
  box.hidden = unsaid.length === 0;
  if (!unsaid.length) { box.replaceChildren(); return; }
  const now = elapsed(entry), warn = view.script?.alerts?.compliance_warn_s ?? COMPLIANCE_WARN_S;
  let urgent = false;
  box.replaceChildren(el("b", {}, t("Still to say (compliance)")), ...unsaid.map((s) => {
    const due = s.say_within_s ?? view.script?.handle_time_s ?? null;
    let when = t("before the call ends");
    if (due != null) {
      const left = due - now;
      when = left >= 0 ? t("{time} left", { time: fmtTime(left) }) : t("{time} overdue: say it now", { time: fmtTime(-left) });
      if (left <= Math.min(warn, due / 2)) urgent = true;
    }
    return el("div", { class: "due", "data-step": s.id }, `“${s.text}” · ${when}`);
  }));
  box.classList.toggle("urgent", urgent);
}

// ---- the call's feed ---------------------------------------------------------------------------------
function apply(ev) {
  if (ev.call_id !== view.callId) return;
  switch (ev.type) {
    case "utterance.final": addLine(ev.utterance); break;
    case "utterance.partial": addLine(ev.utterance, true); break;
    case "utterance.revised": reviseLine($("transcript"), ev.utterance); break;  // its turn's revision
    case "assist.step": {
      const li = $("checklist").querySelector(`[data-step="${CSS.escape(ev.step.id)}"]`);
      if (li) setStep(li, ev.step);
      checkCompliance();
      break;
    }
    case "assist.prompt": setPrompt(ev.prompt); break;
    case "assist.card": showCard(ev.card); break;
    case "assist.alert": showAlert(ev.alert); break;
    case "assist.script":
      renderSteps(ev.script.steps);
      setScript(ev.script.id, ev.script.version);
      loadScript(view.callId, ev.script.id, ev.script.version);
      break;
    case "call.paused": case "call.resumed": case "call.held": case "call.unheld": case "call.muted": case "call.unmuted":
      onSpan(ev);
      break;
    case "call.ended": callEnded(ev.call_id, ev.t); break;
    default: break;
  }
}

function onEvent(ev) {
  if (view.ready) apply(ev); else view.backlog.push(ev);
}

// Show the call `entry` (a fresh view: its transcript and assist state fetched, its feed opened while
// it is active; an ended one shows its adherence report and its wrap-up).
function show(entry) {
  closeFeed();
  const call = entry.call;
  Object.assign(view, { callId: call.id, ready: false, backlog: [], variables: {}, steps: {}, status: {}, script: null });
  $("idle").hidden = true;
  $("call").hidden = false;
  $("call").dataset.call = call.id;
  showRemote(call.remote);
  for (const id of ["checklist", "cards", "alerts", "transcript"]) $(id).replaceChildren();
  $("evidence").hidden = true;
  $("next").dataset.step = "";
  $("next-text").textContent = "";
  $("disposition").value = call.disposition || "";
  $("disposition-saved").textContent = call.disposition ? t("saved: {disposition}", { disposition: call.disposition }) : "";
  setDispositions([]);
  setScript(call.script_id, "");
  showState();
  if (entry.wrap || call.status !== "active") { loadState(call.id, false); return; }
  view.feed = liveFeed(`/api/calls/${encodeURIComponent(call.id)}/live`, {
    conn: true, onMessage: onEvent, onOpen: () => loadState(call.id, true), onEnd: () => { view.feed = null; },
  });
}

function showRemote(remote) {
  const { name, number } = parseRemote(remote);
  const box = $("remote");
  box.title = remote || "";
  box.querySelector(".name").textContent = name || number;
  box.querySelector(".number").textContent = name ? number : "";
}

async function loadState(callId, live) {
  // Fetched after the feed is open: nothing falls between; events that came meanwhile are applied after.
  try {
    const t = await api(`/api/calls/${encodeURIComponent(callId)}/transcript`);
    if (view.callId !== callId) return;
    t.utterances.forEach((u) => addLine(u));
  } catch (e) { /* nothing said yet */ }
  try {
    const s = await api(`/api/calls/${encodeURIComponent(callId)}/${live ? "assist" : "adherence"}`);
    if (view.callId !== callId) return;
    view.variables = s.variables || {};
    setScript(s.script_id, s.version);
    renderSteps(s.steps);
    if (live) setPrompt({ step_id: s.current_step, text: s.next_prompt || "" });
    (s.cards || []).forEach(showCard);
    s.alerts.forEach(showAlert);
    loadScript(callId, s.script_id, s.version);
  } catch (e) {
    if (view.callId !== callId) return;
    setPrompt({ step_id: null, text: "" });
    $("next-text").textContent = "No script for this call.";
  }
  if (view.callId !== callId) return;
  view.ready = true;
  const backlog = view.backlog;
  view.backlog = [];
  backlog.forEach(apply);
  if (!live) showWrapup();
}

function closeFeed() {
  view.feed?.stop();
  view.feed = null;
  showConn(false);
}

// ---- wrap-up ------------------------------------------------------------------------------------------
function setDispositions(codes) {
  $("dispositions").replaceChildren(...codes.map((c) => el("option", { value: c })));
}

// The summary of the call shown, once it ended: its duration, how it ended, the steps said and missed
// (the checklist above shows which), the alerts.
function showWrapup() {
  const entry = phone.calls.get(view.callId);
  if (!entry || !entry.wrap) return;
  const call = entry.call, steps = Object.entries(view.status);
  const said = steps.filter(([, s]) => s === "done").length;
  const missed = steps.filter(([, s]) => s === "missed").map(([id]) => stepText(id));
  const unsure = steps.filter(([, s]) => s === "unsure").map(([id]) => stepText(id));
  const alerts = $("alerts").children.length;
  const parts = [
    el("span", { "data-k": "duration" }, t("lasted {time}", { time: fmtTime(call.duration_s) })),
    el("span", { "data-k": "reason" }, t("ended: {reason}", { reason: t(call.end_reason || call.status) })),
  ];
  if (steps.length) parts.push(el("span", { "data-k": "steps" }, t("{said} of {n} steps said", { said, n: steps.length })));
  if (missed.length) parts.push(el("span", { "data-k": "missed" }, t("missed: {steps}", { steps: missed.map((m) => `“${m}”`).join(", ") })));
  if (unsure.length) parts.push(el("span", { "data-k": "unsure" }, t("said in other words?: {steps}", { steps: unsure.map((m) => `“${m}”`).join(", ") })));
  parts.push(el("span", { "data-k": "alerts" }, t("{n} alert|{n} alerts", { n: alerts })));
  $("summary").replaceChildren(...parts);
}

// The call shown has ended (its call.ended event, or the poll no longer finds it active): its feed
// closes, the timer stops at the call's real duration, "Say next" goes, the wrap-up comes.
async function callEnded(callId, endS) {
  const entry = phone.calls.get(callId);
  if (!entry || entry.wrap) return;
  entry.wrap = true;
  keepWraps();
  if (endS != null) entry.call = { ...entry.call, status: "ended", duration_s: endS };
  if (view.callId === callId) { closeFeed(); showState(); }
  try {
    entry.call = await api(`/api/calls/${encodeURIComponent(callId)}`);
  } catch (e) { /* the event's time stands */ }
  renderLines();
  if (view.callId === callId) { showState(); showWrapup(); }
}
