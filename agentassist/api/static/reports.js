"use strict";
// agentassist reports: per agent and per team (GET /api/reports/agents, /api/reports/teams) for a
// period and optionally one campaign (the scripts' campaigns, and those of calls in scope), as tables,
// Chart.js charts (adherence and average handle time per agent, calls per day and per team) and CSV
// downloads. The days are the agents' report asked once per day (at most MAX_DAYS of them), summed.
// Open as /reports (optionally ?campaign=C&from=YYYY-MM-DD&to=YYYY-MM-DD; "to" is the last day, included).
// Without the chart library (static/vendor/, `make install`) the tables still show. What a chart is drawn
// from is in its canvas's data-labels and data-values; every figure cell carries data-value.
const state = { charts: {} };
const MAX_DAYS = 62;  // two months of one request a day; a longer period shows no per-day figures
const pct = (x) => x == null ? "—" : `${(x * 100).toFixed(1)} %`;
const num = (x, digits = 1) => x == null ? "—" : Number(x).toFixed(digits);

// The columns both tables show: [heading, key, format]
const COLUMNS = [
  ["calls", "calls", (x) => x],
  ["not answered", "failed_calls", (x) => x],
  ["avg handle time (s)", "handle_time_s_mean", num],
  ["talk / listen", "talk_listen_ratio", (x) => num(x, 2)],
  ["silence", "silence_ratio", pct],
  ["adherence", "adherence_mean", pct],
  ["quality (0-100)", "quality_mean", num],
  ["evaluations", "evaluations", (x) => x],
  ["outbound calls", "outbound_calls", (x) => x],
];

function fillTable(table, rows, key, extra = []) {
  table.tHead.replaceChildren(el("tr", {}, el("th", {}, key), ...extra.map(([h]) => el("th", { class: "num" }, h)),
    ...COLUMNS.map(([h]) => el("th", { class: "num" }, h))));
  table.tBodies[0].replaceChildren(...(rows.length ? rows.map((r) => el("tr", { class: "static", [`data-${key}`]: r[key] },
    el("td", {}, r[key]),
    ...[...extra, ...COLUMNS].map(([, k, f]) => el("td", { class: "num", "data-key": k, "data-value": r[k] ?? "" }, f(r[k])))))
    : [el("tr", { class: "static" }, el("td", { colspan: 1 + extra.length + COLUMNS.length, class: "empty" },
      "No ended calls in this period."))]));
}

// One day's figures over the agents' rows: calls, and handle time and adherence weighted by calls.
function dayFigures(day, rows) {
  const calls = rows.reduce((n, r) => n + r.calls, 0);
  const weighted = (key, weight) => {
    const w = rows.reduce((n, r) => n + (r[key] == null ? 0 : weight(r)), 0);
    return w ? rows.reduce((n, r) => n + (r[key] == null ? 0 : r[key] * weight(r)), 0) / w : null;
  };
  return { day, calls, handle_time_s_mean: weighted("handle_time_s_mean", (r) => r.calls),
    adherence_mean: weighted("adherence_mean", (r) => r.adherence_calls) };
}

async function showDays(campaign) {
  const from = $("from").value, to = $("to").value;
  const days = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); from && to && t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) {
    days.push(isoDay(new Date(t)));
    if (days.length > MAX_DAYS) break;
  }
  const tooMany = days.length > MAX_DAYS || !days.length;
  $("days-note").hidden = !tooMany;
  $("days-note").textContent = tooMany ? t("Calls per day: pick from 1 to {max} days.", { max: MAX_DAYS }) : "";
  const figures = tooMany ? [] : await Promise.all(days.map(async (day) => {
    const q = new URLSearchParams({ ...periodParams(day, day), ...(campaign ? { campaign } : {}) });
    return dayFigures(day, (await api(`/api/reports/agents?${q}`)).items);
  }));
  $("days").tBodies[0].replaceChildren(...figures.map((d) => el("tr", { class: "static", "data-day": d.day },
    el("td", {}, d.day), el("td", { class: "num", "data-key": "calls", "data-value": d.calls }, d.calls),
    el("td", { class: "num", "data-key": "handle_time_s_mean", "data-value": d.handle_time_s_mean ?? "" }, num(d.handle_time_s_mean)),
    el("td", { class: "num", "data-key": "adherence_mean", "data-value": d.adherence_mean ?? "" }, pct(d.adherence_mean)))));
  barChart("days-chart", figures.map((d) => d.day), figures.map((d) => d.calls), t("calls"), { type: "line" });
}

