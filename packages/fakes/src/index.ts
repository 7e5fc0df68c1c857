export * from './fake-supabase.js';
export * from './fake-supabase-postgrest.js';
export * from './fake-odoo.js';
export * from './fake-github.js';
export * from './fake-n8n.js';
export * from './fake-cloudflare.js';
export * from './fake-mem0.js';
export * from './sandbox.js';
