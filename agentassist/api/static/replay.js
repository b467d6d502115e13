"use strict";
// agentassist replay page: one call's recording with per-channel waveform, the transcript and the
// checklist evidence in sync with playback, and an evaluation form on a chosen scorecard.
// Open as /static/replay.html?call=ID (optionally &token=...; otherwise the saved token or a login).
const params = new URLSearchParams(location.search);
const state = {
  callId: params.get("call"),
  calibrationId: params.get("calibration") ? Number(params.get("calibration")) : null,
  calibration: null,  // the session this evaluation scores the call for (?calibration=N), if any
  call: null,
  me: null,
  duration: 0,
  peaks: null,
  card: null,        // the chosen scorecard (its newest version)
  prefill: {},       // question id -> prefilled answer
  comments: [],      // {t, text, question_id?}
  adherence: null,   // the call's checklist (adherence report)
  utterances: [],    // the transcript
  marks: [],         // the checkers' marks on its steps (marks.js)
};
const player = $("player");

async function optional(path) {  // a 404 (no script, no recording) or 403 (role) is an empty answer
  try { return await api(path); } catch (e) { if (e.status === 404 || e.status === 403) return null; throw e; }
}

function fail(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = false;
}

// ---- seeking and the playhead ----------------------------------------------------------------------
function seek(t, play = true) {
  player.currentTime = Math.max(0, Number(t));
  showTime();
  if (play) player.play().catch(() => {});
}

function showTime() {
  const now = player.currentTime;
  if (state.duration > 0) $("playhead").style.left = `${Math.min(100, (now / state.duration) * 100)}%`;
  $("comment-at").textContent = fmtTime(now);
  for (const li of document.querySelectorAll("#transcript li")) {
    const on = now >= Number(li.dataset.start) && now < Number(li.dataset.end);
    if (on && !li.classList.contains("playing")) {
      const list = $("transcript");
      list.scrollTop = li.offsetTop - list.offsetTop - list.clientHeight / 3;
    }
    li.classList.toggle("playing", on);
  }
}

function tick() {
  showTime();
  if (!player.paused) requestAnimationFrame(tick);
}

// ---- waveform ---------------------------------------------------------------------------------------
function drawWave() {
  const canvas = $("wave-canvas");
  const width = canvas.clientWidth || 800;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(120 * ratio);
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, canvas.width, canvas.height);
  if (!state.peaks) return;
  const lanes = [["agent", "#1f6feb"], ["customer", "#2f855a"]];
  const laneH = canvas.height / 2;
  lanes.forEach(([name, color], lane) => {
    const values = state.peaks.channels[name] || [];
    const mid = laneH * lane + laneH / 2;
    const step = canvas.width / Math.max(1, values.length);
    g.fillStyle = color;
    values.forEach((v, i) => {
      const h = Math.max(1, v * (laneH / 2 - 2));
      g.fillRect(i * step, mid - h, Math.max(1, step - 0.5), 2 * h);
    });
  });
  g.fillStyle = "#d1d5db";
  g.fillRect(0, laneH - 0.5 * ratio, canvas.width, ratio);
}

function drawSpans() {
  const box = $("wave-spans");
  const total = state.duration || 1;
  const spans = [];
  for (const [kind, list] of [["pause", state.call.pauses], ["hold", state.call.holds]]) {
    for (const s of list || []) {
      const end = s.end == null ? total : s.end;
      const span = el("div", {
        class: `span ${kind}`, "data-start": s.start, "data-end": end,
        title: `${kind === "pause" ? "paused" : "on hold"} ${fmtTime(s.start)}–${fmtTime(end)}${s.by ? ` by ${s.by}` : ""}`,
      });
      // through the CSSOM: a style="" attribute is inline style, which the Content-Security-Policy refuses
      span.style.left = `${(s.start / total) * 100}%`;
      span.style.width = `${Math.max(0.3, ((end - s.start) / total) * 100)}%`;
      spans.push(span);
    }
  }
  box.replaceChildren(...spans);
}

$("wave").addEventListener("click", (e) => {
  if (!state.duration) return;
  const rect = e.currentTarget.getBoundingClientRect();
  seek(((e.clientX - rect.left) / rect.width) * state.duration);
});

// ---- transcript, checklist, alerts --------------------------------------------------------------------
function renderTranscript(utterances) {
  const list = $("transcript");
  if (!utterances.length) { list.replaceChildren(el("li", { class: "empty" }, "No transcript.")); return; }
  list.replaceChildren(...utterances.map((u) => lineItem(u, { "data-end": u.end, onclick: () => seek(u.start) })));
}

