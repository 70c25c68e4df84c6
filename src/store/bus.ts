/**
 * Messages between replicas, over Redis Pub/Sub: one channel the whole fleet hears, and
 * one per replica for what is meant for it alone (the answer to a question it asked).
 * Pub/Sub needs a connection of its own, which node-redis re-subscribes after each
 * reconnection. Delivery is at most once: a replica that is down misses what was said
 * meanwhile, so anything that must survive is written to the store first and the
 * message only says where to look.
 */
import { randomBytes } from 'node:crypto';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { describeCause } from '../errors.js';
import type { Logger } from '../log.js';
import type { Store } from './connection.js';

export type FleetMessage =
  /** A resource changed: 2026-07-28 listen streams on every replica are told. */
  | { readonly kind: 'resourceUpdated'; readonly uri: string }
  /** An event was added to a 2025-11-25 session's log: the replica holding its GET stream sends it. */
  | {
      readonly kind: 'sessionEvent';
      readonly session: string;
      readonly eventId: string;
      readonly message: JSONRPCMessage;
    }
  /** A session was deleted, expired or evicted: every replica drops its copy. */
  | { readonly kind: 'sessionClosed'; readonly session: string }
  /** A client's answer to a question this replica's copy of the session asked. */
  | { readonly kind: 'answer'; readonly session: string; readonly message: JSONRPCMessage }
  /** A task was cancelled: the replica running its handler aborts it. */
  | { readonly kind: 'taskCancelled'; readonly task: string };

export interface FleetBus {
  /** This replica's name on the bus: random, made at start. */
  readonly replica: string;
  /** Sends `message` to every other replica, or to the replica named `to`; never fails (the store may be down). */
  publish(message: FleetMessage, to?: string): Promise<void>;
  /** Hears every message from other replicas, and those addressed to this one. */
  onMessage(listener: (message: FleetMessage) => void): void;
  close(): Promise<void>;
}

interface Envelope {
  readonly from: string;
  readonly message: FleetMessage;
}

export function openFleetBus(store: Store, log: Logger): FleetBus {
  const replica = randomBytes(6).toString('hex');
  const fleet = store.key('bus');
  const mine = store.key(`bus:${replica}`);
  const listeners: ((message: FleetMessage) => void)[] = [];
  const subscriber = store.duplicate();
  subscriber.on('error', () => {}); // The command connection reports the store's health.
  const hear = (raw: string) => {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(raw) as Envelope;
    } catch {
      return;
    }
    if (envelope.from === replica) return;
    for (const listener of listeners) {
      try {
        listener(envelope.message);
      } catch (error) {
        log.warn(`fleet message ${envelope.message.kind}: ${describeCause(error)}`);
      }
    }
  };
  const subscribed = subscriber
    .connect()
    .then(() => subscriber.subscribe([fleet, mine], hear))
    .catch((error: unknown) => log.debug(`fleet bus: ${describeCause(error)}`));
  return {
    replica,
    async publish(message, to) {
      const envelope: Envelope = { from: replica, message };
      await store
        .run((c) => c.publish(to ? store.key(`bus:${to}`) : fleet, JSON.stringify(envelope)))
        .catch((error: unknown) => log.debug(`fleet bus: ${describeCause(error)}`));
    },
    onMessage: (listener) => void listeners.push(listener),
    async close() {
      // While the store is down the connection retries for ever: it is destroyed, not awaited.
      if (subscriber.isReady) {
        await subscribed;
        await subscriber.close().catch(() => subscriber.destroy());
      } else if (subscriber.isOpen) subscriber.destroy();
    },
  };
}
