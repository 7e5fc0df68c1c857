#!/usr/bin/env node
import { mem0Worker } from './mem0-worker.js';

await mem0Worker.start();
