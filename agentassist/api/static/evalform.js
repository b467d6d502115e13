"use strict";
// The replay page's evaluations: the list (each with its answers, and for an auto-failed one the
// answers that failed it, which the evaluated agent reads too; the agent acknowledges or disputes),
// and the form on a chosen scorecard, pre-filled from the checklist, with comments at moments of the
// call. Once saved the form shows the evaluation read-only, with "Edit" while the API lets its
// evaluator change it (PUT /api/evaluations/{id}: still submitted, its calibration session still
// open). A call one already evaluated opens the same way. Uses replay.js's `state`, `player`, `seek`.
const shownAnswer = (a) => (a == null ? "—" : a === "na" ? "n/a" : String(a));

// ---- the list ---------------------------------------------------------------------------------------------
function renderEvaluations(list) {
  state.evaluations = list || [];
  const box = $("evaluations");
  if (!list || !list.length) { box.replaceChildren(el("li", { class: "empty" }, "Not evaluated yet.")); return; }
  box.replaceChildren(...list.map((ev) => el("li", { "data-evaluation": ev.id, "data-status": ev.status },
    el("b", {}, ev.total == null ? "n/a" : `${ev.total}`), ` · ${ev.scorecard.name} v${ev.scorecard.version}`,
    ` · ${ev.evaluator} · ${t(ev.status)}${ev.auto_failed ? ` · ${t("auto-failed")}` : ""}`,
    ev.dispute ? el("div", { class: "muted" }, t("disputed: {reason}", { reason: ev.dispute.reason }),
      ev.dispute.resolution ? ` · ${t("resolved by {who}: {resolution}", { who: ev.dispute.resolved_by, resolution: ev.dispute.resolution })}` : "") : "",
    answersBox(ev),
    el("ul", {}, ...ev.comments.map((c) =>
      el("li", { class: "seekable", "data-t": c.t, onclick: () => seek(c.t) }, `${fmtTime(c.t)} ${c.text}`))),
    agentActions(ev))));
}

// Every answer by section; an auto-fail question answered "no" is named first: why the total is 0.
function answersBox(ev) {
  const qs = questions(ev.scorecard);
  const failed = qs.filter((q) => q.auto_fail && ev.answers[q.id] === "no");
  const why = failed.length
    ? el("div", { class: "auto-failed-by" }, "auto-failed by: ", ...failed.map((q, i) =>
      el("span", { "data-question": q.id }, `${i ? "; " : ""}${t("“{question}” answered no", { question: q.text })}`)))
    : "";
  const rows = qs.map((q) => el("li", { "data-question": q.id, class: failed.includes(q) ? "failed" : "" },
    `${q.section} · ${q.text}: `, el("b", {}, shownAnswer(ev.answers[q.id]))));
  return el("div", { class: "answers" }, why,
    el("details", { open: failed.length > 0 }, el("summary", {}, "answers"), el("ul", {}, ...rows)));
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

// ---- the form ---------------------------------------------------------------------------------------------
function renderQuestions(card, answers, sources = {}) {
  state.card = card;
  let section = null;
  const rows = [];
  for (const q of questions(card)) {
    if (q.section !== section) { section = q.section; rows.push(el("h4", {}, section)); }
    const src = sources[q.id];
    rows.push(el("div", { class: `question${src ? " prefilled" : ""}`, "data-question": q.id },
      el("span", { class: "qtext" }, q.text, q.auto_fail ? el("span", { class: "t" }, " (auto-fail)") : "",
        src ? el("span", { class: "t seekable", onclick: () => src.t != null && seek(src.t) },
          ` ${t("step {step}: {status}", { step: src.step, status: t(src.status) })}${src.t != null ? ` ${t("at {time}", { time: fmtTime(src.t) })}` : ""}`) : ""),
      answerInput(q, answers[q.id])));
  }
  $("questions").replaceChildren(...rows);
  $("comment-question").replaceChildren(el("option", { value: "" }, "(no question)"),
    ...questions(card).map((q) => el("option", { value: q.id }, q.text)));
}

async function chooseScorecard(id) {
  const card = await api(`/api/scorecards/${id}`);
  const pre = await api(`/api/calls/${encodeURIComponent(state.callId)}/evaluations/prefill?scorecard_id=${id}`);
  state.prefill = pre.answers;
  const filled = Object.keys(pre.answers).length;
  $("prefill-note").textContent = pre.report
    ? t("{n} answer pre-filled from the checklist; check them against the call.|{n} answers pre-filled from the checklist; check them against the call.", { n: filled })
    : "No checklist on this call: nothing pre-filled.";
  renderQuestions(card, pre.answers, pre.sources);
}

function renderComments() {
  const locked = Boolean(state.saved && !state.editing);
  $("comments").replaceChildren(...state.comments.map((c, i) => el("li", { "data-t": c.t },
    el("a", { href: "#", onclick: (e) => { e.preventDefault(); seek(c.t); } }, fmtTime(c.t)),
    ` ${c.text}${c.question_id ? ` (${questionText(c.question_id)})` : ""} `,
    locked ? "" : el("button", { type: "button", class: "link", onclick: () => { state.comments.splice(i, 1); renderComments(); } },
      "remove"))));
}

function questionText(id) {
  return (state.card ? questions(state.card) : []).find((q) => q.id === id)?.text || id;
}

function addComment() {
  const text = $("comment-text").value.trim();
  if (!text) { $("eval-error").textContent = "Write the remark before adding it."; return; }
  const comment = { t: Math.round(player.currentTime * 10) / 10, text };
  if ($("comment-question").value) comment.question_id = $("comment-question").value;
  state.comments.push(comment);
  state.comments.sort((a, b) => a.t - b.t);
  $("comment-text").value = "";
  $("eval-error").textContent = "";
  renderComments();
}

$("comment-add").addEventListener("click", addComment);
// Enter in the remark adds it: inside the form it would otherwise submit the whole evaluation
$("comment-text").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); addComment(); } });