function renderAdherence(report) {
  state.adherence = report;
  const steps = $("steps");
  if (!report) { steps.replaceChildren(el("li", { class: "empty" }, "No script on this call.")); return; }
  $("adherence-score").textContent = report.score == null ? "" : `${Math.round(report.score * 100)} %`;
  steps.replaceChildren(...report.steps.map((s) => {
    const ev = s.evidence || {};
    const said = ev.text ? el("q", {}, ev.text) : "";
    const how = ev.score != null ? el("span", { class: "t" }, ` match ${Math.round(ev.score * 100)} %`) : "";
    return el("li", { class: `${s.status}${s.t != null ? " seekable" : ""}`, "data-step": s.id, "data-t": s.t,
      onclick: s.t != null ? () => seek(s.t) : null },
    s.id, el("span", { class: "t" }, s.t != null ? ` at ${fmtTime(s.t)}` : ""), how, said ? el("br") : "", said,
    markBox(s));
  }));
  $("alerts").replaceChildren(...(report.alerts || []).map((a) =>
    el("div", { class: "alert seekable", "data-t": a.t, onclick: () => seek(a.t) }, `${fmtTime(a.t)} ${a.message}`)));
}

// ---- evaluations ------------------------------------------------------------------------------------------
function renderEvaluations(list) {
  const box = $("evaluations");
  if (!list || !list.length) { box.replaceChildren(el("li", { class: "empty" }, "Not evaluated yet.")); return; }
  box.replaceChildren(...list.map((ev) => el("li", { "data-evaluation": ev.id, "data-status": ev.status },
    el("b", {}, ev.total == null ? "n/a" : `${ev.total}`), ` · ${ev.scorecard.name} v${ev.scorecard.version}`,
    ` · ${ev.evaluator} · ${ev.status}${ev.auto_failed ? " · auto-failed" : ""}`,
    ev.dispute ? el("div", { class: "muted" }, `disputed: ${ev.dispute.reason}`,
      ev.dispute.resolution ? ` · resolved by ${ev.dispute.resolved_by}: ${ev.dispute.resolution}` : "") : "",
    el("ul", {}, ...ev.comments.map((c) =>
      el("li", { class: "seekable", "data-t": c.t, onclick: () => seek(c.t) }, `${fmtTime(c.t)} ${c.text}`))),
    agentActions(ev))));
}

function agentActions(ev) {  // the evaluated agent acknowledges, or disputes with a reason
  if (!state.me || state.me.name !== ev.agent || ev.calibration) return "";
  const act = (verb, body) => api(`/api/evaluations/${ev.id}/${verb}`, { method: "POST", body })
    .then(() => api(`/api/calls/${encodeURIComponent(state.callId)}/evaluations`)).then(renderEvaluations)
    .catch((e) => fail(e.message));
  const box = el("div", { class: "agent-actions" });
  if (ev.status === "submitted" || ev.status === "resolved") {
    box.append(el("button", { type: "button", class: "acknowledge", onclick: () => act("acknowledge") }, "Acknowledge"));
  }
  if (ev.status === "submitted") {
    const reason = el("input", { class: "dispute-reason", placeholder: "why you disagree" });
    box.append(reason, el("button", { type: "button", class: "dispute", onclick: () => {
      if (!reason.value.trim()) { fail("Say why you dispute the evaluation."); return; }
      act("dispute", { reason: reason.value.trim() });
    } }, "Dispute"));
  }
  return box.childElementCount ? box : "";
}

async function chooseScorecard(id) {
  state.card = await api(`/api/scorecards/${id}`);
  const pre = await api(`/api/calls/${encodeURIComponent(state.callId)}/evaluations/prefill?scorecard_id=${id}`);
  state.prefill = pre.answers;
  const filled = Object.keys(pre.answers).length;
  $("prefill-note").textContent = pre.report
    ? `${filled} answer${filled === 1 ? "" : "s"} pre-filled from the checklist; check them against the call.`
    : "No checklist on this call: nothing pre-filled.";
  let section = null;
  const rows = [];
  for (const q of questions(state.card)) {
    if (q.section !== section) { section = q.section; rows.push(el("h4", {}, section)); }
    const src = pre.sources[q.id];
    rows.push(el("div", { class: `question${src ? " prefilled" : ""}`, "data-question": q.id },
      el("span", { class: "qtext" }, q.text, q.auto_fail ? el("span", { class: "t" }, " (auto-fail)") : "",
        src ? el("span", { class: "t seekable", onclick: () => src.t != null && seek(src.t) },
          ` step ${src.step}: ${src.status}${src.t != null ? ` at ${fmtTime(src.t)}` : ""}`) : ""),
      answerInput(q, pre.answers[q.id])));
  }
  $("questions").replaceChildren(...rows);
  $("comment-question").replaceChildren(el("option", { value: "" }, "(no question)"),
    ...questions(state.card).map((q) => el("option", { value: q.id }, q.text)));
}

function renderComments() {
  $("comments").replaceChildren(...state.comments.map((c, i) => el("li", { "data-t": c.t },
    el("a", { href: "#", onclick: (e) => { e.preventDefault(); seek(c.t); } }, fmtTime(c.t)),
    ` ${c.text}${c.question_id ? ` (${c.question_id})` : ""} `,
    el("button", { type: "button", class: "link", onclick: () => { state.comments.splice(i, 1); renderComments(); } },
      "remove"))));
}

