/** A minimal page for the local transport: microphone in, speaker out, keypad, hang-up, live transcript. */
export const TEST_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>PhoneMyBot – local call</title>
<style>body{font:16px system-ui;margin:2rem;max-width:40rem}#log{white-space:pre-wrap;border:1px solid #ccc;padding:.5rem;min-height:8rem}
.keys{display:grid;grid-template-columns:repeat(3,3rem);gap:.3rem;margin:.5rem 0}button{padding:.5rem}</style></head>
<body><h1>Local call</h1>
<label>Service id <input id="svc"></label> <button id="call">Call</button> <button id="hang" disabled>Hang up</button> <label><input type="checkbox" id="mute"> mute</label>
<div class="keys" id="keys"></div><div id="log"></div>
<script>
const log = (t) => { document.getElementById('log').textContent += t + '\\n'; };
const keys = document.getElementById('keys');
for (const k of '123456789*0#') { const b = document.createElement('button'); b.textContent = k; b.onclick = () => ws && ws.send(JSON.stringify({type:'dtmf',digits:k})); keys.append(b); }
let ws, ctx, playAt = 0, sources = [];
document.getElementById('svc').value = new URLSearchParams(location.search).get('serviceId') || '';
document.getElementById('call').onclick = async () => {
  ctx = new AudioContext();
  const mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
  const src = ctx.createMediaStreamSource(mic);
  const proc = ctx.createScriptProcessor(2048, 1, 1);
  const ratio = ctx.sampleRate / 16000;
  proc.onaudioprocess = (e) => {
    if (!ws || ws.readyState !== 1 || document.getElementById('mute').checked) return;
    const input = e.inputBuffer.getChannelData(0); const out = new Int16Array(Math.floor(input.length / ratio));
    for (let i = 0; i < out.length; i++) out[i] = Math.max(-1, Math.min(1, input[Math.floor(i * ratio)])) * 32767;
    ws.send(out.buffer);
  };
  src.connect(proc); proc.connect(ctx.destination);
  ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/calls?serviceId=' + encodeURIComponent(document.getElementById('svc').value) + '&from=browser');
  ws.binaryType = 'arraybuffer';
  ws.onmessage = (m) => {
    if (typeof m.data !== 'string') {
      const pcm = new Int16Array(m.data); const buf = ctx.createBuffer(1, pcm.length, 24000); const ch = buf.getChannelData(0);
      for (let i = 0; i < pcm.length; i++) ch[i] = pcm[i] / 32768;
      const s = ctx.createBufferSource(); s.buffer = buf; s.connect(ctx.destination);
      playAt = Math.max(playAt, ctx.currentTime); s.start(playAt); playAt += buf.duration; sources.push(s); s.onended = () => sources.splice(sources.indexOf(s), 1);
      return;
    }
    const e = JSON.parse(m.data);
    if (e.type === 'clear') { for (const s of sources) s.stop(); sources = []; playAt = 0; return; }
    if (e.type === 'caller' && e.final) log('you: ' + e.text);
    if (e.type === 'bot') log('bot: ' + e.text);
    if (e.type === 'interrupted') log('(interrupted after: ' + e.spokenText + ')');
    if (e.type === 'started') log('connected (' + e.language + ', ' + e.stt + ' + ' + e.tts + (e.testMode ? ', test mode' : '') + ')');
    if (e.type === 'ended') log('call ended: ' + e.reason);
  };
  ws.onclose = () => { document.getElementById('hang').disabled = true; mic.getTracks().forEach((t) => t.stop()); };
  document.getElementById('hang').disabled = false;
};
document.getElementById('hang').onclick = () => ws && ws.send(JSON.stringify({ type: 'hangup' }));
</script></body></html>`;
