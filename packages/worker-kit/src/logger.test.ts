import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createWorkerLogger } from './logger.js';

describe('createWorkerLogger', () => {
  it('redacts secret fields and credentials inside error messages', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createWorkerLogger('pg', 'info', false, sink);
    log.info({ config: { password: 'field-secret' }, apiKey: 'key-secret' }, 'configured');
    log.error({ err: new Error('connect postgres://app:url-secret@db/x failed; token=tok-secret') }, 'failed');
    const all = lines.join('');
    expect(all).toContain('"name":"worker:pg"');
    for (const secret of ['field-secret', 'key-secret', 'url-secret', 'tok-secret']) expect(all).not.toContain(secret);
  });
});
