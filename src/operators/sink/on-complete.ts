import type { Blueprint } from '../../core/blueprint';
export function onCompleteSink(_callback: (error?: unknown) => void): Blueprint {
  throw new Error('pending: onComplete');
}
