import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GATEWAY_ENTRY, TEST_WORKER_ENTRY, execute, startGateway } from '@mcpgw/test-support';

const echoOnly = { WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}` };

/** Runs the gateway in a directory of its own (no .env, its own ./.mcpgw store). */
function run(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'mcpgw-lifecycle-'));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [GATEWAY_ENTRY], { cwd, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env } });
    child.on('exit', () => rmSync(cwd, { recursive: true, force: true }));
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr, stdout }));
  });
}

describe('start-up and shutdown', () => {
  it('stops at start-up on a bad variable, naming it and the expected form', async () => {
    const { code, stderr } = await run({ PORT: 'http', DEFAULT_TIMEOUT_MS: '-5' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/PORT="http": expected a whole number/);
    expect(stderr).toMatch(/DEFAULT_TIMEOUT_MS="-5"/);
  });

  it('stops at start-up on a JWT key it cannot use, naming the variable, and leaves its store unlocked', async () => {
    const { code, stderr } = await run({ ...echoOnly, JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\\nnot a key\\n-----END PUBLIC KEY-----' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^mcp-gateway: JWT_PUBLIC_KEY is not a PEM public key/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits with a clear message when its port is taken', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as { port: number }).port;
    const { code, stdout } = await run({ ...echoOnly, HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: '0' });
    blocker.close();
    expect(code).toBe(1);
    expect(stdout).toMatch(/could not listen \(is the port in use\? set PORT \/ METRICS_PORT\)/);
  });

  it('on SIGTERM finishes in-flight calls, refuses new ones, stops its workers and exits 0', async () => {
    const gateway = await startGateway({ env: echoOnly });
    const workerPid = ((await (await fetch(`${gateway.url}/health/detailed`)).json()) as { workers: { pid: number }[] }).workers[0]!.pid;
    const slow = execute(gateway.url, 'echo', 'sleep', { ms: 800 });
    await new Promise((r) => setTimeout(r, 100));
    gateway.child.kill('SIGTERM');
    const result = await slow;
    expect(result.status).toBe(200);
    expect(result.body.result.data).toEqual({ slept: 800 });
    const exit = await gateway.exited;
    if (exit.code !== 0) console.log(gateway.output.slice(-8).join('\n'));
    expect(exit.code).toBe(0);
    expect(gateway.output.join('\n')).toMatch(/shutting down: no new calls/);
    expect(() => process.kill(workerPid, 0)).toThrow();
    await expect(fetch(`${gateway.url}/health/live`)).rejects.toThrow();
  });

  it('forces the exit on a second signal', async () => {
    const gateway = await startGateway({ env: { ...echoOnly, SHUTDOWN_TIMEOUT_MS: '60000' } });
    void execute(gateway.url, 'echo', 'sleep', { ms: 30_000 }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    gateway.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    gateway.child.kill('SIGTERM');
    const exit = await gateway.exited;
    expect(exit.code).toBe(1);
    expect(gateway.output.join('\n')).toMatch(/second signal: forcing exit/);
  });
});
