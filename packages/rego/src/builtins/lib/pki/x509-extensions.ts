import type { Value } from '../../../value.ts';
import { RObject } from '../../../value.ts';
import type { Tlv } from './der.ts';
import { children, DerError, readOid, readTlv } from './der.ts';

/**
 * The parts of a certificate's TBSCertificate that node:crypto does not expose, read from DER
 * and shaped as Go's x509.Certificate fields: version, names, and the standard extensions
 * (key usage, basic constraints, key identifiers, extended key usage).
 */

interface TbsParts {
  readonly version: number;
  readonly issuer: Tlv;
  readonly subject: Tlv;
  readonly fields: [string, Value][];
}

/** Go's x509.ExtKeyUsage numbering, by OID. */
const EXT_KEY_USAGES: Readonly<Record<string, number>> = {
  '2.5.29.37.0': 0,
  '1.3.6.1.5.5.7.3.1': 1,
  '1.3.6.1.5.5.7.3.2': 2,
  '1.3.6.1.5.5.7.3.3': 3,
  '1.3.6.1.5.5.7.3.4': 4,
  '1.3.6.1.5.5.7.3.5': 5,
  '1.3.6.1.5.5.7.3.6': 6,
  '1.3.6.1.5.5.7.3.7': 7,
  '1.3.6.1.5.5.7.3.8': 8,
  '1.3.6.1.5.5.7.3.9': 9,
  '1.3.6.1.4.1.311.10.3.3': 10,
  '2.16.840.1.113730.4.1': 11,
  '1.3.6.1.4.1.311.2.1.22': 12,
  '1.3.6.1.4.1.311.61.1.1': 13,
};

const TAG_BOOLEAN = 0x01;
const TAG_INTEGER = 0x02;
const TAG_EXPLICIT_VERSION = 0xa0;
const TAG_EXPLICIT_EXTENSIONS = 0xa3;
const TAG_KEY_IDENTIFIER = 0x80;

const content = (der: Buffer, tlv: Tlv): Buffer => der.subarray(tlv.start, tlv.end);
const integer = (der: Buffer, tlv: Tlv): number => content(der, tlv).reduce((acc, byte) => acc * 256 + byte, 0);

interface Extension {
  readonly id: number[];
  readonly critical: boolean;
  /** The extension's own DER (inside the OCTET STRING). */
  readonly value: Buffer;
}

function readExtensions(der: Buffer, wrapper: Tlv | undefined): Extension[] {
  if (!wrapper) return [];
  const [list] = children(der, wrapper);
  if (!list) throw new DerError('x509: malformed extensions');
  return children(der, list).map((extension) => {
    const parts = children(der, extension);
    const critical = parts[1]?.tag === TAG_BOOLEAN && der[parts[1].start] !== 0;
    const value = parts.at(-1);
    if (!parts[0] || !value) throw new DerError('x509: malformed extension');
    return { id: readOid(der, parts[0]), critical, value: content(der, value) };
  });
}

/** Go's KeyUsage: bit i of the BIT STRING (from the most significant bit) is KeyUsage(1 << i). */
function keyUsage(value: Buffer): number {
  const bitString = readTlv(value, 0);
  // The first content byte counts the unused trailing bits; the flags follow.
  const bits = value.subarray(bitString.start + 1, bitString.end);
  let usage = 0;
  for (let i = 0; i < 9; i++) if ((bits[i >> 3] ?? 0) & (0x80 >> (i & 7))) usage |= 1 << i;
  return usage;
}

function extensionFields(extensions: Extension[]): [string, Value][] {
  const byId = new Map(extensions.map((extension) => [extension.id.join('.'), extension.value]));
  const fields: [string, Value][] = [];
  const usage = byId.get('2.5.29.15');
  fields.push(['KeyUsage', usage ? keyUsage(usage) : 0]);
  const constraints = byId.get('2.5.29.19');
  let maxPathLen = 0;
  if (constraints) {
    const items = children(constraints, readTlv(constraints, 0));
    const pathLen = items.find((item) => item.tag === TAG_INTEGER);
    maxPathLen = pathLen ? integer(constraints, pathLen) : -1;
  }
  fields.push(['BasicConstraintsValid', constraints !== undefined], ['MaxPathLen', maxPathLen], ['MaxPathLenZero', maxPathLen === 0 && constraints !== undefined]);
  const subjectKeyId = byId.get('2.5.29.14');
  fields.push(['SubjectKeyId', subjectKeyId ? content(subjectKeyId, readTlv(subjectKeyId, 0)).toString('base64') : null]);
  const authorityKeyId = byId.get('2.5.29.35');
  const keyIdentifier = authorityKeyId
    ? children(authorityKeyId, readTlv(authorityKeyId, 0)).find((item) => item.tag === TAG_KEY_IDENTIFIER)
    : undefined;
  fields.push(['AuthorityKeyId', keyIdentifier ? content(authorityKeyId!, keyIdentifier).toString('base64') : null]);
  const extKeyUsage = byId.get('2.5.29.37');
  const oids = extKeyUsage ? children(extKeyUsage, readTlv(extKeyUsage, 0)).map((item) => readOid(extKeyUsage, item)) : [];
  const known = oids.filter((oid) => EXT_KEY_USAGES[oid.join('.')] !== undefined);
  const unknown = oids.filter((oid) => EXT_KEY_USAGES[oid.join('.')] === undefined);
  fields.push(
    ['ExtKeyUsage', known.length > 0 ? known.map((oid) => EXT_KEY_USAGES[oid.join('.')]!) : null],
    ['UnknownExtKeyUsage', unknown.length > 0 ? unknown : null],
  );
  fields.push([
    'Extensions',
    extensions.length > 0
      ? extensions.map((e) => RObject.fromEntries([['Id', e.id], ['Critical', e.critical], ['Value', e.value.toString('base64')]]))
      : null,
  ]);
  return fields;
}

/** TBSCertificate: [0] version, serial, signature, issuer, validity, subject, spki, ..., [3] extensions. */
export function tbsParts(der: Buffer): TbsParts {
  const certificate = readTlv(der, 0);
  const tbs = children(der, certificate)[0];
  if (!tbs) throw new DerError('x509: malformed certificate');
  const parts = children(der, tbs);
  const versioned = parts[0]?.tag === TAG_EXPLICIT_VERSION;
  const base = versioned ? 1 : 0;
  const issuer = parts[base + 2];
  const subject = parts[base + 4];
  if (!issuer || !subject) throw new DerError('x509: malformed certificate');
  const version = versioned ? integer(der, children(der, parts[0]!)[0]!) + 1 : 1;
  const extensions = readExtensions(der, parts.find((part) => part.tag === TAG_EXPLICIT_EXTENSIONS));
  return { version, issuer, subject, fields: extensionFields(extensions) };
}
