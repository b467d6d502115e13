"use strict";
// The script editor's offers: what quality checkers marked on calls that followed a script. A step
// marked said offers the agent's words as a new wording (Accept saves the next version with it in the
// step's say: list; the words can be edited first); a step marked not said is a false tick, shown with
// the checklist's evidence, to dismiss. Pending offers are counted per script below the list.
// GET /api/scripts/{id}/offers, POST .../offers/{n}/accept|reject; uses scripts.js's state and helpers.

const offersPath = (id) => `/api/scripts/${encodeURIComponent(id)}/offers`;

async function showPending(scripts) {  // "helpdesk: 2 offers waiting", per script with any
  const counts = await Promise.all(scripts.map((s) => api(`${offersPath(s.id)}?status=pending`)
    .then((list) => [s.id, list.length]).catch(() => [s.id, 0])));
  $("pending-offers").replaceChildren(...counts.filter(([, n]) => n > 0).map(([id, n]) => el("li", {
    "data-script": id, onclick: () => openScript(id),
  }, el("b", {}, id), `: ${t("{n} offer from the quality checkers waiting|{n} offers from the quality checkers waiting", { n })}`)));
}

async function loadOffers() {
  const list = await api(`${offersPath(state.id)}?status=pending`);
  $("offers-box").hidden = !list.length;
  $("offers-count").textContent = list.length || "";
  $("offers").replaceChildren(...list.map(offerItem));
}

function offerItem(o) {
  const call = el("a", { href: `/static/replay.html?call=${encodeURIComponent(o.call_id)}` }, t("{agent}'s call", { agent: o.agent }));
  const meta = el("span", { class: "meta" }, ` · ${t("marked by {checker} {date} on", { checker: o.checker, date: fmtDate(o.created_at) })} `,
    call, ` (${t("script version {version}", { version: o.script_version })})`);
  const item = el("li", { "data-offer": o.id, "data-mark": o.mark, "data-step": o.step_id });
  if (o.mark === "not_said") {
    const ev = o.evidence || {};
    // not said on an unsure step: the checker's answer, with the nearest sentence the tracker showed
    const what = ev.unsure ? [el("b", {}, "Not said"), ` ${t("on step {step}: nearest sentence", { step: o.step_id })} `]
      : [el("b", {}, "False tick"), ` ${t("on step {step}: ticked on", { step: o.step_id })} `];
    item.append(el("div", {}, ...what, el("q", {}, o.text || "?"),
      ev.score != null ? ` (${t("match {percent} %", { percent: Math.round(ev.score * 100) })}${ev.t != null ? `, ${t("at {time}", { time: fmtTime(ev.t) })}` : ""})` : "", meta),
    el("button", { type: "button", class: "small secondary reject", onclick: () => decide(o, "reject") }, "Dismiss"));
    return item;
  }
  const words = el("input", { class: "wording", value: o.text, "aria-label": "the wording to add" });
  item.append(el("div", {}, "Step ", el("b", {}, o.step_id), ` ${t("was said as:")}`, meta), words,
    el("button", { type: "button", class: "small accept", onclick: () => decide(o, "accept", words.value.trim()) },
      "Accept as a new wording"),
    el("button", { type: "button", class: "small secondary reject", onclick: () => decide(o, "reject") }, "Reject"));
  return item;
}

async function decide(o, verb, text) {
  const body = verb === "accept" && text && text !== o.text ? { text } : undefined;
  try {
    const r = await api(`${offersPath(state.id)}/${o.id}/${verb}`, { method: "POST", body });
    if (verb === "accept") {
      const { saved } = r;
      setStatus(saved.changed ? `Accepted: step ${o.step_id} says it from version ${saved.version}` +
        (saved.applied_to.length ? `; applied to ${saved.applied_to.length} active call(s).` : ".")
        : `Accepted: step ${o.step_id} said it already (version ${saved.version}).`, "ok");
      if (saved.changed) await reloadAfterAccept(saved.version);
    } else {
      setStatus(o.mark === "said" ? t("Rejected: nothing changed in the script.") : t("Dismissed: nothing changed in the script."));
    }
  } catch (e) { setStatus(t("Not done: {error}", { error: e.message }), "error"); }
  await Promise.all([loadOffers(), loadList()]);
}

async function reloadAfterAccept(version) {  // the editor shows the new version unless it holds unsaved text
  if (code.get() === state.saved) {
    load(await api(`/api/scripts/${encodeURIComponent(state.id)}`));
  } else {
    setStatus(`Version ${version} has the accepted wording; your unsaved text is still on version ${state.version}` +
      " (saving it is refused until you load the new version).", "error");
  }
  await loadVersions();
}
