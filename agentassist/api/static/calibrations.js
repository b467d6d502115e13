"use strict";
// agentassist calibration sessions: the list (open and closed), a new session (leaders), one session's
// calls (each linked to the replay page to listen, and scored here for the session by its checkers,
// blind) and progress, and once closed its report: each question's spread of answers and each
// checker's deviation from the consensus. Open as /calibrations (optionally ?id=N).
const EVALUATORS = ["quality_checker", "team_leader", "supervisor", "admin"];
const LEADERS = ["team_leader", "supervisor", "admin"];
const state = { me: null, sessions: [], cal: null, mine: new Map(), card: null, scoring: null };

const num = (x) => x == null ? "—" : String(Math.round(x * 100) / 100);
const numCell = (x, attrs = {}) => el("td", { class: "num", "data-value": x ?? "", ...attrs }, num(x));

// ---- the list ----------------------------------------------------------------------------------------
async function loadList() {
  state.sessions = await api("/api/calibrations");
  renderList();
}

function renderList() {
  const want = $("status-filter").value;
  const rows = state.sessions.filter((c) => !want || c.status === want).sort((a, b) => b.id - a.id);
  $("calibrations").tBodies[0].replaceChildren(...(rows.length ? rows.map((c) => el("tr", {
    "data-calibration": c.id, "data-status": c.status, tabindex: "0", class: state.cal?.id === c.id ? "open" : null,
    onclick: () => openSession(c.id),
  }, el("td", {}, c.id), el("td", {}, c.title || ""), el("td", {}, `${c.scorecard.name} (v${c.scorecard.version})`),
    el("td", { class: "num" }, c.call_ids.length), el("td", {}, c.checker_ids.join(", ")),
    el("td", {}, el("span", { class: `badge ${c.status}` }, c.status)),
    el("td", {}, c.created_at ? t("{date} by {who}", { date: fmtDate(c.created_at), who: c.created_by }) : c.created_by)))
    : [el("tr", {}, el("td", { colspan: 7, class: "empty" }, want === "open" ? t("No open sessions.")
      : want === "closed" ? t("No closed sessions.") : t("No calibration sessions yet.")))]));
}
$("status-filter").addEventListener("change", renderList);

// ---- a new session -----------------------------------------------------------------------------------
$("new-calibration").addEventListener("click", async () => {
  $("create").hidden = false;
  $("create-error").textContent = "";
  try {
    const cards = await api("/api/scorecards");
    $("create-scorecard").replaceChildren(...cards.map((c) => el("option", { value: c.id }, `${c.name} (v${c.version})`)));
    if (!cards.length) $("create-error").textContent = "There is no scorecard yet: make one first (POST /api/scorecards).";
    await openPickers();  // calpicker.js
  } catch (e) { $("create-error").textContent = e.message; }
  $("create-title").focus();
});
$("create-cancel").addEventListener("click", () => { $("create").hidden = true; });
$("create").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("create-error").textContent = "";
  const body = {
    title: $("create-title").value.trim(), scorecard_id: Number($("create-scorecard").value),
    call_ids: pickedCalls(), checker_ids: pickedCheckers(),
  };
  if (!body.scorecard_id) { $("create-error").textContent = "Choose a scorecard."; return; }
  if (!body.call_ids.length) { $("create-error").textContent = "Tick at least one call."; return; }
  if (body.checker_ids.length < 2) { $("create-error").textContent = "Tick at least two checkers."; return; }
  try {
    const cal = await api("/api/calibrations", { method: "POST", body });
    $("create").hidden = true;
    $("create-title").value = "";
    await loadList();
    await openSession(cal.id);
  } catch (err) { $("create-error").textContent = err.message; }
});

