import { describe, expect, it } from "vitest";
import { PcmFramer, chunkSamples } from "../../agent/pcm-framer.ts";

describe("PcmFramer", () => {
  it("cuts any split of a byte stream into the same fixed chunks, in order, and flushes whole samples", () => {
    const bytes = Uint8Array.from({ length: 1001 }, (_, i) => (i * 7) % 256);
    for (const pieces of [[1001], [1, 99, 400, 501], [3, 3, 3, 992], [160, 160, 681]]) {
      const framer = new PcmFramer(160);
      const chunks: Uint8Array[] = [];
      let offset = 0;
      for (const size of pieces) {
        chunks.push(...framer.write(bytes.subarray(offset, offset + size)));
        offset += size;
      }
      expect(chunks.map((c) => c.length)).toEqual(Array(6).fill(160));
      const rest = framer.flush();
      expect(rest.map((c) => c.length)).toEqual([40]); // 41 bytes left: the odd one is not a sample
      expect(Buffer.concat([...chunks, ...rest]).equals(Buffer.from(bytes.subarray(0, 1000)))).toBe(true);
      expect(framer.flush()).toEqual([]);
    }
  });

  it("gives each chunk its own aligned buffer (they stay intact after later writes)", () => {
    const framer = new PcmFramer(4);
    const [a] = framer.write(Uint8Array.of(1, 0, 2, 0, 9));
    framer.write(Uint8Array.of(9, 9, 9, 9, 9, 9));
    expect([...chunkSamples(a!)]).toEqual([1, 2]);
  });
});
