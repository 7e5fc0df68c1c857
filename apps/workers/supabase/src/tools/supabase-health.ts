import { z } from 'zod';
import { supabaseTool } from '../deps.js';
import { checkSupabaseHealth } from '../health-check.js';

export const supabaseHealth = supabaseTool({
  name: 'supabase_health',
  title: 'Supabase health',
  description:
    'Whether Supabase answers: the latency of a one-row Data API (PostgREST) read and, when SUPABASE_DB_URL is set, of a database round trip (with its server version). Overall status ok, degraded (one surface down) or down; reasons name what to fix.',
  input: z.object({}),
  tokenCost: 150,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async (_args, { deps, signal }) => ({ ...(await checkSupabaseHealth(deps, signal)), checkedAt: new Date().toISOString() }),
});
