import {
  ActivitySet,
  type DirectLineSession,
  StartConversationAnswer,
  activitiesUrl,
  caller,
  conversationsUrl,
  directLineActivity,
  directLineReplies,
} from "./directline.ts";
import { callPlatform, failed, outcomeOf } from "./http.ts";
import { readUntilQuiet } from "./poll.ts";
import type { PlatformAdaptor, PlatformCall, PlatformTurn } from "./types.ts";

const NAME = "Direct Line";

/**
 * Direct Line answers asynchronously: after posting a turn, the adaptor reads the bot's activities (poll.ts) until
 * the bot is quiet again; activities that come later are read with the next turn.
 */
export const directLineAdaptor: PlatformAdaptor = {
  deliver: (turn, call) =>
    outcomeOf(async () => {
      const secret = call.settings.directLineSecret;
      if (secret === null) throw failed("no Direct Line secret is set on the service (directLineSecret)");
      const headers = { authorization: `Bearer ${secret}`, "content-type": "application/json" };
      const store = call.session as { read(): DirectLineSession | undefined; write(state: DirectLineSession): void };
      let session = store.read();
      if (turn.kind === "end" && session === undefined) return { kind: "delivered", replies: [] };
      if (session === undefined) {
        const answer = StartConversationAnswer.safeParse(
          await callPlatform(NAME, conversationsUrl(call.url), { method: "POST", headers }, call.env),
        );
        if (!answer.success) throw failed(`${NAME}'s answer to starting a conversation has no conversationId`);
        session = { conversationId: answer.data.conversationId, postedSeq: 0 };
        store.write(session);
      }
      if (session.postedSeq < turn.seq) {
        await callPlatform(
          NAME,
          activitiesUrl(call.url, session.conversationId),
          { method: "POST", headers, body: JSON.stringify(directLineActivity(turn)) },
          call.env,
        );
        session = { ...session, postedSeq: turn.seq };
        store.write(session);
      }
      if (turn.kind === "end") return { kind: "delivered", replies: [] };
      await readReplies(turn, call, headers, store, session);
      return { kind: "delivered", replies: [] };
    }),
};

async function readReplies(
  turn: PlatformTurn,
  call: PlatformCall,
  headers: Record<string, string>,
  store: { write(state: DirectLineSession): void },
  start: DirectLineSession,
): Promise<void> {
  const callerId = caller(turn).id;
  let session = start;
  await readUntilQuiet(call.env, async () => {
    const set = ActivitySet.safeParse(
      await callPlatform(NAME, activitiesUrl(call.url, session.conversationId, session.watermark), { method: "GET", headers }, call.env),
    );
    if (!set.success) throw failed(`${NAME}'s answer is not an activity set`);
    const read = directLineReplies(set.data, callerId);
    await call.hear(read.replies);
    if (set.data.watermark !== undefined) {
      session = { ...session, watermark: set.data.watermark };
      store.write(session);
    }
    return { heard: set.data.activities.some((a) => a.from?.id !== callerId), ended: read.ended };
  });
}
