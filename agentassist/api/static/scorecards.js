"use strict";
// agentassist scorecards: the list (GET /api/scorecards) and a form that creates one (POST) or saves
// a new version of one (PUT /api/scorecards/{id}): sections of questions, each yes / no or a scale,
// weighted, optionally n/a, auto-fail or pre-filled from a script step. The form is re-drawn from
// what it holds whenever a section or question is added or removed; the server's 422 errors show at
// their fields (every input carries data-path, the field's place in the request body).
const state = { editing: null };  // the scorecard id being edited, null for a new one

const blankQuestion = (n) => ({ id: `q${n}`, text: "", kind: "yes_no", weight: 1, min: null, max: null,
  na_allowed: false, auto_fail: false, adherence_step: null });
// question ids are unique across the whole scorecard, not only in their section
const questionCount = (card) => card.sections.reduce((n, s) => n + s.questions.length, 0);
const blankSection = (n, card) => ({ id: `s${n}`, title: "", questions: [blankQuestion(card ? questionCount(card) + 1 : 1)] });

function input(path, label, value, attrs = {}) {
  return el("label", { class: `field${attrs.wide ? " text" : ""}` }, label,
    el("input", { "data-path": path, "data-key": path.split(".").pop(), value: value ?? "", autocomplete: "off",
      class: attrs.narrow ? "narrow" : null, type: attrs.type || "text", ...(attrs.extra || {}) }));
}

function check(path, label, checked) {
  return el("label", { class: "check" },
    el("input", { type: "checkbox", "data-path": path, "data-key": path.split(".").pop(), checked }), label);
}

function questionRow(q, at, i, j) {
  const kind = el("select", { "data-path": `${at}.kind`, "data-key": "kind", "aria-label": t("question {n}: kind of answer", { n: j + 1 }),
    onchange: (e) => fitKind(e.target.closest(".question")) },
    ...[["yes_no", t("yes / no")], ["scale", t("scale")]].map(([v, text]) => el("option", { value: v, selected: q.kind === v }, text)));
  const row = el("div", { class: "question row", "data-question": j },
    input(`${at}.id`, t("Question id"), q.id, { narrow: true }),
    input(`${at}.text`, t("Question"), q.text, { wide: true }),
    el("label", { class: "field" }, t("Kind of answer"), kind),
    input(`${at}.weight`, t("Weight"), q.weight, { narrow: true, type: "number", extra: { step: "any", min: "0" } }),
    input(`${at}.min`, t("Scale from"), q.min, { narrow: true, type: "number" }),
    input(`${at}.max`, t("Scale to"), q.max, { narrow: true, type: "number" }),
    check(`${at}.na_allowed`, t("n/a allowed"), q.na_allowed),
    check(`${at}.auto_fail`, t("critical (auto-fail)"), q.auto_fail),
    input(`${at}.adherence_step`, t("Script step"), q.adherence_step, { narrow: true }),
    el("button", { type: "button", class: "small secondary", "aria-label": t("remove question {question} of section {section}", { question: j + 1, section: i + 1 }),
      onclick: () => edit((c) => c.sections[i].questions.splice(j, 1)) }, t("Remove")));
  fitKind(row);
  return row;
}

// A scale has a range and no auto-fail or script step; a yes / no question the other way round:
// the fields that do not apply to the question's kind are disabled (and sent as null / false).
function fitKind(row) {
  const scale = row.querySelector('[data-key="kind"]').value === "scale";
  for (const key of ["min", "max"]) row.querySelector(`[data-key="${key}"]`).disabled = !scale;
  for (const key of ["auto_fail", "adherence_step"]) row.querySelector(`[data-key="${key}"]`).disabled = scale;
}

function sectionBox(s, i) {
  const at = `sections.${i}`;
  return el("fieldset", { class: "section", "data-section": i },
    el("legend", {}, t("Section {n}", { n: i + 1 })),
    el("div", { class: "row" },
      input(`${at}.id`, t("Section id"), s.id, { narrow: true }),
      input(`${at}.title`, t("Title"), s.title, { wide: true }),
      el("button", { type: "button", class: "small secondary", "aria-label": t("remove section {n}", { n: i + 1 }),
        onclick: () => edit((c) => c.sections.splice(i, 1)) }, t("Remove section"))),
    el("div", { class: "questions", "data-path": `${at}.questions` },
      ...s.questions.map((q, j) => questionRow(q, `${at}.questions.${j}`, i, j))),
    el("div", { class: "actions" }, el("button", { type: "button", class: "small secondary", "data-add-question": i,
      onclick: () => edit((c) => c.sections[i].questions.push(blankQuestion(questionCount(c) + 1))) },
    t("Add question"))));
}

