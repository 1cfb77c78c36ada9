import type { Blueprint } from '../../core/blueprint';
export function mapError(_f: (error: unknown) => unknown): Blueprint {
  throw new Error('pending: mapError');
}
