"use strict";
// Agent panel, the phone: the signed-in agent's calls (ringing, up, on hold, in wrap-up) listed and
// switchable, the controls of the call shown (hang up, hold, mute, card-data pause, keypad, transfer),
// dialling, and keyboard shortcuts. Every command is a route of the API (docs/call-control.md): the
// server sends it to the desk that carries the call, this server's softphone or the agent's
// `agentassist phone`, so the same buttons work on both. agentcall.js draws the call shown.
const POLL_MS = 2000;
const DIGITS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"];

// ---- state of a call -------------------------------------------------------------------------------
const openSpan = (call, kind, by) => (call[kind] || []).some((s) => s.end == null && (!by || s.by === by));
const live = (entry) => !!entry && !entry.wrap && !entry.hungUpAt && entry.call.status === "active";
const heldByMe = (entry) => live(entry) && openSpan(entry.call, "holds", "agent");
// A call hung up here stops its clock at once; its call.ended (which waits for the last lines to be
// transcribed and revised, up to 10 s) is followed by its stored duration_s, which the wrap-up shows.
const elapsed = (entry) => (entry.wrap || entry.call.status !== "active" && entry.call.status !== "ringing"
  ? entry.call.duration_s ?? 0 : ((entry.hungUpAt || Date.now()) - entry.base) / 1000);

// ``asked``: when the poll that brought ``call`` was sent. A span event that came after that (the agent
// paused the recording while the answer was on its way) is newer than the answer's spans: they stay.
function known(call, asked) {
  const entry = phone.calls.get(call.id);
  // the timer counts from the server's duration so far: the browser's clock may not be the server's
  if (!entry) { phone.calls.set(call.id, { call, base: Date.now() - (call.duration_s || 0) * 1000, wrap: false }); return true; }
  if (!entry.wrap) {
    if (entry.call.status === "ringing" && call.status === "active") entry.base = Date.now() - (call.duration_s || 0) * 1000;
    const old = entry.call;
    entry.call = entry.spanAt > asked ? { ...call, pauses: old.pauses, holds: old.holds, mutes: old.mutes } : call;
  }
  return false;
}

// ---- the list of calls ----------------------------------------------------------------------------
function lineLabel(entry) {
  const c = entry.call;
  if (entry.wrap) return c.disposition ? `${t("wrap-up")} · ${c.disposition}` : "wrap-up";
  if (c.status === "ringing") return "calling…";
  if (heldByMe(entry)) return "on hold";
  return openSpan(c, "holds") ? "held by the customer" : "on the line";
}

const lineState = (entry) => entry.wrap ? "wrapup" : entry.call.status === "ringing" ? "dialling" : heldByMe(entry) ? "held" : "up";

// The list is drawn again only when a call, its state or the call shown changed (the timers tick in
// place): a button being clicked is not replaced under the pointer.
function renderLines() {
  const entries = [...phone.calls.values()];
  const key = [phone.focus, ...entries.map((e) => `${e.call.id}:${lineState(e)}:${lineLabel(e)}`)].join(" ");
  if ($("lines").dataset.key === key) return;
  $("lines").dataset.key = key;
  const items = entries.map((entry) => {
    const c = entry.call, { name, number } = parseRemote(c.remote), state = lineState(entry);
    const li = el("li", { class: `line ${state}${c.id === phone.focus ? " focus" : ""}`, "data-call": c.id, "data-state": state },
      el("button", { type: "button", class: "show link", title: c.remote, translate: "no", onclick: () => focusCall(c.id) },
        el("b", {}, name || number), name ? ` ${number}` : ""),
      el("span", { class: "state" }, lineLabel(entry)), el("span", { class: "timer" }, fmtTime(elapsed(entry))));
    if (state === "held") li.append(el("button", { type: "button", class: "resume", onclick: () => resume(c.id) }, "Resume"));
    return li;
  });
  $("lines").replaceChildren(...items);
  $("lines").hidden = items.length < 2;  // one call: the head of the call shown says it all
}

