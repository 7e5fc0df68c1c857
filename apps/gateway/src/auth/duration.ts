const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const DURATION = /^(\d{1,15})(ms|s|m|h|d)?$/;

const EXPECTED = 'expected a duration such as 30d, 24h, 15m, 90s, 500ms or a whole number of milliseconds';

/**
 * Parses a human duration (`30d`, `24h`, `15m`, `90s`, `500ms`; a bare number is milliseconds) into
 * milliseconds, for CLI flags such as `mcpgw token sign --ttl`. Anything else (`1y`, `-5m`, `5 m`,
 * `1.5h`, '') throws an Error naming the expected form.
 */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new Error(`"${text.slice(0, 40)}" is not a duration: ${EXPECTED}`);
  const ms = Number(match[1]) * UNIT_MS[(match[2] ?? 'ms') as keyof typeof UNIT_MS];
  if (!Number.isSafeInteger(ms)) throw new Error(`"${text}" is too long a duration: ${EXPECTED}`);
  return ms;
}
