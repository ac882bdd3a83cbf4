import { createMiddleware } from "hono/factory";

const arrivals = new WeakMap<Request, number>();

/**
 * Notes when a request reached the Worker, before any middleware awaits (rate limits, body reads): a bot's reply is
 * timed from there (protocol/turns.ts), so that what the gateway spends on it is not counted as the bot's think time.
 * In workerd, `Date.now()` stands still between I/O, so at the first middleware it reads the request's arrival.
 */
export const stampArrival = createMiddleware(async (c, next) => {
  arrivals.set(c.req.raw, Date.now());
  await next();
});

/** When the request reached the Worker (now, if it was not stamped). */
export const arrivalOf = (request: Request): number => arrivals.get(request) ?? Date.now();
