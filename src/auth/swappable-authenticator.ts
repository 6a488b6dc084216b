import type { Authenticator, Principal } from './principal.ts';

/**
 * The authenticator a config reload can replace (issuers, audiences, key sources, claim mapping)
 * while calls run: each verification uses the one current when it starts, and the replaced one is
 * closed (its key refresh stopped) after the swap. The mode itself (`jwt`/`disabled`) is not
 * changed live: turning authentication off is a decision for a restart, not a file edit.
 */
export class SwappableAuthenticator implements Authenticator {
  #current: Authenticator;

  constructor(initial: Authenticator) {
    this.#current = initial;
  }

  get mode(): Authenticator['mode'] {
    return this.#current.mode;
  }

  authenticate(token: string | undefined): Promise<Principal | undefined> {
    return this.#current.authenticate(token);
  }

  async replace(next: Authenticator): Promise<void> {
    const previous = this.#current;
    this.#current = next;
    await previous.close();
  }

  close(): Promise<void> {
    return this.#current.close();
  }
}
