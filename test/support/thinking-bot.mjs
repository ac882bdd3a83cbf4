// A bot in its own process (as real bots are, so the test's busy event loop does not delay it): it answers each
// message at once and sends its reply to the gateway THINK_MS after the message reached it. Prints its port, then
// one JSON line per reply with when the message arrived and when the reply left.
// Its HTTP client is warm before the first message, as a long-running bot's is: the first fetch() in a fresh Node
// process loads undici and costs 30–50 ms (measured here), which the gateway would rightly count as the bot's time.
// Env: GATEWAY_URL, THINK_MS, REPLY. The service token comes on stdin (one line), as the bot learns it after set-up.
import { createServer } from "node:http";
import { createInterface } from "node:readline";

let token = "";
createInterface({ input: process.stdin }).on("line", (line) => (token = line.trim()));
const think = Number(process.env.THINK_MS);
const server = createServer((req, res) => {
  const arrived = Date.now();
  let raw = "";
  req.on("data", (chunk) => (raw += chunk));
  req.on("end", () => {
    const message = JSON.parse(raw);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ success: true, reason: "delivered" }));
    if (message.body === "") return;
    setTimeout(() => {
      const sent = Date.now();
      console.log(JSON.stringify({ conversation: message.conversation, arrived, sent }));
      void fetch(`${process.env.GATEWAY_URL}/cloudengine/rest/voicebot/send/${message.conversation}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Basic ${token}` },
        body: JSON.stringify({ conversation: message.conversation, body: process.env.REPLY }),
      });
    }, Math.max(0, think - (Date.now() - arrived)));
  });
});
await fetch(`${process.env.GATEWAY_URL}/healthz`).then((r) => r.text());
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: server.address().port })));