// A saved evaluation in the form, read-only; "Edit" where its evaluator may still change it.
function showSaved(ev) {
  state.saved = ev;
  state.editing = false;
  state.comments = ev.comments.map((c) => ({ ...c }));
  if (!state.card || state.card.id !== ev.scorecard.id) renderQuestions(ev.scorecard, ev.answers);
  $("scorecard").replaceChildren(el("option", { value: ev.scorecard.id }, `${ev.scorecard.name} (v${ev.scorecard.version})`));
  $("prefill-note").textContent = "";
  if ($("eval-form").contains(document.activeElement)) document.activeElement.blur();  // the shortcuts work again
  for (const f of $("eval-form").querySelectorAll("input, select, button")) f.disabled = true;
  $("eval-form").classList.add("saved");
  $("eval-save").hidden = true;
  const editable = ev.evaluator === state.me.name && ev.status === "submitted" && (!ev.calibration || ev.calibration.open);
  $("eval-edit").hidden = !editable;
  $("eval-edit").disabled = !editable;
  $("eval-result").textContent = t("Saved: total {total}", { total: ev.total == null ? t("n/a") : ev.total })
    + (ev.auto_failed ? ` (${t("auto-failed")})` : "")
    + (editable ? "." : ` · ${t("{status}: no longer changed from here.", { status: t(ev.status) })}`);
  $("eval-result").dataset.evaluation = ev.id;
  renderComments();
}

$("eval-edit").addEventListener("click", () => {
  state.editing = true;
  for (const f of $("eval-form").querySelectorAll("input, select, button")) f.disabled = f.id === "scorecard";
  $("eval-form").classList.remove("saved");
  $("eval-edit").hidden = true;
  $("eval-save").hidden = false;
  $("eval-save").textContent = "Save changes";
  renderComments();
  focusQuestion();
});

$("eval-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("eval-error").textContent = "";
  if (state.saved && !state.editing) return;
  const { answers, missing } = collectAnswers(document, state.card);
  if (missing.length) { $("eval-error").textContent = t("Answer every question: {missing}", { missing: missing.join("; ") }); return; }
  const save = $("eval-save");
  save.disabled = true;
  try {
    const ev = state.saved
      ? await api(`/api/evaluations/${state.saved.id}`, { method: "PUT", body: { answers, comments: state.comments } })
      : await api(`/api/calls/${encodeURIComponent(state.callId)}/evaluations`, {
        method: "POST",
        body: { scorecard_id: state.card.id, answers, comments: state.comments, calibration_id: state.calibration?.id },
      });
    try {
      renderEvaluations(await api(`/api/calls/${encodeURIComponent(state.callId)}/evaluations`));
    } finally { showSaved(ev); }  // last: its result line (data-evaluation) says that the page is up to date
    await loadQueue();  // this call has left my queue
    $("next-call").focus();  // the keyboard goes on to the next call (n, or enter here)
  } catch (err) {
    $("eval-error").textContent = err.message;
  } finally { save.disabled = false; }
});

function mine(ev) {  // this user's evaluation of the call for what the form scores (the session, or none)
  return ev.evaluator === state.me.name && (state.calibrationId ? ev.calibration?.id === state.calibrationId : !ev.calibration);
}

async function setUpForm() {
  const cards = await optional("/api/scorecards");
  if (!cards || !cards.length || state.call.status !== "ended") return;  // not an evaluator, or nothing to score on
  let choices = cards;
  if (state.calibrationId) {  // scoring for a calibration session: blind, on the session's scorecard
    state.calibration = await optional(`/api/calibrations/${state.calibrationId}`);
    if (!state.calibration || state.calibration.status !== "open") {
      fail(t("Calibration {id} is not open to you: this evaluation would not count in it.", { id: state.calibrationId }));
      return;
    }
    choices = cards.filter((c) => c.id === state.calibration.scorecard.id);
    $("calibration-note").textContent =
      t("Scoring for the calibration session “{title}”: the others' scores stay hidden until it closes.", { title: state.calibration.title });
  }
  const done = (state.evaluations || []).filter(mine).pop();
  $("eval-form").hidden = false;
  if (done) { showSaved(done); return; }
  const select = $("scorecard");
  select.replaceChildren(...choices.map((c) => el("option", { value: c.id }, `${c.name} (v${c.version})`)));
  select.disabled = choices.length < 2;
  select.addEventListener("change", () => chooseScorecard(select.value).catch((e) => fail(e.message)));
  await chooseScorecard(choices[0].id);
}
