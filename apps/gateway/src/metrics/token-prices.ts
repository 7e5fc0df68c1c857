/**
 * Token prices (TOKEN_PRICES_USD) in US dollars per million tokens, keyed by `service` or
 * `service.tool`. Service names have no dots, so the first dot splits service from tool.
 */
export type TokenPrices = Readonly<Record<string, number>>;

/** One TOKEN_PRICES_USD entry: `service=usd` or `service.tool=usd` (USD per million tokens). */
export const TOKEN_PRICE_ENTRY = /^([a-z][a-z0-9-]{0,31})(?:\.([A-Za-z0-9_.-]{1,64}))?=(\d{1,9}(?:\.\d{1,12})?)$/;

/** Parses validated entries; a target given twice is reported by name (the caller turns it into a ConfigError). */
export function parseTokenPrices(entries: readonly string[]): { prices: Record<string, number>; duplicates: string[] } {
  const prices: Record<string, number> = {};
  const duplicates: string[] = [];
  for (const entry of entries) {
    const eq = entry.lastIndexOf('=');
    const target = entry.slice(0, eq);
    if (Object.hasOwn(prices, target)) duplicates.push(target);
    prices[target] = Number(entry.slice(eq + 1));
  }
  return { prices, duplicates };
}

/** The services the prices name (for the start-up check against the configured workers). */
export function pricedServices(prices: TokenPrices): string[] {
  return [...new Set(Object.keys(prices).map((target) => target.split('.', 1)[0]!))];
}

/**
 * The price of one token of a tool in US dollars: the tool's entry wins over its service's;
 * undefined when neither is priced (then no cost is counted unless the tool reports one).
 */
export function usdPerToken(prices: TokenPrices, service: string, tool: string): number | undefined {
  const perMillion = prices[`${service}.${tool}`] ?? prices[service];
  return perMillion === undefined ? undefined : perMillion / 1_000_000;
}
