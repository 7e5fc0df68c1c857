/**
 * An incremental Server-Sent Events reader: feed it text chunks as they arrive, it calls `onData`
 * with each event's data (multi-line data joined with `\n`) as soon as the blank line ending the
 * event is read. `id:` is remembered (for `Last-Event-ID`), `retry:` too; comments and other fields
 * are ignored. Events buffered beyond `maxBytes` (characters) call `onOverflow` and stop the reader.
 */
export class SseParser {
  /** The last `id:` seen: what a reconnect sends as `Last-Event-ID`. */
  lastEventId: string | undefined;
  /** The last `retry:` seen, in milliseconds. */
  retryMs: number | undefined;
  private rest = '';
  private data: string | undefined;
  private stopped = false;

  constructor(
    private readonly onData: (data: string) => void,
    private readonly maxBytes: number,
    private readonly onOverflow: () => void,
  ) {}

  feed(chunk: string): void {
    if (this.stopped) return;
    const text = this.rest.length > 0 ? this.rest + chunk : chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0 && !this.stopped; nl = text.indexOf('\n', start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.line(start === end ? '' : text.slice(start, end));
      start = nl + 1;
    }
    this.rest = start === 0 ? text : text.slice(start);
    if (this.rest.length + (this.data?.length ?? 0) > this.maxBytes) {
      this.stopped = true;
      this.onOverflow();
    }
  }

  private line(line: string): void {
    if (line === '') {
      const data = this.data;
      this.data = undefined;
      if (data !== undefined) this.onData(data);
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' a comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1);
    if (field === 'data') {
      this.data = this.data === undefined ? value : `${this.data}\n${value}`;
    } else if (field === 'id') {
      if (!value.includes('\0')) this.lastEventId = value;
    } else if (field === 'retry') {
      if (/^\d+$/.test(value)) this.retryMs = Number(value);
    }
  }
}
