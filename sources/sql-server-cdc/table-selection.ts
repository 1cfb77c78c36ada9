/** Which tables a source streams: names (`schema.table`, `dbo` when no schema is given) or patterns with `*`. */
export type TableSelection = readonly string[] | { readonly include: readonly string[]; readonly exclude?: readonly string[] };

/** Matches `schema.table` names against a `TableSelection` (case-insensitive, as SQL Server's default collation). */
export class TableFilter {
  private readonly include: readonly RegExp[];
  private readonly exclude: readonly RegExp[];
  /** Names listed without a wildcard: each must exist and be tracked by CDC. */
  readonly explicit: readonly string[];

  constructor(selection: TableSelection) {
    const list = Array.isArray(selection) ? (selection as readonly string[]) : (selection as { include: readonly string[] }).include;
    const excluded = Array.isArray(selection) ? [] : ((selection as { exclude?: readonly string[] }).exclude ?? []);
    if (!Array.isArray(list) || list.length === 0 || list.some((t) => typeof t !== 'string' || t.trim() === '')) {
      throw new TypeError(`SqlServerCdcSource: tables must name at least one table ('schema.table' or a pattern with *), got ${JSON.stringify(selection)}`);
    }
    this.include = list.map(pattern);
    this.exclude = excluded.map(pattern);
    this.explicit = list.filter((t) => !t.includes('*')).map(qualify);
  }

  /** Whether `schema.table` is selected. */
  matches(sourceTable: string): boolean {
    return this.include.some((p) => p.test(sourceTable)) && !this.exclude.some((p) => p.test(sourceTable));
  }
}

/** `Orders` → `dbo.Orders`; `[dbo].[Orders]` → `dbo.Orders`. */
export function qualify(name: string): string {
  const unbracketed = name.trim().replace(/^\[(.*)\]\.\[(.*)\]$/, '$1.$2').replace(/^\[(.*)\]$/, '$1');
  return unbracketed.includes('.') ? unbracketed : `dbo.${unbracketed}`;
}

function pattern(name: string): RegExp {
  const escaped = qualify(name)
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`, 'i');
}
