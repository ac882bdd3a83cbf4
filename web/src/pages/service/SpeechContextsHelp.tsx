import { SPEECH_CONTEXTS, SPEECH_CONTEXT_CATALOGUE } from "../../../../protocol/speech-contexts.ts";

/** The speech contexts a bot message can name (protocol/speech-contexts.ts), next to the service's speech hints. */
export function SpeechContextsHelp() {
  return (
    <details className="field speech-contexts">
      <summary>Speech contexts a bot message can name</summary>
      <p className="hint">
        A message can say what the caller's answer is about, for example <code>{'What is your account number? <context name="digits"/>'}</code>. The
        recognizer is tuned for that answer only; the tag is never spoken, and a name not listed here is ignored.
      </p>
      <ul aria-label="Speech contexts">
        {SPEECH_CONTEXTS.map((name) => (
          <li key={name}>
            <code>{name}</code>: {SPEECH_CONTEXT_CATALOGUE[name].description}
          </li>
        ))}
      </ul>
    </details>
  );
}
