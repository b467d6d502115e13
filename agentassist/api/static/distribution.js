"use strict";
// agentassist distribution: the sampling rules (GET/POST /api/assignment-rules, DELETE .../{id}), a run
// of the distribution over a period (POST /api/assignments/distribute: who got which calls, which were
// skipped and why) and the current distribution, every assignment counted by checker (GET /api/assignments).
// The API keeps rules as they were made: "Edit" adds the changed rule, then deletes the old one.
const state = { editing: null, targets: { agent: [], team: [], campaign: [] } };
const SCOPES = { agent: () => t("agent"), team: () => t("team"), campaign: () => t("campaign") };
const PERIODS = { day: () => t("per day"), week: () => t("per week") };

function fillTargets() {
  const names = state.targets[$("rule-scope").value] || [];
  $("targets").replaceChildren(...names.map((n) => el("option", { value: n })));
}

async function loadTargets() {
  const teams = await api("/api/teams").catch(() => []);
  state.targets.team = teams.map((t) => t.name).sort();
  state.targets.agent = [...new Set(teams.flatMap((t) => t.members))].sort();
  state.targets.campaign = await campaignChoices();
  fillTargets();
}

function editRule(rule) {
  state.editing = rule;
  $("rule-title").textContent = t("Change rule {id}: saving adds the changed rule and deletes this one", { id: rule.id });
  $("rule-scope").value = rule.scope;
  $("rule-target").value = rule.target;
  $("rule-count").value = rule.per_period;
  $("rule-period").value = rule.period;
  $("rule-own-team").checked = rule.allow_own_team;
  $("save-rule").textContent = t("Save rule");
  $("cancel-rule").hidden = false;
  fillTargets();
  $("rule-target").focus();
}

function resetRuleForm() {
  state.editing = null;
  $("rule-form").reset();
  clearFieldErrors($("rule-form"));
  $("rule-title").textContent = "New rule";
  $("save-rule").textContent = "Add rule";
  $("cancel-rule").hidden = true;
  fillTargets();
}

async function removeRule(rule) {
  if (!confirm(t("Delete the rule for {target}?", { target: rule.target }))) return;
  try { await api(`/api/assignment-rules/${rule.id}`, { method: "DELETE" }); } catch (e) { $("rules-error").textContent = e.message; return; }
  await listRules();
}

async function listRules() {
  $("rules-error").textContent = "";
  let rules;
  try { rules = await api("/api/assignment-rules"); } catch (e) { $("rules-error").textContent = e.message; return; }
  const rows = rules.map((r) => el("tr", { class: "static", "data-id": r.id },
    el("td", {}, SCOPES[r.scope]?.() ?? r.scope), el("td", {}, r.target), el("td", { class: "num" }, r.per_period),
    el("td", {}, PERIODS[r.period]?.() ?? r.period), el("td", {}, r.allow_own_team ? t("allowed") : t("no")), el("td", {}, r.created_by),
    el("td", {},
      el("button", { type: "button", class: "small secondary", "aria-label": t("edit the rule for {target}", { target: r.target }), onclick: () => editRule(r) }, "Edit"),
      " ",
      el("button", { type: "button", class: "small danger", "aria-label": t("delete the rule for {target}", { target: r.target }), onclick: () => removeRule(r) }, "Delete"))));
  $("rules").tBodies[0].replaceChildren(...(rows.length ? rows
    : [el("tr", { class: "static" }, el("td", { colspan: 7, class: "empty" }, "No rules yet: no call is sampled."))]));
}

async function saveRule(e) {
  e.preventDefault();
  $("rule-error").textContent = "";
  const body = {
    scope: $("rule-scope").value, target: $("rule-target").value.trim(),
    per_period: $("rule-count").value === "" ? null : Number($("rule-count").value),
    period: $("rule-period").value, allow_own_team: $("rule-own-team").checked,
  };
  try {
    await api("/api/assignment-rules", { method: "POST", body });
  } catch (err) {
    showFieldErrors($("rule-form"), err, $("rule-error"));
    return;
  }
  const old = state.editing;
  if (old) await api(`/api/assignment-rules/${old.id}`, { method: "DELETE" }).catch((err) => { $("rules-error").textContent = err.message; });
  resetRuleForm();
  await listRules();
}

async function showLoad() {
  const all = await api("/api/assignments").catch((e) => { $("distribute-error").textContent = e.message; return []; });
  const by = new Map();
  for (const a of all) {
    const c = by.get(a.checker) ?? { n: 0, last: "" };
    c.n += 1;
    if ((a.assigned_at ?? "") > c.last) c.last = a.assigned_at;
    by.set(a.checker, c);
  }
  const rows = [...by].sort((x, y) => y[1].n - x[1].n || x[0].localeCompare(y[0])).map(([checker, c]) =>
    el("tr", { class: "static", "data-checker": checker },
      el("td", {}, checker), el("td", { class: "num", "data-value": c.n }, c.n),
      el("td", { class: "num" }, `${((c.n / all.length) * 100).toFixed(0)} %`),
      el("td", {}, c.last ? fmtDate(c.last) : "")));
  $("load").tBodies[0].replaceChildren(...(rows.length ? rows
    : [el("tr", { class: "static" }, el("td", { colspan: 4, class: "empty" }, "No call is assigned yet."))]));
}

async function distribute(e) {
  e.preventDefault();
  $("distribute-error").textContent = "";
  $("distribute-result").textContent = "";
  const range = periodParams($("dist-from").value, $("dist-to").value);
  let out;
  try { out = await api("/api/assignments/distribute", { method: "POST", body: range }); } catch (err) {
    showFieldErrors($("distribute-form"), err, $("distribute-error"));
    return;
  }
  clearFieldErrors($("distribute-form"));
  const load = Object.entries(out.load).map(([c, n]) => `${c} ${n}`).join(", ");
  $("distribute-result").textContent = t("{assigned} calls assigned, {skipped} skipped.", { assigned: out.assigned.length, skipped: out.skipped.length }) +
    (load ? ` ${t("Calls of this period per checker: {load}.", { load })}` : "");
  $("skipped").hidden = !out.skipped.length;
  $("skipped").tBodies[0].replaceChildren(...out.skipped.map((s) => el("tr", { class: "static" },
    el("td", {}, el("a", { href: `/static/replay.html?call=${encodeURIComponent(s.call_id)}` }, s.call_id)), el("td", {}, s.reason))));
  await showLoad();
}

$("rule-scope").addEventListener("change", fillTargets);
$("rule-form").addEventListener("submit", saveRule);
$("cancel-rule").addEventListener("click", resetRuleForm);
$("distribute-form").addEventListener("submit", distribute);

startPage(async () => {
  const today = new Date();
  $("dist-to").value = isoDay(today);
  $("dist-from").value = isoDay(new Date(today.getTime() - 6 * DAY_MS));
  await Promise.all([listRules(), loadTargets(), showLoad()]);
  document.body.dataset.ready = "";
});
