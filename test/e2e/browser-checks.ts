import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AxeResults } from "axe-core";
import type { BrowserContext, Page } from "playwright-core";
import { expect } from "vitest";

/** What the pages of a browser context logged that a person would not want: console errors, uncaught exceptions, CSP violations. */
export interface ConsoleWatch {
  errors: string[];
  uncaught: string[];
  cspViolations: string[];
}

/** Starts recording every page of `context` (call it before the pages load). */
export async function watchConsole(context: BrowserContext): Promise<ConsoleWatch> {
  const watch: ConsoleWatch = { errors: [], uncaught: [], cspViolations: [] };
  // Chromium logs a "Refused to …" error for each violation; the event also names the directive and what it blocked.
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) =>
      console.error(`Content-Security-Policy violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`),
    );
  });
  context.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = `${message.text()} (${message.location().url})`;
    watch.errors.push(text);
    if (/Content[- ]Security[- ]Policy/i.test(text)) watch.cspViolations.push(text);
  });
  context.on("weberror", (error) => watch.uncaught.push(error.error().message));
  return watch;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * Runs axe-core's WCAG 2.1 A and AA rules on the page as it is now and fails with each violation's rule and elements.
 * axe is evaluated through the DevTools protocol: a `<script>` tag would be (rightly) refused by the portal's CSP.
 */
export async function expectAccessible(page: Page, screen: string) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<AxeResults> } }).axe;
    const results = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      resultTypes: ["violations"],
    });
    return results.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  expect(violations, `axe found violations on ${screen}:\n${violations.join("\n")}`).toEqual([]);
}
