/** Small fetch helpers for the gateway's endpoints. */
export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export async function postJson<T = any>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

export async function getJson<T = any>(url: string, headers: Record<string, string> = {}): Promise<JsonResponse<T>> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

let nextId = 1;

/** Calls a JSON-RPC method on /mcp/rpc. */
export function rpc<T = any>(baseUrl: string, method: string, params?: unknown): Promise<JsonResponse<T>> {
  return postJson<T>(`${baseUrl}/mcp/rpc`, { jsonrpc: '2.0', id: nextId++, method, ...(params === undefined ? {} : { params }) });
}

/** mcp.execute of one tool. */
export function execute<T = any>(baseUrl: string, service: string, tool: string, args: Record<string, unknown> = {}): Promise<JsonResponse<T>> {
  return rpc<T>(baseUrl, 'mcp.execute', { service, tool, arguments: args });
}
