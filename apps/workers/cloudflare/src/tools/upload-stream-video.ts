import { z } from 'zod';
import { cloudflareTool, videoView } from '../deps.js';
import { classifySource, openUpload } from '../upload-source.js';

export const uploadStreamVideo = cloudflareTool({
  name: 'upload_stream_video',
  title: 'Upload a video to Stream',
  description:
    'Uploads a video to Cloudflare Stream. source is either an http(s) URL, which Cloudflare downloads itself (POST /stream/copy), or a file path read as relative to CLOUDFLARE_UPLOAD_ROOT (/videos/lesson1.mp4 is <root>/videos/lesson1.mp4; paths leaving the root, through .. or a symlink, are refused; at most CLOUDFLARE_UPLOAD_MAX_BYTES, 200 MB), sent with Stream\'s basic POST upload. Reports upload progress (MCP progress notifications, in bytes) when the caller asks for it. Returns the new video; it is ready to stream once Stream has processed it (list_stream_videos).',
  input: z.object({
    source: z.string().trim().min(1).max(4096).describe('An https:// URL of the video, or a path under CLOUDFLARE_UPLOAD_ROOT such as /videos/lesson1.mp4'),
    name: z.string().trim().min(1).max(200).optional().describe('Name shown in Stream (meta.name); default the file name'),
    requireSignedURLs: z.boolean().default(false).describe('Playback only with signed URLs'),
  }),
  tokenCost: 500,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: async ({ source, name, requireSignedURLs }, ctx) => {
    const { deps, signal } = ctx;
    const kind = classifySource(source);
    if (kind.kind === 'url') {
      const fromUrl = new URL(kind.url).pathname.split('/').pop() || 'video';
      const video = await deps.client.copyStreamFromUrl(kind.url, { name: name ?? decodeURIComponent(fromUrl) }, requireSignedURLs, signal);
      await ctx.progress(1, 1, 'Cloudflare is downloading the video');
      return { source: { kind: 'url', url: kind.url }, video: videoView(video) };
    }
    const file = await openUpload(deps.config.uploadRoot, kind.requested, deps.config.uploadMaxBytes);
    try {
      const step = Math.max(1, Math.floor(file.size / 20));
      let reported = 0;
      const report = (sent: number, total: number): void => {
        if (sent < total && sent - reported < step) return;
        reported = sent;
        ctx.progress(sent, total, `uploaded ${sent} of ${total} bytes`).catch(() => undefined);
      };
      await ctx.progress(0, file.size, `uploading ${file.relativePath}`);
      let video = await deps.client.uploadStreamFile(file, { signal, onProgress: report });
      const uid = typeof video['uid'] === 'string' ? video['uid'] : undefined;
      const meta = { name: name ?? file.filename };
      if (uid !== undefined) video = await deps.client.updateStreamVideo(uid, { meta, ...(requireSignedURLs ? { requireSignedURLs } : {}) }, signal);
      return { source: { kind: 'file', path: file.relativePath, bytes: file.size }, video: videoView(video) };
    } finally {
      await file.handle.close();
    }
  },
});
