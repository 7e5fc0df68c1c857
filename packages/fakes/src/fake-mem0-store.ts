/**
 * The fake Mem0's memory store: memories with their entity ids, platform filters (`AND`/`OR`/`NOT`,
 * `in`, `gte`, `lte`, `gt`, `lt`, `ne`, `icontains`, `contains`, `*`), a word-overlap relevance score
 * in [0, 1] standing in for embeddings, the "extraction" an add performs, and the sample memories.
 */
import { createHash, randomUUID } from 'node:crypto';

/** The entity ids Mem0 scopes memories by. */
export const MEM0_ENTITY_FIELDS = ['user_id', 'agent_id', 'run_id', 'app_id'] as const;
export type Mem0EntityField = (typeof MEM0_ENTITY_FIELDS)[number];

/** One stored memory, in the platform's field names. */
export interface FakeMem0Memory {
  id: string;
  memory: string;
  user_id: string | null;
  agent_id: string | null;
  run_id: string | null;
  app_id: string | null;
  metadata: Record<string, unknown> | null;
  categories: string[];
  created_at: string;
  updated_at: string;
  hash: string;
}

/** A memory to load at start-up: the text and at least one entity id. */
export interface FakeMem0SeedMemory {
  memory: string;
  user_id?: string;
  agent_id?: string;
  run_id?: string;
  app_id?: string;
  metadata?: Record<string, unknown>;
  categories?: string[];
  /** Default: spread over the days before `now`. */
  created_at?: string;
}

/** One change to a memory, as `GET …/history` lists it. */
export interface FakeMem0HistoryEntry {
  id: string;
  memory_id: string;
  old_memory: string | null;
  new_memory: string | null;
  event: 'ADD' | 'UPDATE' | 'DELETE';
  created_at: string;
}

/** What an add did to one memory. */
export interface FakeMem0Event {
  id: string;
  event: 'ADD' | 'NONE';
  memory: string;
}

/** A filter the store cannot evaluate: answered as a 400. */
export class FakeMem0FilterError extends Error {}

const STOPWORDS = new Set(['the', 'and', 'for', 'with', 'about', 'what', 'that', 'this', 'are', 'was', 'has', 'have', 'how', 'who', 'does', 'any', 'all']);

/** The sample memories of the sandbox: an operations agent, a finance agent, and two users. */
export const FAKE_MEM0_SAMPLE: readonly FakeMem0SeedMemory[] = [
  { agent_id: 'agent_001', memory: 'Month-end close for ACME-MNL usually waits on the bank reconciliation', categories: ['work'] },
  { agent_id: 'agent_001', memory: 'Failed Odoo queue jobs are escalated to the finance-ops channel', categories: ['work'] },
  { agent_id: 'agent_001', memory: 'BIR 1601-C for ACME-CEB is filed by the Cebu accountant, not the Manila team', categories: ['work'] },
  { agent_id: 'agent_001', user_id: 'alice', memory: 'Alice prefers TypeScript for internal tooling', categories: ['user_preferences', 'technology'] },
  { agent_id: 'agent_002', memory: 'Supabase background jobs retry three times before they are marked failed', categories: ['technology'] },
  { agent_id: 'agent_002', user_id: 'bob', memory: 'Bob wants daily summaries at 8:00 Manila time', categories: ['user_preferences'] },
  { user_id: 'alice', memory: 'Alice is the controller for the Visayas agencies', categories: ['work'] },
  { user_id: 'alice', memory: 'Alice prefers short answers with the numbers first', categories: ['user_preferences'] },
];

/** The memories and their history. */
export class FakeMem0Store {
  readonly #memories = new Map<string, FakeMem0Memory>();
  readonly #history = new Map<string, FakeMem0HistoryEntry[]>();

  get size(): number {
    return this.#memories.size;
  }

  /** Loads memories as they are (no dedupe), dated `created_at` or one hour apart before `now`. */
  seed(memories: readonly FakeMem0SeedMemory[], now: Date): void {
    memories.forEach((seed, index) => {
      const at = seed.created_at ?? new Date(now.getTime() - (memories.length - index) * 3_600_000).toISOString();
      this.#insert(seed.memory, entityOf(seed), seed.metadata ?? null, seed.categories ?? categorize(seed.memory), at);
    });
  }

