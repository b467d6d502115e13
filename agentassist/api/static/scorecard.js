"use strict";
// The scorecard form, shared by the replay page (an evaluation of a call) and the calibrations page
// (a checker's blind score for a session): a scorecard's questions, an input for each, the answers.

// A scorecard's questions in order, each with the title of its section.
function questions(card) {
  return card.sections.flatMap((s) => s.questions.map((q) => ({ ...q, section: s.title })));
}

// One question's input, named q-ID: yes / no (and n/a) radios, or a select over its scale (and n/a);
// `prefilled` is the answer chosen at first.
function answerInput(q, prefilled) {
  const name = `q-${q.id}`;
  if (q.kind === "yes_no") {
    const choices = ["yes", "no", ...(q.na_allowed ? ["na"] : [])];
    return el("span", { class: "choices" }, ...choices.map((c) => el("label", {},
      el("input", { type: "radio", name, value: c, checked: prefilled === c }), c === "na" ? "n/a" : c)));
  }
  const options = [el("option", { value: "" }, "—")];
  for (let v = q.min; v <= q.max; v++) options.push(el("option", { value: v, selected: prefilled === v }, v));
  if (q.na_allowed) options.push(el("option", { value: "na", selected: prefilled === "na" }, "n/a"));
  return el("select", { name, "aria-label": q.text }, ...options);
}

// The answers given in `form` by question id (a scale's as a number), and the text of each question
// left unanswered.
function collectAnswers(form, card) {
  const answers = {};
  const missing = [];
  for (const q of questions(card)) {
    const name = CSS.escape(`q-${q.id}`);
    const field = form.querySelector(`[name="${name}"]:checked`) || form.querySelector(`select[name="${name}"]`);
    const value = field ? field.value : "";
    if (value === "") missing.push(q.text);
    else answers[q.id] = q.kind === "scale" && value !== "na" ? Number(value) : value;
  }
  return { answers, missing };
}
