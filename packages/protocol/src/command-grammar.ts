import { GatewayError } from './errors.js';
import type { CommandDescriptor } from './manifest.js';
import type { FlagValue, ParsedSlashCommand, SlashToken } from './slash-parser.js';

/**
 * Command patterns, as workers declare them (without the `/mcp-<service>` prefix):
 *
 *   list databases                 literals: bare words, matched case-insensitively
 *   <database> describe <table>    <name>: one argument, bound to the tool argument `name`
 *   <database> query <sql>         a quoted string is one argument: query "select 1"
 *   search <text...>               <name...>: the rest of the arguments, joined by spaces (last only)
 *   list tables [<schema>]         [<name>]: an optional argument
 *
 * `--name=value` flags set any tool argument (`--max-rows=5` sets `maxRows`); JSON objects and arrays
 * are single arguments. Values are coerced to the tool's declared types (number, integer, boolean).
 */
export type CommandSegment =
  | { kind: 'literal'; word: string }
  | { kind: 'param'; name: string; rest: boolean; optional: boolean };

export interface CompiledCommand {
  readonly service: string;
  readonly pattern: string;
  /** The full command as a user types it, e.g. `/mcp-postgres <database> list tables`. */
  readonly usage: string;
  readonly tool: string;
  readonly description: string;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly segments: readonly CommandSegment[];
  /** How many literal words the pattern has (the more, the more specific). */
  readonly literals: number;
}

/** A JSON Schema object as produced for tool inputs; only `properties` and types are read here. */
export type InputJsonSchema = Record<string, unknown>;

export interface CommandMatch {
  command: CompiledCommand;
  arguments: Record<string, unknown>;
}

const LITERAL = /^[a-z0-9][a-z0-9_.-]*$/;
const PARAM = /^(\[)?<([A-Za-z_][A-Za-z0-9_]*)(\.\.\.)?>(\])?$/;

/**
 * Compiles one command pattern. Throws a plain Error (a programming mistake in the worker) when the
 * pattern is malformed or names an argument the tool does not have.
 */
export function compileCommand(service: string, descriptor: CommandDescriptor, inputSchema?: InputJsonSchema): CompiledCommand {
  const parts = descriptor.pattern.trim().split(/\s+/);
  const segments: CommandSegment[] = [];
  const properties = schemaProperties(inputSchema);
  parts.forEach((part, index) => {
    const param = PARAM.exec(part);
    if (param) {
      const [, open, name, rest, close] = param;
      if (Boolean(open) !== Boolean(close)) throw new Error(`command "${descriptor.pattern}": unbalanced [ ] around ${part}`);
      if (rest && index !== parts.length - 1) throw new Error(`command "${descriptor.pattern}": <${name}...> must come last`);
      if (properties && !(name! in properties)) {
        throw new Error(`command "${descriptor.pattern}": tool ${descriptor.tool} has no argument "${name}"`);
      }
      segments.push({ kind: 'param', name: name!, rest: Boolean(rest), optional: Boolean(open) });
      return;
    }
    const word = part.toLowerCase();
    if (!LITERAL.test(word)) throw new Error(`command "${descriptor.pattern}": "${part}" is neither a word nor a <placeholder>`);
    segments.push({ kind: 'literal', word });
  });
  return {
    service,
    pattern: descriptor.pattern,
    usage: `/mcp-${service} ${descriptor.pattern}`,
    tool: descriptor.tool,
    description: descriptor.description,
    defaults: descriptor.defaults ?? {},
    segments,
    literals: segments.filter((s) => s.kind === 'literal').length,
  };
}

/**
 * Finds the command a parsed slash command means and builds the tool arguments. When several match,
 * the one with the most literal words wins (so `list databases` beats `<database> list`).
 */
