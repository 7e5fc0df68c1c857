#!/usr/bin/env node
import { startSandbox } from './sandbox.js';

/**
 * The sandbox as a process of its own (the gateway starts it when upstream credentials are missing):
 * prints one JSON line `{"sandbox": SandboxEndpoints}` on stdout once everything answers, and stops
 * when its stdin closes (the gateway went away) or on SIGTERM.
 */
const sandbox = await startSandbox();
const { close, ...endpoints } = sandbox;
process.stdout.write(`${JSON.stringify({ sandbox: endpoints })}\n`);
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void close().finally(() => process.exit(0));
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
