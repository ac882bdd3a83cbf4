import { AudioFrame } from "@livekit/rtc-node";
import { stream } from "@livekit/agents";
import { beforeAll, expect, it } from "vitest";
import { PushAudioInput } from "../../agent/paced-output.ts";
import { initLogger } from "../agent/helpers.ts";

beforeAll(initLogger);

const frame = (value: number) => new AudioFrame(new Int16Array(640).fill(value), 16_000, 1, 640);

/**
 * The session's activity reads the input's stream through a `MultiInputStream` of its own, and a new activity (the
 * session's agent replaced) reads it again after the old one let go: every frame pushed reaches one reader, in order.
 */
it("a PushAudioInput's frames reach the activity's reader, and the next reader after the first lets go", async () => {
  const input = new PushAudioInput();
  const first = new stream.MultiInputStream();
  const id = first.addInputStream(input.stream);
  const firstReader = first.stream.getReader();
  input.push(frame(1));
  input.push(frame(2));
  expect(((await firstReader.read()).value as AudioFrame).data[0]).toBe(1);
  expect(((await firstReader.read()).value as AudioFrame).data[0]).toBe(2);
  await first.removeInputStream(id);
  input.push(frame(3));
  const second = new stream.MultiInputStream();
  second.addInputStream(input.stream);
  const secondReader = second.stream.getReader();
  input.push(frame(4));
  expect(((await secondReader.read()).value as AudioFrame).data[0]).toBe(3);
  expect(((await secondReader.read()).value as AudioFrame).data[0]).toBe(4);
  await input.close();
  await second.close();
});
