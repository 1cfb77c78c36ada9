/**
 * A TDS 7.4 test server for the real `mssql`/tedious client (tests only). See docs/testing-sql-server.md.
 *
 * @example
 * import { TdsTestServer, type SqlHandler } from '../support/tds';
 * const server = await TdsTestServer.start({ handler });
 */
export { TdsTestServer, type TdsTestServerOptions, type TdsConnectionConfig } from './server';
export type {
  ColumnSpec,
  ColumnTypeName,
  ResultSet,
  SessionInfo,
  SqlErrorSpec,
  SqlHandler,
  SqlParam,
  SqlRequest,
  SqlResponse,
  TdsServerStats,
  TransactionInfo,
} from './api';
export type { TransactionEvent } from './session-state';
export { TdsFaults, type RequestPredicate } from './faults';
