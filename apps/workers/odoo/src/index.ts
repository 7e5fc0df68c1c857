#!/usr/bin/env node
import { odooWorker } from './odoo-worker.js';

await odooWorker.start();
