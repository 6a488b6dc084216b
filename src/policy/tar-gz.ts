import { gunzipSync } from 'node:zlib';

/**
 * A small reader for the gzipped tar files OPA writes as bundles (`opa build` produces ustar
 * entries, and pax headers for long names). It only extracts regular files; links, devices and
 * directories are skipped. The decompressed size is capped, so a hostile bundle cannot exhaust
 * memory. Errors are plain Errors; the caller adds the file name.
 */
const BLOCK = 512;
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

function octal(header: Buffer, offset: number, length: number, what: string): number {
  const text = field(header, offset, length).trim();
  if (!/^[0-7]*$/.test(text)) throw new Error(`corrupt tar header: ${what} is not octal`);
  return text === '' ? 0 : parseInt(text, 8);
}

function checksumMatches(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum === octal(header, 148, 8, 'checksum');
}

/** pax extended header records: "<length> <key>=<value>\n". Only `path` matters here. */
function paxPath(body: Buffer): string | undefined {
  const match = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
  return match?.[1];
}

/** Bundle paths are absolute (`/policy.wasm`); tar tools may write `./policy.wasm`. */
function normalizeEntryName(name: string): string {
  return name.replace(/^(\.?\/)+/, '');
}

export function readTarGz(bytes: Uint8Array): Map<string, Buffer> {
  const tar = gunzipSync(bytes, { maxOutputLength: MAX_BUNDLE_BYTES });
  const files = new Map<string, Buffer>();
  let offset = 0;
  let nextName: string | undefined;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    if (!checksumMatches(header)) throw new Error(`corrupt tar header at byte ${offset}: checksum mismatch`);
    const size = octal(header, 124, 12, 'size');
    const type = String.fromCharCode(header[156]!);
    const bodyStart = offset + BLOCK;
    if (bodyStart + size > tar.length) throw new Error(`truncated tar entry at byte ${offset}`);
    const body = tar.subarray(bodyStart, bodyStart + size);
    offset = bodyStart + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'x') nextName = paxPath(body) ?? nextName;
    else if (type === 'L') nextName = field(body, 0, body.length);
    else {
      const prefix = field(header, 345, 155);
      const name = nextName ?? (prefix === '' ? field(header, 0, 100) : `${prefix}/${field(header, 0, 100)}`);
      nextName = undefined;
      if (type === '0' || type === '\0') files.set(normalizeEntryName(name), Buffer.from(body));
    }
  }
  return files;
}
