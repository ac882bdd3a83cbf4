/** One of the service's messages at random, or the built-in one when it has none. */
export function pickMessage(messages: readonly string[], builtIn: string, random: () => number = Math.random): string {
  if (messages.length === 0) return builtIn;
  return messages[Math.min(messages.length - 1, Math.floor(random() * messages.length))]!;
}
