import type { Page } from "playwright-core";

/** Cookie-authenticated API calls from inside a page's context, with the session's CSRF token. */
export async function pageApiAt(base: string, target: Page, method: string, path: string, body?: unknown) {
  const session = await target.request.get(`${base}/api/v1/session`);
  const csrf = ((await session.json()) as { csrfToken?: string }).csrfToken ?? "";
  const res = await target.request.fetch(`${base}${path}`, {
    method,
    headers: { "x-csrf-token": csrf, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { data: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status(), body: text ? (JSON.parse(text) as any) : undefined };
}

/** Signs up through the portal's form; returns once the Services page shows. */
export async function signUpAt(base: string, target: Page, email: string, password: string) {
  await target.goto(`${base}/signup`);
  await target.getByLabel("Email").fill(email);
  await target.getByLabel("Password", { exact: true }).fill(password);
  await target.getByLabel("Confirm password").fill(password);
  await target.getByRole("button", { name: "Create account" }).click();
  await target.getByRole("heading", { level: 1, name: "Services" }).waitFor();
}