// ---- one session -------------------------------------------------------------------------------------
async function openSession(id) {
  $("session-error").textContent = "";
  $("score").hidden = true;
  let cal;
  try { cal = await api(`/api/calibrations/${id}`); } catch (e) {
    $("session").hidden = false;
    $("session-error").textContent = e.message;
    return;
  }
  state.cal = cal;
  document.querySelectorAll("#calibrations tbody tr").forEach((tr) => tr.classList.toggle("open", Number(tr.dataset.calibration) === id));
  const url = new URL(location.href);
  url.searchParams.set("id", id);
  history.replaceState(null, "", url);
  const box = $("session");
  box.hidden = false;
  box.dataset.calibration = cal.id;
  box.dataset.status = cal.status;
  $("session-title").textContent = `#${cal.id} ${cal.title || "Calibration"}`;
  $("session-status").textContent = cal.status;
  $("session-status").className = `badge ${cal.status}`;
  $("session-meta").textContent = t("{scorecard}, version {version} · opened by {who}",
    { scorecard: cal.scorecard.name, version: cal.scorecard.version, who: cal.created_by }) +
    `${cal.created_at ? ` ${fmtDate(cal.created_at)}` : ""}` +
    `${cal.closed_at ? ` · ${t("closed {date}", { date: fmtDate(cal.closed_at) })}` : ""}`;
  const me = state.me;
  $("close-session").hidden = cal.status !== "open" ||
    !(me.name === cal.created_by || ["supervisor", "admin"].includes(me.role));
  const checker = cal.checker_ids.includes(me.name);
  state.mine = new Map();
  if (checker) {  // my own evaluations of this session (while open, nobody else's are readable)
    try {
      for (const ev of await api(`/api/evaluations?calibration_id=${cal.id}&evaluator=${encodeURIComponent(me.name)}`)) {
        state.mine.set(ev.call_id, ev);
      }
    } catch (e) { $("session-error").textContent = e.message; }
  }
  $("session-calls").tBodies[0].replaceChildren(...cal.call_ids.map((callId) => {
    const ev = state.mine.get(callId);
    let score = "";
    if (ev) score = t("scored: total {total}", { total: num(ev.total) });
    else if (checker && cal.status === "open") {
      score = el("button", { type: "button", class: "small score-call", onclick: () => startScoring(callId) }, "score");
    } else if (checker) score = "not scored";
    return el("tr", { "data-call": callId },
      el("td", {}, callId),
      el("td", {}, el("a", {
        href: `/static/replay.html?call=${encodeURIComponent(callId)}${checker && cal.status === "open" ? `&calibration=${cal.id}` : ""}`,
        target: "_blank", class: "replay",
      }, checker && cal.status === "open" ? "listen and score on the replay page" : "listen on the replay page")),
      el("td", { class: "mine" }, score));
  }));
  $("progress").tBodies[0].replaceChildren(...cal.checker_ids.map((name) => el("tr", { "data-checker": name },
    el("td", {}, name), el("td", { class: "num" }, t("{shown} of {n}", { shown: cal.progress[name] ?? 0, n: cal.call_ids.length })))));
  $("report").hidden = true;
  if (cal.status === "closed") await loadReport(cal.id);
}

$("close-session").addEventListener("click", async () => {
  if (!state.cal) return;
  $("session-error").textContent = "";
  try {
    await api(`/api/calibrations/${state.cal.id}/close`, { method: "POST" });
    await loadList();
    await openSession(state.cal.id);
  } catch (e) { $("session-error").textContent = e.message; }
});

// ---- scoring a call for the session (the scorecard version the session pinned) ----------------------
async function startScoring(callId) {
  const cal = state.cal;
  $("score-error").textContent = "";
  try {
    state.card = await api(`/api/scorecards/${cal.scorecard.id}?version=${cal.scorecard.version}`);
  } catch (e) { $("session-error").textContent = e.message; return; }
  state.scoring = callId;
  $("score").dataset.call = callId;
  $("score-title").textContent = t("Score {call} ({scorecard}, version {version})",
    { call: callId, scorecard: state.card.name, version: state.card.version });
  $("score-questions").replaceChildren(...questions(state.card).map((q) => el("div", { class: "question", "data-question": q.id },
    el("span", {}, q.text, q.auto_fail ? " (auto-fail)" : ""), answerInput(q))));
  $("score").hidden = false;
}

$("score-cancel").addEventListener("click", () => { $("score").hidden = true; state.scoring = null; });
$("score").addEventListener("submit", async (e) => {
  e.preventDefault();
  const { answers, missing } = collectAnswers($("score"), state.card);
  if (missing.length) { $("score-error").textContent = t("Answer every question: {missing}", { missing: missing.join("; ") }); return; }
  try {
    await api(`/api/calls/${encodeURIComponent(state.scoring)}/evaluations`, {
      method: "POST", body: { scorecard_id: state.cal.scorecard.id, answers, comments: [], calibration_id: state.cal.id },
    });
    $("score").hidden = true;
    await openSession(state.cal.id);
    await loadList();
  } catch (err) { $("score-error").textContent = err.message; }
});

