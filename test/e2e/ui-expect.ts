import type { Locator } from "playwright-core";
import { expect } from "vitest";

/**
 * Waiting assertions on page elements (playwright-core has no `expect`): each polls until it holds or times out,
 * and fails with what it last saw.
 */
const timeout = 15_000;

export const visible = (locator: Locator) => locator.first().waitFor({ state: "visible", timeout });
export const hidden = (locator: Locator) => locator.first().waitFor({ state: "hidden", timeout });

export async function hasText(locator: Locator, expected: string | RegExp | string[]) {
  if (Array.isArray(expected)) return expect.poll(() => locator.allInnerTexts(), { timeout }).toEqual(expected);
  if (typeof expected === "string") return expect.poll(() => locator.innerText(), { timeout }).toBe(expected);
  return expect.poll(() => locator.innerText(), { timeout }).toMatch(expected);
}

export const containsText = (locator: Locator, expected: string) =>
  expect.poll(() => locator.innerText(), { timeout }).toContain(expected);

export const hasCount = (locator: Locator, expected: number) => expect.poll(() => locator.count(), { timeout }).toBe(expected);

export const hasAttribute = (locator: Locator, name: string, expected: RegExp) =>
  expect.poll(() => locator.getAttribute(name), { timeout }).toMatch(expected);
