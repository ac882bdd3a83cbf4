import { z } from "zod";

// The portal shares protocol/'s zod schemas, and its Content-Security-Policy has no 'unsafe-eval': without this,
// zod probes `new Function` when the first object schema is built, which the browser reports as a CSP violation.
// Imported first by main.tsx, before any schema exists.
z.config({ jitless: true });
