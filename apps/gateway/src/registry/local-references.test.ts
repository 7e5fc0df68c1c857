import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { GatewayError } from '@mcpgw/protocol';
import type { GatewayLogger } from '../logger.js';
import type { WorkerPool } from '../workers/worker-pool.js';
import { LOCAL_REFERENCES, LOCAL_REFERENCE_NAMES, clientConfig, localReference, localReferenceError, runCommandLine } from './local-references.js';
import { ServiceRegistry } from './service-registry.js';
import { describeLocalReference, summarizeLocalReference } from './service-view.js';

const log = { error: () => undefined, warn: () => undefined, info: () => undefined } as unknown as GatewayLogger;

/** A pool whose workers are only names (the registry reads nothing else until a manifest arrives). */
function poolOf(...names: string[]): WorkerPool {
  const handles = new Map(names.map((name) => [name, Object.assign(new EventEmitter(), { name })]));
  return { handles } as unknown as WorkerPool;
}

describe('the local references', () => {
  it('are playwright, shadcn, magicui and taskmaster, each with its package, how to install and how to run it', () => {
    expect(LOCAL_REFERENCES.map((r) => r.name)).toEqual([...LOCAL_REFERENCE_NAMES]);
    expect(LOCAL_REFERENCE_NAMES).toEqual(['playwright', 'shadcn', 'magicui', 'taskmaster']);
    expect(Object.fromEntries(LOCAL_REFERENCES.map((r) => [r.name, runCommandLine(r)]))).toEqual({
      playwright: 'npx @playwright/mcp@latest',
      shadcn: 'npx shadcn@latest mcp',
      magicui: 'npx -y @magicuidesign/mcp@latest',
      taskmaster: 'npx -y --package=task-master-ai task-master-ai',
    });
    for (const ref of LOCAL_REFERENCES) {
      expect(ref.description.length).toBeGreaterThan(20);
      expect(ref.install).toMatch(/Node\.js/);
      expect(ref.upstream.repository).toMatch(/^https:\/\/github\.com\//);
      expect(ref.upstream.docs).toMatch(/^https:\/\//);
    }
  });

  it('gives the MCP client configuration an agent pastes', () => {
    expect(clientConfig(localReference('playwright')!)).toEqual({ mcpServers: { playwright: { command: 'npx', args: ['@playwright/mcp@latest'] } } });
    expect(clientConfig(localReference('taskmaster')!).mcpServers['taskmaster']!.env).toEqual({ ANTHROPIC_API_KEY: '<your key>' });
    expect(localReference('github')).toBeUndefined();
  });

  it('answers a call with SERVICE_LOCAL_ONLY saying how to run it', () => {
    const error = localReferenceError(localReference('shadcn')!);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.code).toBe(-32034);
    expect(error.httpStatus).toBe(404);
    expect(error.message).toBe("shadcn is a local reference: run it on the agent's machine (npx shadcn@latest mcp), or set a command for it in LOCAL_SERVICES_FILE");
    expect(error.data).toMatchObject({ service: 'shadcn', location: 'local', run: 'npx shadcn@latest mcp', clientConfig: { mcpServers: { shadcn: { command: 'npx' } } } });
  });

  it('are listed with location local, routed false and no tools', () => {
    const ref = localReference('magicui')!;
    expect(summarizeLocalReference(ref)).toMatchObject({ name: 'magicui', location: 'local', routed: false, status: 'local', toolCount: 0, version: null, local: { run: 'npx -y @magicuidesign/mcp@latest' } });
    expect(describeLocalReference(ref)).toMatchObject({ tools: [], commands: [], breaker: 'none', notes: expect.stringContaining('LOCAL_SERVICES_FILE') });
  });
});

describe('the registry and local references', () => {
  it('lists the references no worker runs, and answers SERVICE_LOCAL_ONLY for them', () => {
    const registry = new ServiceRegistry(poolOf('echo'), log);
    expect(registry.names()).toEqual(['echo']);
    expect(registry.localReferences().map((r) => r.name)).toEqual(['playwright', 'shadcn', 'magicui', 'taskmaster']);
    expect(() => registry.require('playwright')).toThrow(expect.objectContaining({ code: -32034 }) as unknown as Error);
    // A caller that may not see it learns nothing more than about any unknown name.
    expect(() => registry.require('playwright', (s) => s === 'echo')).toThrow(expect.objectContaining({ code: -32030 }) as unknown as Error);
    expect(() => registry.require('nope')).toThrow(/unknown service "nope"; known services: echo/);
  });

  it('routes a reference that has a command (LOCAL_SERVICES_FILE) like any worker', () => {
    const registry = new ServiceRegistry(poolOf('playwright'), log);
    expect(registry.localReferences().map((r) => r.name)).toEqual(['shadcn', 'magicui', 'taskmaster']);
    expect(registry.localReference('playwright')).toBeUndefined();
    expect(registry.require('playwright').location).toBe('server');
  });
});
