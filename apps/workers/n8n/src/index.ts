#!/usr/bin/env node
import { n8nWorker } from './n8n-worker.js';

await n8nWorker.start();
