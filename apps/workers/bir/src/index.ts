#!/usr/bin/env node
import { birWorker } from './bir-worker.js';

await birWorker.start();
