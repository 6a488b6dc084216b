import type { AuthnFailureAggregate } from './events.ts';
import type { AuthnFailureEvent } from './sink.ts';

/**
 * A flood of bad tokens must not fill the disk: failures are counted in memory per
 * (source, reason) and written as one row per pair per window. Past `maxKeys` distinct pairs in
 * a window (a spray from many addresses), new sources are folded into source "(other)".
 */
export interface AuthnFailureAggregator {
  record(event: AuthnFailureEvent): void;
  /** Takes the aggregates collected so far and starts a new window. */
  take(): AuthnFailureAggregate[];
}

const MAX_TOKEN_IDS = 5;

export function createAuthnFailureAggregator(maxKeys = 1000): AuthnFailureAggregator {
  let window = new Map<string, AuthnFailureAggregate>();

  return {
    record(event) {
      let source = event.source;
      let key = `${source}\u0000${event.reason}`;
      if (!window.has(key) && window.size >= maxKeys) {
        source = '(other)';
        key = `${source}\u0000${event.reason}`;
      }
      const aggregate = window.get(key);
      if (!aggregate) {
        window.set(key, { source, reason: event.reason, count: 1, first: event.time, last: event.time, tokenIds: event.tokenId ? [event.tokenId] : [] });
        return;
      }
      aggregate.count += 1;
      aggregate.last = event.time;
      if (event.tokenId && aggregate.tokenIds.length < MAX_TOKEN_IDS && !aggregate.tokenIds.includes(event.tokenId)) {
        aggregate.tokenIds.push(event.tokenId);
      }
    },
    take() {
      const aggregates = [...window.values()];
      window = new Map();
      return aggregates;
    },
  };
}
