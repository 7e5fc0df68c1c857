import { describe, expect, it } from '@jest/globals';
import { ERROR_SPECS, GatewayError, errorSpec, errorSpecByCode } from './errors.js';

describe('error registry', () => {
  it('has unique codes and names', () => {
    expect(new Set(ERROR_SPECS.map((s) => s.code)).size).toBe(ERROR_SPECS.length);
    expect(new Set(ERROR_SPECS.map((s) => s.name)).size).toBe(ERROR_SPECS.length);
  });

  it('keeps application codes in -32010..-32099 and away from codes MCP already uses', () => {
    const spec = [-32700, -32600, -32601, -32602, -32603];
    const mcpReserved = [-32000, -32001, -32002, -32042];
    for (const { code } of ERROR_SPECS) {
      if (spec.includes(code)) continue;
      expect(code).toBeLessThanOrEqual(-32010);
      expect(code).toBeGreaterThanOrEqual(-32099);
      expect(mcpReserved).not.toContain(code);
    }
  });

  it('maps each code to an HTTP error status', () => {
    for (const { httpStatus } of ERROR_SPECS) {
      expect(httpStatus).toBeGreaterThanOrEqual(400);
      expect(httpStatus).toBeLessThan(600);
    }
  });

  it('builds errors that carry their code, status and retry-after hint', () => {
    const error = new GatewayError('CIRCUIT_OPEN', 'postgres is failing', { retryAfterSeconds: 7, data: { service: 'postgres' } });
    expect(error.code).toBe(-32051);
    expect(error.httpStatus).toBe(503);
    expect(error.data).toEqual({ service: 'postgres', retryAfter: 7 });
    expect(errorSpecByCode(-32051)).toBe(errorSpec('CIRCUIT_OPEN'));
  });
});
