/**
 * FHIRPath-like locations for issues (`Bundle.entry[2].resource.identifier[0].value`), from a
 * JSON Pointer into the data (RFC 6901) as ajv reports it. Names that are not identifiers are
 * quoted with backticks, as FHIRPath delimits them (FHIRPath N1 section 3.2).
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function appendPath(prefix: string, data: unknown, segments: readonly string[]): string {
  let out = prefix;
  let node: unknown = data;
  for (const segment of segments) {
    if (Array.isArray(node) && /^\d+$/.test(segment)) out += `[${segment}]`;
    else out += IDENTIFIER.test(segment) ? `.${segment}` : `.\`${segment.replace(/`/g, '\\`')}\``;
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return out;
}
