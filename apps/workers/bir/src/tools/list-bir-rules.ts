import { BIR_RULES, EFPS_OFFSETS, dateParts, findRule } from '@mcpgw/bir-calendar';
import { ToolError } from '@mcpgw/worker-kit';
import { z } from 'zod';
import { birTool, today } from '../deps.js';

export const listBirRules = birTool({
  name: 'list_bir_rules',
  title: 'List BIR filing rules',
  description:
    'The filing calendar the worker applies: each form with its frequency, who files it, the due-date rule, eFPS group offsets, December override, attachments, legal basis and effective dates; plus the non-working days of a year (computed regular holidays and the operator\'s BIR_HOLIDAYS_FILE entries).',
  input: z.object({
    form: z.string().max(20).optional().describe('Only this form code, e.g. 1601-C'),
    year: z.number().int().min(1990).max(2100).optional().describe('Year of the holidays to list; default the current year'),
  }),
  tokenCost: 2_500,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  handler: async ({ form, year }, { deps }) => {
    let rules = BIR_RULES;
    if (form !== undefined) {
      const rule = findRule(form);
      if (!rule) throw new ToolError('not_found', `unknown form ${JSON.stringify(form)}; forms: ${BIR_RULES.map((r) => r.formCode).join(', ')}`);
      rules = [rule];
    }
    const holidayYear = year ?? dateParts(today(deps, undefined)).year;
    return {
      rules: rules.map((r) => ({
        formCode: r.formCode,
        description: r.description,
        frequency: r.frequency,
        periodBasis: r.periodBasis,
        appliesIf: r.appliesIf,
        dueRule: r.dueRule,
        dueRuleText: r.dueRuleText,
        efpsOffsets: r.efpsOffsets ?? null,
        decemberOverride: r.decemberOverride ?? null,
        attachments: r.attachments,
        legalBasis: r.legalBasis,
        trackingKind: r.trackingKind,
        penaltyBasis: r.penaltyBasis,
        effectiveFrom: r.effectiveFrom ?? null,
        effectiveTo: r.effectiveTo ?? null,
        notes: r.notes ?? null,
      })),
      efpsGroups: EFPS_OFFSETS,
      holidays: {
        year: holidayYear,
        days: deps.calendar.holidaysIn(holidayYear).map((h) => ({
          date: h.date,
          name: h.name,
          kind: h.kind,
          source: h.source,
          ...(h.forms ? { forms: h.forms } : {}),
          ...(h.extendedTo ? { extendedTo: h.extendedTo } : {}),
        })),
      },
      rollForward: 'A deadline on a Saturday, Sunday or holiday moves to the next business day (RMC 65-2016: eFPS until 12 midnight of the due date).',
    };
  },
});
