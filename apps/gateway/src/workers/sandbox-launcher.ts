import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import type { SandboxEndpoints } from '@mcpgw/fakes';

const require = createRequire(import.meta.url);

/** How long the sandbox may take to seed its database and start its fakes. */
export const SANDBOX_START_TIMEOUT_MS = 60_000;
const START_TIMEOUT_MS = SANDBOX_START_TIMEOUT_MS;

/** The running sandbox process and where its fakes listen. */
export interface SandboxProcess {
  endpoints: SandboxEndpoints;
  stop(): Promise<void>;
}

/**
 * Starts the sandbox (`@mcpgw/fakes/sandbox-main`) as a child process and waits for its endpoints.
 * It exits by itself when the gateway goes away (its stdin closes).
 */
export function startSandboxProcess(log: { info(o: object, m?: string): void; warn(o: object, m?: string): void }): Promise<SandboxProcess> {
  const entry = require.resolve('@mcpgw/fakes/sandbox-main');
  const child = spawn(process.execPath, [entry], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '' } });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the sandbox did not start within ${START_TIMEOUT_MS} ms: ${stderr.trim().slice(-500)}`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox exited (${code}) before it was ready: ${stderr.trim().slice(-500)}`));
    });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline === -1) return;
      clearTimeout(timer);
      try {
        const { sandbox } = JSON.parse(buffer.slice(0, newline)) as { sandbox: SandboxEndpoints };
        child.removeAllListeners('exit');
        child.once('exit', (code) => log.warn({ code }, 'the sandbox process exited'));
        resolve({ endpoints: sandbox, stop: () => stopChild(child) });
      } catch (error) {
        child.kill('SIGKILL');
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin!.end();
    child.kill('SIGTERM');
  });
}
