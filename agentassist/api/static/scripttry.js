"use strict";
// "Try it": the text in the editor (saved or not) run through the live call's tracker on a transcript,
// pasted ("agent: ..." / "customer: ..." lines) or a past call's (POST /api/scripts/try); shows which
// steps would tick, when and on which line, with the words that ticked them, and the alerts. Nothing is
// saved. A script with errors is not tried: its problems are marked as a save would mark them. Uses
// state, code and showProblems of scripts.js.

const trySource = () => document.querySelector('input[name="try-source"]:checked').value;

function setTry(text, kind = "") {
  $("try-status").textContent = text;
  $("try-status").className = kind;
}

async function loadTryCalls() {  // ended calls the user sees, those on this script first
  try {
    const r = await api("/api/calls?status=ended&limit=100");
    const calls = [...r.items].sort((a, b) => (b.script_id === state.id) - (a.script_id === state.id));
    $("try-call").replaceChildren(...calls.map((c) => el("option", { value: c.id },
      `${fmtDate(c.started_at)} · ${c.agent || t("no agent")} · ${c.script_id || t("no script")} · ${c.id.slice(0, 8)}`)));
  } catch (e) {
    $("try-call").replaceChildren();
  }
}

document.querySelectorAll('input[name="try-source"]').forEach((radio) => radio.addEventListener("change", () => {
  const call = trySource() === "call";
  $("try-text").hidden = call;
  $("try-call-row").hidden = !call;
}));

async function runTry() {
  const body = { yaml: code.get() };
  if (trySource() === "call") {
    if (!$("try-call").value) { setTry("No past call to try on.", "error"); return; }
    body.call_id = $("try-call").value;
  } else {
    body.transcript = $("try-text").value;
  }
  setTry("Trying…");
  $("try-run").disabled = true;
  try {
    const r = await fetch("/api/scripts/try", {
      method: "POST",
      headers: { Authorization: `Bearer ${session.token}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const data = r.headers.get("content-type")?.includes("json") ? await r.json() : {};
    if (r.status === 401) { signOut("The token was refused: sign in again."); return; }
    if (r.status === 422 && data.errors) {
      showProblems(data.errors, "Not tried: the script has errors");
      setTry(t("Not tried: {error}", { error: data.detail }), "error");
      return;
    }
    if (!r.ok) { setTry(t("Not tried: {error}", { error: errorText(data.detail) || r.status }), "error"); return; }
    showTry(data);
    const done = data.steps.filter((s) => s.status === "done").length;
    setTry(t("Tried on {lines} lines: {done} of {steps} steps would tick.", { lines: data.utterances.length, done, steps: data.steps.length }), "ok");
  } catch (e) {
    setTry(t("Not tried: {error}", { error: e.message }), "error");
  } finally {
    $("try-run").disabled = false;
  }
}
$("try-run").addEventListener("click", runTry);
$("try-text").addEventListener("keydown", (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); runTry(); }
});

function showTry(r) {
  const marks = { done: "✓", missed: "✗", pending: "·", unsure: "?" };
  $("try-score").textContent = t("Adherence {percent}% (the mandatory steps said)", { percent: Math.round(r.score * 100) }) +
    (r.call_id ? " · " + t("call {call}", { call: r.call_id }) : "");
  $("try-steps").replaceChildren(...r.steps.map((s) => el("li", {
    "data-step": s.id, "data-status": s.status, class: s.status, title: "show the step in the script",
    onclick: () => s.line && code.selectLine(s.line),
  }, el("span", { class: "mark" }, marks[s.status] || "·"), el("b", {}, s.id),
    s.mandatory ? el("span", { class: "tag" }, s.compliance ? t("compliance") : t("mandatory")) : "",
    el("span", { class: "when" }, s.status === "unsure" && s.evidence?.near === false ? t("said in other words? no sentence of the call is near it")
      : s.status === "unsure" ? t("said in other words? nearest at {time}", { time: fmtTime(s.t) })
      : s.t != null ? t("at {time}", { time: fmtTime(s.t) }) : s.status === "missed" ? t("never said") : t("not said")),
    el("div", { class: "say" }, s.say),
    s.evidence && s.evidence.text && s.evidence.near !== false ? el("div", { class: "evidence" },
      t("on “{text}” ({method}, score {score})", { text: s.evidence.text, method: s.evidence.method || "lexical", score: s.evidence.score })) : "")));
  $("try-lines").replaceChildren(...r.utterances.map((u) => el("li", {
    "data-utt": u.id, class: `${u.channel}${u.ticked.length ? " ticked" : ""}`,
  }, el("span", { class: "who" }, `${u.line ? `${t("line {line}", u)} · ` : ""}${u.channel} · ${fmtTime(u.start)}`), " ", u.text,
    ...u.ticked.map((id) => el("span", { class: "tick", "data-step": id }, `✓ ${id}`)))));
  $("try-alerts").replaceChildren(...r.alerts.map((a) => el("li", { "data-type": a.type },
    `${fmtTime(a.t)} ${a.type}: ${a.message}`)));
  $("try-result").hidden = false;
}
