import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFORMANCE_WORKER_ENTRY, NEUTRAL_CWD, REPO_ROOT } from './paths.js';
import { startHttpWorker } from './http-worker-process.js';

/** The official MCP conformance suite's CLI (a devDependency of tests/). */
export const CONFORMANCE_CLI = `${REPO_ROOT}tests/node_modules/@modelcontextprotocol/conformance/dist/index.js`;

/** One check of a scenario, as the suite records it. */
export interface ConformanceCheck {
  id: string;
  name: string;
  description: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  errorMessage?: string;
  details?: unknown;
}

function runNode(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: NEUTRAL_CWD, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`conformance ${args.slice(1).join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The server scenarios the installed suite knows (`conformance list`). */
export async function listConformanceServerScenarios(): Promise<string[]> {
  const { stdout } = await runNode([CONFORMANCE_CLI, 'list'], 30_000);
  const section = stdout.split(/Client scenarios/)[0]!.split(/Server scenarios[^\n]*\n/)[1] ?? '';
  return [...section.matchAll(/^\s*-\s*(\S+)\s*$/gm)].map((m) => m[1]!);
}

/**
 * Runs every server scenario of the suite (`--suite all`, pending ones included) against an MCP
 * endpoint and returns each scenario's checks, by scenario name.
 */
export async function runConformanceServerSuite(url: string, timeoutMs = 120_000): Promise<Map<string, ConformanceCheck[]>> {
  const outputDir = await mkdtemp(join(tmpdir(), 'mcpgw-conformance-'));
  try {
    const run = await runNode([CONFORMANCE_CLI, 'server', '--url', url, '--suite', 'all', '--output-dir', outputDir], timeoutMs);
    const results = new Map<string, ConformanceCheck[]>();
    for (const entry of await readdir(outputDir)) {
      // One directory per scenario: server-<scenario>-<ISO timestamp with - for :>
      const scenario = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(entry)?.[1];
      if (!scenario) continue;
      results.set(scenario, JSON.parse(await readFile(join(outputDir, entry, 'checks.json'), 'utf8')) as ConformanceCheck[]);
    }
    if (results.size === 0) throw new Error(`the conformance suite recorded nothing (exit ${run.code})\n${run.stdout}\n${run.stderr}`);
    return results;
  } finally {
    await rm(outputDir, { recursive: true, force: true });
  }
}

/** A running conformance fixture worker, serving Streamable HTTP on a free loopback port. */
export interface ConformanceWorkerProcess {
  /** http://127.0.0.1:<port>/mcp */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts the built conformance fixture worker with `--http 0` and waits until it says which port it took. */
export async function startConformanceWorker(timeoutMs = 15_000): Promise<ConformanceWorkerProcess> {
  const worker = await startHttpWorker(CONFORMANCE_WORKER_ENTRY, { timeoutMs });
  return { url: worker.url, port: worker.port, stop: () => worker.stop() };
}
