"use strict";
// agentassist replay page: one call's recording with per-channel waveform, the transcript and the
// checklist evidence in sync with playback, and an evaluation form on a chosen scorecard (evalform.js);
// speed, skips, markers, transcript search, the work queue and shortcuts are in replaytools.js.
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
  evaluations: [],   // the call's evaluations this user may read (evalform.js)
  saved: null,       // this user's evaluation shown in the form, read-only unless editing
  editing: false,
  queue: null,       // my work queue (replaytools.js); null: not an evaluator
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
        title: `${kind === "pause" ? t("paused") : t("on hold")} ${fmtTime(s.start)}–${fmtTime(end)}${s.by ? ` ${t("by {who}", { who: s.by })}` : ""}`,
      });
      // through the CSSOM: a style="" attribute is inline style, which the Content-Security-Policy refuses
      span.style.left = `${(s.start / total) * 100}%`;
      span.style.width = `${Math.max(0.3, ((end - s.start) / total) * 100)}%`;
      spans.push(span);
    }
  }
  box.replaceChildren(...spans);
  drawMarkers();  // replaytools.js: steps ticked and alerts, at their moments
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
    const far = s.status === "unsure" && ev.near === false;  // the nearest sentence is no evidence: not shown
    const said = ev.text && !far ? el("q", {}, ev.text) : "";
    const how = far ? el("span", { class: "t" }, ` ${t("said in other words? no sentence of the call is near it")}`)
      : s.status === "unsure" ? el("span", { class: "t" }, ` ${t("said in other words? nearest {percent} %", { percent: Math.round(ev.score * 100) })}`)
      : ev.score != null ? el("span", { class: "t" }, ` ${t("match {percent} %", { percent: Math.round(ev.score * 100) })}`) : "";
    return el("li", { class: `${s.status}${s.t != null ? " seekable" : ""}`, "data-step": s.id, "data-t": s.t,
      onclick: s.t != null ? () => seek(s.t) : null },
    s.id, el("span", { class: "t" }, s.t != null ? ` ${t("at {time}", { time: fmtTime(s.t) })}` : ""), how, said ? el("br") : "", said,
    markBox(s));
  }));
  $("alerts").replaceChildren(...(report.alerts || []).map((a) =>
    el("div", { class: "alert seekable", "data-t": a.t, onclick: () => seek(a.t) }, `${fmtTime(a.t)} ${a.message}`)));
  drawMarkers();
}

// ---- start ------------------------------------------------------------------------------------------------
async function start(me) {
  if (!state.callId) { fail("No call chosen: open this page from the call list (?call=ID)."); return; }
  try {
    state.call = await api(`/api/calls/${encodeURIComponent(state.callId)}`);
  } catch (e) { if (session.token) fail(e.message); return; }
  state.me = me;
  const c = state.call;
  const who = { remote: c.remote, agent: c.agent };
  $("call-title").textContent = c.direction === "outbound" ? t("outbound call {remote} · {agent}", who)
    : t("inbound call {remote} · {agent}", who);
  $("call-facts").textContent = [fmtDate(c.started_at), t(c.status),
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
  await loadQueue();
  if (typeof setUpClips === "function") await setUpClips(me);  // clips.js: coaching clips of this call
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
