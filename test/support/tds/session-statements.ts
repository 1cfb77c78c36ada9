/**
 * Recognises the statements the server answers itself, whatever the handler: the session housekeeping
 * tedious and mssql send on their own (the initial SET batch, pool validation `SELECT 1`), plus
 * `BEGIN/COMMIT/ROLLBACK TRAN` and `USE`, which must change session state the way SQL Server does.
 *
 * @example
 * classifySessionStatement('set ansi_nulls on\nset transaction isolation level read committed');
 * // { kind: 'set', isolationLevel: 'READ COMMITTED' }
 * classifySessionStatement('SELECT 1;'); // { kind: 'validation' }
 * classifySessionStatement('SELECT * FROM t'); // undefined: the handler answers
 */
export type SessionStatement =
  | { readonly kind: 'set'; readonly isolationLevel: string | undefined }
  | { readonly kind: 'validation' }
  | { readonly kind: 'begin'; readonly name: string }
  | { readonly kind: 'commit'; readonly name: string }
  | { readonly kind: 'rollback'; readonly name: string }
  | { readonly kind: 'use'; readonly database: string };

const ISOLATION = /^set\s+transaction\s+isolation\s+level\s+(read\s+uncommitted|read\s+committed|repeatable\s+read|serializable|snapshot)$/i;
const BEGIN = /^begin\s+tran(?:saction)?(?:\s+(\[[^\]]+\]|\w+))?$/i;
const COMMIT = /^commit(?:\s+(?:tran(?:saction)?|work))?(?:\s+(\[[^\]]+\]|\w+))?$/i;
const ROLLBACK = /^rollback(?:\s+(?:tran(?:saction)?|work))?(?:\s+(\[[^\]]+\]|\w+))?$/i;
const USE = /^use\s+(\[[^\]]+\]|\w+)$/i;

function statements(sql: string): string[] {
  return sql
    .split(/[;\n\r]+/)
    .map((s) => s.trim().replace(/\s+/g, ' '))
    .filter((s) => s.length > 0);
}

function unbracket(name: string | undefined): string {
  return name === undefined ? '' : name.replace(/^\[(.*)\]$/, '$1');
}

/** The session statement `sql` is made of, or undefined when it is for the handler. */
export function classifySessionStatement(sql: string): SessionStatement | undefined {
  const parts = statements(sql);
  if (parts.length === 0) return undefined;
  if (parts.every((s) => /^set\s+(?!@)/i.test(s))) {
    let isolationLevel: string | undefined;
    for (const s of parts) {
      const m = ISOLATION.exec(s);
      if (m !== null) isolationLevel = (m[1] as string).toUpperCase().replace(/\s+/g, ' ');
    }
    return { kind: 'set', isolationLevel };
  }
  if (parts.length !== 1) return undefined;
  const s = parts[0] as string;
  if (/^select 1$/i.test(s)) return { kind: 'validation' };
  let m = BEGIN.exec(s);
  if (m !== null) return { kind: 'begin', name: unbracket(m[1]) };
  m = COMMIT.exec(s);
  if (m !== null) return { kind: 'commit', name: unbracket(m[1]) };
  m = ROLLBACK.exec(s);
  if (m !== null) return { kind: 'rollback', name: unbracket(m[1]) };
  m = USE.exec(s);
  if (m !== null) return { kind: 'use', database: unbracket(m[1]) };
  return undefined;
}

/** tedious's `ISOLATION_LEVEL` byte (TM_BEGIN_XACT) as T-SQL text; 0 means "no change". */
export function isolationLevelName(level: number): string | undefined {
  return ({ 1: 'READ UNCOMMITTED', 2: 'READ COMMITTED', 3: 'REPEATABLE READ', 4: 'SERIALIZABLE', 5: 'SNAPSHOT' } as Record<number, string>)[level];
}
