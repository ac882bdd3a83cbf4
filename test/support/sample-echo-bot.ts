import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";

/**
 * A bot written the way the real PhoneMyBot's sample bot is (phonemybot/echo-bot-js, src/controllers/
 * messageHandler.js): it reads `new`/`last` as JSON booleans, answers `{"code":"OK"}`, does
 * `JSON.parse(req.body.hints)` when hints are present, greets a new call and echoes every utterance through the
 * send API. Kept to that logic on purpose: it is the bot a new user brings, unchanged.
 */
export interface SampleEchoBot {
  url: string;
  /** Where and with which PhoneMyBot token it answers (known once its service is configured). */
  configure(gateway: { url: string; token: string }): void;
  /** Errors its handler threw (a hints object given to JSON.parse would be one). */
  errors: string[];
  /** What the bot sent back, in order. */
  sent: { conversation: string; body: string }[];
  close(): Promise<void>;
}

export const ECHO_GREETING = "This is an echo chatbot. Whatever you say I will repeat the same. Try me!";

export async function startSampleEchoBot(): Promise<SampleEchoBot> {
  let gateway = { url: "", token: "" };
  const errors: string[] = [];
  const sent: { conversation: string; body: string }[] = [];

  async function messageHandler(reqBody: any, res: ServerResponse) {
    const { body, conversation, last, from, to } = reqBody;
    const first = reqBody.new;
    const hints = reqBody.hints ? JSON.parse(reqBody.hints) : {};
    void hints;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ code: "OK", message: "your message will be processed" }));
    if ((body.length <= 0 && first !== true) || last) return;
    const textMessage = first ? ECHO_GREETING : body;
    const responseMessage = { body: textMessage, from: to, to: from, conversation, last: false, new: false };
    sent.push(responseMessage);
    await fetch(`${gateway.url}/cloudengine/rest/voicebot/send/${conversation}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Basic ${gateway.token}` },
      body: JSON.stringify(responseMessage),
    });
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = "";
    req.on("data", (chunk) => (raw += String(chunk)));
    req.on("end", () => {
      messageHandler(JSON.parse(raw), res).catch((error: unknown) => {
        errors.push(String(error));
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("echo bot: no port");
  return {
    url: `http://127.0.0.1:${address.port}/echo`,
    configure: (target) => (gateway = target),
    errors,
    sent,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
