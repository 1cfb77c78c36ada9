/**
 * `tributary/sources/sql-server-cdc`: the SQL Server change data capture source. See docs/sql-server-cdc.md.
 * @packageDocumentation
 */
export { SqlServerCdcSource } from './source';
export type { SqlServerCdcOptions } from './options';
export type { CdcControl, CdcStats, CdcPhase } from './source-stage';
export {
  UNAVAILABLE_VALUE,
  type ChangeEvent,
  type ChangeOp,
  type ChangeSourceInfo,
  type CdcRow,
  type CdcValue,
  type CdcOffset,
  type CdcChangeOffset,
  type CdcSnapshotOffset,
  type CdcPosition,
  type CaptureInstanceIdentity,
  type CdcNotification,
} from './types';
export { cdcCheckpointKey, type CdcCheckpoint, type CdcInstanceCheckpoint, type CdcSnapshotCheckpoint, type CdcSnapshotTableCheckpoint } from './checkpoint';
export {
  CdcNotEnabledError,
  CdcDataLossError,
  CdcCaptureInstanceError,
  CdcPermissionError,
  CdcChangeStreamError,
  CdcTransientError,
  CdcQueryError,
} from './errors';
export { hostCdcObserver, CdcMetricNames, type CdcObserver, type CdcIteration } from './observer';
export type { CdcConnection } from './client';
export type { TableSelection } from './table-selection';
export type { StartFrom } from './session';
export type { CdcDiscovery, DiscoveredTable, DiscoveredInstance, DiscoveredJob, CdcConnectionCheck } from './discovery';
export { formatLsn, compareLsn, type Lsn } from './lsn';
export { comparePosition } from './position';
export { Statements, statementNameOf, type Statement, type StatementName } from './statements';
