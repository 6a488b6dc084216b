import type { X509Certificate } from 'node:crypto';
import type { Value } from '../../../value.ts';
import { isNumber, isObject } from '../../../value.ts';

/**
 * Certificate chain verification as OPA does it with Go's leaf.Verify: the first certificate is
 * the root, the last the leaf, the others intermediates; optionally with Go's VerifyOptions
 * (DNSName, CurrentTime, KeyUsages).
 */

export interface VerifyOptions {
  /** Milliseconds since the epoch. */
  readonly now: number;
  readonly dnsName?: string;
  /** Extended key usage OIDs the chain must allow; undefined allows any. */
  readonly keyUsages?: readonly string[];
}

const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

/** Go's x509.ExtKeyUsage names as OPA spells them. */
const KEY_USAGES: Readonly<Record<string, string | undefined>> = {
  KeyUsageAny: undefined,
  KeyUsageServerAuth: '1.3.6.1.5.5.7.3.1',
  KeyUsageClientAuth: '1.3.6.1.5.5.7.3.2',
  KeyUsageCodeSigning: '1.3.6.1.5.5.7.3.3',
  KeyUsageEmailProtection: '1.3.6.1.5.5.7.3.4',
  KeyUsageIPSECEndSystem: '1.3.6.1.5.5.7.3.5',
  KeyUsageIPSECTunnel: '1.3.6.1.5.5.7.3.6',
  KeyUsageIPSECUser: '1.3.6.1.5.5.7.3.7',
  KeyUsageTimeStamping: '1.3.6.1.5.5.7.3.8',
  KeyUsageOCSPSigning: '1.3.6.1.5.5.7.3.9',
  KeyUsageMicrosoftServerGatedCrypto: '1.3.6.1.4.1.311.10.3.3',
  KeyUsageNetscapeServerGatedCrypto: '2.16.840.1.113730.4.1',
  KeyUsageMicrosoftCommercialCodeSigning: '1.3.6.1.4.1.311.2.1.22',
  KeyUsageMicrosoftKernelCodeSigning: '1.3.6.1.4.1.311.61.1.1',
};

export class VerifyOptionsError extends Error {
  override readonly name = 'VerifyOptionsError';
}

/** OPA's extractVerifyOpts; Go verifies for server authentication unless KeyUsages says otherwise. */
export function verifyOptions(value: Value, now: number): VerifyOptions {
  if (!isObject(value)) throw new VerifyOptionsError('options must be an object');
  let options: VerifyOptions = { now, keyUsages: [KEY_USAGES.KeyUsageServerAuth!] };
  for (const [key, item] of value.entries()) {
    switch (key) {
      case 'DNSName':
        if (typeof item !== 'string') throw new VerifyOptionsError("'DNSName' should be a string");
        options = { ...options, dnsName: item };
        break;
      case 'CurrentTime':
        if (!isNumber(item)) throw new VerifyOptionsError("'CurrentTime' should be a number");
        if (!Number.isInteger(Number(item))) throw new VerifyOptionsError("'CurrentTime' should be a valid int64 number");
        options = { ...options, now: Number(BigInt(item) / 1_000_000n) };
        break;
      case 'MaxConstraintComparisons':
        if (!isNumber(item)) throw new VerifyOptionsError("'MaxConstraintComparisons' should be a number");
        break;
      case 'KeyUsages': {
        if (!Array.isArray(item) || item.some((usage) => typeof usage !== 'string' || !(usage in KEY_USAGES))) {
          throw new VerifyOptionsError("'KeyUsages' should be an Array of Strings naming key usages");
        }
        const usages = item as string[];
        options = { ...options, keyUsages: usages.includes('KeyUsageAny') ? undefined : usages.map((usage) => KEY_USAGES[usage]!) };
        break;
      }
      default:
        throw new VerifyOptionsError('Invalid key option');
    }
  }
  return options;
}

/** A certificate without extended key usages, or with anyExtendedKeyUsage, allows every usage. */
function allowsUsage(cert: X509Certificate, wanted: readonly string[] | undefined): boolean {
  const usages = cert.keyUsage;
  if (!wanted || !usages || usages.length === 0 || usages.includes(ANY_EXTENDED_KEY_USAGE)) return true;
  return wanted.some((usage) => usages.includes(usage));
}

/** The verified chain from leaf to root, or undefined. */
export function verifyChain(certs: X509Certificate[], options: VerifyOptions): X509Certificate[] | undefined {
  if (certs.length < 2) return undefined;
  const root = certs[0]!;
  const intermediates = certs.slice(1, -1);
  const leaf = certs.at(-1)!;
  const acceptable = (cert: X509Certificate) =>
    Date.parse(cert.validFrom) <= options.now && options.now <= Date.parse(cert.validTo) && allowsUsage(cert, options.keyUsages);
  const issuedBy = (cert: X509Certificate, issuer: X509Certificate) =>
    cert.checkIssued(issuer) && cert.verify(issuer.publicKey) && acceptable(issuer);
  if (!acceptable(leaf)) return undefined;
  if (options.dnsName !== undefined && leaf.checkHost(options.dnsName) === undefined) return undefined;
  const chain = [leaf];
  while (chain.length <= certs.length) {
    const last = chain.at(-1)!;
    if (issuedBy(last, root)) return last === root ? chain : [...chain, root];
    const next = intermediates.find((candidate) => !chain.includes(candidate) && issuedBy(last, candidate));
    if (!next) return undefined;
    chain.push(next);
  }
  return undefined;
}
