/**
 * Accepting a session receiver link: lock the requested session (or, for accept-next-session, a free session
 * with messages), echo the session filter with the chosen id and send `com.microsoft:locked-until-utc`. With no
 * session available the attach is held until one is, or until the client's `com.microsoft:timeout` passes
 * (then refused with `com.microsoft:timeout`, which the SDK raises as `ServiceTimeout`).
 */
import { randomUUID } from 'node:crypto';
import type { Sender } from 'rhea';
import { dotnetTicks } from './codec';
import type { LockOwner, MessageStore } from './message-store';
import { holdAttach, localAttach, refuseAttach, releaseAttach } from './rhea-internals';

export const SESSION_FILTER = 'com.microsoft:session-filter';
const DEFAULT_ACCEPT_TIMEOUT_MS = 60_000;

/** Called once the link is answered with session `sessionId`, locked by `owner`. */
export type OnSessionAccepted = (sessionId: string, owner: LockOwner) => void;

/** A held accept-next-session attach. */
export interface PendingAccept {
  /** The client is closing its connection: answer the attach (no source) and detach, so it does not wait. */
  abandon(): void;
  /** The connection is gone: just stop waiting. */
  cancel(): void;
}

/**
 * Answers the attach of `sender` for `requested` (a session id, or null for the next available one).
 * Returns undefined when answered at once, else the held attach.
 */
export function acceptSessionLink(sender: Sender, store: MessageStore, requested: string | null, onAccepted: OnSessionAccepted): PendingAccept | undefined {
  const owner: LockOwner = { id: randomUUID() };
  const address = String(sender.source.address);
  const answer = (sessionId: string, lockedUntil: number): void => {
    sender.set_source({ address, filter: { [SESSION_FILTER]: sessionId } } as never);
    const attach = localAttach(sender);
    attach.properties = { ...(attach.properties ?? {}), 'com.microsoft:locked-until-utc': dotnetTicks(lockedUntil) };
    onAccepted(sessionId, owner);
  };
  const first = store.acceptSession(requested ?? undefined, owner);
  if (first !== undefined) {
    if ('condition' in first) refuseAttach(sender, first);
    else answer(first.sessionId, first.lockedUntil);
    return undefined;
  }
  holdAttach(sender);
  let held = true;
  const timeoutMs = Number((sender.properties as Record<string, unknown> | undefined)?.['com.microsoft:timeout'] ?? DEFAULT_ACCEPT_TIMEOUT_MS);
  const finish = (): void => {
    held = false;
    clearTimeout(timer);
    unsubscribe();
  };
  /** Answers the held attach with no source; the detach follows (rhea's answer to the client's, or ours). */
  const answerEmpty = (): void => {
    if (!held) return;
    finish();
    localAttach(sender).source = null;
    releaseAttach(sender);
  };
  const unsubscribe = store.onChange(() => {
    if (!sender.is_remote_open()) return finish();
    const next = store.acceptSession(undefined, owner);
    if (next === undefined || 'condition' in next) return;
    finish();
    releaseAttach(sender);
    answer(next.sessionId, next.lockedUntil);
  });
  const timer = setTimeout(() => {
    finish();
    refuseAttach(sender, {
      condition: 'com.microsoft:timeout',
      description: `The operation did not complete within the allotted timeout of ${timeoutMs} ms: no session with messages became available.`,
    });
  }, timeoutMs);
  timer.unref();
  // the client gave up (its own timeout or close): without an attach back, rhea-promise would keep the client's
  // 60 s createReceiver timer running, and a Service Bus would have answered by now anyway
  sender.on('sender_close', answerEmpty);
  return {
    abandon: () => {
      if (!held) return;
      answerEmpty();
      sender.close();
    },
    cancel: finish,
  };
}
