import { describe, expect, it } from '@jest/globals';
import { boundedResult, MAX_STORED_RESULT_BYTES, serviceOfJobId, statusOf } from './job-payload.js';

describe('job payload helpers', () => {
  it('maps BullMQ states to job statuses: waiting and retry delays are queued, failures dead unless cancelled', () => {
    expect(['waiting', 'delayed', 'prioritized', 'waiting-children', 'unknown'].map((s) => statusOf(s, {}))).toEqual(Array(5).fill('queued'));
    expect(statusOf('active', {})).toBe('active');
    expect(statusOf('completed', {})).toBe('completed');
    expect(statusOf('failed', {})).toBe('dead');
    expect(statusOf('failed', { cancelled: true })).toBe('failed');
  });

  it('reads the service from a job id and refuses anything else', () => {
    expect(serviceOfJobId('echo.0123456789abcdef0123456789abcdef')).toBe('echo');
    expect(serviceOfJobId('odoo-prod.k0123456789abcdef')).toBe('odoo-prod');
    expect(serviceOfJobId('echo')).toBeUndefined();
    expect(serviceOfJobId('Echo.0123456789abcdef')).toBeUndefined();
    expect(serviceOfJobId('echo.abc:def0123')).toBeUndefined();
  });

  it('keeps small results and replaces large ones by a marker', () => {
    expect(boundedResult({ a: 1 })).toEqual({ a: 1 });
    const big = { text: 'x'.repeat(MAX_STORED_RESULT_BYTES) };
    expect(boundedResult(big)).toEqual({ truncated: true, bytes: JSON.stringify(big).length });
  });
});