function barChart(id, labels, values, label, { percent = false, type = "bar" } = {}) {
  const canvas = $(id);
  canvas.dataset.labels = JSON.stringify(labels);
  canvas.dataset.values = JSON.stringify(values);
  if (typeof window.Chart !== "function") return;
  state.charts[id]?.destroy();
  const options = {
    animation: false, maintainAspectRatio: false, plugins: { legend: { display: false },
      tooltip: { callbacks: { label: (ctx) => `${label}: ${percent ? pct(ctx.parsed.y) : num(ctx.parsed.y)}` } } },
    scales: { y: percent ? { min: 0, max: 1, ticks: { callback: (v) => `${Math.round(v * 100)} %` } } : { beginAtZero: true, ticks: { precision: 0 } } },
  };
  state.charts[id] = new window.Chart(canvas, {
    type, data: { labels, datasets: [{ label, data: values, backgroundColor: "#1f6feb", borderColor: "#1f6feb" }] }, options });
  canvas.dataset.drawn = "1";
}

function params() {
  const p = periodParams($("from").value, $("to").value);
  if ($("campaign").value) p.campaign = $("campaign").value;
  return p;
}

async function show() {
  $("error").textContent = "";
  $("teams-error").textContent = "";
  clearFieldErrors($("period"));
  document.body.removeAttribute("data-ready");
  const page = new URLSearchParams();
  for (const key of ["campaign", "from", "to"]) if ($(key).value) page.set(key, $(key).value);
  history.replaceState(null, "", `${location.pathname}${page.size ? `?${page}` : ""}`);
  const query = new URLSearchParams(params());
  let agents;
  try { agents = await api(`/api/reports/agents?${query}`); } catch (e) {
    showFieldErrors($("period"), e, $("error"));
    return;
  }
  fillTable($("agents"), agents.items, "agent");
  const teams = await api(`/api/reports/teams?${query}`).catch((e) => { $("teams-error").textContent = e.message; return { items: [] }; });
  fillTable($("teams"), teams.items, "team", [["agents", "agents", (x) => x]]);
  const calls = agents.items.reduce((n, r) => n + r.calls, 0);
  $("summary").textContent = $("campaign").value
    ? t("Ended calls: {calls}, agents: {agents}, campaign {campaign}; days in UTC.", { calls, agents: agents.items.length, campaign: $("campaign").value })
    : t("Ended calls: {calls}, agents: {agents}, every campaign; days in UTC.", { calls, agents: agents.items.length });
  const names = agents.items.map((r) => r.agent);
  $("chart-missing").hidden = typeof window.Chart === "function";
  $("charts").hidden = typeof window.Chart !== "function";
  barChart("adherence-chart", names, agents.items.map((r) => r.adherence_mean), t("adherence"), { percent: true });
  barChart("aht-chart", names, agents.items.map((r) => r.handle_time_s_mean), t("average handle time (s)"));
  barChart("team-calls-chart", teams.items.map((r) => r.team), teams.items.map((r) => r.calls), t("calls"));
  try { await showDays($("campaign").value); } catch (e) { $("error").textContent = e.message; }
  document.body.dataset.ready = "";
}

$("period").addEventListener("submit", (e) => { e.preventDefault(); show(); });
for (const b of document.querySelectorAll("[data-report]")) {
  b.addEventListener("click", () => downloadCsv(`/api/reports/${b.dataset.report}`, params(),
    `${b.dataset.report}${$("campaign").value ? `-${$("campaign").value}` : ""}-${$("from").value}-${$("to").value}.csv`, $("error")));
}

startPage(async () => {
  const url = new URLSearchParams(location.search);
  const campaigns = await campaignChoices();
  const wanted = url.get("campaign") ?? "";
  if (wanted && !campaigns.includes(wanted)) campaigns.unshift(wanted);
  $("campaign").replaceChildren(el("option", { value: "", selected: !wanted }, "every campaign"),
    ...campaigns.map((c) => el("option", { value: c, selected: c === wanted }, c)));
  const today = new Date();
  $("to").value = url.get("to") || isoDay(today);
  $("from").value = url.get("from") || isoDay(new Date(today.getTime() - 29 * DAY_MS));
  await show();
});
