/**
 * Versions of the served snapshot. A reload swaps in a new generation; the retired
 * one keeps its handlers loaded until its last request is done.
 */
import type { Snapshot } from './snapshot.js';

/** A snapshot with the requests still running on it, released once retired and idle. */
export class Generation {
  private requests = 0;
  private retired = false;
  private released: Promise<void> | undefined;
  readonly snapshot: Snapshot;
  private readonly onReleased: (g: Generation) => void;
  constructor(snapshot: Snapshot, onReleased: (g: Generation) => void) {
    this.snapshot = snapshot;
    this.onReleased = onReleased;
  }
  enter(): () => void {
    this.requests++;
    return () => {
      this.requests--;
      this.releaseIfDone();
    };
  }
  retire(): void {
    this.retired = true;
    this.releaseIfDone();
  }
  /** Frees the handlers now (at shutdown, after the drain). */
  release(): Promise<void> {
    const { snapshot } = this;
    this.released ??= snapshot
      .close()
      .then(() => snapshot.loaded.release())
      .finally(() => this.onReleased(this));
    return this.released;
  }
  private releaseIfDone(): void {
    if (this.retired && this.requests === 0) void this.release();
  }
}

export interface Generations {
  /** The generation serving new requests; undefined until the first is served. */
  readonly current: Generation | undefined;
  /** Versions whose handlers are still loaded: the current one, and retired ones with requests still running. */
  readonly size: number;
  /** Makes `snapshot` the current version and retires the previous one; returns the previous one. */
  serve(snapshot: Snapshot): Generation | undefined;
  /** Frees every version still loaded (at shutdown, after the drain). */
  releaseAll(): Promise<void>;
}

export function createGenerations(): Generations {
  // Every version whose handlers are still loaded, so that releaseAll() can free them all.
  const live = new Set<Generation>();
  let current: Generation | undefined;
  return {
    get current() {
      return current;
    },
    get size() {
      return live.size;
    },
    serve(snapshot) {
      const previous = current;
      current = new Generation(snapshot, (released) => live.delete(released));
      live.add(current);
      previous?.retire();
      return previous;
    },
    releaseAll: async () => {
      await Promise.all([...live].map((g) => g.release()));
    },
  };
}
