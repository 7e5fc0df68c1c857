import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { DEFAULT_RETRY_POLICY, ToolError, backoffDelayMs, parseRetryAfter, sleep, type Logger, type RetryPolicy } from '@mcpgw/worker-kit';
import { CloudflareFailure, cloudflareRetryAfterMs, toToolError, type CloudflareMessage } from './cloudflare-errors.js';

export interface CloudflareClientOptions {
  /** API base, e.g. `https://api.cloudflare.com/client/v4`. */
  apiUrl: string;
  /** Sent as `Authorization: Bearer`; never logged or returned. */
  apiToken: string;
  accountId: string;
  /** Per-request timeout; default 15 000 ms. */
  timeoutMs?: number;
  /** Timeout of a whole file upload; default 600 000 ms. */
  uploadTimeoutMs?: number;
  /** `per_page` of page-based lists (zones accept 5–50); default 50. */
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
  log?: Logger;
}

/** Cloudflare's `result_info` on page-based lists. */
export interface ResultInfo {
  page: number;
  per_page: number;
  count: number;
  total_count: number;
  total_pages: number;
}

/** A parsed v4 envelope. */
export interface Envelope<T> {
  result: T;
  resultInfo: ResultInfo | undefined;
  messages: CloudflareMessage[];
  /** The whole body, for fields outside the envelope (Stream's `total`, `range`). */
  body: Record<string, unknown>;
}

/** Items gathered over several pages. */
export interface Collected<T> {
  items: T[];
  /** What Cloudflare reports matching in all (`total_count`), or null when it does not say. */
  totalCount: number | null;
  /** Requests made. */
  pages: number;
  /** More items exist than were returned (the limit stopped the paging). */
  truncated: boolean;
}

/** Zone as the tools see it. */
export interface ZoneRef {
  id: string;
  name: string;
}

type Query = Record<string, string | number | boolean | undefined>;

interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  /** Human words for messages: `list zones`. */
  what: string;
  query?: Query;
  json?: unknown;
  /** A body built per attempt (uploads), with its headers. */
  stream?: () => { body: ReadableStream<Uint8Array>; headers: Record<string, string> };
  signal?: AbortSignal | undefined;
  /**
   * `all`: 429, 5xx, timeouts and network errors are retried (reads, idempotent writes).
   * `rate_limit`: only 429 (the request was refused before Cloudflare acted on it).
   */
  retry: 'all' | 'rate_limit';
  timeoutMs?: number;
}

const ZONE_ID = /^[0-9a-f]{32}$/i;
const ZONE_CACHE_MAX = 256;

/**
 * A client of the Cloudflare API v4 (integrations.md §5): Bearer token, the v4 envelope (`success`,
 * `errors`, `result`, `result_info`), page-based lists followed up to a caller's limit, Stream's
 * time-cursor listing, retries of reads on 429 (retry-after / `Ratelimit` honoured up to a bound),
 * 5xx and timeouts; writes retried only on 429. Every failure leaves as a ToolError without the token.
 */
export class CloudflareClient {
  readonly accountId: string;
  /** Scheme, host and port of the API: safe to show. */
  readonly origin: string;
  readonly timeoutMs: number;
  readonly uploadTimeoutMs: number;
  readonly pageSize: number;
  readonly retry: RetryPolicy;
  readonly #base: string;
  readonly #token: string;
  readonly #log: Logger | undefined;
  /** Zone name or id as asked → the zone; bounded (names come from callers). */
  readonly #zones = new Map<string, ZoneRef>();

