import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is packages/test-support/{src,dist}/paths.*). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The compiled gateway entry point (tests run after `pnpm build`). */
export const GATEWAY_ENTRY = `${REPO_ROOT}apps/gateway/dist/server.js`;

/**
 * V8 flags the gateway runs with (as in `pnpm start`): a larger young generation means fewer
 * scavenges under load (about 9 % more calls/s measured; see docs/performance.md).
 */
export const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=64'];

/** The compiled test worker (echo, sleep, crash, fail...). */
export const TEST_WORKER_ENTRY = `${REPO_ROOT}tests/fixtures/test-worker/dist/index.js`;

/**
 * Where test gateways and CLI runs start: not the repository, so a developer's `.env` there (read
 * from the working directory at start-up) never changes what a test sees.
 */
export const NEUTRAL_CWD = tmpdir();

/** The compiled MCP conformance fixture worker (every tool, resource and prompt the conformance suite expects). */
export const CONFORMANCE_WORKER_ENTRY = `${REPO_ROOT}tests/fixtures/conformance-worker/dist/index.js`;
