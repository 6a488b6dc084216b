/**
 * Registries whose entries live for one call (requests in flight, the settlers of their answers),
 * held by objects that live as long as the process. Use these there instead of Map and Set.
 *
 * Why: V8 (Node 20 and 24) rebuilds a Map's or Set's hash table every few dozen deletions, and
 * the table it leaves behind keeps its entries and a pointer to its successor (for iterators
 * still walking it). Once one of those tables has been promoted to the old generation, the
 * scavenger reaches every later table from it, and through them every entry that passed through
 * the registry, until the next mark-compact: each scavenge then promotes every call. With 32
 * request-sized objects a turn, a Map promotes ~5 MB per scavenge, the two tables below ~20 KB
 * (test/e2e/gc/transient-tables.test.ts); moving the gateway's six such registries here saved
 * 6-15% of its CPU per call at 32 in flight (bench/http-ab.ts, README "Performance"). A holey
 * array with a free list, and a dictionary-mode object, forget an entry when it is removed and
 * link nothing forward.
 */

/** A set of items in flight. `add` gives a handle; `delete` takes it back. */
export class TransientSet<T extends object> {
  #slots: (T | undefined)[] = [];
  #free: number[] = [];
  #size = 0;

  add(item: T): number {
    const handle = this.#free.pop() ?? this.#slots.length;
    this.#slots[handle] = item;
    this.#size += 1;
    return handle;
  }

  delete(handle: number): boolean {
    if (this.#slots[handle] === undefined) return false;
    this.#slots[handle] = undefined;
    this.#size -= 1;
    // Empty again: start from fresh arrays rather than keep a burst's size for the process's life.
    if (this.#size === 0) this.clear();
    else this.#free.push(handle);
    return true;
  }

  get size(): number {
    return this.#size;
  }

  /** The items, in no particular order. */
  values(): T[] {
    return this.#slots.filter((item): item is T => item !== undefined);
  }

  clear(): void {
    this.#slots = [];
    this.#free = [];
    this.#size = 0;
  }
}

/**
 * Values by JSON-RPC request id (a number and a string that read alike are different ids),
 * on a null-prototype object, which V8 keeps in dictionary mode: no key reaches a prototype.
 */
export class TransientMap<V> {
  #entries: Record<string, V> = Object.create(null) as Record<string, V>;
  #size = 0;

  get(id: string | number): V | undefined {
    return this.#entries[keyOf(id)];
  }

  set(id: string | number, value: V): void {
    const key = keyOf(id);
    if (!(key in this.#entries)) this.#size += 1;
    this.#entries[key] = value;
  }

  delete(id: string | number): boolean {
    const key = keyOf(id);
    if (!(key in this.#entries)) return false;
    delete this.#entries[key];
    this.#size -= 1;
    return true;
  }

  get size(): number {
    return this.#size;
  }

  values(): V[] {
    return Object.values(this.#entries);
  }

  clear(): void {
    this.#entries = Object.create(null) as Record<string, V>;
    this.#size = 0;
  }
}

const keyOf = (id: string | number): string => (typeof id === 'number' ? `#${id}` : `$${id}`);
