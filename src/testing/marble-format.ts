import { deepEqual } from './probes';

/** One notification as RxJS's `TestScheduler` records it (`kind` N = next, E = error, C = complete). */
export interface MarbleNotification {
  readonly kind: 'N' | 'E' | 'C';
  readonly value: unknown;
  readonly error: unknown;
}

/** A notification at a virtual frame (1 frame = 1 virtual ms), the shape `expectObservable` compares. */
export interface MarbleEvent {
  readonly frame: number;
  readonly notification: MarbleNotification;
}

/** A subscription of a marble source to its observable, as RxJS records it (`Infinity` = never unsubscribed). */
export interface SubscriptionFrames {
  readonly subscribedFrame: number;
  readonly unsubscribedFrame: number;
}

/** Compares `actual` with `expected` and throws when they differ; e.g. `(a, e) => expect(a).toEqual(e)`. */
export type MarbleAssert = (actual: unknown, expected: unknown) => void;

/** A marble expectation did not hold. The message shows both sides frame by frame. */
export class MarbleAssertionError extends Error {
  override readonly name = 'MarbleAssertionError';
}

export function nextEvent(frame: number, value: unknown): MarbleEvent {
  return { frame, notification: { kind: 'N', value, error: undefined } };
}
export function errorEvent(frame: number, error: unknown): MarbleEvent {
  return { frame, notification: { kind: 'E', value: undefined, error } };
}
export function completeEvent(frame: number): MarbleEvent {
  return { frame, notification: { kind: 'C', value: undefined, error: undefined } };
}

/** Shows a value for humans: JSON where possible, `Name: message` for errors, `<predicate f>` for matchers. */
export function describeValue(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'function') return `<predicate ${value.name || 'anonymous'}>`;
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function describeNotification(n: MarbleNotification): string {
  if (n.kind === 'N') return `next ${describeValue(n.value)}`;
  if (n.kind === 'C') return 'complete';
  return `error ${describeValue(n.error)}`;
}

function symbolOf(n: MarbleNotification, values: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (n.kind === 'C') return '|';
  if (n.kind === 'E') return '#';
  if (values) return Object.keys(values).find((k) => k.length === 1 && deepEqual(values[k], n.value));
  return typeof n.value === 'string' && n.value.length === 1 ? n.value : undefined;
}

/**
 * Renders events back into marble syntax (`-a--(bc|)`, long gaps as ` 25ms `), or `undefined` when a value has no
 * letter or the timing cannot be written (events closer together than a group's width).
 */
export function toMarble(events: readonly MarbleEvent[], values?: Readonly<Record<string, unknown>>): string | undefined {
  let out = '';
  let pos = 0;
  for (let i = 0; i < events.length; ) {
    const frame = events[i]!.frame;
    const symbols: string[] = [];
    for (; i < events.length && events[i]!.frame === frame; i++) {
      const s = symbolOf(events[i]!.notification, values);
      if (s === undefined) return undefined;
      symbols.push(s);
    }
    const gap = frame - pos;
    if (gap < 0 || !Number.isInteger(gap)) return undefined;
    out += gap > 10 ? ` ${gap}ms ` : '-'.repeat(gap);
    out += symbols.length === 1 ? symbols[0] : `(${symbols.join('')})`;
    pos = frame + (symbols.length === 1 ? 1 : symbols.length + 2);
  }
  return out;
}

function row(frame: string, expected: string, actual: string, mark: boolean): string {
  return `${mark ? '✗' : ' '} ${frame.padStart(6)}  ${expected.padEnd(30)}  ${actual}`;
}

/** A frame-by-frame table of two event lists, differing rows marked with ✗. */
export function eventTable(actual: readonly MarbleEvent[], expected: readonly MarbleEvent[]): string[] {
  const frames = [...new Set([...actual, ...expected].map((e) => e.frame))].sort((a, b) => a - b);
  const lines = [row('frame', 'expected', 'actual', false)];
  for (const frame of frames) {
    const a = actual.filter((e) => e.frame === frame);
    const e = expected.filter((x) => x.frame === frame);
    for (let i = 0; i < Math.max(a.length, e.length); i++) {
      const ai = a[i];
      const ei = e[i];
      const differ = !ai || !ei || !deepEqual(ai.notification, ei.notification);
      lines.push(
        row(
          String(frame),
          ei ? describeNotification(ei.notification) : '—',
          ai ? describeNotification(ai.notification) : '—',
          differ,
        ),
      );
    }
  }
  return lines;
}

/** Renders subscription logs as marble lines (`^---!`). */
export function subscriptionMarble(log: SubscriptionFrames): string {
  const sub = log.subscribedFrame;
  if (log.unsubscribedFrame === Infinity) return `${'-'.repeat(sub)}^`;
  const gap = log.unsubscribedFrame - sub;
  return gap === 0 ? `${'-'.repeat(sub)}(^!)` : `${'-'.repeat(sub)}^${'-'.repeat(gap - 1)}!`;
}

/** The readable failure message of an event comparison; `values` give the letters for the actual marble. */
export function describeEventMismatch(
  label: string,
  actual: readonly MarbleEvent[],
  expected: readonly MarbleEvent[],
  expectedMarble: string,
  values?: Readonly<Record<string, unknown>>,
): string {
  const lines = [`${label} did not match`, `  expected: ${expectedMarble}`];
  const actualMarble = toMarble(actual, values);
  if (actualMarble !== undefined) lines.push(`  actual:   ${actualMarble}`);
  lines.push('', ...eventTable(actual, expected));
  return lines.join('\n');
}
