import { GatewayError, jsonDepthExceeds } from '@mcpgw/protocol';
import fp from 'fastify-plugin';
import secureJson from 'secure-json-parse';

export interface JsonBodyOptions {
  maxDepth: number;
}

/**
 * The only body parser: `application/json`, within BODY_LIMIT_BYTES, no deeper than
 * JSON_MAX_DEPTH, without `__proto__`/`constructor.prototype` keys. Every other media type
 * (text/plain included) is refused with 415.
 */
export const jsonBodyPlugin = fp<JsonBodyOptions>(
  async (app, { maxDepth }) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = body as string;
      // Some clients label every request JSON: a GET or DELETE without a body is not a parse error.
      if (text === '' && (request.method === 'GET' || request.method === 'DELETE')) {
        done(null, undefined);
        return;
      }
      if (jsonDepthExceeds(text, maxDepth)) {
        done(new GatewayError('INVALID_REQUEST', `the JSON body is nested deeper than ${maxDepth} levels (JSON_MAX_DEPTH)`), undefined);
        return;
      }
      let value: unknown;
      try {
        value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
      } catch (error) {
        const message = (error as Error).message;
        done(
          /forbidden prototype/i.test(message)
            ? new GatewayError('INVALID_REQUEST', 'the body contains a forbidden __proto__ or constructor.prototype key')
            : new GatewayError('PARSE_ERROR', `the body is not valid JSON: ${message.slice(0, 200)}`),
          undefined,
        );
        return;
      }
      done(null, value);
    });
  },
  { name: 'json-body' },
);

/** A POST handler's body, or the error that says what to send instead. */
export function requireJsonBody(body: unknown, contentType: string | undefined): unknown {
  if (body !== undefined) return body;
  if (!contentType) throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'send the body as JSON with Content-Type: application/json');
  throw new GatewayError('PARSE_ERROR', 'the body is empty; send a JSON document');
}