// ---- the report (closed sessions) --------------------------------------------------------------------
// The reference answer: one checker of the session (an expert, or the leader who scored too) whose
// answers the others are measured against, beside the consensus (GET .../report?reference=NAME).
async function loadReport(id, reference = "") {
  let rep;
  const asked = reference ? `?reference=${encodeURIComponent(reference)}` : "";
  try { rep = await api(`/api/calibrations/${id}/report${asked}`); } catch (e) { $("session-error").textContent = e.message; return; }
  const checkers = rep.checker_ids;
  $("reference").replaceChildren(el("option", { value: "" }, "none (the consensus only)"),
    ...checkers.map((c) => el("option", { value: c, selected: c === rep.reference }, c)));
  $("reference").onchange = () => loadReport(id, $("reference").value);
  for (const th of document.querySelectorAll("#report-checkers .ref-col")) th.hidden = !rep.reference;
  $("report-checkers").tBodies[0].replaceChildren(...rep.checkers.map((c) => el("tr", { "data-checker": c.checker },
    el("td", {}, c.checker), el("td", { class: "num" }, c.evaluations),
    numCell(c.mad, { "data-field": "mad" }), numCell(c.total_mad, { "data-field": "total_mad" }),
    ...(rep.reference ? [numCell(c.reference_mad, { "data-field": "reference_mad" }),
      numCell(c.reference_total_mad, { "data-field": "reference_total_mad" })] : []))));

  $("report-totals").tHead.replaceChildren(el("tr", {}, el("th", {}, "call"),
    ...checkers.map((c) => el("th", { class: "num" }, c)), el("th", { class: "num" }, "min"),
    el("th", { class: "num" }, "max"), el("th", { class: "num" }, "stdev")));
  $("report-totals").tBodies[0].replaceChildren(...rep.totals.map((t) => el("tr", { "data-call": t.call_id },
    el("td", {}, t.call_id), ...checkers.map((c) => numCell(t.totals[c], { "data-checker": c })),
    numCell(t.min, { "data-field": "min" }), numCell(t.max, { "data-field": "max" }),
    numCell(t.stdev, { "data-field": "stdev" }))));

  $("report-questions").tHead.replaceChildren(el("tr", {}, el("th", {}, "question"),
    el("th", { class: "num" }, "mean stdev"), el("th", {}, "call"),
    ...checkers.map((c) => el("th", { class: "num" }, c)), el("th", { class: "num" }, "min"),
    el("th", { class: "num" }, "max"), el("th", { class: "num" }, "stdev")));
  const widest = Math.max(0, ...rep.questions.map((q) => q.mean_stdev ?? 0));
  const rows = [];
  for (const q of rep.questions) {
    q.calls.forEach((c, i) => {
      const head = i === 0 ? [
        el("td", { class: "q", rowspan: q.calls.length, title: q.question_id }, q.text),
        numCell(q.mean_stdev, { rowspan: q.calls.length, "data-field": "mean_stdev",
          class: `num${widest > 0 && q.mean_stdev === widest ? " wide" : ""}` }),
      ] : [];
      rows.push(el("tr", { "data-question": q.question_id, "data-call": c.call_id }, ...head, el("td", {}, c.call_id),
        ...checkers.map((name) => el("td", { class: "num", "data-checker": name },
          c.answers[name] == null ? "—" : c.answers[name] === "na" ? "n/a" : String(c.answers[name]))),
        numCell(c.min, { "data-field": "min" }), numCell(c.max, { "data-field": "max" }),
        numCell(c.stdev, { "data-field": "stdev" })));
    });
  }
  $("report-questions").tBodies[0].replaceChildren(...rows);
  $("report").hidden = false;
}

function notAllowed(message) {  // signed in, but not for this page: the session stays for the others
  appRoot().replaceChildren(el("p", { id: "not-allowed", class: "error" }, message, " ", el("a", { href: "/" }, "Back to the calls")));
}

// ---- start ---------------------------------------------------------------------------------------
startPage(async (me) => {
  state.me = me;
  if (!EVALUATORS.includes(me.role)) {
    notAllowed(t("Signed in as {name}, a {role}: calibration is for quality checkers, team leaders, supervisors and admins.",
      { name: me.name, role: t(me.role) === me.role ? me.role.replace("_", " ") : t(me.role) }));
    return;
  }
  $("new-calibration").hidden = !LEADERS.includes(me.role);
  await loadList();
  const wanted = Number(new URLSearchParams(location.search).get("id"));
  if (wanted) await openSession(wanted);
});
