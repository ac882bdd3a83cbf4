import type { CallMessage } from "../../../../protocol/management.ts";

/** A message's `hints` on the call detail: the bot's (what it sent, object or JSON string) or ours. */
export function MessageHints(props: { hints: CallMessage["hints"] }) {
  if (props.hints === undefined) return null;
  return (
    <span className="t-hints" data-testid="message-hints">
      hints <code className="break">{JSON.stringify(props.hints)}</code>
    </span>
  );
}