function focusCall(callId) {
  const entry = phone.calls.get(callId);
  if (!entry) return;
  const fresh = phone.focus !== callId || view.callId !== callId;
  phone.focus = callId;
  if (fresh) show(entry); else showState();
  renderLines();
}

// The call shown stays while it is listed (also once it ended: its wrap-up); else a call that is up
// and not on hold, a call being dialled, a wrap-up, a call on hold; none: the idle line.
function pickFocus() {
  const entries = [...phone.calls.values()];
  if (!phone.calls.has(phone.focus)) {
    const next = entries.find((e) => live(e) && !heldByMe(e)) || entries.find((e) => !e.wrap && e.call.status === "ringing")
      || entries.find((e) => e.wrap) || entries[0];
    phone.focus = next ? next.call.id : null;
  }
  if (phone.focus) { focusCall(phone.focus); return; }
  closeFeed();
  view.callId = null;
  $("call").hidden = true;
  $("idle").hidden = false;
  renderLines();
}

// ---- the controls of the call shown -----------------------------------------------------------------
function showState() {
  const entry = phone.calls.get(view.callId);
  if (!entry) return;
  const c = entry.call, up = live(entry), held = heldByMe(entry);
  const muted = up && openSpan(c, "mutes"), paused = up && openSpan(c, "pauses");
  $("held").hidden = !held;
  $("muted").hidden = !muted;
  $("paused").hidden = !paused;
  $("ended").hidden = !entry.wrap;
  $("ended").textContent = entry.wrap && c.end_reason ? `${t("call ended")} · ${t(c.end_reason)}` : "call ended";
  $("hangup").disabled = !(up || (!entry.wrap && c.status === "ringing"));
  $("hangup").textContent = c.status === "ringing" && !entry.wrap ? "Cancel" : "Hang up";
  $("hold").disabled = !up;
  $("hold").textContent = held ? "Resume" : "Hold";
  $("hold").setAttribute("aria-pressed", String(held));
  $("mute").disabled = !up;
  $("mute").textContent = muted ? "Unmute" : "Mute";
  $("mute").setAttribute("aria-pressed", String(muted));
  $("pause").disabled = !up;
  $("pause").textContent = paused ? "Resume recording" : "Pause recording";
  $("pause").setAttribute("aria-pressed", String(paused));
  $("keypad-toggle").disabled = !up || held;
  $("transfer-toggle").disabled = !up;
  for (const b of $("keypad").querySelectorAll("button")) b.disabled = !up || held;
  $("transfer").disabled = !up;
  if (!up) { toggle("keypad", false); toggle("transfer-form", false); }
  showJoin(entry);
  $("controls").hidden = entry.wrap;
  $("next").hidden = entry.wrap;  // "Say next" is for a call that is up
  $("wrapup").hidden = !entry.wrap;
  $("timer").textContent = fmtTime(elapsed(entry));
  checkCompliance();
}

function toggle(id, open) {
  const box = $(id), button = $(id === "keypad" ? "keypad-toggle" : "transfer-toggle");
  box.hidden = !(open ?? box.hidden);
  button.setAttribute("aria-expanded", String(!box.hidden));
  if (!box.hidden && id === "transfer-form") $("transfer-to").focus();
}

function showError(message) {
  $("error").textContent = message || "";
  $("error").hidden = !message;
}

// Run one command of the API; its error text (a 409 "agent X has no phone connected", ...) is shown.
async function command(path, body, method = "POST") {
  showError("");
  try {
    const r = await api(path, { method, body });
    setTimeout(poll, 300);  // a hold's span starts when the peer agrees: look again soon
    return r ?? true;
  } catch (e) {
    showError(e.message);
    return null;
  }
}

const callPath = (callId, what) => `/api/calls/${encodeURIComponent(callId)}/${what}`;

function shown() { return live(phone.calls.get(view.callId)) ? view.callId : null; }

