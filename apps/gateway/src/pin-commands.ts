import { parseArgs } from 'node:util';
import { GatewayError } from '@mcpgw/protocol';
import type { GatewayConfig } from './config.js';
import { TOOL_PIN_POLL_MS } from './pins/tool-pins.js';
import { checkApproveInput, toolPinView, type ToolPinView } from './pins/tool-pin-view.js';
import { auditCli, table, withStore } from './store-commands.js';

type Out = (text: string) => void;

const USAGE = 'usage: mcpgw tools pins [--service S] [--json]\n       mcpgw tools approve <service> [tool...]\n';

/**
 * `mcpgw tools pins` and `mcpgw tools approve`: the tool-definition pins in the gateway store, read
 * and approved directly (the same store as the gateway, like `keys`), so an operator can review a
 * changed definition and accept it even while no gateway is reachable. Approvals are audited.
 */
export async function toolsCommand(args: string[], config: GatewayConfig, out: Out, err: Out): Promise<number> {
  const [sub, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { service: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true });
  } catch (error) {
    err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  switch (sub) {
    case 'pins': {
      let service: string | undefined;
      try {
        if (values.service !== undefined) service = checkApproveInput({ service: values.service, tools: undefined }).service;
      } catch (error) {
        err(`${(error as Error).message}\n${USAGE}`);
        return 2;
      }
      const records = await withStore(config, err, (store) => store.toolPins.list(service === undefined ? {} : { service }));
      if (values.json) {
        out(`${JSON.stringify(records.map((r) => toolPinView(r, { definitions: true })), null, 2)}\n`);
        return 0;
      }
      out(formatPins(records.map((r) => toolPinView(r))));
      const changed = records.filter((r) => r.pendingHash !== null).length;
      if (changed > 0) {
        err(`${changed} tool definition${changed === 1 ? '' : 's'} changed since pinned: compare them with --json (definition / pendingDefinition), then mcpgw tools approve <service> [tool...]\n`);
      }
      return 0;
    }
    case 'approve': {
      let input: { service: string; tools: string[] | undefined };
      try {
        if (values.service !== undefined || values.json !== undefined) throw new Error('approve takes the service and tools as arguments');
        const [service, ...tools] = positionals;
        input = checkApproveInput({ service, tools: tools.length > 0 ? tools : undefined });
      } catch (error) {
        err(`${error instanceof GatewayError || error instanceof Error ? error.message : String(error)}\n${USAGE}`);
        return 2;
      }
      const approved = await withStore(config, err, async (store) => {
        const records = await store.toolPins.approve(input.service, input.tools);
        for (const record of records) await auditCli(store, `tools.approve:${input.service}.${record.tool}`);
        return records;
      });
      const done = new Set(approved.map((r) => r.tool));
      const notChanged = (input.tools ?? []).filter((t) => !done.has(t));
      if (approved.length === 0) {
        err(`${input.service} has no changed tool definitions to approve${input.tools ? ` among ${input.tools.join(', ')}` : ''}; see mcpgw tools pins --service ${input.service}\n`);
        return 1;
      }
      for (const record of approved) out(`approved ${record.service}.${record.tool}: pinned ${record.hash}\n`);
      if (notChanged.length > 0) err(`nothing to approve for ${notChanged.join(', ')} (not changed)\n`);
      err(`every gateway serves the approved definitions within ${TOOL_PIN_POLL_MS / 1000} s\n`);
      return 0;
    }
    default:
      err(USAGE);
      return 2;
  }
}

function formatPins(pins: ToolPinView[]): string {
  if (pins.length === 0) return 'no pinned tools (a gateway pins each tool the first time its worker announces it)\n';
  const rows = pins.map((p) => [p.service, p.tool, p.status, p.hash.slice(0, 12), p.pinnedAt, p.pending?.hash.slice(0, 12) ?? '-', p.pending?.changedAt ?? '-']);
  return table([['SERVICE', 'TOOL', 'STATUS', 'PINNED', 'PINNED AT', 'CHANGED TO', 'CHANGED AT'], ...rows]);
}
