/** A sentence of a reply and where its audio starts in the reply's audio (seconds). */
export interface TimedSentence {
  text: string;
  start: number;
}

const words = (text: string) => text.split(/\s+/).filter(Boolean);

/**
 * What of `text` the caller heard when playback stopped after `played` of the `total` seconds of audio produced so
 * far, cut at a word. With sentence timings (the TTS synthesizes sentence by sentence) the sentences that played
 * whole count whole and the one playing is cut at the played fraction of its audio, so a TTS that had produced
 * only the first sentences does not make the caller seem to have heard the whole reply. Without them, the played
 * fraction of the whole text.
 */
export function spokenText(text: string, played: number, total: number, sentences: TimedSentence[]): string {
  const all = words(text);
  if (total <= 0 || played <= 0) return "";
  if (sentences.length === 0) return all.slice(0, Math.floor(all.length * Math.min(1, played / total))).join(" ");
  let heard = 0;
  for (const [i, sentence] of sentences.entries()) {
    if (played <= sentence.start) break;
    const end = sentences[i + 1]?.start ?? total;
    const count = words(sentence.text).length;
    heard += played >= end ? count : Math.floor((count * (played - sentence.start)) / Math.max(end - sentence.start, 1e-6));
  }
  return all.slice(0, heard).join(" ");
}
