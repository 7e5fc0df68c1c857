/**
 * Odoo's JSON-RPC error envelope, as the fake Odoo returns it: always HTTP 200 with an `error` member whose
 * outer `code` is Odoo's own (200 server error, 100 session expired), never an HTTP status.
 */

/** The `error` member of an Odoo JSON-RPC answer. */
export interface OdooErrorEnvelope {
  code: number;
  message: string;
  data: {
    name: string;
    message: string;
    arguments: unknown[];
    context: Record<string, unknown>;
    debug: string;
  };
}

/** A Python exception raised inside the fake; the dispatcher turns it into the error envelope. */
export class OdooFault extends Error {
  /** The exception's dotted Python name, e.g. `odoo.exceptions.AccessError`. */
  readonly pythonName: string;
  /** Odoo's outer code: 200 for server errors, 100 for an expired session. */
  readonly code: number;

  constructor(pythonName: string, message: string, code = 200) {
    super(message);
    this.name = 'OdooFault';
    this.pythonName = pythonName;
    this.code = code;
  }

  /** The `error` member of the JSON-RPC answer, with a plausible traceback in `debug` (no secrets in it). */
  toEnvelope(): OdooErrorEnvelope {
    const shortName = this.pythonName.startsWith('builtins.') ? this.pythonName.slice('builtins.'.length) : this.pythonName;
    const debug =
      'Traceback (most recent call last):\n' +
      '  File "/opt/odoo/odoo/http.py", line 1764, in _serve_db\n' +
      '    return service_model.retrying(self._serve_ir_http, self.env)\n' +
      '  File "/opt/odoo/odoo/service/model.py", line 133, in retrying\n' +
      '    result = func()\n' +
      `${shortName}: ${this.message}\n`;
    return {
      code: this.code,
      message: this.code === 100 ? 'Odoo Session Expired' : 'Odoo Server Error',
      data: { name: this.pythonName, message: this.message, arguments: [this.message], context: {}, debug },
    };
  }
}

/** `odoo.exceptions.AccessDenied`: a bad password/API key or uid on `execute_kw`. */
export const accessDenied = (): OdooFault => new OdooFault('odoo.exceptions.AccessDenied', 'Access Denied');

/** `odoo.exceptions.AccessError`: an ACL refusal (the fake uses it for every write). */
export const accessError = (message: string): OdooFault => new OdooFault('odoo.exceptions.AccessError', message);

/** `builtins.ValueError`: a bad field, operator, order or argument. */
export const valueError = (message: string): OdooFault => new OdooFault('builtins.ValueError', message);

/** `builtins.KeyError`: an unknown model (Python's `str(KeyError)` quotes the key). */
export const keyError = (key: string): OdooFault => new OdooFault('builtins.KeyError', `'${key}'`);

/** `builtins.TypeError`: an unexpected argument to an ORM method. */
export const typeError = (message: string): OdooFault => new OdooFault('builtins.TypeError', message);

/** `builtins.AttributeError`: a method the model does not have. */
export const attributeError = (message: string): OdooFault => new OdooFault('builtins.AttributeError', message);

/** `odoo.exceptions.MissingError`: records that do not exist. */
export const missingError = (message: string): OdooFault => new OdooFault('odoo.exceptions.MissingError', message);

/** `odoo.http.SessionExpiredException` with Odoo's outer code 100. */
export const sessionExpired = (): OdooFault => new OdooFault('odoo.http.SessionExpiredException', 'Session expired', 100);

/** `psycopg2.errors.SerializationFailure`: the retryable concurrent-update failure, used by the error-rate knob. */
export const serializationFailure = (): OdooFault =>
  new OdooFault('psycopg2.errors.SerializationFailure', 'could not serialize access due to concurrent update');

/** Python's `repr` of a JSON value, for messages that quote a leaf or argument the way Odoo does. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** Python's `repr` of a domain leaf as a tuple, as in `Invalid field account.move.foo in leaf ('foo', '=', 1)`. */
export function leafRepr(leaf: readonly unknown[]): string {
  return `(${leaf.map(pyRepr).join(', ')})`;
}
