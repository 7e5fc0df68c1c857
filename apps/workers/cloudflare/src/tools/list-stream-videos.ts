import { z } from 'zod';
import { cloudflareTool, limitArg, limitOf, videoView } from '../deps.js';

export const listStreamVideos = cloudflareTool({
  name: 'list_stream_videos',
  title: 'List Stream videos',
  description:
    'Stream videos of the account, newest first (GET /accounts/{account_id}/stream; Stream answers up to 1000 per request and the worker pages on by creation time): uid, name, state (pendingupload, downloading, queued, inprogress, ready, error), readyToStream, size, duration, playback URLs.',
  input: z.object({
    status: z.enum(['pendingupload', 'downloading', 'queued', 'inprogress', 'ready', 'error']).optional().describe('Only videos in this state'),
    search: z.string().trim().min(1).max(200).optional().describe('Only videos whose name contains this text'),
    limit: limitArg,
  }),
  tokenCost: 800,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ status, search, limit }, { deps, signal }) => {
    const max = limitOf(deps, limit);
    const page = await deps.client.listStreamVideos({ ...(status ? { status } : {}), ...(search ? { search } : {}) }, max, signal);
    return { videos: page.items.map(videoView), count: page.items.length, total: page.totalCount, truncated: page.truncated, pages: page.pages, limit: max };
  },
});
