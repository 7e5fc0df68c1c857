import { describe, expect, it } from '@jest/globals';
import { GatewayMetrics } from './gateway-metrics.js';

async function value(metrics: GatewayMetrics, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

describe('GatewayMetrics.countUsage', () => {
  const metrics = new GatewayMetrics({ openai: 2.5, 'openai.embed': 0.1 });

  it('prices tokens by the tool entry, then the service entry', async () => {
    metrics.countUsage(metrics.forTool('openai', 'chat'), 1_000_000, undefined);
    metrics.countUsage(metrics.forTool('openai', 'embed'), 1_000_000, undefined);
    expect(await value(metrics, 'mcp_token_cost_usd_total', { service: 'openai', tool: 'chat' })).toBeCloseTo(2.5, 12);
    expect(await value(metrics, 'mcp_token_cost_usd_total', { service: 'openai', tool: 'embed' })).toBeCloseTo(0.1, 12);
    expect(await value(metrics, 'mcp_token_usage_total', { service: 'openai', tool: 'chat' })).toBe(1_000_000);
  });

  it('takes a reported cost over the price, priced or not, and ignores reports that are not a cost', async () => {
    metrics.countUsage(metrics.forTool('openai', 'image'), 10, 0.04);
    metrics.countUsage(metrics.forTool('github', 'search'), 10, 0.5);
    expect(await value(metrics, 'mcp_token_cost_usd_total', { service: 'openai', tool: 'image' })).toBeCloseTo(0.04, 12);
    expect(await value(metrics, 'mcp_token_cost_usd_total', { service: 'github', tool: 'search' })).toBeCloseTo(0.5, 12);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '0.3', null]) metrics.countUsage(metrics.forTool('openai', 'audio'), 1_000_000, bad);
    expect(await value(metrics, 'mcp_token_cost_usd_total', { service: 'openai', tool: 'audio' })).toBeCloseTo(5 * 2.5, 12);
  });

  it('adds no cost, not even a zero series, for an unpriced tool without a reported cost', async () => {
    metrics.countUsage(metrics.forTool('github', 'list'), 300, undefined);
    expect(await value(metrics, 'mcp_token_usage_total', { service: 'github', tool: 'list' })).toBe(300);
    expect(await value(metrics, 'mcp_token_cost_usd_total', { service: 'github', tool: 'list' })).toBeUndefined();
  });
});