async function hangup() {
  const entry = phone.calls.get(view.callId);
  if (entry && !entry.wrap && (entry.call.status === "active" || entry.call.status === "ringing")) {
    if (await command(callPath(entry.call.id, "hangup"))) { entry.hungUpAt = Date.now(); showState(); }
  }
}

async function toggleHold() {
  const id = shown();
  if (!id) return;
  if (heldByMe(phone.calls.get(id))) await resume(id); else await command(callPath(id, "hold"));
}

// Back to a held call: the call that is up goes on hold first, as the phone does for a call answered.
async function resume(callId) {
  for (const entry of phone.calls.values()) {
    if (entry.call.id !== callId && live(entry) && !heldByMe(entry)) await command(callPath(entry.call.id, "hold"));
  }
  focusCall(callId);
  await command(callPath(callId, "unhold"));
}

async function toggleSpan(kind, on, off) {
  const id = shown();
  if (id) await command(callPath(id, openSpan(phone.calls.get(id).call, kind) ? off : on));
}

// An extension or number typed becomes a SIP URI at the domain of the call shown (its remote's host:
// the PBX the calls come through); a full sip: URI is taken as it is.
function toUri(text) {
  const typed = text.trim();
  if (!typed || /^sips?:/i.test(typed)) return typed;
  if (typed.includes("@")) return `sip:${typed}`;
  const uri = parseRemote(phone.calls.get(view.callId)?.call.remote || [...phone.calls.values()][0]?.call.remote || "").uri;
  const host = /@([^;?>]+)/.exec(uri)?.[1];
  if (!host) throw new Error(t("type a full SIP address (sip:{number}@pbx.example.com): there is no call to take the domain from", { number: typed }));
  return `sip:${typed}@${host}`;
}

async function transfer(e) {
  e.preventDefault();
  const id = shown();
  if (!id) return;
  let uri;
  try { uri = toUri($("transfer-to").value); } catch (err) { showError(err.message); return; }
  if (!uri) { showError("Type where to transfer the call: an extension or a sip: address."); return; }
  if (await command(callPath(id, "transfer"), { uri })) { $("transfer-to").value = ""; toggle("transfer-form", false); }
}

// Attended transfer: another call of the agent's (the caller on hold) goes to the far end of the call
// shown (the colleague consulted) by REFER with Replaces, sent to that caller; both calls end "transferred".
function showJoin(entry) {
  const others = live(entry) ? [...phone.calls.values()].filter((e) => e !== entry && live(e)) : [];
  const key = `${entry.call.id}:${others.map((e) => e.call.id).join(",")}`;
  if ($("join").dataset.key === key) return;  // unchanged: its buttons stay (one being clicked too)
  $("join").dataset.key = key;
  $("join").replaceChildren(...(others.length ? [t("or connect here:")] : []), ...others.map((e) => {
    const { name, number } = parseRemote(e.call.remote);
    return el("button", { type: "button", class: "secondary", "data-call": e.call.id, title: e.call.remote, translate: "no",
      onclick: () => attended(e.call.id, entry.call.id) }, name || number);
  }));
}

async function attended(callerId, consultId) {
  if (await command(callPath(callerId, "transfer"), { replaces: consultId })) toggle("transfer-form", false);
}

async function dial(e) {
  e?.preventDefault();
  let uri;
  try { uri = toUri($("dial-to").value); } catch (err) { showError(err.message); return; }
  if (!uri) { $("dial-to").focus(); return; }
  const up = shown();
  if (up && !heldByMe(phone.calls.get(up))) await command(callPath(up, "hold"));
  const placed = await command("/api/calls", { uri });
  if (!placed) return;
  $("dial-to").value = "";
  $("dial-to").blur();  // the shortcuts work again
  phone.focus = placed.id;
  await poll();
}

async function sendDigit(digit) {
  const id = shown();
  if (id && !heldByMe(phone.calls.get(id))) await command(callPath(id, "dtmf"), { digits: digit });
}

