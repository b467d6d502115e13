"use strict";
// Listening in on a live call from the wall (WS /api/calls/{id}/listen, docs/wall.md "Listening in"):
// the server sends listen.start (the rate), then the call's audio as binary PCM16 mono messages of
// 20-100 ms, and listen.paused while the recording is paused. Each message becomes an AudioBuffer
// played by its own AudioBufferSourceNode, scheduled back to back after a small jitter margin: no
// library and no worklet module (the page's Content-Security-Policy stays as it is). One call at a
// time; the bar under the tools has the volume (remembered) and the stop button. The bar's
// data-samples counts the samples handed to WebAudio and data-played those it has played: tests read
// them, headless browsers having no sound card to listen to.
const LISTEN_VOLUME_KEY = "agentassist.listen.volume";
const JITTER_S = 0.12;  // the first message of a run waits this long: a late next message does not gap
const listening = { ws: null, ctx: null, gain: null, rate: 16000, at: 0, samples: 0, played: 0, callId: null };

function listenBar() { return document.getElementById("listen"); }

function listenState(state, text) {
  const bar = listenBar();
  bar.dataset.state = state;
  document.getElementById("listen-state").textContent = text;
}

async function listenTo(callId, title) {
  stopListening();
  const bar = listenBar();
  bar.hidden = false;
  bar.dataset.call = callId;
  bar.dataset.samples = bar.dataset.played = "0";
  document.getElementById("listen-title").textContent = title;
  // made on the click: a browser starts a page's audio only after a gesture
  const ctx = new AudioContext();
  const gain = ctx.createGain();
  gain.gain.value = Number(document.getElementById("listen-volume").value) / 100;
  gain.connect(ctx.destination);
  Object.assign(listening, { ctx, gain, at: 0, samples: 0, played: 0, callId });
  markListening();
  listenState("connecting", t("connecting…"));
  let ws;
  try { ws = await openSocket(`/api/calls/${encodeURIComponent(callId)}/listen`); } catch (e) {
    if (listening.ctx === ctx) { closeAudio(); listenState("refused", e.message); }
    return;
  }
  if (listening.ctx !== ctx) { ws.close(); return; }  // stopped, or another call chosen, meanwhile
  listening.ws = ws;
  ws.binaryType = "arraybuffer";
  ws.onmessage = (m) => {
    if (typeof m.data !== "string") { playChunk(ctx, m.data); return; }
    const msg = JSON.parse(m.data);
    if (msg.type === "listen.start") { listening.rate = msg.sample_rate_hz; listenState("playing", t("listening")); }
    else if (msg.type === "listen.paused") {
      if (msg.paused) listenState("paused", t("recording paused: nothing to hear"));
      else listenState("playing", t("listening"));
    }
  };
  ws.onclose = (e) => {
    if (listening.ws !== ws) return;  // stopped by the page
    listening.ws = null;
    if (e.code === 1000) listenState("ended", t("the call has ended"));
    else if (e.code === 4401) { signOut("The token was refused: sign in again."); return; }
    else listenState("refused", e.reason || t("the connection was lost"));
    setTimeout(() => { if (!listening.ws) closeAudio(); }, 1000 * Math.max(0, listening.at - ctx.currentTime));
  };
}

function playChunk(ctx, data) {
  const pcm = new Int16Array(data);
  if (!pcm.length || ctx.state === "closed") return;
  const samples = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) samples[i] = pcm[i] / 32768;
  const buffer = ctx.createBuffer(1, samples.length, listening.rate);
  buffer.copyToChannel(samples, 0);
  const source = ctx.createBufferSource();
  source.buffer = buffer;
  source.connect(listening.gain);
  const now = ctx.currentTime;
  if (listening.at < now) listening.at = now + JITTER_S;  // a gap (a pause, a late message): start again
  source.start(listening.at);
  listening.at += buffer.duration;
  listening.samples += samples.length;
  const bar = listenBar();
  bar.dataset.samples = String(listening.samples);
  source.onended = () => {
    if (listening.ctx !== ctx) return;
    listening.played += samples.length;
    bar.dataset.played = String(listening.played);
  };
}

function closeAudio() {
  listening.ctx?.close().catch(() => {});
  listening.ctx = listening.gain = null;
  markListening();
}

// The Listen button of the call being heard is pressed (aria-pressed); pressing it again stops.
function markListening() {
  for (const b of document.querySelectorAll("button.listen")) b.setAttribute("aria-pressed", String(isHeard(b.dataset.listen)));
}
function isHeard(callId) { return !!listening.ctx && listening.callId === callId; }

function stopListening() {
  const ws = listening.ws;
  listening.ws = null;
  ws?.close();
  closeAudio();
  if (listening.callId) listenState("stopped", t("stopped"));
  listening.callId = null;
}

function bindListening() {
  const volume = document.getElementById("listen-volume");
  volume.value = localStorage.getItem(LISTEN_VOLUME_KEY) || volume.value;
  volume.addEventListener("input", () => {
    localStorage.setItem(LISTEN_VOLUME_KEY, volume.value);
    if (listening.gain) listening.gain.gain.value = Number(volume.value) / 100;
  });
  document.getElementById("listen-stop").addEventListener("click", () => { stopListening(); listenBar().hidden = true; });
}

// The button a live call's part of its tile gets: a click there listens, it does not open the drill.
function listenButton(call) {
  const who = parseRemote(call.remote);
  const start = (e) => {
    e.stopPropagation();
    if (isHeard(call.call_id)) { stopListening(); listenBar().hidden = true; } else listenTo(call.call_id, `${call.agent || "—"} · ${who.name || who.number}`);
  };
  return el("button", { type: "button", class: "listen", "data-listen": call.call_id, "aria-pressed": String(isHeard(call.call_id)), onclick: start,
    onkeydown: (e) => e.stopPropagation() }, "Listen");
}
