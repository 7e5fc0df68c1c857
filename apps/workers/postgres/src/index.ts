#!/usr/bin/env node
import { postgresWorker } from './postgres-worker.js';

await postgresWorker.start();
