import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  listConformanceServerScenarios,
  runConformanceServerSuite,
  startConformanceWorker,
  type ConformanceCheck,
  type ConformanceWorkerProcess,
} from '@mcpgw/test-support';

/**
 * The official MCP conformance suite (every server scenario, pending ones included) against the
 * conformance fixture worker served directly by the worker kit over Streamable HTTP — no gateway.
 * This pins the fixture and the kit; the gateway's own conformance test then only has to explain
 * differences it introduces.
 */

/** Every server scenario of @modelcontextprotocol/conformance 0.1.13. A new suite version must be reviewed here. */
const SERVER_SCENARIOS = [
  'server-initialize',
  'logging-set-level',
  'ping',
  'completion-complete',
  'tools-list',
  'tools-call-simple-text',
  'tools-call-image',
  'tools-call-audio',
  'tools-call-embedded-resource',
  'tools-call-mixed-content',
  'tools-call-with-logging',
  'tools-call-error',
  'tools-call-with-progress',
  'tools-call-sampling',
  'tools-call-elicitation',
  'json-schema-2020-12',
  'elicitation-sep1034-defaults',
  'server-sse-polling',
  'server-sse-multiple-streams',
  'elicitation-sep1330-enums',
  'resources-list',
  'resources-read-text',
  'resources-read-binary',
  'resources-templates-read',
  'resources-subscribe',
  'resources-unsubscribe',
  'prompts-list',
  'prompts-get-simple',
  'prompts-get-with-args',
  'prompts-get-embedded-resource',
  'prompts-get-with-image',
  'dns-rebinding-protection',
];

/**
 * Warnings a correct server cannot avoid. server-sse-polling posts with `MCP-Protocol-Version:
 * 2025-03-26`; a priming event (an SSE event with empty data, which carries the `retry` field) is
 * only for clients of 2025-11-25 or later — older clients fail on empty data — so the SDK, rightly,
 * sends none. A 2025-11-25 client does get both (see http-transport.test.ts).
 */
const EXPECTED_WARNINGS: Record<string, string[]> = {
  'server-sse-polling': ['server-sse-priming-event', 'server-sse-retry-field'],
};

let worker: ConformanceWorkerProcess;
let results: Map<string, ConformanceCheck[]>;
let installedScenarios: string[];

beforeAll(async () => {
  worker = await startConformanceWorker();
  [installedScenarios, results] = await Promise.all([listConformanceServerScenarios(), runConformanceServerSuite(worker.url)]);
}, 120_000);
afterAll(async () => {
  await worker?.stop();
});

describe('the MCP conformance suite against the fixture worker (direct, Streamable HTTP)', () => {
  it('covers every server scenario the installed suite has, and ran each of them', () => {
    expect([...installedScenarios].sort()).toEqual([...SERVER_SCENARIOS].sort());
    expect([...results.keys()].sort()).toEqual([...SERVER_SCENARIOS].sort());
  });

  it.each(SERVER_SCENARIOS)('%s: no check fails, and no warning beyond the explained ones', (scenario) => {
    const checks = results.get(scenario);
    expect(checks).toBeDefined();
    expect(checks!.length).toBeGreaterThan(0);
    const failures = checks!.filter((c) => c.status === 'FAILURE').map((c) => `${c.id}: ${c.errorMessage ?? c.description}`);
    expect(failures).toEqual([]);
    const warnings = checks!.filter((c) => c.status === 'WARNING').map((c) => c.id);
    expect(warnings.sort()).toEqual([...(EXPECTED_WARNINGS[scenario] ?? [])].sort());
    // A scenario that passes must have proved something (server-sse-polling proves its point with INFO checks).
    if (!EXPECTED_WARNINGS[scenario]) expect(checks!.some((c) => c.status === 'SUCCESS')).toBe(true);
  });

  it('server-sse-polling got the tool result of test_reconnection (the fixture implements the tool)', () => {
    const checks = results.get('server-sse-polling')!;
    expect(checks.find((c) => c.id === 'server-sse-test-reconnection-tool')).toBeUndefined();
    expect(checks.some((c) => c.id === 'incoming-sse-event' && c.description === 'Received tool response on POST stream')).toBe(true);
  });
});
