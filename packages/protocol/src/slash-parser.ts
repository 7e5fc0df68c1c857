import { GatewayError } from './errors.js';
import { jsonDepthExceeds } from './json-depth.js';

/** One positional argument of a slash command. */
export type SlashToken =
  /** A bare word: may match a literal of a command pattern or fill a placeholder. */
  | { kind: 'word'; text: string }
  /** A quoted string: always a value, never a literal. */
  | { kind: 'quoted'; text: string }
  /** A JSON object or array, already parsed. */
  | { kind: 'json'; text: string; value: unknown };

export type FlagValue = string | boolean | number | null | unknown[] | Record<string, unknown>;

/** A slash command split into its service, positional tokens and `--flag=value` options. */
export interface ParsedSlashCommand {
  service: string;
  tokens: SlashToken[];
  flags: Record<string, FlagValue>;
}

/** Upper bound on a command's length; bodies are capped too, this keeps the scanner's work small. */
export const MAX_SLASH_COMMAND_LENGTH = 16_384;

/** JSON arguments inside a command are held to the same nesting limit as request bodies. */
export const MAX_JSON_ARGUMENT_DEPTH = 64;

const SERVICE_PREFIX = /^\/mcp-([a-z][a-z0-9-]{0,31})(?=\s|$)/;
const FLAG_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

function syntaxError(message: string, column?: number): GatewayError {
  const where = column === undefined ? '' : ` (at column ${column + 1})`;
  return new GatewayError('COMMAND_NOT_RECOGNIZED', `${message}${where}`, {
    data: column === undefined ? {} : { column: column + 1 },
  });
}

const isSpace = (code: number): boolean => code === 32 || code === 9 || code === 10 || code === 13;

/**
 * Parses `/mcp-<service> <tokens...>`. Quoted strings ("..." with backslash escapes, '...' literal),
 * JSON objects/arrays as single arguments, and `--name=value` / `--name` flags. The command is only
 * ever data: it is never handed to a shell.
 */
export function parseSlashCommand(input: string): ParsedSlashCommand {
  if (typeof input !== 'string') throw syntaxError('the command must be a string');
  if (input.length > MAX_SLASH_COMMAND_LENGTH) {
    throw syntaxError(`the command is longer than ${MAX_SLASH_COMMAND_LENGTH} characters`);
  }
  const text = input.trim();
  const prefix = SERVICE_PREFIX.exec(text);
  if (!prefix) {
    throw syntaxError('a command starts with /mcp-<service>, for example "/mcp-postgres demo list tables"');
  }
  const service = prefix[1]!;
  const tokens: SlashToken[] = [];
  const flags: Record<string, FlagValue> = {};
  let i = prefix[0].length;
  let flagsEnded = false;

  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (isSpace(code)) {
      i++;
      continue;
    }
    if (!flagsEnded && text.startsWith('--', i)) {
      const end = scanWordEnd(text, i);
      if (end === i + 2) {
        // A bare "--" ends the flags: what follows is positional even if it starts with "--".
        flagsEnded = true;
        i = end;
        continue;
      }
      const eq = text.indexOf('=', i);
      const nameEnd = eq !== -1 && eq < end ? eq : end;
      const name = text.slice(i + 2, nameEnd);
      if (!FLAG_NAME.test(name)) throw syntaxError(`"--${name}" is not a valid flag name`, i);
      if (nameEnd === end) {
        flags[name] = true;
        i = end;
        continue;
      }
      const valueStart = nameEnd + 1;
      const value = readValue(text, valueStart);
      flags[name] = value.token.kind === 'json' ? (value.token.value as FlagValue) : value.token.text;
      i = value.end;
      continue;
    }
    const value = readValue(text, i);
    tokens.push(value.token);
    i = value.end;
  }
  return { service, tokens, flags };
}

function readValue(text: string, start: number): { token: SlashToken; end: number } {
  const ch = text[start];
  if (ch === '"' || ch === "'") return readQuoted(text, start);
  if (ch === '{' || ch === '[') return readJson(text, start);
  const end = scanWordEnd(text, start);
  return { token: { kind: 'word', text: text.slice(start, end) }, end };
}

function scanWordEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length && !isSpace(text.charCodeAt(i))) i++;
  return i;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', "'": "'", '\\': '\\' };

function readQuoted(text: string, start: number): { token: SlashToken; end: number } {
  const quote = text[start]!;
  let out = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === quote) {
      const end = i + 1;
      if (end < text.length && !isSpace(text.charCodeAt(end))) {
        throw syntaxError('a closing quote must be followed by a space or the end of the command', end);
      }
      return { token: { kind: 'quoted', text: out }, end };
    }
    if (ch === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      // Single quotes are literal except for an escaped quote or backslash.
      const mapped = quote === '"' ? ESCAPES[next] : next === "'" || next === '\\' ? next : undefined;
      if (mapped !== undefined) {
        out += mapped;
        i += 2;
        continue;
      }
    }
    out += ch;
    i++;
  }
  throw syntaxError(`unterminated ${quote === '"' ? 'double' : 'single'} quote`, start);
}

function readJson(text: string, start: number): { token: SlashToken; end: number } {
  let depth = 0;
  let inString = false;
  let i = start;
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) {
        i++;
        break;
      }
    }
  }
  if (depth !== 0) throw syntaxError('unbalanced JSON argument', start);
  const raw = text.slice(start, i);
  if (jsonDepthExceeds(raw, MAX_JSON_ARGUMENT_DEPTH)) {
    throw syntaxError(`JSON argument nested deeper than ${MAX_JSON_ARGUMENT_DEPTH} levels`, start);
  }
  try {
    return { token: { kind: 'json', text: raw, value: JSON.parse(raw) as unknown }, end: i };
  } catch (error) {
    throw syntaxError(`invalid JSON argument: ${(error as Error).message}`, start);
  }
}
