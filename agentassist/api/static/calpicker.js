"use strict";
// The calibrations page's choosers for a new session: ended calls found by words said or agent and
// ticked (the ticked ones stay listed across searches), and the checkers ticked from everyone who may
// score calls (GET /api/quality/checkers). calibrations.js reads pickedCalls() and pickedCheckers().
const picked = new Map();  // call id -> the call, in the order ticked

function callLabel(c) {
  return `${fmtDate(c.started_at)} · ${c.agent || "?"} · ${c.remote} · ${fmtTime(c.duration_s)}`;
}

async function findCalls() {
  const q = new URLSearchParams({ status: "ended", limit: "25" });
  for (const [name, id] of [["q", "pick-calls-q"], ["agent", "pick-calls-agent"]]) {
    const value = $(id).value.trim();
    if (value) q.set(name, value);
  }
  const { items } = await api(`/api/calls?${q}`);
  const shown = [...picked.values(), ...items.filter((c) => !picked.has(c.id))];
  $("pick-calls").replaceChildren(...(shown.length ? shown.map((c) => el("li", { "data-call": c.id },
    el("label", {}, el("input", { type: "checkbox", value: c.id, checked: picked.has(c.id), onchange: (e) => {
      if (e.target.checked) picked.set(c.id, c); else picked.delete(c.id);
      countPicked();
    } }), ` ${callLabel(c)}`))) : [el("li", { class: "empty" }, "No ended calls match.")]));
}

function countPicked() {
  $("picked-count").textContent = t("{n} call chosen|{n} calls chosen", { n: picked.size });
}

async function loadCheckers() {
  const people = await api("/api/quality/checkers");
  $("pick-checkers").replaceChildren(...people.map((u) => el("li", { "data-checker": u.name },
    el("label", {}, el("input", { type: "checkbox", value: u.name }),
      ` ${u.name} · ${u.role.replace("_", " ")}${u.teams.length ? ` · ${u.teams.join(", ")}` : ""}`))));
}

async function openPickers() {
  picked.clear();
  countPicked();
  $("pick-calls-q").value = "";
  $("pick-calls-agent").value = "";
  await Promise.all([findCalls(), loadCheckers()]);
}

const pickedCalls = () => [...picked.keys()];
const pickedCheckers = () => [...document.querySelectorAll("#pick-checkers input:checked")].map((i) => i.value);

$("pick-calls-find").addEventListener("click", () => findCalls().catch((e) => { $("create-error").textContent = e.message; }));
for (const id of ["pick-calls-q", "pick-calls-agent"]) {
  $(id).addEventListener("keydown", (e) => {  // Enter searches: inside the form it would open the session
    if (e.key !== "Enter") return;
    e.preventDefault();
    $("pick-calls-find").click();
  });
}
