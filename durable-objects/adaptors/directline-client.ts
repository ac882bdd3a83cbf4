import { parseTimeout } from "../delivery-policy.ts";
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
import { callPlatform, failed, outcomeOf, wait } from "./http.ts";
import type { PlatformAdaptor, PlatformCall, PlatformTurn } from "./types.ts";

const NAME = "Direct Line";

/**
 * Direct Line answers asynchronously: after posting a turn, the adaptor reads the bot's activities every
 * PLATFORM_POLL_INTERVAL_MS (default 250 ms) until the bot sent something and a read brings nothing new, or the bot ended the
 * conversation, or PLATFORM_REPLY_WAIT_MS (default 5 s) passed. Activities that come later are read with the next turn.
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
  const interval = parseTimeout(call.env.PLATFORM_POLL_INTERVAL_MS, 250);
  const deadline = Date.now() + parseTimeout(call.env.PLATFORM_REPLY_WAIT_MS, 5_000);
  const callerId = caller(turn).id;
  let session = start;
  /** Whether the bot has sent anything since the turn was posted: once it has, a read that brings nothing ends the wait. */
  let heard = false;
  for (;;) {
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
    const heardBack = set.data.activities.some((a) => a.from?.id !== callerId);
    heard ||= heardBack;
    if (read.ended || (heard && !heardBack) || Date.now() + interval > deadline) return;
    await wait(interval);
  }
}
