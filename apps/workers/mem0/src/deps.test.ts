import { describe, expect, it } from '@jest/globals';
import { ToolError } from '@mcpgw/worker-kit';
import { resolveScope } from './deps.js';

describe('memory scope', () => {
  it('reads the calling agent’s memories when no id is given, and exactly the ids given otherwise', () => {
    expect(resolveScope({}, 'agent_007', 'read')).toEqual({ scope: { agentId: 'agent_007' }, agentFromCaller: true });
    expect(resolveScope({ agentId: 'agent_001' }, 'agent_007', 'read')).toEqual({ scope: { agentId: 'agent_001' }, agentFromCaller: false });
    expect(resolveScope({ userId: 'alice' }, 'agent_007', 'read')).toEqual({ scope: { userId: 'alice' }, agentFromCaller: false });
  });

  it('writes always carry an agent: the one given, else the caller', () => {
    expect(resolveScope({}, 'agent_007', 'write')).toEqual({ scope: { agentId: 'agent_007' }, agentFromCaller: true });
    expect(resolveScope({ userId: 'alice', runId: 'r1' }, 'agent_007', 'write')).toEqual({ scope: { userId: 'alice', agentId: 'agent_007', runId: 'r1' }, agentFromCaller: true });
    expect(resolveScope({ userId: 'alice' }, undefined, 'write')).toEqual({ scope: { userId: 'alice' }, agentFromCaller: false });
  });

  it('refuses a call with no ids and no caller', () => {
    for (const mode of ['read', 'write'] as const) {
      expect(() => resolveScope({}, undefined, mode)).toThrow(ToolError);
      expect(() => resolveScope({}, undefined, mode)).toThrow(/pass userId, agentId or runId/);
    }
  });
});
