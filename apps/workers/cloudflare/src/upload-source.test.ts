import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rejectionOf } from '@mcpgw/test-support';
import { ToolError } from '@mcpgw/worker-kit';
import { classifySource, openUpload } from './upload-source.js';

let base: string;
let root: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'cf-upload-test-'));
  root = join(base, 'root');
  await mkdir(join(root, 'videos'), { recursive: true });
  await writeFile(join(root, 'videos', 'lesson1.mp4'), Buffer.alloc(1000, 1));
  await writeFile(join(root, 'empty.mp4'), '');
  await writeFile(join(base, 'secret.txt'), 'outside the root');
  await symlink(join(base, 'secret.txt'), join(root, 'videos', 'escape.mp4'));
  await symlink(join(root, 'videos', 'lesson1.mp4'), join(root, 'alias.mp4'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const refusal = (promise: Promise<unknown>): Promise<ToolError> => rejectionOf(promise, ToolError);

describe('classifySource', () => {
  it('tells URLs from paths and refuses other schemes', () => {
    expect(classifySource('https://media.example.com/a.mp4')).toEqual({ kind: 'url', url: 'https://media.example.com/a.mp4' });
    expect(classifySource('/videos/lesson1.mp4')).toEqual({ kind: 'file', requested: '/videos/lesson1.mp4' });
    expect(() => classifySource('file:///etc/passwd')).toThrow(ToolError);
    expect(() => classifySource('ftp://example.com/a.mp4')).toThrow(/http/);
  });
});

describe('openUpload', () => {
  it('reads /videos/lesson1.mp4 as <root>/videos/lesson1.mp4', async () => {
    const file = await openUpload(root, '/videos/lesson1.mp4', 10_000);
    try {
      expect(file).toMatchObject({ size: 1000, relativePath: 'videos/lesson1.mp4', filename: 'lesson1.mp4', contentType: 'video/mp4' });
    } finally {
      await file.handle.close();
    }
  });

  it('follows a symlink that stays inside the root', async () => {
    const file = await openUpload(root, 'alias.mp4', 10_000);
    await file.handle.close();
    expect(file.size).toBe(1000);
  });

  it.each([
    ['../secret.txt', /outside the upload root/],
    ['/videos/../../secret.txt', /outside the upload root/],
    ['videos/escape.mp4', /symbolic link/],
    ['/videos/missing.mp4', /no file/],
    ['/videos', /not a regular file/],
    ['/empty.mp4', /empty/],
    ['/', /name a file/],
  ])('refuses %s', async (path, message) => {
    const error = await refusal(openUpload(root, path, 10_000));
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(base);
  });

  it('refuses files over the size limit, and everything when no root is set', async () => {
    expect((await refusal(openUpload(root, '/videos/lesson1.mp4', 999))).message).toMatch(/CLOUDFLARE_UPLOAD_MAX_BYTES/);
    const off = await refusal(openUpload(undefined, '/videos/lesson1.mp4', 10_000));
    expect(off.kind).toBe('unconfigured');
    expect(off.details.missing).toEqual(['CLOUDFLARE_UPLOAD_ROOT']);
  });
});
