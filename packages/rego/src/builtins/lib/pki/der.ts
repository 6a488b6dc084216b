/**
 * A minimal DER reader: enough to split concatenated certificates and to read the distinguished
 * names and subjects that node:crypto does not expose in structured form (CSRs, pkix.Name).
 */

export class DerError extends Error {
  override readonly name = 'DerError';
}

export interface Tlv {
  readonly tag: number;
  /** Offset of the first content byte. */
  readonly start: number;
  /** Offset just past the content. */
  readonly end: number;
  /** Offset of the tag byte. */
  readonly offset: number;
}

export function readTlv(buf: Buffer, offset: number): Tlv {
  const tag = buf[offset];
  const first = buf[offset + 1];
  if (tag === undefined || first === undefined) throw new DerError('asn1: syntax error: data truncated');
  let length = first;
  let start = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new DerError('asn1: structure error: length too large');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[start + i]!;
    start += count;
  }
  const end = start + length;
  if (end > buf.length) throw new DerError('asn1: syntax error: data truncated');
  return { tag, start, end, offset };
}

export function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let offset = parent.start; offset < parent.end; ) {
    const child = readTlv(buf, offset);
    out.push(child);
    offset = child.end;
  }
  return out;
}

/** Consecutive top-level SEQUENCEs (Go's x509.ParseCertificates accepts a concatenation). */
export function splitSequences(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0; offset < buf.length; ) {
    const tlv = readTlv(buf, offset);
    if (tlv.tag !== 0x30) throw new DerError("asn1: structure error: tags don't match");
    out.push(buf.subarray(offset, tlv.end));
    offset = tlv.end;
  }
  return out;
}

export function readOid(buf: Buffer, tlv: Tlv): number[] {
  const bytes = buf.subarray(tlv.start, tlv.end);
  const arcs: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    }
  }
  return arcs;
}

/** Text of a DirectoryString-like value (UTF8, Printable, IA5, T61 as Latin-1, BMP). */
export function readString(buf: Buffer, tlv: Tlv): string {
  const bytes = buf.subarray(tlv.start, tlv.end);
  if (tlv.tag === 0x1e) return Buffer.from(bytes).swap16().toString('utf16le');
  if (tlv.tag === 0x14) return bytes.toString('latin1');
  return bytes.toString('utf8');
}
