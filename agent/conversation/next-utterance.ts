import { type UtteranceHint, hintIsEmpty, utteranceHint } from "../../protocol/speech-contexts.ts";

/**
 * What the recognizer is told for the caller's answer to a bot message: the message's `<context name="…"/>` names
 * (protocol/speech-contexts.ts) and `hints.stt.keyterms`. A context name the catalogue does not know is ignored for
 * recognition and reported once per call (`warnUnknown`), never an error to the bot.
 */
export class NextUtterance {
  private readonly reported = new Set<string>();

  constructor(private readonly warnUnknown: (name: string) => void) {}

  /** The hint for a message, or undefined when it asks nothing of the recognizer. */
  hintFor(contexts: readonly string[], keyterms: readonly string[], language: string): UtteranceHint | undefined {
    const { hint, unknown } = utteranceHint(contexts, keyterms, language);
    for (const name of unknown) {
      if (this.reported.has(name)) continue;
      this.reported.add(name);
      this.warnUnknown(name);
    }
    return hintIsEmpty(hint) ? undefined : hint;
  }
}
