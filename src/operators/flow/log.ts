import type { Blueprint } from '../../core/blueprint';
/** Options of `log`. */
export interface LogOptions {
  /** Where lines go; default `console`. */
  readonly logger?: { debug(msg: string): void; info(msg: string): void; warn(msg: string): void; error(msg: string): void };
}
export function log<T>(_name: string, _extract?: (element: T) => unknown, _options?: LogOptions): Blueprint {
  throw new Error('pending: log');
}
