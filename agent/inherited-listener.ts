/**
 * The file descriptor of a listening socket the agent inherited (AGENT_LISTEN_FD, which `npm start` sets), or
 * undefined: then the agent binds AGENT_PORT itself.
 *
 * Why: scripts/start.mjs must tell wrangler the agent's URL before the agent runs. When it only checked that a port
 * was free, anything else on the machine (another gateway's workerd, a test's free-port probe) could take the port in
 * the seconds the agent took to load and warm up, and the agent died with EADDRINUSE. A socket bound and listening
 * before the agent starts leaves no gap: callers who connect before the agent serves wait in its backlog.
 */
export function inheritedListenerFd(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = env.AGENT_LISTEN_FD;
  if (value === undefined || value === "") return undefined;
  const fd = Number(value);
  // 0–2 are stdin, stdout and stderr.
  if (!Number.isInteger(fd) || fd < 3) throw new Error(`AGENT_LISTEN_FD must be the number of an inherited file descriptor (3 or more), not "${value}"`);
  return fd;
}
