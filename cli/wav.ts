import wavefile from "wavefile";

/** The recording as the local agent takes the caller's microphone: PCM16 mono at `sampleRate` (16 kHz). */
export function wavToCallerAudio(bytes: Uint8Array, sampleRate = 16_000): Int16Array {
  let wav: wavefile.WaveFile;
  try {
    wav = new wavefile.WaveFile(bytes);
  } catch (error) {
    throw new Error(`not a WAV file we can read: ${(error as Error).message}`);
  }
  if (wav.bitDepth === "8m") wav.fromMuLaw();
  else if (wav.bitDepth === "8a") wav.fromALaw();
  const { numChannels, sampleRate: rate } = wav.fmt as { numChannels: number; sampleRate: number };
  if (rate !== sampleRate) wav.toSampleRate(sampleRate);
  if (wav.bitDepth !== "16") wav.toBitDepth("16");
  const channels = numChannels === 1 ? [wav.getSamples(false, Int16Array) as unknown as Int16Array] : (wav.getSamples(false, Int16Array) as unknown as Int16Array[]);
  return downmix(channels);
}

/** One channel: the average of `channels`. */
export function downmix(channels: Int16Array[]): Int16Array {
  if (channels.length === 1) return channels[0]!;
  const length = Math.min(...channels.map((c) => c.length));
  const mono = new Int16Array(length);
  for (let i = 0; i < length; i++) {
    let sum = 0;
    for (const channel of channels) sum += channel[i]!;
    mono[i] = Math.round(sum / channels.length);
  }
  return mono;
}

/** A WAV file (PCM 16-bit mono) of `samples`. */
export function pcmToWav(samples: Int16Array, sampleRate: number): Uint8Array {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, sampleRate, "16", samples);
  return wav.toBuffer();
}
