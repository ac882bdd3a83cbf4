import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { type ConsoleWatch, watchConsole } from "./browser-checks.ts";
import { pageApiAt, signUpAt } from "./portal-session.ts";
import { type Gateway, artifactsDir, launchChromium, startGateway } from "./server.ts";

export const PORTAL_PASSWORD = "a long and careful password";

/** What a portal suite's tests use; filled in by its `beforeAll`. */
export interface PortalSuite {
  gateway: Gateway;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  consoleWatch: ConsoleWatch;
  /** Cookie-authenticated API calls from inside the page, with the session's CSRF token. */
  api(method: string, path: string, body?: unknown): ReturnType<typeof pageApiAt>;
  /** Signs a new account up through the form (`label` in its email); the page then shows Services. */
  signUp(label: string): Promise<void>;
}

/**
 * One Chromium page against `npm start`'s gateway for a whole file, as the portal suites need it: the hooks are
 * registered here. A failed step leaves a screenshot in test-artifacts/ (`FAILED-{name}-…`), and no step may break
 * the Content-Security-Policy or throw in the page. `gateway`: startGateway's vars and options.
 */
export function portalSuite(name: string, gateway: { vars?: Record<string, string>; agent?: boolean } = {}): PortalSuite {
  const suite = {
    api: (method: string, path: string, body?: unknown) => pageApiAt(suite.gateway.url, suite.page, method, path, body),
    signUp: (label: string) => signUpAt(suite.gateway.url, suite.page, `${label}-${crypto.randomUUID()}@example.com`, PORTAL_PASSWORD),
  } as PortalSuite;

  beforeAll(async () => {
    await mkdir(artifactsDir, { recursive: true });
    const options = gateway.agent === false ? { agent: false } : {};
    [suite.gateway, suite.browser] = await Promise.all([startGateway(gateway.vars, options), launchChromium()]);
    suite.context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 } });
    suite.consoleWatch = await watchConsole(suite.context);
    suite.page = await suite.context.newPage();
    suite.page.setDefaultTimeout(15_000);
  }, 120_000);

  afterEach(async (test) => {
    if (test.task.result?.state === "fail") {
      await suite.page?.screenshot({ path: join(artifactsDir, `FAILED-${name}-${test.task.name.slice(0, 30)}.png`), fullPage: true });
    }
    expect(suite.consoleWatch?.cspViolations.splice(0) ?? []).toEqual([]);
    expect(suite.consoleWatch?.uncaught.splice(0) ?? []).toEqual([]);
  });

  afterAll(async () => {
    await suite.context?.close();
    await suite.browser?.close();
    await suite.gateway?.stop();
  }, 30_000);

  return suite;
}
