/**
 * Flux's eager end of turn for a REST bot we cannot cancel (a service's `eagerEndOfTurn`, docs/voice.md): the
 * caller's words go to the bot on `EagerEndOfTurn`, numbered like any turn, and the bot's replies are held until Flux
 * confirms the end of the turn (`EndOfTurn`). When the caller goes on (`TurnResumed`) that turn is superseded: the bot
 * is told, its replies to it are dropped, and the longer words go as the next turn at the real end. Decided apart from
 * the call's I/O; `T` is whatever the call holds for a reply (its pre-synthesized speech, say).
 */
export interface EndOfTurnDecision<T> {
  /** Replies to play now, in arrival order. */
  release: T[];
  /** Replies never to play: they answer a superseded turn. */
  drop: T[];
  /** Whether the turn's words still have to go to the bot (false: they went eagerly, word for word). */
  send: boolean;
  /** A speculative turn these words replace that the bot has not been told of yet (`hints.event: "turn_resumed"`). */
  superseded?: number;
}

/** A reply that arrives now: held until the turn is confirmed, dropped (it answers a superseded turn) or played. */
export type Admission = "hold" | "drop" | "play";

interface HeldReply<T> {
  reply: T;
  inReplyTo: number | undefined;
}

const normalize = (text: string) => text.trim().replace(/\s+/g, " ");

export class EagerTurns<T> {
  /** The turn sent on `EagerEndOfTurn`, not confirmed yet. */
  private speculative: { turn: number; transcript: string } | null = null;
  /** A speculative turn the caller went on from (`TurnResumed`), while the real end of the turn has not come. */
  private resumed: number | null = null;
  private readonly superseded = new Set<number>();
  private held: HeldReply<T>[] = [];

  /** Whether the bot's replies are held now (a speculative turn is out, or its caller is still speaking). */
  get holding(): boolean {
    return this.speculative !== null || this.resumed !== null;
  }

  /** Whether `turn` was superseded (a reply naming it in `hints.inReplyTo` is never played). */
  isSuperseded(turn: number): boolean {
    return this.superseded.has(turn);
  }

  /**
   * `EagerEndOfTurn` with `transcript`; `nextTurn` is the number the turn would get. `send`: the words go to the bot
   * now as `nextTurn` (false when that transcript went already). Replies held for a turn superseded before are dropped.
   */
  eager(transcript: string, nextTurn: number): { send: boolean; drop: T[]; superseded?: number } {
    const words = normalize(transcript);
    if (this.speculative?.transcript === words) return { send: false, drop: [] };
    // Flux sends TurnResumed between two eager ends of one turn; without it, the newer words still supersede.
    const superseded = this.speculative?.turn;
    if (superseded !== undefined) this.superseded.add(superseded);
    this.speculative = { turn: nextTurn, transcript: words };
    this.resumed = null;
    // Replies held so far answer a superseded turn (see split); those naming an older one wait for this turn's end.
    const drop: T[] = [];
    this.held = this.held.filter(({ reply, inReplyTo }) => {
      const stale = inReplyTo === undefined || this.superseded.has(inReplyTo);
      if (stale) drop.push(reply);
      return !stale;
    });
    return { send: true, drop, ...(superseded !== undefined ? { superseded } : {}) };
  }

  /** `TurnResumed`: the speculative turn is superseded; its number, for the bot's notice (null: none was out). */
  turnResumed(): number | null {
    if (!this.speculative) return null;
    const { turn } = this.speculative;
    this.superseded.add(turn);
    this.speculative = null;
    this.resumed = turn;
    return turn;
  }

  /** The turn's end (`EndOfTurn`, the transcript the bot would get). */
  endOfTurn(transcript: string): EndOfTurnDecision<T> {
    const words = normalize(transcript);
    const speculative = this.speculative;
    this.speculative = null;
    this.resumed = null;
    if (speculative && speculative.transcript === words) {
      const { keep, drop } = this.split(true);
      return { send: false, release: keep, drop };
    }
    // Flux promises the same words after an EagerEndOfTurn unless it sends TurnResumed; if not, they still supersede.
    if (speculative) this.superseded.add(speculative.turn);
    const { keep, drop } = this.split(false);
    return { send: true, release: keep, drop, ...(speculative ? { superseded: speculative.turn } : {}) };
  }

  /** A bot reply arrives; `inReplyTo` is its `hints.inReplyTo`. */
  admit(reply: T, inReplyTo: number | undefined): Admission {
    if (inReplyTo !== undefined && this.superseded.has(inReplyTo)) return "drop";
    if (!this.holding) return "play";
    this.held.push({ reply, inReplyTo });
    return "hold";
  }

  /** Everything held, to drop (the call is over). */
  takeAll(): T[] {
    const all = this.held.map((h) => h.reply);
    this.held = [];
    return all;
  }

  /**
   * Held replies once the turn's end is known. Those naming a superseded turn are dropped; so are those without
   * `inReplyTo` when the turn was not confirmed: they came while a superseded turn was the latest the bot had (a REST
   * bot answers the turn it was sent last).
   */
  private split(confirmed: boolean): { keep: T[]; drop: T[] } {
    const keep: T[] = [];
    const drop: T[] = [];
    for (const { reply, inReplyTo } of this.held) {
      const answersSuperseded = inReplyTo === undefined ? !confirmed : this.superseded.has(inReplyTo);
      (answersSuperseded ? drop : keep).push(reply);
    }
    this.held = [];
    return { keep, drop };
  }
}
