"use strict";
// The replay page's step marks: under each checklist step, the checkers' marks on it (said / not said,
// by whom, and what the script's editors decided), and for a checker the buttons to mark it: "said…"
// on a step the checklist missed opens the agent's lines to pick the one(s) that said it, offered to
// the editors as a new wording; "not said" on a ticked step reports a false tick; an unsure step has both. The evaluation form's
// answer to a question on that step follows the mark.
// POST/GET /api/calls/{id}/step-marks; uses replay.js's `state` and `seek`.
const MARKERS = ["quality_checker", "team_leader", "supervisor", "admin"];

function canMark() {
  return state.me && MARKERS.includes(state.me.role) && state.call.status === "ended" && state.me.name !== state.call.agent;
}

function markBox(step) {  // what goes under a checklist step: its marks, then the checker's controls
  const box = el("div", { class: "marks", onclick: (e) => e.stopPropagation() });
  // scoring blind for a calibration session: the other checkers' marks stay hidden, as their scores do
  const shown = (state.marks || []).filter((x) => x.step_id === step.id && (!state.calibrationId || x.checker === state.me?.name));
  for (const m of shown) {
    const what = m.mark === "said" ? t("marked said") : t("marked not said");
    const decided = m.status === "pending" ? t("offered to the script's editors")
      : t("{status} by {who}", { status: t(m.status), who: m.decided_by })
        + (m.accepted_version ? ` (${t("version {version}", { version: m.accepted_version })})` : "");
    box.append(el("div", { class: `mark ${m.mark}`, "data-mark": m.id, "data-status": m.status },
      t("{what} by {checker} · {decided}", { what, checker: m.checker, decided }), m.text ? el("q", {}, m.text) : ""));
  }
  if (!canMark()) return box;
  // a ticked step may be not said, a missed one said; an unsure one (a compliance line near, not surely
  // said) either
  const status = step.status;
  if (status !== "done") {
    box.append(el("button", { type: "button", class: "link mark-step", "data-step": step.id, "data-mark": "said",
      onclick: () => openPicker(box, step.id) }, "said…"));
  }
  if (status === "done" || status === "unsure") {
    box.append(el("button", { type: "button", class: "link mark-step", "data-step": step.id, "data-mark": "not_said",
      onclick: () => saveMark(step.id, "not_said", []) }, "not said"));
  }
  return box;
}

function openPicker(box, stepId) {
  if (box.querySelector(".mark-picker")) return;
  const now = player.currentTime;
  const lines = (state.utterances || []).filter((u) => u.channel === "agent");
  if (!lines.length) { fail("The agent said nothing in this call's transcript: there is no line to pick."); return; }
  const picker = el("div", { class: "mark-picker" },
    el("p", { class: "muted" }, t("Which of the agent's lines said “{step}”?", { step: stepId })),
    ...lines.map((u) => el("label", { class: "pick" },
      el("input", { type: "checkbox", value: u.id, checked: now >= u.start && now < u.end }),
      el("a", { href: "#", onclick: (e) => { e.preventDefault(); seek(u.start); } }, fmtTime(u.start)), ` ${u.text}`)));
  const error = el("p", { class: "error" });
  picker.append(
    el("button", { type: "button", class: "small offer", onclick: () => {
      const ids = [...picker.querySelectorAll("input:checked")].map((i) => i.value);
      if (!ids.length) { error.textContent = "Pick the line(s) that said the step."; return; }
      saveMark(stepId, "said", ids).catch((e) => { error.textContent = e.message; });
    } }, "Mark said"),
    el("button", { type: "button", class: "small secondary", onclick: () => picker.remove() }, "Cancel"),
    error);
  box.append(picker);
}

async function saveMark(stepId, mark, utteranceIds) {
  const path = `/api/calls/${encodeURIComponent(state.callId)}/step-marks`;
  try {
    await api(path, { method: "POST", body: { step_id: stepId, mark, utterance_ids: utteranceIds } });
  } catch (e) {
    if (mark === "said") throw e;  // shown in the picker
    fail(e.message);
    return;
  }
  state.marks = await api(path);
  renderAdherence(state.adherence);
  if (state.saved && !state.editing) return;  // a saved evaluation changes only through "Edit"
  const answer = mark === "said" ? "yes" : "no";
  for (const q of state.card ? questions(state.card) : []) {  // the form follows the mark, as the prefill does
    if (q.adherence_step !== stepId || q.kind !== "yes_no") continue;
    const radio = document.querySelector(`#eval-form [name="${CSS.escape(`q-${q.id}`)}"][value="${answer}"]`);
    if (radio) radio.checked = true;
  }
}
