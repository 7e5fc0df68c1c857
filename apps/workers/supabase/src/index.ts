#!/usr/bin/env node
import { supabaseWorker } from './supabase-worker.js';

await supabaseWorker.start();
