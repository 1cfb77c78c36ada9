import type { Blueprint } from '../../core/blueprint';
export function tap(_sink: Blueprint, _mode: 'alsoTo' | 'wireTap'): Blueprint {
  throw new Error('pending: alsoTo');
}