// What the form holds, as the API's body: numbers as numbers, empty optional fields as null.
function readForm() {
  const value = (root, key) => root.querySelector(`:scope [data-key="${key}"]`);
  const num = (n) => n.value === "" || n.disabled ? null : Number(n.value);
  return {
    name: $("card-name").value.trim(),
    description: $("card-description").value,
    sections: [...$("sections").querySelectorAll("fieldset.section")].map((f) => ({
      id: value(f.querySelector(".row"), "id").value.trim(),
      title: value(f.querySelector(".row"), "title").value.trim(),
      questions: [...f.querySelectorAll(".question")].map((q) => ({
        id: value(q, "id").value.trim(),
        text: value(q, "text").value.trim(),
        kind: value(q, "kind").value,
        weight: num(value(q, "weight")) ?? 1,
        min: num(value(q, "min")),
        max: num(value(q, "max")),
        na_allowed: value(q, "na_allowed").checked,
        auto_fail: !value(q, "auto_fail").disabled && value(q, "auto_fail").checked,
        adherence_step: (!value(q, "adherence_step").disabled && value(q, "adherence_step").value.trim()) || null,
      })),
    })),
  };
}

function render(card) {
  $("card-name").value = card.name;
  $("card-description").value = card.description;
  $("sections").replaceChildren(...card.sections.map(sectionBox));
}

// A change of the form's shape: what it holds, changed, drawn again.
function edit(change) {
  const card = readForm();
  change(card);
  render(card);
}

function open(card) {
  state.editing = card ? card.id : null;
  $("editor-title").textContent = card ? t("{name} (version {version}: saving makes version {next})", { name: card.name, version: card.version, next: card.version + 1 })
    : t("New scorecard");
  clearFieldErrors($("editor"));
  $("save-error").textContent = "";
  $("saved").textContent = "";
  render(card ?? { name: "", description: "", sections: [blankSection(1)] });
  $("editor").hidden = false;
  $("card-name").focus();
}

async function save(e) {
  e.preventDefault();
  $("saved").textContent = "";
  $("save-error").textContent = "";
  const body = readForm();
  let card;
  try {
    card = state.editing == null ? await api("/api/scorecards", { method: "POST", body })
      : await api(`/api/scorecards/${state.editing}`, { method: "PUT", body });
  } catch (err) {
    showFieldErrors($("editor"), err, $("save-error"));
    return;
  }
  clearFieldErrors($("editor"));
  state.editing = card.id;
  $("editor-title").textContent = t("{name} (version {version})", { name: card.name, version: card.version });
  $("saved").textContent = t("Saved: {name}, version {version}.", { name: card.name, version: card.version });
  $("editor").dataset.savedId = card.id;
  await list();
}

async function list() {
  let cards;
  try { cards = await api("/api/scorecards"); } catch (e) { $("list-error").textContent = e.message; return; }
  const rows = cards.map((c) => el("tr", { class: "static", "data-id": c.id },
    el("td", {}, c.name), el("td", { class: "num" }, c.version), el("td", { class: "num" }, c.sections.length),
    el("td", { class: "num" }, c.sections.reduce((n, s) => n + s.questions.length, 0)),
    el("td", {}, `${c.created_by}${c.created_at ? ` · ${fmtDate(c.created_at)}` : ""}`),
    el("td", {}, el("button", { type: "button", class: "small", "aria-label": t("edit {name}", { name: c.name }), onclick: () => open(c) }, "Edit"))));
  $("cards").tBodies[0].replaceChildren(...(rows.length ? rows
    : [el("tr", { class: "static" }, el("td", { colspan: 6, class: "empty" }, "No scorecards yet."))]));
}

$("new-card").addEventListener("click", () => open(null));
$("add-section").addEventListener("click", () => edit((c) => c.sections.push(blankSection(c.sections.length + 1, c))));
const closeEditor = () => { $("editor").hidden = true; $("new-card").focus(); };
$("cancel-card").addEventListener("click", closeEditor);
$("editor").addEventListener("keydown", (e) => { if (e.key === "Escape") closeEditor(); });
$("editor").addEventListener("submit", save);

startPage(async () => {
  await list();
  document.body.dataset.ready = "";
});