$("comment-add").addEventListener("click", () => {
  const text = $("comment-text").value.trim();
  if (!text) { $("eval-error").textContent = "Write the remark before adding it."; return; }
  const comment = { t: Math.round(player.currentTime * 10) / 10, text };
  if ($("comment-question").value) comment.question_id = $("comment-question").value;
  state.comments.push(comment);
  state.comments.sort((a, b) => a.t - b.t);
  $("comment-text").value = "";
  $("eval-error").textContent = "";
  renderComments();
});

$("eval-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("eval-error").textContent = "";
  const { answers, missing } = collectAnswers(document, state.card);
  if (missing.length) { $("eval-error").textContent = `Answer every question: ${missing.join("; ")}`; return; }
  try {
    const ev = await api(`/api/calls/${encodeURIComponent(state.callId)}/evaluations`, {
      method: "POST",
      body: { scorecard_id: state.card.id, answers, comments: state.comments, calibration_id: state.calibration?.id },
    });
    $("eval-result").textContent = `Saved: total ${ev.total == null ? "n/a" : ev.total}${ev.auto_failed ? " (auto-failed)" : ""}.`;
    $("eval-result").dataset.evaluation = ev.id;
    state.comments = [];
    renderComments();
    renderEvaluations(await api(`/api/calls/${encodeURIComponent(state.callId)}/evaluations`));
  } catch (err) {
    $("eval-error").textContent = err.message;
  }
});

async function setUpForm() {
  const cards = await optional("/api/scorecards");
  if (!cards || !cards.length || state.call.status !== "ended") return;  // not an evaluator, or nothing to score on
  let choices = cards;
  if (state.calibrationId) {  // scoring for a calibration session: blind, on the session's scorecard
    state.calibration = await optional(`/api/calibrations/${state.calibrationId}`);
    if (!state.calibration || state.calibration.status !== "open") {
      fail(`Calibration ${state.calibrationId} is not open to you: this evaluation would not count in it.`);
      return;
    }
    choices = cards.filter((c) => c.id === state.calibration.scorecard.id);
    $("calibration-note").textContent =
      `Scoring for the calibration session “${state.calibration.title}”: the others' scores stay hidden until it closes.`;
  }
  const select = $("scorecard");
  select.replaceChildren(...choices.map((c) => el("option", { value: c.id }, `${c.name} (v${c.version})`)));
  select.disabled = choices.length < 2;
  select.addEventListener("change", () => chooseScorecard(select.value).catch((e) => fail(e.message)));
  await chooseScorecard(choices[0].id);
  $("eval-form").hidden = false;
}

// ---- start ------------------------------------------------------------------------------------------------
async function start(me) {
  if (!state.callId) { fail("No call chosen: open this page from the call list (?call=ID)."); return; }
  try {
    state.call = await api(`/api/calls/${encodeURIComponent(state.callId)}`);
  } catch (e) { if (session.token) fail(e.message); return; }
  state.me = me;
  const c = state.call;
  $("call-title").textContent = `${c.direction} call ${c.remote} · ${c.agent}`;
  $("call-facts").textContent = [new Date(c.started_at).toLocaleString(), c.status,
    c.duration_s != null ? fmtTime(c.duration_s) : "", c.campaign, c.disposition].filter(Boolean).join(" · ");
  state.duration = c.duration_s || 0;
  await playRecording(player, c.id);
  const [transcript, adherence, evaluations, marks] = await Promise.all([
    api(`/api/calls/${encodeURIComponent(c.id)}/transcript`), optional(`/api/calls/${encodeURIComponent(c.id)}/adherence`), api(`/api/calls/${encodeURIComponent(c.id)}/evaluations`),
    api(`/api/calls/${encodeURIComponent(c.id)}/step-marks`),
  ]);
  state.utterances = transcript.utterances;
  state.marks = marks;
  renderTranscript(transcript.utterances);
  renderAdherence(adherence);
  renderEvaluations(evaluations);
  const buckets = Math.max(100, Math.min(4000, Math.round($("wave").clientWidth || 800)));
  state.peaks = await optional(`/api/calls/${encodeURIComponent(c.id)}/peaks?buckets=${buckets}`);
  if (state.peaks) state.duration = state.peaks.duration_s;
  drawWave();
  drawSpans();
  showTime();
  await setUpForm();
  document.body.dataset.ready = "1";
}

player.addEventListener("loadedmetadata", () => {
  if (Number.isFinite(player.duration) && player.duration > 0) { state.duration = player.duration; drawSpans(); showTime(); }
});
player.addEventListener("play", () => requestAnimationFrame(tick));
player.addEventListener("timeupdate", showTime);
player.addEventListener("seeked", showTime);
window.addEventListener("resize", drawWave);

startPage((me) => start(me).catch((e) => fail(e.message)));
