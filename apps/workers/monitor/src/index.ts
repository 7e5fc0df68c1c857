#!/usr/bin/env node
import { monitorWorker } from './monitor-worker.js';

await monitorWorker.start();