  /**
   * Mem0's add, reduced: each message (with `infer`, only the user's) becomes one memory of the
   * entity; a memory with the same text in the same entity is left alone (`NONE`).
   */
  add(messages: readonly { role: string; content: string }[], entity: Record<Mem0EntityField, string | null>, metadata: Record<string, unknown> | null, infer: boolean): FakeMem0Event[] {
    const events: FakeMem0Event[] = [];
    for (const message of messages) {
      if (infer && message.role !== 'user') continue;
      const text = message.content.replace(/\s+/g, ' ').trim();
      if (text === '') continue;
      const existing = [...this.#memories.values()].find((m) => sameEntity(m, entity) && normalize(m.memory) === normalize(text));
      if (existing) {
        events.push({ id: existing.id, event: 'NONE', memory: existing.memory });
        continue;
      }
      const memory = this.#insert(text, entity, metadata, categorize(text), new Date().toISOString());
      events.push({ id: memory.id, event: 'ADD', memory: memory.memory });
    }
    return events;
  }

  get(id: string): FakeMem0Memory | undefined {
    const memory = this.#memories.get(id);
    return memory ? { ...memory } : undefined;
  }

  update(id: string, text: string | undefined, metadata: Record<string, unknown> | undefined): FakeMem0Memory | undefined {
    const memory = this.#memories.get(id);
    if (!memory) return undefined;
    const old = memory.memory;
    if (text !== undefined) {
      memory.memory = text;
      memory.hash = hashOf(text);
    }
    if (metadata !== undefined) memory.metadata = metadata;
    memory.updated_at = new Date().toISOString();
    this.#log(id, old, memory.memory, 'UPDATE');
    return { ...memory };
  }

  delete(id: string): boolean {
    const memory = this.#memories.get(id);
    if (!memory) return false;
    this.#memories.delete(id);
    this.#log(id, memory.memory, null, 'DELETE');
    return true;
  }

  /** Deletes every memory matching the entity ids given; returns how many. */
  deleteWhere(entity: Partial<Record<Mem0EntityField, string>>): number {
    let deleted = 0;
    for (const memory of [...this.#memories.values()]) {
      if (Object.entries(entity).every(([field, value]) => memory[field as Mem0EntityField] === value)) {
        this.delete(memory.id);
        deleted += 1;
      }
    }
    return deleted;
  }

  clear(): void {
    this.#memories.clear();
    this.#history.clear();
  }

  history(id: string): FakeMem0HistoryEntry[] {
    return (this.#history.get(id) ?? []).map((h) => ({ ...h }));
  }

  /** Memories matching `predicate`, newest first (ties by id, so pages are stable). */
  select(predicate: (memory: FakeMem0Memory) => boolean): FakeMem0Memory[] {
    return [...this.#memories.values()]
      .filter(predicate)
      .sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1))
      .map((m) => ({ ...m }));
  }

  #insert(text: string, entity: Partial<Record<Mem0EntityField, string | null>>, metadata: Record<string, unknown> | null, categories: string[], at: string): FakeMem0Memory {
    const memory: FakeMem0Memory = {
      id: randomUUID(),
      memory: text,
      user_id: entity.user_id ?? null,
      agent_id: entity.agent_id ?? null,
      run_id: entity.run_id ?? null,
      app_id: entity.app_id ?? null,
      metadata,
      categories,
      created_at: at,
      updated_at: at,
      hash: hashOf(text),
    };
    this.#memories.set(memory.id, memory);
    this.#log(memory.id, null, text, 'ADD');
    return memory;
  }

  #log(memoryId: string, oldMemory: string | null, newMemory: string | null, event: FakeMem0HistoryEntry['event']): void {
    const entries = this.#history.get(memoryId) ?? [];
    entries.push({ id: randomUUID(), memory_id: memoryId, old_memory: oldMemory, new_memory: newMemory, event, created_at: new Date().toISOString() });
    this.#history.set(memoryId, entries);
  }
}

function entityOf(seed: FakeMem0SeedMemory): Record<Mem0EntityField, string | null> {
  return { user_id: seed.user_id ?? null, agent_id: seed.agent_id ?? null, run_id: seed.run_id ?? null, app_id: seed.app_id ?? null };
}

function sameEntity(memory: FakeMem0Memory, entity: Record<Mem0EntityField, string | null>): boolean {
  return MEM0_ENTITY_FIELDS.every((field) => memory[field] === entity[field]);
}