async function saveDisposition(e) {
  e.preventDefault();
  const id = view.callId, value = $("disposition").value.trim();
  const call = await command(callPath(id, "disposition"), { disposition: value || null }, "PUT");
  if (!call) return;
  const entry = phone.calls.get(id);
  if (entry) entry.call = call;
  $("disposition-saved").textContent = value ? t("saved: {disposition}", { disposition: value }) : t("cleared");
  renderLines();
}

// The calls in wrap-up outlive a reload of the page (in this tab, per user): their ids are kept.
const wrapKey = () => `agentassist.wrapup.${phone.me.name}`;

function keepWraps() {
  const ids = [...phone.calls.values()].filter((e) => e.wrap).map((e) => e.call.id);
  sessionStorage.setItem(wrapKey(), JSON.stringify(ids));
}

async function restoreWraps() {
  let ids = [];
  try { ids = JSON.parse(sessionStorage.getItem(wrapKey()) || "[]"); } catch (e) { /* none kept */ }
  for (const id of ids) {
    try {
      const call = await api(`/api/calls/${encodeURIComponent(id)}`);
      if (call.status === "ended" || call.status === "failed") phone.calls.set(id, { call, base: 0, wrap: true });
    } catch (e) { /* gone, or no longer this user's to see */ }
  }
  keepWraps();
}

function closeWrapup() {
  phone.calls.delete(view.callId);
  keepWraps();
  phone.focus = null;
  pickFocus();
}

// ---- calls ringing on the desk: answer (the call that is up goes on hold) or decline ------------------
function renderRinging() {
  const box = $("ringing");
  box.hidden = phone.ringing.length === 0;
  box.replaceChildren(...phone.ringing.map((c) => {
    const { name, number } = parseRemote(c.remote);
    return el("div", { class: "ring", "data-call": c.id },
      el("span", { class: "who", title: c.remote }, t("Incoming call from {caller}", { caller: name ? `${name} ${number}` : number })),
      el("button", { type: "button", class: "answer", onclick: () => decide(c.id, "answer") }, "Answer"),
      el("button", { type: "button", class: "decline", onclick: () => decide(c.id, "decline") }, "Decline"));
  }));
}

// The desk's state in a line under the dial box: why no call will ring here (the API's words: "agent
// 'X' has no phone connected", a role without a phone, a server that carries no calls).
async function pollRinging() {
  if (phone.ringingOff) return;
  let why = "";
  try { phone.ringing = await api("/api/ringing"); } catch (e) {
    if (e.status === 403 || e.status === 503) phone.ringingOff = true;  // not this agent's phone, or no phone
    phone.ringing = [];
    why = t("No calls will ring here: {reason}", { reason: e.message });
  }
  $("desk").textContent = why;
  $("desk").hidden = !why;
  renderRinging();
}

async function decide(callId, what) {
  const ok = await command(`/api/ringing/${encodeURIComponent(callId)}/${what}`);
  if (ok && what === "answer") phone.focus = callId;
  await poll();
}

// ---- polling: the agent's calls that are up or dialling -------------------------------------------------
async function poll() {
  if (!session.token || phone.polling) return;
  phone.polling = true;
  try {
    await pollRinging();
    const asked = Date.now();
    const lists = await Promise.all(["active", "ringing"].map((status) =>
      api(`/api/calls?${new URLSearchParams({ status, agent: phone.me.name, limit: "10" })}`)));
    const calls = lists.flatMap((l) => l.items);
    const ids = new Set(calls.map((c) => c.id));
    for (const c of [...calls].reverse()) {  // oldest first: the newest call that is new and up is shown
      if (known(c, asked) && (c.status === "ringing" || !openSpan(c, "holds", "agent"))) phone.focus = c.id;
    }
    for (const entry of phone.calls.values()) {  // gone from the lists: it ended
      if (!entry.wrap && !ids.has(entry.call.id)) await callEnded(entry.call.id, null);
    }
    pickFocus();
    // the call shown is up but has no feed (it was being dialled, or its feed closed): open it again
    if (view.callId && !view.feed && live(phone.calls.get(view.callId))) show(phone.calls.get(view.callId));
    else showState();
  } catch (e) { console.error(e); } finally { phone.polling = false; }
}

