/**
 * The Odoo client and its configuration, for other workers (the aggregate monitor) that talk to the
 * same Odoo without going through this worker's tools.
 */
export {
  OdooClient,
  stableOrder,
  type OdooClientOptions,
  type OdooVersion,
  type OdooDomain,
  type OdooRecord,
  type OdooField,
  type CallOptions,
  type SearchOptions,
  type SearchPage,
} from './odoo-client.js';
export { odooEnvSchema, loadOdooConfig, DEFAULT_ALLOWED_MODELS, type OdooConfig, type OdooConfigResult } from './config.js';
export { OdooFault, TransportFailure, OdooAuthFailure } from './odoo-errors.js';
export { probeOdoo, type OdooProbe } from './odoo-probe.js';
export { groupTotals, type GroupTotal, type GroupMethod } from './group-totals.js';
export { assertAllowedModel, assertValidDomain, assertValidOrder, DOMAIN_OPERATORS } from './domain-guard.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from '@mcpgw/worker-kit';
