/**
 * Description screening at pin time (issue 15): what an upstream tells the model, looked at for
 * the tricks of poisoned tool descriptions. Findings are reasons a reviewer reads in
 * `warden tools diff`; under `integrity.mode: pin` a flagged definition starts quarantined.
 * Screening is a tripwire, not a proof: a clean result says only that none of these was seen.
 */

/** Characters a reader does not see but a model does: zero-width, invisible operators, bidi controls, Unicode tags. */
const INVISIBLE: ReadonlyArray<[RegExp, string]> = [
  [/[\u200B-\u200D\u2060-\u2064\uFEFF\u180E]/u, 'zero-width character'],
  [/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u, 'bidirectional control character'],
  // U+E0000..U+E007F mirror ASCII invisibly ("ASCII smuggling").
  [/[\u{E0000}-\u{E007F}]/u, 'Unicode tag character'],
];

/** Phrases that address the model rather than describe the tool. */
const INSTRUCTIONS: ReadonlyArray<[RegExp, string]> = [
  [/\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|preceding|other|system)\s+(?:instructions?|prompts?|rules|directions|messages)/i, 'tells the model to ignore its instructions'],
  [/<\s*\/?\s*(?:important|system|instructions?|hidden|secret)\b[^>]*>/i, 'an <IMPORTANT>-style block aimed at the model'],
  [/\b(?:do\s+not|don't|never)\s+(?:tell|mention|inform|reveal|show|alert)\b.{0,40}\b(?:the\s+)?(?:user|human|operator)\b/i, 'tells the model to hide something from the user'],
  [/\b(?:read|cat|open|load|include|attach|upload|send)(?:s|ed|ing)?\b.{0,60}(?:~\/|\.ssh\b|id_rsa|id_ed25519|\.env\b|\/etc\/(?:passwd|shadow)|\.aws\/credentials|mcp\.json|\.npmrc|\.netrc|\.git-credentials|private\s+key)/i, 'asks the model to read local files or credentials'],
  [/\b(?:send|post|upload|forward|exfiltrate|transmit|leak|cop(?:y|ie))(?:s|ed|ing)?\b.{0,80}\b(?:to|into)\s+(?:https?:\/\/|[\w.+-]+@[\w-]+\.[\w.]+|(?:this|that|the following|another)\s+(?:url|address|endpoint|server|email))/i, 'asks the model to send data elsewhere'],
];

/** Input property names that ask for a secret (normalised: lower case, no `_` or `-`). */
const SECRET_PROPERTY = /^(?:.*(?:password|passwd|passphrase|secret|apikey|accesstoken|authtoken|refreshtoken|bearertoken|privatekey|credential|sshkey|mnemonic|seedphrase|sessioncookie)s?.*|token|cookie)$/;

const codePoint = (char: string): string => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

function screenText(path: string, text: string, findings: string[]): void {
  for (const [pattern, what] of INVISIBLE) {
    const found = pattern.exec(text);
    if (found) findings.push(`${path}: ${what} ${codePoint(found[0])}`);
  }
  for (const [pattern, what] of INSTRUCTIONS) {
    const found = pattern.exec(text);
    if (found) findings.push(`${path}: ${what} ("${found[0].slice(0, 60)}")`);
  }
}

/** Every string (and object key) of the definition, with where it is. */
function walk(value: unknown, path: string, findings: string[]): void {
  if (typeof value === 'string') return screenText(path, value, findings);
  if (Array.isArray(value)) return value.forEach((entry, index) => walk(entry, `${path}[${index}]`, findings));
  if (value === null || typeof value !== 'object') return;
  for (const [key, entry] of Object.entries(value)) {
    for (const [pattern, what] of INVISIBLE) {
      const found = pattern.exec(key);
      if (found) findings.push(`${path}: key ${JSON.stringify(key)} holds a ${what} ${codePoint(found[0])}`);
    }
    walk(entry, path === '' ? key : `${path}.${key}`, findings);
  }
}

/** Property names of a JSON schema, at any depth (properties, items, combinators). */
function secretProperties(schema: unknown, path: string, findings: string[]): void {
  if (schema === null || typeof schema !== 'object') return;
  const node = schema as Record<string, unknown>;
  const properties = node.properties;
  if (properties !== null && typeof properties === 'object' && !Array.isArray(properties)) {
    for (const [name, sub] of Object.entries(properties)) {
      if (SECRET_PROPERTY.test(name.toLowerCase().replace(/[_-]/g, ''))) findings.push(`${path}.properties.${name}: the input schema asks for a secret`);
      secretProperties(sub, `${path}.properties.${name}`, findings);
    }
  }
  for (const key of ['items', 'additionalProperties'] as const) secretProperties(node[key], `${path}.${key}`, findings);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = node[key];
    if (Array.isArray(list)) list.forEach((sub, index) => secretProperties(sub, `${path}.${key}[${index}]`, findings));
  }
}

/** The findings for one pinned definition (digest.ts `fields`; empty: nothing seen). */
export function screenDefinition(item: Readonly<Record<string, unknown>>): string[] {
  const findings: string[] = [];
  walk(item, '', findings);
  secretProperties(item.inputSchema, 'inputSchema', findings);
  if (Array.isArray(item.arguments)) {
    // Prompt arguments are named like schema properties.
    for (const argument of item.arguments as Array<{ name?: unknown }>) {
      if (typeof argument?.name === 'string' && SECRET_PROPERTY.test(argument.name.toLowerCase().replace(/[_-]/g, ''))) {
        findings.push(`arguments.${argument.name}: the prompt asks for a secret`);
      }
    }
  }
  return findings;
}
