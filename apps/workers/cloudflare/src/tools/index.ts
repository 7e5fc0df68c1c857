/** The cloudflare tools. */
export { listZones } from './list-zones.js';
export { listDnsRecords } from './list-dns-records.js';
export { createDnsRecord } from './create-dns-record.js';
export { updateDnsRecord } from './update-dns-record.js';
export { deleteDnsRecord } from './delete-dns-record.js';
export { purgeCache } from './purge-cache.js';
export { listWorkerScripts } from './list-worker-scripts.js';
export { listStreamVideos } from './list-stream-videos.js';
export { uploadStreamVideo } from './upload-stream-video.js';
export type { CloudflareDeps } from '../deps.js';
