import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../config.js';
import type { LocalWorkerSpec } from './worker-spec.js';
import { LocalServicesFileError, loadLocalServicesFile, parseLocalServices } from './local-services-file.js';

const dir = mkdtempSync(join(tmpdir(), 'mcpgw-local-services-'));
mkdirSync(join(dir, 'workspace'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const source = join(dir, 'local-services.yaml');
const vars: Record<string, string> = { TASKMASTER_KEY: 'sk-test', HOME: '/home/agent' };
const lookup = (name: string) => vars[name];

function problem(text: string): string {
  try {
    parseLocalServices(text, source, lookup);
  } catch (error) {
    expect(error).toBeInstanceOf(LocalServicesFileError);
    return (error as Error).message;
  }
  throw new Error('expected a LocalServicesFileError');
}

describe('LOCAL_SERVICES_FILE', () => {
  it('reads command, args, env and cwd per local reference (YAML)', () => {
    const commands = parseLocalServices(
      `playwright:
  command: npx
  args: ["-y", "@playwright/mcp@latest", "--headless"]
taskmaster:
  command: npx
  args: ["-y", "--package=task-master-ai", "task-master-ai"]
  env:
    ANTHROPIC_API_KEY: "\${TASKMASTER_KEY}"
    TASK_MASTER_TOOLS: core
  cwd: workspace
`,
      source,
      lookup,
    );
    expect(commands).toEqual([
      { name: 'playwright', command: 'npx', args: ['-y', '@playwright/mcp@latest', '--headless'], env: {} },
      {
        name: 'taskmaster',
        command: 'npx',
        args: ['-y', '--package=task-master-ai', 'task-master-ai'],
        env: { ANTHROPIC_API_KEY: 'sk-test', TASK_MASTER_TOOLS: 'core' },
        cwd: join(dir, 'workspace'),
      },
    ]);
  });

  it('reads JSON too, and an empty file as no commands', () => {
    expect(parseLocalServices('{"shadcn": {"command": "npx", "args": ["shadcn@latest", "mcp"]}}', source, lookup)).toEqual([
      { name: 'shadcn', command: 'npx', args: ['shadcn@latest', 'mcp'], env: {} },
    ]);
    expect(parseLocalServices('', source, lookup)).toEqual([]);
    expect(parseLocalServices('# nothing yet\n', source, lookup)).toEqual([]);
  });

  it('resolves a relative command path against the file\'s directory, and leaves PATH commands alone', () => {
    const [entry] = parseLocalServices('magicui:\n  command: ./bin/magicui-mcp\n', source, lookup);
    expect(entry!.command).toBe(join(dir, 'bin/magicui-mcp'));
    expect(parseLocalServices('magicui:\n  command: /usr/bin/env\n', source, lookup)[0]!.command).toBe('/usr/bin/env');
  });

  it('accepts only the local reference names, and says which they are', () => {
    const message = problem('playwright:\n  command: npx\ngithub:\n  command: npx\n');
    expect(message).toContain(`${source}:3: "github" is not a local reference; this file accepts only playwright, shadcn, magicui, taskmaster (run other MCP servers with EXTRA_WORKERS)`);
  });

  it('names the line and field of a missing command, bad types and unknown fields', () => {
    expect(problem('shadcn:\n  args: [mcp]\n')).toMatch(/local-services\.yaml:2: shadcn\.command: command is required/);
    expect(problem('shadcn:\n')).toMatch(/shadcn\.command: command is required/);
    expect(problem('shadcn:\n  command: npx\n  args: mcp\n')).toMatch(/:3: shadcn\.args: args is a list of strings/);
    expect(problem('shadcn:\n  command: npx\n  args: [1]\n')).toMatch(/shadcn\.args\[0\]: args are strings/);
    expect(problem('shadcn:\n  command: npx\n  env: { PORT: 8080 }\n')).toMatch(/:3: shadcn\.env\.PORT: env values are strings/);
    expect(problem('shadcn:\n  command: npx\n  env: { "BAD-NAME": x }\n')).toMatch(/variable names are letters, digits and _/);
    expect(problem('shadcn:\n  command: npx\n  workdir: /tmp\n')).toMatch(/shadcn: unknown field\(s\) workdir; allowed: command, args, env, cwd/);
    expect(problem('shadcn:\n  command: "  "\n')).toMatch(/command must not be empty/);
    expect(problem('- playwright\n')).toMatch(/maps local reference names \(playwright, shadcn, magicui, taskmaster\) to \{command, args, env, cwd\}/);
  });

  it('refuses unset variables in env (gateway settings count as unset) and missing directories', () => {
    expect(problem('playwright:\n  command: npx\n  env:\n    TOKEN: "${NOPE}"\n')).toMatch(/:4: playwright\.env\.TOKEN: \$\{NOPE\} is not set in the gateway's environment/);
    expect(problem('playwright:\n  command: npx\n  cwd: missing-dir\n')).toContain(`playwright.cwd: no directory at ${join(dir, 'missing-dir')}`);
  });

  it('reports YAML syntax errors with line and column', () => {
    expect(problem('playwright:\n  command: [npx\n')).toMatch(/LOCAL_SERVICES_FILE: cannot parse\n {2}.*local-services\.yaml:\d+:\d+: /);
    expect(problem('playwright:\n  command: npx\nplaywright:\n  command: npx\n')).toMatch(/cannot parse/);
  });

  it('refuses a file it cannot read', () => {
    expect(() => loadLocalServicesFile(join(dir, 'absent.yaml'), lookup)).toThrow(/LOCAL_SERVICES_FILE: cannot read .*absent\.yaml \(ENOENT\)/);
  });
});

describe('loadConfig with LOCAL_SERVICES_FILE', () => {
  const file = join(dir, 'gateway-local.yaml');
  writeFileSync(file, 'playwright:\n  command: npx\n  args: ["@playwright/mcp@latest", "--headless"]\n  env:\n    GREETING: "hi ${AGENT_NAME}"\n    DB: "${DATABASE_URL}"\n');
  const okFile = join(dir, 'gateway-ok.yaml');
  writeFileSync(okFile, 'playwright:\n  command: npx\n  args: ["@playwright/mcp@latest"]\n  env:\n    GREETING: "hi ${AGENT_NAME}"\n  cwd: workspace\n');

  it('adds a supervised worker per command, with its env on top of the usual worker environment', () => {
    const config = loadConfig({ WORKERS: 'none', LOCAL_SERVICES_FILE: okFile, AGENT_NAME: 'ops', PATH: '/usr/bin', PLAYWRIGHT_BROWSERS_PATH: '/opt/b', REDIS_URL: 'redis://secret@127.0.0.1:6379' });
    expect(config.workers).toHaveLength(1);
    const spec = config.workers[0] as LocalWorkerSpec;
    expect(spec).toMatchObject({ name: 'playwright', command: 'npx', args: ['@playwright/mcp@latest'], cwd: join(dir, 'workspace'), required: true });
    expect(spec.description).toMatch(/Browser automation/);
    expect(spec.env).toEqual({ PATH: '/usr/bin', PLAYWRIGHT_BROWSERS_PATH: '/opt/b', GREETING: 'hi ops', MCPGW_SERVICE_NAME: 'playwright' });
  });

  it('never expands a gateway setting into a worker\'s env', () => {
    const attempt = () => loadConfig({ WORKERS: 'none', LOCAL_SERVICES_FILE: file, AGENT_NAME: 'ops', DATABASE_URL: 'postgres://u:secret@db/x' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/playwright\.env\.DB: \$\{DATABASE_URL\} is not set in the gateway's environment \(or is a gateway setting/);
  });

  it('refuses a name that another worker already uses, and an unreadable file', () => {
    expect(() => loadConfig({ WORKERS: 'none', EXTRA_WORKERS: `playwright=${okFile}`, LOCAL_SERVICES_FILE: okFile, AGENT_NAME: 'x' })).toThrow(
      /LOCAL_SERVICES_FILE: service "playwright" is defined twice/,
    );
    expect(() => loadConfig({ WORKERS: 'none', LOCAL_SERVICES_FILE: join(dir, 'nope.yaml') })).toThrow(ConfigError);
  });

  it('resolves a relative LOCAL_SERVICES_FILE against the working directory', () => {
    expect(loadConfig({ WORKERS: 'none', LOCAL_SERVICES_FILE: 'gateway-ok.yaml', AGENT_NAME: 'ops' }, dir).workers.map((w) => w.name)).toEqual(['playwright']);
  });
});
