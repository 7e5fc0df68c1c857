import { describe, expect, it } from '@jest/globals';
import { parseTokenPrices, pricedServices, TOKEN_PRICE_ENTRY, usdPerToken } from './token-prices.js';

describe('token prices', () => {
  it('accepts service and service.tool entries with decimal prices, and nothing else', () => {
    for (const ok of ['openai=2.5', 'anthropic.messages=3', 'bir.track_bir_filing_deadlines=0', 'a-b.x.y-z=0.000125']) expect([ok, TOKEN_PRICE_ENTRY.test(ok)]).toEqual([ok, true]);
    for (const bad of ['openai', 'openai=', '=2', 'OpenAI=2', 'openai=-1', 'openai=1e3', 'openai=2,5', 'openai.=1', 'openai=$2']) expect([bad, TOKEN_PRICE_ENTRY.test(bad)]).toEqual([bad, false]);
  });

  it('prices a tool by its own entry first, then by its service, else not at all', () => {
    const { prices, duplicates } = parseTokenPrices(['openai=2.5', 'anthropic.messages=3', 'anthropic=1']);
    expect(duplicates).toEqual([]);
    expect(usdPerToken(prices, 'anthropic', 'messages')).toBeCloseTo(3e-6, 15);
    expect(usdPerToken(prices, 'anthropic', 'complete')).toBeCloseTo(1e-6, 15);
    expect(usdPerToken(prices, 'openai', 'chat')).toBeCloseTo(2.5e-6, 15);
    expect(usdPerToken(prices, 'github', 'search')).toBeUndefined();
    expect(pricedServices(prices).sort()).toEqual(['anthropic', 'openai']);
  });

  it('reports a target priced twice', () => {
    expect(parseTokenPrices(['openai=1', 'openai.chat=2', 'openai=3']).duplicates).toEqual(['openai']);
  });
});
