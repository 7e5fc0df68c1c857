import { spawn } from 'node:child_process';
import { NEUTRAL_CWD, REPO_ROOT } from './paths.js';

/** The compiled CLI entry point. */
export const CLI_ENTRY = `${REPO_ROOT}apps/gateway/dist/cli.js`;

/** Runs `mcpgw <args>` (the compiled CLI) with only PATH, HOME and `env`; resolves with its exit code and output. */
export function runMcpgw(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
      cwd: NEUTRAL_CWD,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
