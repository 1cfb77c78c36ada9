import type { SqlErrorSpec } from './api';
import type { ColumnCodec } from './column-codecs';
import { DEFAULT_COLLATION, EnvChangeType, TDS_VERSION_7_4, Token } from './protocol';
import { TdsWriter } from './wire';

/**
 * Writers for the server-to-client tokens (2.2.7). Each appends one token to a {@link TdsWriter}.
 *
 * @example
 * const w = new TdsWriter();
 * writeColMetadata(w, codecs);
 * writeRow(w, codecs, [1, 'a'], 'row 0');
 * writeDone(w, Token.DONEINPROC, DoneStatus.COUNT | DoneStatus.MORE, 1);
 */

/** LOGINACK: interface SQL_TSQL, TDS 7.4, "Microsoft SQL Server" 16.0.1000. */
export function writeLoginAck(w: TdsWriter): void {
  const progName = 'Microsoft SQL Server';
  const body = new TdsWriter(64);
  body.u8(1).u32be(TDS_VERSION_7_4).bVarChar(progName).u8(16).u8(0).u8(0x03).u8(0xe8);
  w.u8(Token.LOGINACK).u16(body.length).bytes(body.view());
}

function writeEnvChange(w: TdsWriter, body: TdsWriter): void {
  w.u8(Token.ENVCHANGE).u16(body.length).bytes(body.view());
}

/** ENVCHANGE with B_VARCHAR new/old values (database, language, packet size). */
export function writeEnvChangeText(w: TdsWriter, type: number, newValue: string, oldValue: string): void {
  writeEnvChange(w, new TdsWriter(64).u8(type).bVarChar(newValue).bVarChar(oldValue));
}

/** ENVCHANGE SQL collation (type 7): the server default collation. */
export function writeEnvChangeCollation(w: TdsWriter): void {
  writeEnvChange(w, new TdsWriter(16).u8(EnvChangeType.SQL_COLLATION).bVarByte(DEFAULT_COLLATION).bVarByte(Buffer.alloc(0)));
}

/** ENVCHANGE begin (8) / commit (9) / rollback (10) transaction with its 8-byte descriptor. */
export function writeEnvChangeTransaction(
  w: TdsWriter,
  type: typeof EnvChangeType.BEGIN_TRANSACTION | typeof EnvChangeType.COMMIT_TRANSACTION | typeof EnvChangeType.ROLLBACK_TRANSACTION,
  descriptor: Buffer,
): void {
  const empty = Buffer.alloc(0);
  const body = new TdsWriter(32).u8(type);
  if (type === EnvChangeType.BEGIN_TRANSACTION) body.bVarByte(descriptor).bVarByte(empty);
  else body.bVarByte(empty).bVarByte(descriptor);
  writeEnvChange(w, body);
}

/** ENVCHANGE reset-connection acknowledgement (18). */
export function writeEnvChangeResetAck(w: TdsWriter): void {
  writeEnvChange(w, new TdsWriter(4).u8(EnvChangeType.RESET_CONNECTION).u8(0).u8(0));
}

/** DONE / DONEPROC / DONEINPROC: status, current command, 8-byte row count. */
export function writeDone(w: TdsWriter, token: number, status: number, rowCount = 0, curCmd = 0xc1): void {
  w.u8(token).u16(status).u16(curCmd).u64(BigInt(rowCount));
}

/** ERROR (or INFO) token: number, state, class, message, server name, procedure name, line. */
export function writeMessage(
  w: TdsWriter,
  token: typeof Token.ERROR | typeof Token.INFO,
  m: { number: number; state: number; severity: number; message: string; serverName: string; procedure: string; line: number },
): void {
  const body = new TdsWriter(128)
    .i32(m.number)
    .u8(m.state)
    .u8(m.severity)
    .usVarChar(m.message)
    .bVarChar(m.serverName)
    .bVarChar(m.procedure)
    .i32(m.line);
  w.u8(token).u16(body.length).bytes(body.view());
}

/** ERROR token of a handler-level error spec (state 1, severity 16, line 1 unless given). */
export function writeSqlError(w: TdsWriter, e: SqlErrorSpec, serverName: string): void {
  writeMessage(w, Token.ERROR, {
    number: e.number,
    state: e.state ?? 1,
    severity: e.severity ?? 16,
    message: e.message,
    serverName,
    procedure: e.procedure ?? '',
    line: e.line ?? 1,
  });
}

/** RETURNSTATUS: the procedure's int return value. */
export function writeReturnStatus(w: TdsWriter, value: number): void {
  w.u8(Token.RETURNSTATUS).i32(value);
}

/** COLMETADATA: count, then per column UserType (4 bytes), Flags (nullable, updatable unknown), TYPE_INFO, name. */
export function writeColMetadata(w: TdsWriter, codecs: readonly ColumnCodec[]): void {
  w.u8(Token.COLMETADATA).u16(codecs.length);
  for (const c of codecs) {
    w.u32(0).u16((c.nullable ? 0x0001 : 0) | 0x0008);
    c.writeTypeInfo(w);
    w.bVarChar(c.name);
  }
}

/** ROW, or NBCROW (null bitmap, nulls omitted) when the row has a NULL, as SQL Server does. */
export function writeRow(w: TdsWriter, codecs: readonly ColumnCodec[], row: readonly unknown[], where: string): void {
  if (row.length !== codecs.length) {
    throw new RangeError(`${where}: has ${row.length} value(s) but the result set has ${codecs.length} column(s)`);
  }
  let hasNull = false;
  for (let i = 0; i < row.length; i++) {
    if (row[i] === null || row[i] === undefined) {
      hasNull = true;
      const codec = codecs[i] as ColumnCodec;
      if (!codec.nullable) throw new TypeError(`${where}: column '${codec.name}' is declared NOT NULL but the value is ${String(row[i])}`);
    }
  }
  if (!hasNull) {
    w.u8(Token.ROW);
    for (let i = 0; i < row.length; i++) (codecs[i] as ColumnCodec).writeValue(w, row[i], where);
    return;
  }
  w.u8(Token.NBCROW);
  const bitmap = Buffer.alloc(Math.ceil(codecs.length / 8));
  for (let i = 0; i < row.length; i++) {
    if (row[i] === null || row[i] === undefined) bitmap[i >> 3] = (bitmap[i >> 3] as number) | (1 << (i & 7));
  }
  w.bytes(bitmap);
  for (let i = 0; i < row.length; i++) {
    if (row[i] !== null && row[i] !== undefined) (codecs[i] as ColumnCodec).writeValue(w, row[i], where);
  }
}

