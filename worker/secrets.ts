/** Random secrets, hashing and constant-time comparison, on WebCrypto only. */

const encoder = new TextEncoder();

export function randomBase64Url(bytes: number): string {
  const buffer = crypto.getRandomValues(new Uint8Array(bytes));
  let binary = "";
  for (const byte of buffer) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(value));
  return toHex(new Uint8Array(digest));
}

/**
 * Whether `secret` hashes to `expectedHashHex`. Both sides are compared as fixed-length digests with
 * `timingSafeEqual`, so the time taken says nothing about how much of the secret matched.
 */
export async function secretMatchesHash(secret: string, expectedHashHex: string): Promise<boolean> {
  return equalInConstantTime(await sha256Hex(secret), expectedHashHex);
}

/** Constant-time equality of two secrets of any length, through their digests. */
export async function secretsEqual(a: string, b: string): Promise<boolean> {
  return equalInConstantTime(await sha256Hex(a), await sha256Hex(b));
}

function equalInConstantTime(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  return left.byteLength === right.byteLength && crypto.subtle.timingSafeEqual(left, right);
}

/** Workers cap PBKDF2 at 100,000 iterations; that is also our floor. */
export const PASSWORD_ITERATIONS = 100_000;

export interface PasswordHash {
  hash: string;
  salt: string;
  iterations: number;
}

export async function hashPassword(password: string, salt = randomHex(16), iterations = PASSWORD_ITERATIONS) {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: encoder.encode(salt), iterations },
    key,
    256,
  );
  return { hash: toHex(new Uint8Array(bits)), salt, iterations } satisfies PasswordHash;
}

export async function passwordMatches(password: string, stored: PasswordHash): Promise<boolean> {
  const { hash } = await hashPassword(password, stored.salt, stored.iterations);
  return equalInConstantTime(hash, stored.hash);
}

function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
