import { GatewayError } from '@mcpgw/protocol';

/**
 * Local references: MCP servers an agent runs on its own machine (a browser, a project's UI
 * components, a task list in the working tree). The catalog lists them with how to run them; the
 * gateway routes nothing to them unless an operator gives one a command in LOCAL_SERVICES_FILE, which
 * makes it a supervised worker like any other (docs/local-references.md).
 */

/** The names a local reference may have; LOCAL_SERVICES_FILE accepts only these. */
export const LOCAL_REFERENCE_NAMES = ['playwright', 'shadcn', 'magicui', 'taskmaster'] as const;
export type LocalReferenceName = (typeof LOCAL_REFERENCE_NAMES)[number];

/** How to start the server locally: what an MCP client puts under `mcpServers.<name>`. */
export interface LocalRunCommand {
  command: string;
  args: string[];
  /** Variables the server needs (values are placeholders for the agent's own). */
  env?: Record<string, string>;
}

export interface LocalReference {
  name: LocalReferenceName;
  title: string;
  description: string;
  upstream: {
    /** The npm package that runs the MCP server. */
    package: string;
    repository: string;
    docs: string;
  };
  /** What the agent's machine needs before the run command works. */
  install: string;
  run: LocalRunCommand;
  /** Facts an agent needs beyond the command (working directory, keys). */
  notes: string;
}

export const LOCAL_REFERENCES: readonly LocalReference[] = [
  {
    name: 'playwright',
    title: 'Playwright MCP',
    description: 'Browser automation for agents: navigate, click, fill forms, read accessibility snapshots and take screenshots in a real browser.',
    upstream: { package: '@playwright/mcp', repository: 'https://github.com/microsoft/playwright-mcp', docs: 'https://playwright.dev/mcp/introduction' },
    install: 'Node.js 18 or newer; npx downloads the server on first run (the browser it drives must be installed, e.g. `npx playwright install chromium`).',
    run: { command: 'npx', args: ['@playwright/mcp@latest'] },
    notes: 'Runs a browser where it is started: on the agent\'s machine it sees the agent\'s network; add `--headless` on machines without a display.',
  },
  {
    name: 'shadcn',
    title: 'shadcn/ui MCP',
    description: 'Browse, search and view components from shadcn/ui registries and get the commands that add them to a project.',
    upstream: { package: 'shadcn', repository: 'https://github.com/shadcn-ui/ui', docs: 'https://ui.shadcn.com/docs/mcp' },
    install: 'Node.js 18 or newer; npx downloads the shadcn CLI on first run. `npx shadcn@latest mcp init` writes the client configuration for a project.',
    run: { command: 'npx', args: ['shadcn@latest', 'mcp'] },
    notes: 'Reads the project\'s components.json (its registries): start it in the project\'s directory.',
  },
  {
    name: 'magicui',
    title: 'Magic UI MCP',
    description: 'Search the Magic UI library of animated React components and get their source and usage.',
    upstream: { package: '@magicuidesign/mcp', repository: 'https://github.com/magicuidesign/mcp', docs: 'https://magicui.design/docs/mcp' },
    install: 'Node.js 18 or newer; npx downloads the server on first run.',
    run: { command: 'npx', args: ['-y', '@magicuidesign/mcp@latest'] },
    notes: 'Needs network access to the Magic UI registry.',
  },
  {
    name: 'taskmaster',
    title: 'Taskmaster (task-master-ai)',
    description: 'AI-driven task management for a development project: parse a PRD into tasks, list them, pick the next one, expand and update them.',
    upstream: { package: 'task-master-ai', repository: 'https://github.com/eyaltoledano/claude-task-master', docs: 'https://docs.task-master.dev' },
    install: 'Node.js 18 or newer; npx downloads the server on first run. At least one AI provider key (ANTHROPIC_API_KEY, OPENAI_API_KEY, ...) for the tools that call a model.',
    run: { command: 'npx', args: ['-y', '--package=task-master-ai', 'task-master-ai'], env: { ANTHROPIC_API_KEY: '<your key>' } },
    notes: 'Keeps its tasks in the project (.taskmaster/): start it in the project\'s directory.',
  },
];

const byName = new Map<string, LocalReference>(LOCAL_REFERENCES.map((ref) => [ref.name, ref]));

/** The local reference of that name, or undefined. */
export function localReference(name: string): LocalReference | undefined {
  return byName.get(name);
}

/** The run command as one shell line: `npx @playwright/mcp@latest`. */
export function runCommandLine(ref: LocalReference): string {
  return [ref.run.command, ...ref.run.args].join(' ');
}

/** What an agent's MCP client configuration needs to run it (Claude Desktop, Cursor, VS Code...). */
export function clientConfig(ref: LocalReference): { mcpServers: Record<string, LocalRunCommand> } {
  return { mcpServers: { [ref.name]: { command: ref.run.command, args: [...ref.run.args], ...(ref.run.env ? { env: { ...ref.run.env } } : {}) } } };
}

/** The answer to any call routed to a local reference that has no command on this gateway. */
export function localReferenceError(ref: LocalReference): GatewayError {
  const run = runCommandLine(ref);
  return new GatewayError(
    'SERVICE_LOCAL_ONLY',
    `${ref.name} is a local reference: run it on the agent's machine (${run}), or set a command for it in LOCAL_SERVICES_FILE`,
    { data: { service: ref.name, location: 'local', run, clientConfig: clientConfig(ref) } },
  );
}
