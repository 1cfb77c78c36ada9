import type { Summary } from './stats';

/** A rate with a unit suffix: `25.3 M`, `7.52 k`, `812`. */
export function rate(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(1)} M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)} k`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(2)} k`;
  return x.toFixed(0);
}

/** `median (min–max)` with `fmt`, or `n/a`. */
export function spread(s: Summary | undefined, fmt: (x: number) => string): string {
  if (!s) return 'n/a';
  return s.runs === 1 ? fmt(s.median) : `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

export const mb = (x: number): string => x.toFixed(1);
export const ratio = (x: number | undefined): string => (x === undefined ? 'n/a' : `${x.toFixed(2)}×`);
export const pct = (x: number | undefined): string => (x === undefined ? 'n/a' : `${x.toFixed(1)} %`);
export const mark = (met: boolean): string => (met ? '✔' : '✘');

/** Renders rows under headers as a fixed-width text table (first column left-aligned, others right-aligned). */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