export function matchCommand(
  commands: readonly CompiledCommand[],
  parsed: ParsedSlashCommand,
  inputSchemaOf: (tool: string) => InputJsonSchema | undefined,
): CommandMatch {
  let best: { command: CompiledCommand; bound: Record<string, unknown> } | undefined;
  for (const command of commands) {
    if (best && command.literals <= best.command.literals) continue;
    const bound: Record<string, unknown> = {};
    if (matchSegments(command.segments, 0, parsed.tokens, 0, bound)) best = { command, bound };
  }
  if (!best) {
    const typed = parsed.tokens.map((t) => (t.kind === 'quoted' ? JSON.stringify(t.text) : t.text)).join(' ');
    const usage = commands.map((c) => c.usage);
    throw new GatewayError(
      'COMMAND_NOT_RECOGNIZED',
      usage.length === 0
        ? `service ${parsed.service} declares no slash commands; call its tools with mcp.execute`
        : `"/mcp-${parsed.service}${typed ? ` ${typed}` : ''}" matches no command of ${parsed.service}. Valid commands: ${usage.join('; ')}`,
      { data: { service: parsed.service, usage } },
    );
  }
  const schema = inputSchemaOf(best.command.tool);
  const properties = schemaProperties(schema);
  const args: Record<string, unknown> = { ...best.command.defaults };
  for (const [flag, value] of Object.entries(parsed.flags)) {
    const name = resolveFlagName(flag, properties);
    args[name] = coerce(value, propertyTypes(properties?.[name]));
  }
  for (const [name, value] of Object.entries(best.bound)) {
    args[name] = coerce(value, propertyTypes(properties?.[name]));
  }
  return { command: best.command, arguments: args };
}

function matchSegments(
  segments: readonly CommandSegment[],
  si: number,
  tokens: readonly SlashToken[],
  ti: number,
  bound: Record<string, unknown>,
): boolean {
  if (si === segments.length) return ti === tokens.length;
  const segment = segments[si]!;
  const token = tokens[ti];
  if (segment.kind === 'literal') {
    return token?.kind === 'word' && token.text.toLowerCase() === segment.word && matchSegments(segments, si + 1, tokens, ti + 1, bound);
  }
  if (segment.rest) {
    const remaining = tokens.slice(ti);
    if (remaining.length === 0) return segment.optional;
    bound[segment.name] = remaining.length === 1 ? tokenValue(remaining[0]!) : remaining.map((t) => t.text).join(' ');
    return true;
  }
  if (token && matchSegments(segments, si + 1, tokens, ti + 1, bound)) {
    bound[segment.name] = tokenValue(token);
    return true;
  }
  if (segment.optional) return matchSegments(segments, si + 1, tokens, ti, bound);
  return false;
}

function tokenValue(token: SlashToken): unknown {
  return token.kind === 'json' ? token.value : token.text;
}

function schemaProperties(schema: InputJsonSchema | undefined): Record<string, unknown> | undefined {
  const properties = schema?.['properties'];
  return properties && typeof properties === 'object' ? (properties as Record<string, unknown>) : undefined;
}

function resolveFlagName(flag: string, properties: Record<string, unknown> | undefined): string {
  if (!properties || flag in properties) return properties ? flag : kebabToCamel(flag);
  const camel = kebabToCamel(flag);
  if (camel in properties) return camel;
  const snake = flag.replace(/-/g, '_');
  if (snake in properties) return snake;
  return camel;
}

function kebabToCamel(name: string): string {
  return name.replace(/[-_]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

function propertyTypes(property: unknown): Set<string> {
  const types = new Set<string>();
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const type = (node as { type?: unknown }).type;
    if (typeof type === 'string') types.add(type);
    else if (Array.isArray(type)) for (const t of type) if (typeof t === 'string') types.add(t);
    for (const key of ['anyOf', 'oneOf'] as const) {
      const options = (node as Record<string, unknown>)[key];
      if (Array.isArray(options)) options.forEach(visit);
    }
  };
  visit(property);
  return types;
}

const NUMERIC = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Turns a command-line string into the type the tool declares; leaves it alone when unsure. */
function coerce(value: unknown, types: Set<string>): unknown {
  if (typeof value !== 'string' || types.size === 0 || types.has('string')) return value;
  if ((types.has('integer') || types.has('number')) && NUMERIC.test(value)) return Number(value);
  if (types.has('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  if (types.has('null') && value === 'null') return null;
  return value;
}

/** Re-exported for callers that want to type flag values. */
export type { FlagValue };
