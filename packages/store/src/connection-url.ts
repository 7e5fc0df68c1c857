/**
 * Where a PostgreSQL connection string points, safe to log: `host:port/database`, never the user
 * or password. Unix-socket URLs (`?host=/run/postgresql`) show the socket directory as the host.
 */
export function describeDatabaseUrl(databaseUrl: string): string {
  const url = parseUrl(databaseUrl);
  if (!url) return 'postgres (unparsable DATABASE_URL)';
  const host = url.searchParams.get('host') || url.hostname || 'localhost';
  const port = url.port || url.searchParams.get('port') || '5432';
  const database = safeDecode(url.pathname.replace(/^\//, '')) || '(default)';
  return `${host}:${port}/${database}`;
}

/**
 * A function that removes the connection string and its password from any text, so driver
 * messages can go into errors and logs. The password is scrubbed both raw and URL-decoded.
 */
export function credentialRedactor(databaseUrl: string | undefined): (text: string) => string {
  const secrets = new Set<string>();
  if (databaseUrl) {
    secrets.add(databaseUrl);
    // When it is not a URL, only the whole string is known to be secret.
    const url = parseUrl(databaseUrl);
    if (url?.password) {
      secrets.add(url.password);
      secrets.add(safeDecode(url.password));
    }
    const fromQuery = url?.searchParams.get('password');
    if (fromQuery) secrets.add(fromQuery);
  }
  secrets.delete('');
  // Longest first, so the whole URL goes before the password inside it.
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of ordered) out = out.split(secret).join('***');
    return out;
  };
}

/** WHATWG URL, also for the libpq form with credentials but no host (`postgres://u:p@/db?host=/run/postgresql`). */
function parseUrl(text: string): URL | undefined {
  for (const candidate of [text, text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^@/?#]*@)(?=[/?#]|$)/i, '$1localhost')]) {
    try {
      return new URL(candidate);
    } catch {
      // try the next form
    }
  }
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
