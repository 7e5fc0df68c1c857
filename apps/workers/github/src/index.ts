#!/usr/bin/env node
import { githubWorker } from './github-worker.js';

await githubWorker.start();