  constructor(options: CloudflareClientOptions) {
    this.#base = options.apiUrl.replace(/\/+$/, '');
    this.origin = new URL(this.#base).origin;
    this.#token = options.apiToken;
    this.accountId = options.accountId;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.uploadTimeoutMs = options.uploadTimeoutMs ?? 600_000;
    this.pageSize = options.pageSize ?? 50;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#log = options.log;
  }

  /** `GET /user/tokens/verify`, then the account-owned form: is the token valid and active? */
  async verifyToken(signal?: AbortSignal): Promise<{ id: string; status: string; expiresOn: string | null; owner: 'user' | 'account' }> {
    const read = (r: Record<string, unknown>, owner: 'user' | 'account') => ({
      id: String(r['id'] ?? ''),
      status: String(r['status'] ?? 'unknown'),
      expiresOn: typeof r['expires_on'] === 'string' ? r['expires_on'] : null,
      owner,
    });
    try {
      const user = await this.request<Record<string, unknown>>({ method: 'GET', path: '/user/tokens/verify', what: 'verify the API token', retry: 'all', signal });
      return read(user.result ?? {}, 'user');
    } catch (error) {
      // An account-owned token is verified under its account.
      if (!(error instanceof ToolError) || error.kind !== 'unconfigured') throw error;
      const account = await this.request<Record<string, unknown>>({ method: 'GET', path: `/accounts/${this.accountId}/tokens/verify`, what: 'verify the API token', retry: 'all', signal });
      return read(account.result ?? {}, 'account');
    }
  }

  /** `GET /zones` with filters, following pages up to `limit`. */
  listZones(filters: { name?: string; status?: string }, limit: number, signal?: AbortSignal): Promise<Collected<Record<string, unknown>>> {
    return this.collectPages('/zones', { name: filters.name, status: filters.status, 'account.id': this.accountId }, { limit, maxPerPage: 50, signal, what: 'list zones' });
  }

  /** A zone by name (`example.com`) or id; cached. Unknown names are `not_found`, naming the zones there are. */
  async resolveZone(zone: string, signal?: AbortSignal): Promise<ZoneRef> {
    const key = zone.trim().toLowerCase();
    const cached = this.#zones.get(key);
    if (cached) return cached;
    let found: ZoneRef;
    if (ZONE_ID.test(key)) {
      const answer = await this.request<Record<string, unknown>>({ method: 'GET', path: `/zones/${key}`, what: `read zone ${key}`, retry: 'all', signal });
      found = { id: String(answer.result['id']), name: String(answer.result['name']) };
    } else {
      const answer = await this.request<Record<string, unknown>[]>({ method: 'GET', path: '/zones', query: { name: key, 'account.id': this.accountId, per_page: 5 }, what: `find zone ${key}`, retry: 'all', signal });
      const match = answer.result.find((z) => z['name'] === key);
      if (!match) {
        const some = await this.listZones({}, 20, signal);
        const names = some.items.map((z) => String(z['name']));
        throw new ToolError('not_found', `no zone named ${key} in account ${this.accountId}${names.length ? `; zones: ${names.join(', ')}${some.truncated ? ', …' : ''}` : ''}`);
      }
      found = { id: String(match['id']), name: String(match['name']) };
    }
    if (this.#zones.size >= ZONE_CACHE_MAX) this.#zones.delete(this.#zones.keys().next().value!);
    this.#zones.set(key, found);
    return found;
  }

  listDnsRecords(zone: ZoneRef, filters: { type?: string; name?: string; content?: string }, limit: number, signal?: AbortSignal): Promise<Collected<Record<string, unknown>>> {
    return this.collectPages(`/zones/${zone.id}/dns_records`, filters, { limit, maxPerPage: 5000, signal, what: `list DNS records of ${zone.name}` });
  }

  async createDnsRecord(zone: ZoneRef, record: Record<string, unknown>, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const answer = await this.request<Record<string, unknown>>({ method: 'POST', path: `/zones/${zone.id}/dns_records`, json: record, what: `create a DNS record in ${zone.name}`, retry: 'rate_limit', signal });
    return answer.result;
  }

  /** PATCH: only the given fields change; sending the same fields twice gives the same record. */
  async updateDnsRecord(zone: ZoneRef, id: string, changes: Record<string, unknown>, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const answer = await this.request<Record<string, unknown>>({ method: 'PATCH', path: `/zones/${zone.id}/dns_records/${encodeURIComponent(id)}`, json: changes, what: `update DNS record ${id} in ${zone.name}`, retry: 'all', signal });
    return answer.result;
  }

  async deleteDnsRecord(zone: ZoneRef, id: string, signal?: AbortSignal): Promise<{ id: string }> {
    const answer = await this.request<{ id: string }>({ method: 'DELETE', path: `/zones/${zone.id}/dns_records/${encodeURIComponent(id)}`, what: `delete DNS record ${id} in ${zone.name}`, retry: 'rate_limit', signal });
    return answer.result;
  }

  async purgeCache(zone: ZoneRef, body: Record<string, unknown>, signal?: AbortSignal): Promise<{ id: string }> {
    const answer = await this.request<{ id: string }>({ method: 'POST', path: `/zones/${zone.id}/purge_cache`, json: body, what: `purge the cache of ${zone.name}`, retry: 'rate_limit', signal });
    return answer.result;
  }

  async listWorkerScripts(signal?: AbortSignal): Promise<Record<string, unknown>[]> {
    const answer = await this.request<Record<string, unknown>[]>({ method: 'GET', path: `/accounts/${this.accountId}/workers/scripts`, what: 'list Workers scripts', retry: 'all', signal });
    return Array.isArray(answer.result) ? answer.result : [];
  }

  /**
   * Stream videos, newest first. Stream answers at most 1000 per request and pages by time: the next
   * request asks for videos created `before` the last one seen (ids already seen are skipped).
   */
  async listStreamVideos(filters: { status?: string; search?: string }, limit: number, signal?: AbortSignal): Promise<Collected<Record<string, unknown>>> {
    const items: Record<string, unknown>[] = [];
    const seen = new Set<string>();
    let before: string | undefined;
    let totalCount: number | null = null;
    let pages = 0;
    for (;;) {
      const answer = await this.request<Record<string, unknown>[]>({
        method: 'GET',
        path: `/accounts/${this.accountId}/stream`,
        query: { asc: false, include_counts: true, status: filters.status, search: filters.search, before },
        what: 'list Stream videos',
        retry: 'all',
        signal,
      });
      pages++;
      const page = Array.isArray(answer.result) ? answer.result : [];
      if (totalCount === null && answer.body['total'] !== undefined) totalCount = Number(answer.body['total']);
      for (const video of page) {
        const uid = String(video['uid']);
        if (seen.has(uid)) continue;
        seen.add(uid);
        items.push(video);
      }
      const range = Number(answer.body['range'] ?? 1000);
      const last = page.at(-1);
      if (items.length >= limit || page.length < range || last === undefined || typeof last['created'] !== 'string' || last['created'] === before) break;
      before = last['created'];
    }
    const truncated = items.length > limit || (totalCount !== null && Math.min(items.length, limit) < totalCount);
    return { items: items.slice(0, limit), totalCount, pages, truncated };
  }

  /**
   * Stream's basic upload: `POST /accounts/{id}/stream` with multipart/form-data `file`, read from the
   * open handle (so the checked file is the one sent). `onProgress` sees the bytes handed to the socket.
   */
  async uploadStreamFile(
    file: { handle: FileHandle; size: number; filename: string; contentType: string },
    options: { signal?: AbortSignal; onProgress?: (sent: number, total: number) => void } = {},
  ): Promise<Record<string, unknown>> {
    const boundary = `----mcpgw${randomBytes(12).toString('hex')}`;
    const safeName = file.filename.replace(/["\r\n\\]/g, '_');
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${safeName}"\r\nContent-Type: ${file.contentType}\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const total = head.length + file.size + tail.length;
    const stream = (): { body: ReadableStream<Uint8Array>; headers: Record<string, string> } => ({
      body: multipartStream(head, file.handle, file.size, tail, (sent) => options.onProgress?.(Math.min(Math.max(0, sent - head.length), file.size), file.size)),
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(total) },
    });
    const answer = await this.request<Record<string, unknown>>({
      method: 'POST',
      path: `/accounts/${this.accountId}/stream`,
      stream,
      what: `upload ${safeName} to Stream`,
      retry: 'rate_limit',
      signal: options.signal,
      timeoutMs: this.uploadTimeoutMs,
    });
    return answer.result;
  }

  /** `POST /accounts/{id}/stream/copy`: Cloudflare fetches the video from `url` itself. */
  async copyStreamFromUrl(url: string, meta: Record<string, string>, requireSignedURLs: boolean, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const answer = await this.request<Record<string, unknown>>({
      method: 'POST',
      path: `/accounts/${this.accountId}/stream/copy`,
      json: { url, meta, requireSignedURLs },
      what: 'copy a video into Stream from a URL',
      retry: 'rate_limit',
      signal,
    });
    return answer.result;
  }

  /** `POST /accounts/{id}/stream/{uid}`: edits a video's details (name, signed URLs). */
  async updateStreamVideo(uid: string, changes: Record<string, unknown>, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const answer = await this.request<Record<string, unknown>>({ method: 'POST', path: `/accounts/${this.accountId}/stream/${encodeURIComponent(uid)}`, json: changes, what: `edit Stream video ${uid}`, retry: 'all', signal });
    return answer.result;
  }

  /**
   * A page-based list (`page`, `per_page`, `result_info`), followed page by page until `limit` items,
   * the last page (`total_pages`), or a short page. Items already seen (by `id`) are skipped, so a row
   * that moves between pages while paging is not returned twice.
   */
  async collectPages(
    path: string,
    query: Query,
    options: { limit: number; maxPerPage: number; signal?: AbortSignal | undefined; what: string },
  ): Promise<Collected<Record<string, unknown>>> {
    const perPage = Math.max(5, Math.min(this.pageSize, options.maxPerPage));
    const items: Record<string, unknown>[] = [];
    const seen = new Set<string>();
    let totalCount: number | null = null;
    let totalPages = 1;
    let page = 1;
    let pages = 0;
    for (;;) {
      const answer = await this.request<Record<string, unknown>[]>({ method: 'GET', path, query: { ...query, page, per_page: perPage }, what: options.what, retry: 'all', signal: options.signal });
      pages++;
      const rows = Array.isArray(answer.result) ? answer.result : [];
      for (const row of rows) {
        const id = String(row['id'] ?? `${page}:${items.length}`);
        if (seen.has(id)) continue;
        seen.add(id);
        items.push(row);
      }
      totalCount = answer.resultInfo?.total_count ?? totalCount;
      totalPages = answer.resultInfo?.total_pages ?? totalPages;
      // A short page ends the list; compare with the page size Cloudflare applied, which may differ from the one asked.
      if (items.length >= options.limit || page >= totalPages || rows.length < (answer.resultInfo?.per_page ?? perPage)) break;
      page++;
    }
    const truncated = items.length > options.limit || (totalCount !== null && Math.min(items.length, options.limit) < totalCount);
    return { items: items.slice(0, options.limit), totalCount, pages, truncated };
  }

  /** One API call with retries; returns the envelope or throws a ToolError. */
  async request<T>(spec: RequestSpec): Promise<Envelope<T>> {
    const maxAttempts = Math.max(1, this.retry.maxAttempts);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once<T>(spec);
      } catch (error) {
        const failure = error instanceof CloudflareFailure ? error : undefined;
        const retryable = failure !== undefined && (spec.retry === 'all' ? failure.isRetryable : failure.isRateLimited);
        const wait = failure?.details.retryAfterMs;
        if (!retryable || attempt >= maxAttempts || spec.signal?.aborted || (wait !== undefined && wait > this.retry.maxRetryAfterMs)) {
          throw this.#toolError(error, spec, attempt);
        }
        const delay = wait ?? backoffDelayMs(attempt, this.retry);
        this.#log?.debug({ what: spec.what, attempt, delayMs: delay, status: failure?.details.status }, 'cloudflare: retrying');
        try {
          await sleep(delay, spec.signal);
        } catch {
          throw this.#toolError(new CloudflareFailure('aborted', 'cancelled while waiting to retry'), spec, attempt);
        }
      }
    }
  }

  async #once<T>(spec: RequestSpec): Promise<Envelope<T>> {
    const url = new URL(`${this.#base}${spec.path}`);
    for (const [key, value] of Object.entries(spec.query ?? {})) if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    const timeoutMs = spec.timeoutMs ?? this.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: 'application/json' };
    let body: string | ReadableStream<Uint8Array> | undefined;
    if (spec.stream) {
      const built = spec.stream();
      Object.assign(headers, built.headers);
      body = built.body;
    } else if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    }
    const failed = (error: unknown): CloudflareFailure => {
      if (spec.signal?.aborted) return new CloudflareFailure('aborted', 'cancelled by the caller');
      if (timeout.aborted) return new CloudflareFailure('timeout', `no answer within ${timeoutMs} ms`);
      const errno = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
      return new CloudflareFailure('network', 'request failed', typeof errno === 'string' ? { errno } : {});
    };
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { method: spec.method, headers, body: body ?? null, signal, ...(spec.stream ? { duplex: 'half' } : {}) } as RequestInit);
      text = await response.text();
    } catch (error) {
      throw failed(error);
    }
    let payload: Record<string, unknown> | undefined;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) payload = parsed as Record<string, unknown>;
    } catch {
      payload = undefined;
    }
    const errors = Array.isArray(payload?.['errors']) ? (payload['errors'] as unknown[]).map(toMessage) : [];
    if (response.status === 429) {
      const wait = cloudflareRetryAfterMs(response.headers);
      throw new CloudflareFailure('status', 'HTTP 429', { status: 429, errors, ...(wait === undefined ? {} : { retryAfterMs: wait }) });
    }
    if (payload === undefined || typeof payload['success'] !== 'boolean') {
      if (!response.ok) throw new CloudflareFailure('status', `HTTP ${response.status}`, { status: response.status, html: /<html|<!doctype/i.test(text) });
      throw new CloudflareFailure('bad_response', 'not a v4 envelope', { status: response.status });
    }
    if (!response.ok || payload['success'] !== true) {
      throw new CloudflareFailure('status', `HTTP ${response.status}`, { status: response.ok ? 400 : response.status, errors });
    }
    const info = payload['result_info'];
    return {
      result: payload['result'] as T,
      resultInfo: info !== null && typeof info === 'object' ? (info as ResultInfo) : undefined,
      messages: Array.isArray(payload['messages']) ? (payload['messages'] as unknown[]).map(toMessage) : [],
      body: payload,
    };
  }

  #toolError(error: unknown, spec: RequestSpec, attempts: number): ToolError {
    if (!(error instanceof CloudflareFailure) && !(error instanceof ToolError)) this.#log?.warn({ err: error, what: spec.what }, 'cloudflare: unexpected failure');
    return toToolError(error, { what: spec.what, attempts, timeoutMs: spec.timeoutMs ?? this.timeoutMs, origin: this.origin, secret: this.#token });
  }
}

