import { isIsoDate, manilaDate, resolveObligation } from '@mcpgw/bir-calendar';
import { ToolError } from '@mcpgw/worker-kit';
import { z } from 'zod';
import { assessOne } from '../assess.js';
import { birTool, selectAgencies } from '../deps.js';
import { taxEntity, type TrackingRow } from '../ops-store.js';

/** A timestamp with an explicit offset: a bare local time would be read in the server's zone. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/** How far ahead of the worker's clock a filing time may be (clock skew), in ms. */
const FUTURE_SLACK_MS = 10 * 60_000;

export const recordBirFiling = birTool({
  name: 'record_bir_filing',
  title: 'Record a BIR filing',
  description:
    'Records that an agency filed a return (or issued a 2307/2316 certificate) for a period, in compliance_tracking. The form and period are checked against the filing calendar (the form must apply to the agency and the period must be one of its periods); a second filing of the same form and period is refused. Returns the recorded row and the obligation\'s resulting status (filed or filed_late, with a penalty estimate when late).',
  input: z.object({
    agency: z.string().min(1).max(64).describe('Agency (business unit) code, e.g. ACME-MNL'),
    form: z.string().min(1).max(20).describe('Form code, e.g. 1601-C, 0619-E, 2550Q; see list_bir_rules'),
    period: z
      .string()
      .min(4)
      .max(40)
      .describe('YYYY-MM for monthly forms, YYYY-Qn for quarterly, YYYY for annual (fiscal-year agencies: the fiscal year ending in YYYY), or YYYY-MM-DD..YYYY-MM-DD'),
    filed_at: z
      .string()
      .max(40)
      .describe('When it was filed: a Manila date YYYY-MM-DD, or a timestamp with offset (2026-04-10T16:30:00+08:00)'),
    reference: z.string().max(200).optional().describe('Confirmation or reference number (eFPS, bank, ATSP)'),
    amount: z.number().min(0).max(999_999_999_999.99).optional().describe('Tax paid with the return, in pesos (2 decimals); used for late-filing penalty estimates'),
    notes: z.string().max(2_000).optional().describe('Free text, e.g. the channel (eFPS, eBIRForms, AAB)'),
  }),
  tokenCost: 600,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  handler: async (args, { deps, signal }) => {
    const filedAt = parseFiledAt(args.filed_at, deps.now());
    if (args.amount !== undefined && Math.abs(Math.round(args.amount * 100) - args.amount * 100) > 1e-6) {
      throw new ToolError('invalid_arguments', 'amount has at most 2 decimals (centavos)');
    }
    const [agency] = await selectAgencies(deps, signal, args.agency);
    const found = resolveObligation(taxEntity(agency!), args.form, args.period, { calendar: deps.calendar });
    if (!found.ok) throw new ToolError(found.reason === 'unknown_form' ? 'not_found' : 'rejected', `${agency!.code}: ${found.message}`);
    const { obligation, rule } = found;
    if (manilaDate(filedAt) < obligation.periodStart) {
      throw new ToolError('rejected', `filed_at ${manilaDate(filedAt)} is before the period ${obligation.periodLabel} starts (${obligation.periodStart})`);
    }
    const outcome = await deps.store.insertFiling(signal, {
      agencyCode: agency!.code,
      kind: rule.trackingKind,
      formCode: rule.formCode,
      periodStart: obligation.periodStart,
      periodEnd: obligation.periodEnd,
      filedAt: filedAt.toISOString(),
      reference: args.reference ?? null,
      amount: args.amount ?? null,
      notes: args.notes ?? null,
    });
    if ('duplicate' in outcome) {
      const d = outcome.duplicate;
      throw new ToolError(
        'rejected',
        `${agency!.code} already has ${rule.formCode} for ${obligation.periodLabel} recorded (id ${d.id}${d.filedAt ? `, filed ${manilaDate(d.filedAt)}` : ''}${d.reference ? `, reference ${d.reference}` : ''}); a filing is recorded once`,
      );
    }
    const row = outcome.inserted;
    const assessed = assessOne(agency!, obligation, row, manilaDate(deps.now()), deps.config.dueSoonDays);
    return { recorded: recordedView(row), obligation: assessed };
  },
});

function parseFiledAt(value: string, now: Date): Date {
  const text = value.trim();
  let date: Date;
  if (isIsoDate(text)) date = new Date(`${text}T00:00:00+08:00`);
  else if (TIMESTAMP.test(text) && !Number.isNaN(Date.parse(text))) date = new Date(text);
  else throw new ToolError('invalid_arguments', 'filed_at must be a date YYYY-MM-DD or a timestamp with an offset, e.g. 2026-04-10T16:30:00+08:00');
  if (date.getTime() > now.getTime() + FUTURE_SLACK_MS) throw new ToolError('rejected', `filed_at ${text} is in the future`);
  return date;
}

function recordedView(row: TrackingRow) {
  return {
    id: row.id,
    agency: row.agencyCode,
    kind: row.kind,
    formCode: row.formCode,
    periodStart: row.periodStart,
    periodEnd: row.periodEnd,
    filedAt: row.filedAt?.toISOString() ?? null,
    reference: row.reference,
    amount: row.amount,
    notes: row.notes,
  };
}
