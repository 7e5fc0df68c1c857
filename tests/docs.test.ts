import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { GatewayMetrics, envSchema } from '@mcpgw/gateway';
import { ERROR_SPECS } from '@mcpgw/protocol';
import { REPO_ROOT } from '@mcpgw/test-support';
import { postgresEnvSchema } from '@mcpgw/worker-postgres';

/** The documentation tells the truth: every code, variable, metric and command it names exists, and back. */
const read = (path: string) => readFileSync(`${REPO_ROOT}${path}`, 'utf8');
const readme = read('README.md');

/** Rows of every markdown table in `text` whose first cell matches `first`. */
function rows(text: string, first: RegExp): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()))
    .filter((cells) => first.test(cells[0] ?? ''));
}

describe('error codes', () => {
  for (const [file, text] of [['docs/errors.md', read('docs/errors.md')], ['README.md', readme]] as const) {
    it(`${file} lists exactly the codes of the error table, with their names and HTTP statuses`, () => {
      const documented = rows(text, /^-32\d{3}$/).map(([code, name, http]) => [Number(code), name!.replace(/`/g, ''), Number(http)]);
      expect(documented).toEqual(ERROR_SPECS.map((s) => [s.code, s.name, s.httpStatus]));
    });
  }
});

describe('configuration', () => {
  const documented = new Set(rows(readme, /^`[A-Z_]+`$/).map(([name]) => name!.replace(/`/g, '')));
  const example = read('.env.example');

  it('README documents every variable the gateway reads', () => {
    const gateway = Object.keys(envSchema.shape);
    for (const name of gateway) expect(documented).toContain(name);
  });

  it('README documents every variable the postgres worker reads', () => {
    for (const name of Object.keys(postgresEnvSchema.shape).filter((n) => n.startsWith('POSTGRES_') || n.startsWith('DB_'))) {
      expect(documented).toContain(name);
    }
  });

  it('every documented variable exists and is in .env.example', () => {
    const known = new Set([...Object.keys(envSchema.shape), ...Object.keys(postgresEnvSchema.shape)]);
    for (const name of documented) {
      expect(known).toContain(name);
      expect(example).toMatch(new RegExp(`^# ${name}=`, 'm'));
    }
  });
});

describe('commands', () => {
  const ci = read('.ci/run');
  const packageJson = JSON.parse(read('package.json')) as { packageManager: string; scripts: Record<string, string> };
  const pnpm = `npx --yes pnpm@${packageJson.packageManager.split('@')[1]}`;

  it('.ci/run runs exactly the README test command', () => {
    const testCommand = `${pnpm} install && ${pnpm} test`;
    expect(readme).toContain(`\n${testCommand}\n`);
    expect(ci.trim().split('\n').at(-1)).toBe(testCommand);
  });

  it('the README start command uses the pinned pnpm and the scripts it names exist', () => {
    expect(readme).toContain(`\n${pnpm} install && ${pnpm} start\n`);
    for (const script of ['start', 'test', 'bench', 'typecheck', 'mcpgw', 'build']) expect(packageJson.scripts[script]).toBeDefined();
  });
});

describe('metrics', () => {
  it('docs/observability.md lists every metric the gateway exports', async () => {
    const doc = read('docs/observability.md');
    const metrics = new GatewayMetrics();
    const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith('mcp_') || n.startsWith('http_'));
    expect(names.length).toBeGreaterThan(15);
    for (const name of names) expect(doc).toContain(`\`${name}\``);
  });
});