function toMessage(value: unknown): CloudflareMessage {
  const v = (value ?? {}) as { code?: unknown; message?: unknown };
  return { code: typeof v.code === 'number' ? v.code : Number(v.code ?? 0), message: typeof v.message === 'string' ? v.message : String(v.message ?? '') };
}

/** head + the file's bytes (read from the handle, from offset 0) + tail; `onSent` gets the running byte count. */
function multipartStream(head: Buffer, handle: FileHandle, size: number, tail: Buffer, onSent: (sent: number) => void): ReadableStream<Uint8Array> {
  const chunkSize = 256 * 1024;
  let stage: 'head' | 'file' | 'tail' | 'done' = 'head';
  let position = 0;
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (stage === 'head') {
        stage = size > 0 ? 'file' : 'tail';
        sent += head.length;
        controller.enqueue(new Uint8Array(head));
        return;
      }
      if (stage === 'file') {
        const buffer = Buffer.alloc(Math.min(chunkSize, size - position));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) {
          controller.error(new Error('the file became shorter while it was being uploaded'));
          return;
        }
        position += bytesRead;
        sent += bytesRead;
        if (position >= size) stage = 'tail';
        controller.enqueue(new Uint8Array(buffer.subarray(0, bytesRead)));
        onSent(sent);
        return;
      }
      if (stage === 'tail') {
        stage = 'done';
        sent += tail.length;
        controller.enqueue(new Uint8Array(tail));
        onSent(sent);
        return;
      }
      controller.close();
    },
  });
}
