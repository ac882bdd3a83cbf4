import { botUrlRefusal } from "../../worker/bot-url-guard.ts";
import { parseTimeout } from "../delivery-policy.ts";
import type { AdaptorEnv, PlatformOutcome } from "./types.ts";

/** A request to a platform that did not give a usable answer: retried when transient, recorded on the call either way. */
export class PlatformFailure extends Error {
  constructor(readonly outcome: Exclude<PlatformOutcome, { kind: "delivered" }>) {
    super(outcome.error);
  }
}

export const failed = (error: string) => new PlatformFailure({ kind: "failed", error });

/**
 * Sends one request to a platform and returns its JSON answer (null for an empty one). Network errors, timeouts,
 * 5xx, 408 and 429 are transient (retried, as for a messaging-API bot); other answers that are not 2xx are refusals.
 * Error texts name the platform and the status, never a credential.
 */
export async function callPlatform(platform: string, url: string, init: RequestInit, env: AdaptorEnv): Promise<unknown> {
  const refusal = botUrlRefusal(url, env);
  if (refusal) throw failed(`${platform}: ${refusal}`);
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(parseTimeout(env.BOT_TIMEOUT_MS)), redirect: "manual" });
  } catch (error) {
    if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")) {
      throw new PlatformFailure({ kind: "retry", error: `${platform} did not answer in time` });
    }
    throw new PlatformFailure({ kind: "retry", error: `${platform}: network error: ${error instanceof Error ? error.message : String(error)}` });
  }
  const text = await response.text();
  const { status } = response;
  if (status < 200 || status >= 300) {
    const error = `${platform} answered HTTP ${status}${platformMessage(text)}`;
    const transient = status >= 500 || status === 408 || status === 429;
    throw new PlatformFailure({ kind: transient ? "retry" : "failed", error });
  }
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw failed(`${platform}'s answer is not JSON`);
  }
}

/** The platform's own error message, when its error answer has one in a usual place (shortened). */
function platformMessage(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return "";
  }
  const record = (v: unknown) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined);
  const root = record(parsed);
  const error = record(root?.error);
  const message = error?.message ?? root?.message ?? root?.error_description ?? error?.code ?? root?.error;
  return typeof message === "string" && message !== "" ? `: ${message.slice(0, 200)}` : "";
}

/** Runs an adaptor's steps, turning a PlatformFailure into its outcome. */
export async function outcomeOf(steps: () => Promise<PlatformOutcome>): Promise<PlatformOutcome> {
  try {
    return await steps();
  } catch (error) {
    if (error instanceof PlatformFailure) return error.outcome;
    throw error;
  }
}

export const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
