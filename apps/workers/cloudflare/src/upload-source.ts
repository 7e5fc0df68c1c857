import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { basename, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ToolError } from '@mcpgw/worker-kit';

/** Which variable allow-lists local uploads: named in every refusal. */
export const UPLOAD_ROOT_VARIABLE = 'CLOUDFLARE_UPLOAD_ROOT';

/** What `upload_stream_video` was given: a URL Cloudflare fetches itself, or a file under the upload root. */
export type UploadSource = { kind: 'url'; url: string } | { kind: 'file'; requested: string };

/** A local file, checked and open: upload from `handle` so the file checked is the file sent. */
export interface OpenedUpload {
  handle: FileHandle;
  size: number;
  /** The path as the caller gave it, relative to the upload root (`videos/lesson1.mp4`). */
  relativePath: string;
  filename: string;
  contentType: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.mkv': 'video/x-matroska',
  '.webm': 'video/webm',
  '.avi': 'video/x-msvideo',
  '.flv': 'video/x-flv',
  '.mpg': 'video/mpeg',
  '.mpeg': 'video/mpeg',
  '.ts': 'video/mp2t',
  '.wmv': 'video/x-ms-wmv',
  '.3gp': 'video/3gpp',
  '.ogv': 'video/ogg',
  '.mxf': 'application/mxf',
};

/** `https://…` / `http://…` is a URL; any other scheme is refused; everything else is a path. */
export function classifySource(source: string): UploadSource {
  const text = source.trim();
  if (/^https?:\/\//i.test(text)) {
    if (!URL.canParse(text) || !/^https?:\/\/[^\s/?#]+/i.test(text)) throw new ToolError('invalid_arguments', `"${text}" is not a valid http(s) URL`);
    return { kind: 'url', url: text };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new ToolError('invalid_arguments', 'source must be an http:// or https:// URL, or a file path under the upload root (other URL schemes are not accepted)');
  }
  return { kind: 'file', requested: text };
}

/**
 * Resolves a caller's path against the upload root and opens it. The path is always read as relative
 * to the root (a leading `/` means the root itself: `/videos/lesson1.mp4` is `<root>/videos/lesson1.mp4`).
 * Refused: no root configured, `..` or a symlink leading outside the root, anything but a regular file,
 * files larger than `maxBytes`. Messages show the caller's path, never the root's location.
 */
export async function openUpload(root: string | undefined, requested: string, maxBytes: number): Promise<OpenedUpload> {
  if (root === undefined) {
    throw new ToolError('unconfigured', `uploading local files is off: set ${UPLOAD_ROOT_VARIABLE} to the directory videos may be uploaded from (or give an https:// URL)`, {
      missing: [UPLOAD_ROOT_VARIABLE],
    });
  }
  if (requested === '' || requested.includes('\0')) throw new ToolError('invalid_arguments', 'the file path is empty or contains a NUL byte');
  const relativePath = requested.replace(/\\/g, '/').replace(/^\/+/, '');
  if (relativePath === '') throw new ToolError('invalid_arguments', 'name a file under the upload root, e.g. /videos/lesson1.mp4');
  let rootReal: string;
  try {
    rootReal = await realpath(root);
  } catch {
    throw new ToolError('unconfigured', `${UPLOAD_ROOT_VARIABLE} does not name an existing directory`, { missing: [UPLOAD_ROOT_VARIABLE] });
  }
  const candidate = resolve(rootReal, relativePath);
  if (!inside(rootReal, candidate)) {
    throw new ToolError('rejected', `${requested} is outside the upload root (${UPLOAD_ROOT_VARIABLE}); paths may not leave it`);
  }
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    throw new ToolError('not_found', `no file ${requested} under the upload root (${UPLOAD_ROOT_VARIABLE})`);
  }
  if (!inside(rootReal, real)) {
    throw new ToolError('rejected', `${requested} leads outside the upload root (${UPLOAD_ROOT_VARIABLE}) through a symbolic link; refused`);
  }
  let handle: FileHandle;
  try {
    // O_NOFOLLOW: had the last component become a symlink since realpath, opening fails instead of following it.
    handle = await open(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch {
    throw new ToolError('not_found', `cannot open ${requested} under the upload root (${UPLOAD_ROOT_VARIABLE})`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ToolError('rejected', `${requested} is not a regular file`);
    if (stat.size === 0) throw new ToolError('rejected', `${requested} is empty`);
    if (stat.size > maxBytes) {
      throw new ToolError(
        'rejected',
        `${requested} is ${stat.size} bytes, more than the ${maxBytes} bytes allowed (CLOUDFLARE_UPLOAD_MAX_BYTES; Stream's basic upload takes at most 200 MB, larger files need a tus upload, which this worker does not do)`,
      );
    }
    const filename = basename(real);
    return { handle, size: stat.size, relativePath, filename, contentType: CONTENT_TYPES[extname(filename).toLowerCase()] ?? 'application/octet-stream' };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}
