/**
 * Parses an RFC 8288 `Link` header as GitHub sends it (`<https://…&page=3>; rel="next", <…>; rel="last"`)
 * into rel → URL. A link with several rels (`rel="next last"`) is listed under each.
 */
export function parseLinkHeader(header: string | null | undefined): Record<string, string> {
  const links: Record<string, string> = {};
  if (!header) return links;
  for (const match of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const url = match[1]!;
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2] ?? '');
    const names = (rel?.[1] ?? rel?.[2] ?? '').split(/\s+/).filter(Boolean);
    for (const name of names) if (!(name.toLowerCase() in links)) links[name.toLowerCase()] = url;
  }
  return links;
}
