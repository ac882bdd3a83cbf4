import {
  type BotpressSession,
  CreateConversationAnswer,
  CreateUserAnswer,
  MessageList,
  SEEN_KEPT,
  botpressBase,
  botpressMessage,
  botpressReplies,
} from "./botpress.ts";
import { callPlatform, failed, outcomeOf } from "./http.ts";
import { readUntilQuiet } from "./poll.ts";
import type { PlatformAdaptor, PlatformCall } from "./types.ts";

const NAME = "Botpress";
const json = { "content-type": "application/json" };

/** Reads the bot's messages as the Direct Line adaptor does (poll.ts). */
export const botpressAdaptor: PlatformAdaptor = {
  deliver: (turn, call) =>
    outcomeOf(async () => {
      const store = call.session as { read(): BotpressSession | undefined; write(state: BotpressSession): void };
      const base = botpressBase(call.url);
      let session = store.read();
      if (turn.kind === "end") return { kind: "delivered", replies: [] };
      if (session === undefined) {
        const user = CreateUserAnswer.safeParse(await callPlatform(NAME, `${base}/users`, { method: "POST", headers: json, body: "{}" }, call.env));
        if (!user.success) throw failed(`${NAME}'s answer to creating a user has no user and key`);
        const conversation = CreateConversationAnswer.safeParse(
          await callPlatform(NAME, `${base}/conversations`, { method: "POST", headers: { ...json, "x-user-key": user.data.key }, body: "{}" }, call.env),
        );
        if (!conversation.success) throw failed(`${NAME}'s answer to creating a conversation has no conversation`);
        session = { userKey: user.data.key, userId: user.data.user.id, conversationId: conversation.data.conversation.id, postedSeq: turn.seq, seen: [] };
        store.write(session);
      }
      const headers = { ...json, "x-user-key": session.userKey };
      const message = botpressMessage(turn, session.conversationId);
      if (message !== null && session.postedSeq < turn.seq) {
        await callPlatform(NAME, `${base}/messages`, { method: "POST", headers, body: JSON.stringify(message) }, call.env);
        session = { ...session, postedSeq: turn.seq };
        store.write(session);
      }
      await readReplies(call, headers, store, session);
      return { kind: "delivered", replies: [] };
    }),
};

async function readReplies(
  call: PlatformCall,
  headers: Record<string, string>,
  store: { write(state: BotpressSession): void },
  start: BotpressSession,
): Promise<void> {
  const url = `${botpressBase(call.url)}/conversations/${encodeURIComponent(start.conversationId)}/messages`;
  let session = start;
  await readUntilQuiet(call.env, async () => {
    const list = MessageList.safeParse(await callPlatform(NAME, url, { method: "GET", headers }, call.env));
    if (!list.success) throw failed(`${NAME}'s answer is not a list of messages`);
    const read = botpressReplies(list.data, session.userId, session.seen);
    await call.hear(read.replies);
    if (read.ids.length > 0) {
      session = { ...session, seen: [...session.seen, ...read.ids].slice(-SEEN_KEPT) };
      store.write(session);
    }
    return { heard: read.ids.length > 0, ended: false };
  });
}
