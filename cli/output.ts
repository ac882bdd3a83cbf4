import type { Writable } from "node:stream";

/**
 * Where a command's words go. For people: the conversation on stdout and progress (`·`, `✓`, `✗`) on stderr.
 * With `--json`: nothing but the one result document on stdout.
 */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly stdout: Writable = process.stdout,
    private readonly stderr: Writable = process.stderr,
  ) {}

  /** A line of the conversation or of the result, for people. */
  say(text: string) {
    if (!this.json) this.stdout.write(`${text}\n`);
  }

  /** How things are going, for people. */
  progress(text: string) {
    if (!this.json) this.stderr.write(`${text}\n`);
  }

  /** The machine-readable result (`--json` only). */
  result(document: unknown) {
    if (this.json) this.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  }

  /** A fatal error: always on stderr, and as `{error}` on stdout with `--json`. */
  error(text: string) {
    this.stderr.write(`phonemybot: ${text}\n`);
    if (this.json) this.stdout.write(`${JSON.stringify({ ok: false, error: text })}\n`);
  }
}
