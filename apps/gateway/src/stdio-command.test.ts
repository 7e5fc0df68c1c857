import { describe, expect, it } from '@jest/globals';
import { gatewayBaseUrl, mcpEndpoint } from './stdio-command.js';

describe('the endpoint mcpgw stdio relays to', () => {
  it('takes the gateway base URL with or without the /mcp people paste from HTTP client configs', () => {
    for (const given of ['http://127.0.0.1:8100', 'http://127.0.0.1:8100/', 'http://127.0.0.1:8100/mcp', 'http://127.0.0.1:8100/mcp/', ' http://127.0.0.1:8100?x=1#y ']) {
      expect({ given, endpoint: mcpEndpoint(gatewayBaseUrl(given)!, undefined).href }).toEqual({ given, endpoint: 'http://127.0.0.1:8100/mcp' });
    }
    expect(mcpEndpoint(gatewayBaseUrl('https://gw.example.com/tools/')!, 'postgres').href).toBe('https://gw.example.com/tools/mcp/postgres');
  });

  it('refuses what is not an http(s) URL', () => {
    for (const given of ['ftp://example.com', '127.0.0.1:8100', 'gateway', '']) expect({ given, url: gatewayBaseUrl(given) }).toEqual({ given, url: undefined });
  });
});
