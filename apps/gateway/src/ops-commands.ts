import { parseArgs } from 'node:util';
import { migrateOps, seedOps } from '@mcpgw/ops-schema';
import pg from 'pg';
import { opsDatabaseUrl, type EnvSource } from './config.js';

type Out = (text: string) => void;

const USAGE = 'usage: mcpgw ops migrate|seed [--database-url postgres://...] [--schema public] [--yes]\n';

/**
 * `mcpgw ops migrate` applies the operational tables' migrations (month_end_tasks, background_jobs,
 * error_logs, compliance_tracking, agency_metrics, agencies) to a database — the Supabase project's,
 * by default SUPABASE_DB_URL. `mcpgw ops seed --yes` replaces their rows with the sample data of
 * the 8 reference agencies (it empties the six tables first: never on production data).
 */
export async function opsCommand(args: string[], out: Out, err: Out, env?: EnvSource): Promise<number> {
  const [sub, ...rest] = args;
  let values;
  try {
    ({ values } = parseArgs({ args: rest, options: { 'database-url': { type: 'string' }, schema: { type: 'string' }, yes: { type: 'boolean' } } }));
  } catch (error) {
    err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (sub !== 'migrate' && sub !== 'seed') {
    err(USAGE);
    return 2;
  }
  const url = values['database-url'] ?? opsDatabaseUrl(env);
  if (!url) {
    err(`give --database-url or set SUPABASE_DB_URL (the database that holds the operational tables)\n${USAGE}`);
    return 2;
  }
  if (sub === 'seed' && !values.yes) {
    err('seed empties month_end_tasks, background_jobs, error_logs, compliance_tracking, agency_metrics and agencies before loading sample data: add --yes to confirm\n');
    return 2;
  }
  const schema = values.schema ?? 'public';
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', () => undefined);
  try {
    if (sub === 'migrate') {
      const applied = await migrateOps(pool, { schema });
      out(applied.length === 0 ? `the operational tables in schema ${schema} are up to date\n` : `applied operational-table migrations: ${applied.join(', ')}\n`);
    } else {
      const summary = await seedOps(pool, { schema });
      out(`${JSON.stringify(summary, null, 2)}\n`);
    }
    return 0;
  } catch (error) {
    err(`the operational database refused: ${(error as Error).message.replace(/postgres(ql)?:\/\/[^\s]*/g, '[database url]')}\n`);
    return 1;
  } finally {
    await pool.end();
  }
}