// ---- keyboard ----------------------------------------------------------------------------------------
const KEYS = {
  a: () => phone.ringing[0] && decide(phone.ringing[0].id, "answer"),
  d: () => phone.ringing[0] && decide(phone.ringing[0].id, "decline"),
  e: hangup,
  h: toggleHold,
  m: () => toggleSpan("mutes", "mute", "unmute"),
  p: () => toggleSpan("pauses", "pause", "resume"),
  k: () => !$("keypad-toggle").disabled && toggle("keypad"),
  t: () => !$("transfer-toggle").disabled && toggle("transfer-form"),
  n: () => $("dial-to").focus(),
  "?": () => toggleHelp(),
};

function toggleHelp(open) {
  $("help").hidden = !(open ?? $("help").hidden);
  $("help-toggle").setAttribute("aria-expanded", String(!$("help").hidden));
}

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey || e.repeat || !session.token) return;
  if (e.key === "Escape") { toggleHelp(false); e.target.closest("input")?.blur(); return; }
  if (e.target.closest("input, textarea, select, [contenteditable]")) return;
  if (!$("keypad").hidden && DIGITS.includes(e.key)) { e.preventDefault(); sendDigit(e.key); return; }
  const action = KEYS[e.key.length === 1 ? e.key.toLowerCase() === "?" ? "?" : e.key.toLowerCase() : ""];
  if (!action) return;
  e.preventDefault();
  action();
}

// ---- start ---------------------------------------------------------------------------------------------
function wire() {
  $("keypad").replaceChildren(...DIGITS.map((d) =>
    el("button", { type: "button", class: "secondary", "data-digit": d, onclick: () => sendDigit(d) }, d)));
  $("hangup").addEventListener("click", hangup);
  $("hold").addEventListener("click", toggleHold);
  $("mute").addEventListener("click", () => toggleSpan("mutes", "mute", "unmute"));
  $("pause").addEventListener("click", () => toggleSpan("pauses", "pause", "resume"));
  $("keypad-toggle").addEventListener("click", () => toggle("keypad"));
  $("transfer-toggle").addEventListener("click", () => toggle("transfer-form"));
  $("transfer-form").addEventListener("submit", transfer);
  $("dial-form").addEventListener("submit", dial);
  $("disposition-form").addEventListener("submit", saveDisposition);
  $("close-wrapup").addEventListener("click", closeWrapup);
  $("help-toggle").addEventListener("click", () => toggleHelp());
  document.addEventListener("keydown", onKey);
}

// A span event of the call shown (hold, mute, card-data pause) changes its buttons at once.
function onSpan(ev) {
  const entry = phone.calls.get(ev.call_id);
  if (!entry) return;
  const kind = { "call.paused": "pauses", "call.resumed": "pauses", "call.held": "holds", "call.unheld": "holds",
    "call.muted": "mutes", "call.unmuted": "mutes" }[ev.type];
  const span = ev.pause || ev.hold || ev.mute;
  if (!span) return;
  const spans = (entry.call[kind] || []).filter((s) => s.start !== span.start);
  entry.call = { ...entry.call, [kind]: [...spans, span] };
  entry.spanAt = Date.now();
  showState();
  renderLines();
}

setInterval(() => {
  const entry = phone.calls.get(view.callId);
  if (entry) { $("timer").textContent = fmtTime(elapsed(entry)); checkCompliance(); }
  for (const li of $("lines").children) {
    const e = phone.calls.get(li.dataset.call);
    if (e) li.querySelector(".timer").textContent = fmtTime(elapsed(e));
  }
}, 1000);

wire();
startPage(async (me) => {
  phone.me = me;
  await restoreWraps();
  await poll();
  setInterval(poll, POLL_MS);
});
