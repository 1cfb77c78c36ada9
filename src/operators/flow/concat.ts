import type { Blueprint } from '../../core/blueprint';
export function concat(_other: Blueprint): Blueprint {
  throw new Error('pending: concat');
}
export function prepend(_other: Blueprint): Blueprint {
  throw new Error('pending: prepend');
}
export function orElse(_other: Blueprint): Blueprint {
  throw new Error('pending: orElse');
}
