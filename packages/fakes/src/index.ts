export * from './fake-supabase.js';
export * from './fake-supabase-postgrest.js';
export * from './fake-odoo.js';
export * from './sandbox.js';
