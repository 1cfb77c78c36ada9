import type { SqlParam } from './api';
import { readParamTypeInfo, readParamValue } from './param-decoder';
import { ProcIdNames, TmRequestType } from './protocol';
import { TdsProtocolError, TdsReader } from './wire';

/**
 * Parsers for the client request messages: SQL batch (2.2.6.7), RPC (2.2.6.6) and transaction manager
 * (2.2.6.9). Each skips ALL_HEADERS (2.2.5.3) after reading the transaction descriptor it carries.
 *
 * @example
 * const batch = parseSqlBatch(message.payload); // { sql: 'set ansi_nulls on ...', transactionDescriptor }
 * const rpc = parseRpc(message.payload); // { procedure: 'sp_executesql', sql: 'SELECT 1 AS x', params: {} }
 */

export interface ParsedBatch {
  readonly sql: string;
  readonly transactionDescriptor: Buffer;
}

export interface ParsedRpc {
  readonly procedure: string;
  /** sp_executesql: the statement; otherwise the procedure name. */
  readonly sql: string;
  readonly paramDeclarations: string | undefined;
  readonly params: Record<string, SqlParam>;
  readonly transactionDescriptor: Buffer;
}

export interface ParsedTm {
  readonly op: 'begin' | 'commit' | 'rollback' | 'save';
  readonly name: string;
  /** TM_BEGIN_XACT isolation level byte (0 = no change). */
  readonly isolationLevel: number;
  /** COMMIT/ROLLBACK fBeginXact: start a new transaction right away. */
  readonly beginNew: boolean;
  readonly transactionDescriptor: Buffer;
}

function readAllHeaders(r: TdsReader): Buffer {
  const start = r.pos;
  const total = r.u32('ALL_HEADERS TotalLength');
  let descriptor: Buffer = Buffer.alloc(8);
  while (r.pos < start + total) {
    const headerStart = r.pos;
    const headerLength = r.u32('header HeaderLength');
    const type = r.u16('header HeaderType');
    if (type === 2) descriptor = r.bytes(8, 'TransactionDescriptor');
    r.pos = headerStart + headerLength;
  }
  r.pos = start + total;
  return descriptor;
}

/** A SQL batch: ALL_HEADERS, then the UCS-2 text to the end of the message. */
export function parseSqlBatch(payload: Buffer): ParsedBatch {
  const r = new TdsReader(payload, 'SQL batch');
  const transactionDescriptor = readAllHeaders(r);
  return { sql: payload.toString('ucs2', r.pos), transactionDescriptor };
}

/** An RPC request with one procedure call (batched RPCs are not used by tedious). */
export function parseRpc(payload: Buffer): ParsedRpc {
  const r = new TdsReader(payload, 'RPC request');
  const transactionDescriptor = readAllHeaders(r);
  const nameLength = r.u16('ProcNameLength');
  let procedure: string;
  if (nameLength === 0xffff) {
    const id = r.u16('ProcID');
    procedure = ProcIdNames[id] ?? `procid:${id}`;
  } else {
    procedure = r.ucs2(nameLength, 'ProcName');
  }
  r.u16('OptionFlags');
  const all: Array<{ name: string; param: SqlParam }> = [];
  let index = 0;
  while (r.remaining > 0) {
    const rawName = r.bVarChar(`parameter ${index} name`);
    const field = rawName === '' ? `parameter #${index}` : rawName;
    const status = r.u8(`${field} StatusFlags`);
    const info = readParamTypeInfo(r, field);
    const value = readParamValue(r, info, field);
    all.push({ name: rawName.replace(/^@/, ''), param: { type: info.declaration, value, output: (status & 0x01) !== 0 } });
    index++;
  }
  if (procedure === 'sp_executesql') {
    const [statement, declarations, ...rest] = all;
    if (statement === undefined || typeof statement.param.value !== 'string') {
      throw new TdsProtocolError('RPC sp_executesql: the first parameter (@statement) must be an nvarchar statement');
    }
    const params: Record<string, SqlParam> = {};
    for (const p of rest) params[p.name] = p.param;
    const decl = declarations?.param.value;
    return {
      procedure,
      sql: statement.param.value,
      paramDeclarations: typeof decl === 'string' ? decl : undefined,
      params,
      transactionDescriptor,
    };
  }
  const params: Record<string, SqlParam> = {};
  all.forEach((p, i) => {
    params[p.name === '' ? String(i) : p.name] = p.param;
  });
  return { procedure, sql: procedure, paramDeclarations: undefined, params, transactionDescriptor };
}

/** A transaction manager request: BEGIN (isolation level, name), COMMIT/ROLLBACK (name, flags), SAVE (name). */
export function parseTransactionManager(payload: Buffer): ParsedTm {
  const r = new TdsReader(payload, 'transaction manager request');
  const transactionDescriptor = readAllHeaders(r);
  const type = r.u16('RequestType');
  const readName = (): string => {
    const bytes = r.u8('transaction name length');
    return r.ucs2(bytes / 2, 'transaction name');
  };
  switch (type) {
    case TmRequestType.BEGIN: {
      const isolationLevel = r.u8('isolation level');
      return { op: 'begin', isolationLevel, name: readName(), beginNew: false, transactionDescriptor };
    }
    case TmRequestType.COMMIT:
    case TmRequestType.ROLLBACK: {
      const name = readName();
      const flags = r.remaining > 0 ? r.u8('flags') : 0;
      return { op: type === TmRequestType.COMMIT ? 'commit' : 'rollback', name, isolationLevel: 0, beginNew: (flags & 1) !== 0, transactionDescriptor };
    }
    case TmRequestType.SAVE:
      return { op: 'save', name: readName(), isolationLevel: 0, beginNew: false, transactionDescriptor };
    default:
      throw new TdsProtocolError(`transaction manager request type ${type} is not supported (DTC is not implemented)`);
  }
}