function normalize(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

function hashOf(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** Categories the platform would assign, guessed from words. */
function categorize(text: string): string[] {
  const t = text.toLowerCase();
  const categories: string[] = [];
  if (/\b(prefer|prefers|preferred|likes?|wants?|favou?rite)\b/.test(t)) categories.push('user_preferences');
  if (/\b(typescript|javascript|python|code|programming|api|database|supabase|odoo)\b/.test(t)) categories.push('technology');
  return categories;
}

function words(text: string): string[] {
  return normalize(text)
    .split(' ')
    .filter((w) => w.length >= 3 && !STOPWORDS.has(w));
}

/**
 * Relevance in [0, 1] without embeddings: the share of the query's words found in the memory, a word
 * counting fully when equal, 0.8 when one starts with the other, 0.6 when they share a stem of five
 * letters or more ("preferences" ~ "prefers"); the whole query as a substring scores 1.
 */
export function scoreMemory(query: string, memory: string): number {
  if (normalize(query) !== '' && normalize(memory).includes(normalize(query))) return 1;
  const queryWords = words(query);
  if (queryWords.length === 0) return 0;
  const memoryWords = words(memory);
  let sum = 0;
  for (const q of queryWords) {
    let best = 0;
    for (const m of memoryWords) {
      if (q === m) best = 1;
      else if (Math.min(q.length, m.length) >= 4 && (q.startsWith(m) || m.startsWith(q))) best = Math.max(best, 0.8);
      else if (commonPrefix(q, m) >= 5) best = Math.max(best, 0.6);
    }
    sum += best;
  }
  return Math.round((sum / queryWords.length) * 10_000) / 10_000;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  return i;
}

/** Whether a filter tree names at least one entity id (v2 listing and v3 search require one). */
export function filtersNameEntity(filters: unknown): boolean {
  if (Array.isArray(filters)) return filters.some(filtersNameEntity);
  if (typeof filters !== 'object' || filters === null) return false;
  return Object.entries(filters).some(([key, value]) =>
    (MEM0_ENTITY_FIELDS as readonly string[]).includes(key) ? value !== undefined && value !== null : ['AND', 'OR', 'NOT'].includes(key) && filtersNameEntity(value),
  );
}

const FILTER_FIELDS = new Set<string>([...MEM0_ENTITY_FIELDS, 'created_at', 'updated_at', 'categories', 'memory', 'id']);
const OPERATORS = new Set(['in', 'gte', 'lte', 'gt', 'lt', 'ne', 'icontains', 'contains']);

/** Evaluates a platform filter tree against a memory; throws FakeMem0FilterError for what it cannot read. */
export function matchesFilters(memory: FakeMem0Memory, filters: unknown): boolean {
  if (filters === undefined || filters === null) return true;
  if (typeof filters !== 'object' || Array.isArray(filters)) throw new FakeMem0FilterError('filters must be an object');
  return Object.entries(filters as Record<string, unknown>).every(([key, value]) => {
    if (key === 'AND' || key === 'OR') {
      if (!Array.isArray(value)) throw new FakeMem0FilterError(`${key} takes a list of filters`);
      return key === 'AND' ? value.every((f) => matchesFilters(memory, f)) : value.some((f) => matchesFilters(memory, f));
    }
    if (key === 'NOT') {
      const list = Array.isArray(value) ? value : [value];
      return !list.some((f) => matchesFilters(memory, f));
    }
    if (key.startsWith('metadata.')) return matchesCondition(memory.metadata?.[key.slice('metadata.'.length)], value, key);
    if (!FILTER_FIELDS.has(key)) throw new FakeMem0FilterError(`unknown filter field ${key}`);
    return matchesCondition(memory[key as keyof FakeMem0Memory], value, key);
  });
}

function matchesCondition(actual: unknown, condition: unknown, field: string): boolean {
  if (condition === '*') return actual !== null && actual !== undefined && !(Array.isArray(actual) && actual.length === 0);
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) {
    return Array.isArray(actual) ? actual.includes(condition) : actual === condition;
  }
  return Object.entries(condition as Record<string, unknown>).every(([op, operand]) => {
    if (!OPERATORS.has(op)) throw new FakeMem0FilterError(`unknown operator ${op} on ${field}`);
    switch (op) {
      case 'in':
        if (!Array.isArray(operand)) throw new FakeMem0FilterError(`in on ${field} takes a list`);
        return Array.isArray(actual) ? actual.some((a) => operand.includes(a)) : operand.includes(actual);
      case 'ne':
        return actual !== operand;
      case 'icontains':
        return typeof actual === 'string' && typeof operand === 'string' && actual.toLowerCase().includes(operand.toLowerCase());
      case 'contains':
        return Array.isArray(actual) ? actual.includes(operand) : typeof actual === 'string' && typeof operand === 'string' && actual.includes(operand);
      default:
        return compare(actual, operand, op, field);
    }
  });
}

/** gte / lte / gt / lt on dates (YYYY-MM-DD compares with the day of a timestamp) and numbers. */
function compare(actual: unknown, operand: unknown, op: string, field: string): boolean {
  if (actual === null || actual === undefined) return false;
  let a: number;
  let b: number;
  if (typeof actual === 'number' && typeof operand === 'number') {
    a = actual;
    b = operand;
  } else if (typeof actual === 'string' && typeof operand === 'string') {
    const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(operand);
    a = Date.parse(dayOnly ? actual.slice(0, 10) : actual);
    b = Date.parse(operand);
    if (Number.isNaN(a) || Number.isNaN(b)) throw new FakeMem0FilterError(`${op} on ${field} needs a date such as 2026-07-01`);
  } else {
    throw new FakeMem0FilterError(`${op} on ${field} needs a date or a number`);
  }
  switch (op) {
    case 'gte':
      return a >= b;
    case 'lte':
      return a <= b;
    case 'gt':
      return a > b;
    default:
      return a < b;
  }
}
