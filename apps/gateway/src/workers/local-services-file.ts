import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, isMap, isNode, isScalar, parseDocument } from 'yaml';
import { z } from 'zod';
import { LOCAL_REFERENCE_NAMES } from '../registry/local-references.js';

/**
 * LOCAL_SERVICES_FILE (YAML or JSON): commands for local references, which the gateway then runs as
 * supervised stdio workers. Only the local reference names are accepted; other servers are
 * EXTRA_WORKERS. docs/local-references.md describes the format.
 *
 *   playwright:
 *     command: npx
 *     args: ["-y", "@playwright/mcp@latest", "--headless"]
 *     env: { PLAYWRIGHT_BROWSERS_PATH: /opt/browsers }
 *     cwd: /srv/agent-workspace
 */

/** A problem with the file; config.ts reports it as a ConfigError. */
export class LocalServicesFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalServicesFileError';
  }
}

/** One local reference's command, resolved (absolute cwd, variables expanded). */
export interface LocalServiceCommand {
  name: string;
  command: string;
  args: string[];
  /** Set on top of the worker's usual environment. */
  env: Record<string, string>;
  cwd?: string;
}

/** Reads `${NAME}` in env values: the variable's value, or undefined when it is unset or not allowed. */
export type VariableLookup = (name: string) => string | undefined;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

const entrySchema = z.strictObject({
  command: z.string({ error: 'command is required: the executable that starts the MCP server, such as npx' }).trim().min(1, 'command must not be empty'),
  args: z
    .array(z.string({ error: 'args are strings (quote numbers)' }), { error: typeError('args is a list of strings, such as ["-y", "@playwright/mcp@latest"]') })
    .max(200)
    .default([]),
  env: z
    .record(
      z.string().regex(ENV_NAME, 'variable names are letters, digits and _, not starting with a digit'),
      z.string({ error: 'env values are strings (quote numbers and booleans)' }),
      { error: typeError('env maps variable names to string values') },
    )
    .default({}),
  cwd: z.string({ error: 'cwd is a directory path' }).trim().min(1, 'cwd must not be empty').optional(),
});

const fileSchema = z.record(z.string(), z.unknown(), { error: `the file maps local reference names (${LOCAL_REFERENCE_NAMES.join(', ')}) to {command, args, env, cwd}` });

/** A message for a wrong type only; other issues keep their own. */
function typeError(message: string) {
  return (issue: { code: string }) => (issue.code === 'invalid_type' ? message : undefined);
}

/**
 * Parses the file's text. `source` (the path) names the file in errors and resolves a relative `cwd`
 * or `command` (one containing a slash) against its directory; `lookup` expands `${NAME}` in env values.
 * Throws LocalServicesFileError naming the line and field of each problem.
 */
export function parseLocalServices(text: string, source: string, lookup: VariableLookup): LocalServiceCommand[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.slice(0, 5).map((e) => {
      const at = lineCounter.linePos(e.pos[0]);
      return `${source}:${at.line}:${at.col}: ${e.message.split('\n')[0]}`;
    });
    throw new LocalServicesFileError(`LOCAL_SERVICES_FILE: cannot parse\n  ${problems.join('\n  ')}`);
  }
  const where = (path: (string | number)[]): string => {
    const offset = path.length === 1 ? keyNode(doc, String(path[0])) : nearestNode(doc, path);
    return offset === undefined ? source : `${source}:${lineCounter.linePos(offset).line}`;
  };
  const contents: unknown = doc.toJS() ?? {};
  const top = fileSchema.safeParse(contents);
  if (!top.success) throw new LocalServicesFileError(`LOCAL_SERVICES_FILE: ${source}: ${top.error.issues[0]!.message}`);
  const problems: string[] = [];
  const out: LocalServiceCommand[] = [];
  const base = dirname(resolve(source));
  for (const [name, value] of Object.entries(top.data)) {
    if (!(LOCAL_REFERENCE_NAMES as readonly string[]).includes(name)) {
      problems.push(
        `${where([name])}: "${name.slice(0, 64)}" is not a local reference; this file accepts only ${LOCAL_REFERENCE_NAMES.join(', ')} (run other MCP servers with EXTRA_WORKERS)`,
      );
      continue;
    }
    const parsed = entrySchema.safeParse(value ?? {});
    if (!parsed.success) {
      for (const issue of parsed.error.issues.slice(0, 5)) {
        const path = [name, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
        const field = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').slice(1);
        const message =
          issue.code === 'unrecognized_keys'
            ? `unknown field(s) ${issue.keys.join(', ')}; allowed: command, args, env, cwd`
            : issue.code === 'invalid_key'
              ? (issue.issues[0]?.message ?? issue.message)
              : issue.message;
        problems.push(`${where(path)}: ${field}: ${message}`);
      }
      continue;
    }
    const entry = parsed.data;
    const env: Record<string, string> = {};
    for (const [key, raw] of Object.entries(entry.env)) {
      env[key] = raw.replace(REFERENCE, (_match, variable: string) => {
        const found = lookup(variable);
        if (found === undefined) {
          problems.push(`${where([name, 'env', key])}: ${name}.env.${key}: \${${variable}} is not set in the gateway's environment (or is a gateway setting, which workers never receive)`);
          return '';
        }
        return found;
      });
    }
    let cwd: string | undefined;
    if (entry.cwd !== undefined) {
      cwd = isAbsolute(entry.cwd) ? entry.cwd : resolve(base, entry.cwd);
      if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
        problems.push(`${where([name, 'cwd'])}: ${name}.cwd: no directory at ${cwd}`);
      }
    }
    const command = entry.command.includes('/') && !isAbsolute(entry.command) ? resolve(base, entry.command) : entry.command;
    out.push({ name, command, args: entry.args, env, ...(cwd === undefined ? {} : { cwd }) });
  }
  if (problems.length > 0) throw new LocalServicesFileError(`LOCAL_SERVICES_FILE: invalid\n  ${problems.join('\n  ')}`);
  return out;
}

/** Reads and parses the file; a missing or unreadable file is an error too. */
export function loadLocalServicesFile(path: string, lookup: VariableLookup): LocalServiceCommand[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new LocalServicesFileError(`LOCAL_SERVICES_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}); set it to a YAML or JSON file`);
  }
  return parseLocalServices(text, path, lookup);
}

/** The offset of a top-level key (an entry's line is where its name is). */
function keyNode(doc: ReturnType<typeof parseDocument>, name: string): number | undefined {
  if (!isMap(doc.contents)) return undefined;
  const pair = doc.contents.items.find((item) => isScalar(item.key) && String(item.key.value) === name);
  return isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
}

/** The offset of the deepest node on `path` that exists in the document (for line numbers). */
function nearestNode(doc: ReturnType<typeof parseDocument>, path: (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return undefined;
}
