import { type FormEvent, type ReactNode, useState } from "react";
import type { Service } from "../../../../protocol/management.ts";
import { MESSAGE_FORMATS, type MessageFormat } from "../../../../protocol/settings/message-format.ts";
import { errorText } from "../../api.ts";
import { Alert, Button, Card } from "../../components/ui.tsx";

const CHOICES: Record<MessageFormat, { label: string; example: string; explanation: ReactNode }> = {
  seed: {
    label: "Strings (default)",
    example: '{"new": "true", "last": "false", "opaque": ""}',
    explanation: "new and last are the strings \"true\" and \"false\"; an unknown from, to or opaque is an empty string.",
  },
  booleans: {
    label: "Booleans, as the real PhoneMyBot sends",
    example: '{"new": true, "last": false, "opaque": null}',
    explanation: (
      <>
        new and last are JSON booleans; an unknown from, to or opaque is null. Choose this for a bot written for PhoneMyBot
        (such as its sample echo-bot-js) that tests <code>if (last)</code>: the string "false" counts as true there, so with
        strings it drops every message.
      </>
    ),
  },
};

/** The service's `messageFormat`: how our messages to the bot spell `new`, `last` and unknown fields. */
export function MessageFormatCard(props: { service: Service; patch: (change: { messageFormat: MessageFormat }) => Promise<unknown> }) {
  const [format, setFormat] = useState<MessageFormat>(props.service.messageFormat);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const changed = format !== props.service.messageFormat;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!changed) return;
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await props.patch({ messageFormat: format });
      setSaved(true);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card
      title="Message format"
      description="How PhoneMyBot writes the messages it sends your bot. Whatever you choose, your bot may send either spelling to us, hints as an object or a JSON string."
    >
      <form onSubmit={submit} noValidate>
        {error && <Alert>{error}</Alert>}
        {saved && <Alert kind="success">Saved. A new PhoneMyBot token was issued.</Alert>}
        <fieldset className="choice-list">
          <legend className="visually-hidden">Message format</legend>
          {MESSAGE_FORMATS.map((value) => {
            const choice = CHOICES[value];
            return (
              <label key={value} className="choice">
                <input type="radio" name="messageFormat" value={value} checked={format === value} onChange={() => setFormat(value)} />
                <span>
                  <strong>{choice.label}</strong>
                  <span className="hint">{choice.explanation}</span>
                  <code className="choice-example">{choice.example}</code>
                </span>
              </label>
            );
          })}
        </fieldset>
        <div className="form-actions">
          <Button type="submit" busy={busy} busyLabel="Saving…" disabled={!changed}>
            Save format
          </Button>
        </div>
      </form>
    </Card>
  );
}
