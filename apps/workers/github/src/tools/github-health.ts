import { z } from 'zod';
import { githubTool } from '../deps.js';
import { probeGithub } from '../github-probe.js';

export const githubHealth = githubTool({
  name: 'github_health',
  title: 'GitHub health',
  description:
    "Probes GitHub now with GET /rate_limit (free: it does not count against the limit): are the credentials accepted (minting an installation token first for a GitHub App), how fast, and how much of the primary rate limit is left. status is ok, degraded (slow, or under 10% of the limit left) or down, with a reason.",
  input: z.object({}),
  tokenCost: 150,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async (_args, { deps, signal }) => probeGithub(deps, signal),
});
