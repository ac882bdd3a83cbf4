import type { BrowserContext } from "playwright-core";

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
