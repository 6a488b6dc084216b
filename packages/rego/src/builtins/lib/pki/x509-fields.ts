import { X509Certificate, createPublicKey } from 'node:crypto';
import type { Value } from '../../../value.ts';
import { RObject } from '../../../value.ts';
import type { Tlv } from './der.ts';
import { children, DerError, readOid, readString, readTlv } from './der.ts';
import { tbsParts } from './x509-extensions.ts';

/**
 * Certificates and CSRs as OPA returns them: the JSON of Go's x509.Certificate /
 * x509.CertificateRequest, for the fields node:crypto and a small DER reader can supply
 * (names, validity, SANs, serial, CA flag, raw DER). Go's empty slices are null.
 */

const NAME_FIELDS: Record<string, string> = {
  '2.5.4.6': 'Country',
  '2.5.4.10': 'Organization',
  '2.5.4.11': 'OrganizationalUnit',
  '2.5.4.7': 'Locality',
  '2.5.4.8': 'Province',
  '2.5.4.9': 'StreetAddress',
  '2.5.4.17': 'PostalCode',
};

const list = (items: Value[]): Value => (items.length === 0 ? null : items);

/** Go's pkix.Name from a DER Name (SEQUENCE OF SET OF AttributeTypeAndValue). */
function pkixName(der: Buffer, name: Tlv): RObject {
  const multi = new Map<string, string[]>(Object.values(NAME_FIELDS).map((field) => [field, []]));
  let commonName = '';
  let serialNumber = '';
  const names: Value[] = [];
  for (const rdn of children(der, name)) {
    for (const atv of children(der, rdn)) {
      const [typeTlv, valueTlv] = children(der, atv);
      if (!typeTlv || !valueTlv) throw new DerError('x509: invalid RDNSequence');
      const oid = readOid(der, typeTlv);
      const value = readString(der, valueTlv);
      names.push(RObject.fromEntries([['Type', oid], ['Value', value]]));
      const key = oid.join('.');
      if (key === '2.5.4.3') commonName = value;
      else if (key === '2.5.4.5') serialNumber = value;
      else if (NAME_FIELDS[key]) multi.get(NAME_FIELDS[key])!.push(value);
    }
  }
  return RObject.fromEntries([
    ...[...multi].map(([field, values]) => [field, list(values)] as const),
    ['SerialNumber', serialNumber],
    ['CommonName', commonName],
    ['Names', list(names)],
    ['ExtraNames', null],
  ]);
}

/** Subject alternative names from node's `DNS:a, URI:b, IP Address:c` text (entries may be JSON-quoted). */
function altNames(text: string | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = { DNS: [], URI: [], 'IP Address': [], email: [] };
  const entry = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/y;
  for (let match = entry.exec(text ?? ''); match && match[0] !== ''; match = entry.exec(text ?? '')) {
    const value = match[2]!.startsWith('"') ? (JSON.parse(match[2]!) as string) : match[2]!;
    out[match[1]!]?.push(value);
  }
  return out;
}

/** Go's x509.PublicKeyAlgorithm numbering. */
const KEY_ALGORITHMS: Record<string, number> = { rsa: 1, dsa: 2, ec: 3, ed25519: 4 };
const keyAlgorithm = (type: string | undefined): number => KEY_ALGORITHMS[type ?? ''] ?? 0;

function serial(hex: string): number | bigint {
  const value = BigInt(`0x${hex}`);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

export function certificateObject(cert: X509Certificate): RObject {
  const tbs = tbsParts(cert.raw);
  const sans = altNames(cert.subjectAltName);
  return RObject.fromEntries([
    ['Raw', cert.raw.toString('base64')],
    ['Version', tbs.version],
    ['SerialNumber', serial(cert.serialNumber)],
    ['Issuer', pkixName(cert.raw, tbs.issuer)],
    ['Subject', pkixName(cert.raw, tbs.subject)],
    ['NotBefore', new Date(cert.validFrom).toISOString().replace('.000Z', 'Z')],
    ['NotAfter', new Date(cert.validTo).toISOString().replace('.000Z', 'Z')],
    ['IsCA', cert.ca],
    ['DNSNames', list(sans.DNS!)],
    ['EmailAddresses', list(sans.email!)],
    ['IPAddresses', list(sans['IP Address']!)],
    ['URIStrings', list(sans.URI!)],
    ['PublicKeyAlgorithm', keyAlgorithm(cert.publicKey.asymmetricKeyType)],
    ...tbs.fields,
  ]);
}

/** CertificationRequest: SEQUENCE { info SEQUENCE { version, subject, spki, [0] attributes }, alg, sig }. */
export function certificateRequestObject(der: Buffer): RObject {
  const request = readTlv(der, 0);
  if (request.tag !== 0x30 || request.end !== der.length) throw new DerError('x509: malformed certificate request');
  const [info] = children(der, request);
  const [version, subject, spki] = info ? children(der, info) : [];
  if (!version || !subject || !spki) throw new DerError('x509: malformed certificate request');
  const publicKey = createPublicKey({ key: der.subarray(spki.offset, spki.end), format: 'der', type: 'spki' });
  return RObject.fromEntries([
    ['Raw', der.toString('base64')],
    ['Version', der[version.start]!],
    ['Subject', pkixName(der, subject)],
    ['PublicKeyAlgorithm', keyAlgorithm(publicKey.asymmetricKeyType)],
  ]);
}
