import type { PinRecord } from '../audit/index.ts';
import type { IntegrityConfig } from './config.ts';
import { FIRST_SEEN } from './guard.ts';

/**
 * A tool's pin status as `warden tools` shows it: the definition the upstream serves now,
 * compared with the pins table the gateway keeps (guard.ts decides the same way at run time).
 * - approved: that exact definition was approved (by an operator, or trusted on first sight);
 * - changed: an earlier definition was approved, this one was not (hidden under `mode: pin`);
 * - quarantined: no definition of it is approved (new under `new_tools: quarantine`, flagged by
 *   screening, or revoked);
 * - unpinned: the gateway has not seen it yet (it is decided at its first listing);
 * - off: `integrity.mode` is off; unknown: the pins table could not be read.
 */
export type PinState = 'approved' | 'changed' | 'quarantined' | 'unpinned' | 'off' | 'unknown';

export interface PinView {
  status: PinState;
  reason: string;
}

const by = (pin: PinRecord): string => `${pin.decidedBy === FIRST_SEEN ? 'trusted on first sight' : `by ${pin.decidedBy ?? 'unknown'}`}${pin.decidedAt ? ` at ${pin.decidedAt}` : ''}`;

export function pinViewOf(pin: PinRecord | undefined, digest: string, config: IntegrityConfig): PinView {
  if (config.mode === 'off') return { status: 'off', reason: 'integrity.mode is off: nothing is pinned' };
  if (pin === undefined) return { status: 'unpinned', reason: 'not seen by the gateway yet: decided at its first listing (integrity.new_tools, screening)' };
  if (pin.approvedDigest === digest) return { status: 'approved', reason: `approved ${by(pin)}${pin.note ? ` (${pin.note})` : ''}` };
  const consequence = config.mode === 'warn' ? 'available (mode warn)' : 'hidden until approved';
  if (pin.approvedDigest !== null) return { status: 'changed', reason: `the definition changed since the one approved ${by(pin)}; ${consequence}: warden tools diff` };
  const why =
    pin.decidedBy !== null ? `approval revoked ${by(pin)}`
    : pin.seenFlags.length > 0 ? `screening flagged it: ${pin.seenFlags.join('; ')}`
    : 'new tool of a known upstream (integrity.new_tools: quarantine)';
  return { status: 'quarantined', reason: `${why}; ${consequence}` };
}
