import type { Call } from "../../../../protocol/management.ts";
import type { Turn } from "../../../../protocol/turns.ts";
import { formatMs, waterfallBars } from "../../lib/waterfall.ts";

/**
 * Where each turn's time went (protocol/turns.ts): one row of bars per turn, placed on that turn's time axis, the
 * bot's think time apart in its own colour from ours (gateway, voice agent) and from speech (recognizer, synthesizer).
 */
export function TurnWaterfall(props: { call: Call }) {
  const turns = props.call.turns.filter((turn) => turn.reply !== null);
  if (turns.length === 0) return null;
  return (
    <section className="waterfall" aria-label="Latency per turn" data-testid="waterfall">
      <h4 className="subheading">Latency per turn</h4>
      <ul className="waterfall-legend" aria-hidden="true">
        <li className="owner-speech">Speech</li>
        <li className="owner-ours">PhoneMyBot</li>
        <li className="owner-bot">Your bot</li>
        <li className="owner-caller">Playback</li>
      </ul>
      <ol className="waterfall-turns">
        {turns.map((turn) => (
          <TurnRow key={turn.message} turn={turn} said={describe(props.call, turn)} />
        ))}
      </ol>
    </section>
  );
}

function describe(call: Call, turn: Turn): string {
  const message = call.messages[turn.message];
  if (!message) return "Turn";
  if (message.new) return "Call start";
  if (message.dtmf) return `Keys ${message.dtmf}`;
  return `“${message.body.length > 60 ? `${message.body.slice(0, 57)}…` : message.body}”`;
}

function TurnRow(props: { turn: Turn; said: string }) {
  const { turn } = props;
  const { bars, totalMs, axis } = waterfallBars(turn);
  const { spans } = turn;
  return (
    <li className="waterfall-turn" data-testid="waterfall-turn">
      <div className="waterfall-head">
        <span className="waterfall-said">{props.said}</span>
        <span className="waterfall-summary">
          {spans.gap !== null && (
            <>
              Caller waited <strong data-testid="turn-gap">{formatMs(spans.gap)}</strong>;{" "}
            </>
          )}
          bot think time <strong data-testid="turn-bot">{formatMs(spans.bot)}</strong>
          {spans.gap !== null && spans.bot !== null && <> ({Math.round((spans.bot / Math.max(1, spans.gap)) * 100)} % of the wait)</>}
        </span>
      </div>
      <div className="waterfall-track" role="img" aria-label={bars.map((b) => `${b.label} ${formatMs(b.ms)}`).join(", ")} title={`${formatMs(totalMs)} in all`}>
        {bars.map((bar) => (
          <span
            key={bar.key}
            className={`waterfall-bar owner-${bar.owner}`}
            data-testid={`bar-${bar.key}`}
            data-ms={bar.ms}
            style={{ left: `${bar.left}%`, width: `max(${bar.width}%, 2px)` }}
          />
        ))}
      </div>
      <div className="waterfall-axis" data-testid="waterfall-axis" data-origin={axis.origin} aria-hidden="true">
        {axis.ticks.map((tick) => (
          <span key={tick.ms} className="waterfall-tick" data-testid="axis-tick" data-ms={tick.ms} style={{ left: `${tick.left}%` }}>
            <span className={`waterfall-tick-label${tick.left < 5 ? " at-start" : tick.left > 95 ? " at-end" : ""}`}>{tick.ms} ms</span>
          </span>
        ))}
      </div>
      <p className="waterfall-axis-caption">{axis.origin === "speech_end" ? "ms after the caller stopped speaking" : "ms after the caller’s message reached PhoneMyBot"}</p>
      <ul className="waterfall-spans">
        {bars.map((bar) => (
          <li key={bar.key} className={`owner-${bar.owner}`}>
            {bar.label} <strong>{formatMs(bar.ms)}</strong>
          </li>
        ))}
      </ul>
    </li>
  );
}
