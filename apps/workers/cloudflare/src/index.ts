#!/usr/bin/env node
import { cloudflareWorker } from './cloudflare-worker.js';

await cloudflareWorker.start();
