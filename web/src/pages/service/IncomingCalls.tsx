import { useEffect, useState } from "react";
import type { CallSummary } from "../../../../protocol/management.ts";
import { api, errorText } from "../../api.ts";
import { Alert, Button } from "../../components/ui.tsx";
import { navigate } from "../../router.tsx";
import { formatInternational } from "../../lib/phone.ts";

const showNumber = (n: string) => (n.startsWith("+") ? formatInternational(n) : n);

/**
 * The simulated phone's ringing: calls the bot started (outbound) that ring on this service, each with Answer and
 * Decline (docs/api.md, "Calls started by the bot"). Polls the service's ringing calls once a second.
 */
export function IncomingCalls(props: { serviceId: string; onAnswered: (conversation: string) => void }) {
  const [ringing, setRinging] = useState<CallSummary[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      try {
        const calls = await api<CallSummary[]>("GET", `/api/v1/services/${props.serviceId}/calls?state=ringing&limit=10`);
        if (!stopped) setRinging(calls);
      } catch (e) {
        if (!stopped) setError(errorText(e));
      }
      if (!stopped) timer = setTimeout(poll, 1000);
    };
    timer = setTimeout(poll, 0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [props.serviceId]);

  const decide = async (conversation: string, decision: "answer" | "decline") => {
    setBusy(`${decision}:${conversation}`);
    setError(null);
    try {
      await api("POST", `/api/v1/calls/${encodeURIComponent(conversation)}/${decision}`);
      setRinging((calls) => calls.filter((c) => c.conversation !== conversation));
      if (decision === "answer") props.onAnswered(conversation);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  if (ringing.length === 0 && !error) return null;
  return (
    <div className="stack-tight" data-testid="incoming-calls">
      {error && <Alert>{error}</Alert>}
      {ringing.map((call) => (
        <div key={call.conversation} className="call-banner incoming-call" role="group" aria-label={`Incoming call from ${showNumber(call.from)}`}>
          <span className="pulse pulse-green" aria-hidden="true" />
          <span>
            Your bot is calling <strong className="mono">{showNumber(call.to)}</strong> from <span className="mono">{showNumber(call.from)}</span>
          </span>
          <Button small onClick={() => void decide(call.conversation, "answer")} busy={busy === `answer:${call.conversation}`}>
            Answer
          </Button>
          <Button small variant="secondary" onClick={() => navigate(`/services/${props.serviceId}/call?answer=${encodeURIComponent(call.conversation)}`)}>
            Answer with microphone
          </Button>
          <Button small variant="danger" onClick={() => void decide(call.conversation, "decline")} busy={busy === `decline:${call.conversation}`}>
            Decline
          </Button>
        </div>
      ))}
    </div>
  );
}
