/**
 * Tributary: bounded, backpressured Source → Flow → Sink streams on RxJS.
 * @packageDocumentation
 */
export { Source } from './dsl/source';
export { Flow } from './dsl/flow';
export { Sink } from './dsl/sink';
export { RunnableGraph } from './dsl/runnable-graph';
export { Keep, type NotUsed } from './dsl/keep';
export { FlowOps, type Repr, type SupervisionOptions } from './dsl/flow-ops';
export { KillSwitches, type KillSwitch, type UniqueKillSwitch, type SharedKillSwitch } from './dsl/kill-switches';
export { RestartSource, type RestartSettings } from './dsl/restart-source';

export { Attributes, type AttributeValues, type LogLevel } from './core/attributes';
export { Supervision, type Decider, type Directive } from './core/supervision';
export {
  OverflowStrategy,
  BufferOverflowError,
  type DroppingOverflowStrategy,
} from './core/overflow-strategy';
export { StageFailure, rootCause } from './core/stage-failure';
export { NoSuchElementError, RateExceededError, StreamLimitReachedError, StreamTimeoutError } from './core/errors';
export { EmptyResultError } from './core/first-value';
export { NoMoreElementsNeeded } from './core/protocol';
export {
  Materializer,
  type MaterializerSettings,
  type BufferStats,
  type StageInfo,
  type StageObserver,
} from './core/materializer';
export type { StageContext } from './core/blueprint';
export { RingBuffer } from './core/ring-buffer';

export { GraphStage, SimpleGraphStage, GraphStageLogic, StageProtocolError, type InHandler, type OutHandler } from './stage/graph-stage';
export { Inlet, Outlet, SourceShape, FlowShape, SinkShape, type Shape } from './stage/shape';
export { SubSinkInlet, SubSourceOutlet } from './stage/sub-stream';
export { UnboundedOperatorError } from './operators/flow/from-operator';
export { AlreadySubscribedError } from './operators/sink/to-observable';
export { QueueClosedError, type BoundedSourceQueue, type QueueOfferResult, type QueueClosedReason } from './operators/source/queue';
export { NeverMaterializedError } from './operators/source/lazy';
export type { FromObservableOptions } from './operators/source/from-observable';
export type { Cancellable } from './operators/source/tick';
export type { ThrottleOptions } from './operators/flow/throttle';
export type { DelayOptions, DelayOverflowStrategy } from './operators/flow/delay';
export type { MergeOptions } from './operators/flow/merge';
export type { LogOptions } from './operators/flow/log';
export type { FromReadableOptions } from './operators/source/from-readable';
export type { SourceInput } from './operators/source/from';
export { DrainingControl } from './context/draining-control';
export type { Committable } from './context/committable';
export { GraphDSL, GraphBuilder, PortOps, GraphValidationError, type OutletSource, type InletTarget } from './graph/graph-dsl';
export type { Graph } from './graph/graph';
export { ClosedShape, UniformFanInShape, UniformFanOutShape, FanInShape2, FanOutShape2 } from './stage/shape';
export { Broadcast, type BroadcastOptions } from './graph/junctions/broadcast';
export { Merge, type MergeJunctionOptions } from './graph/junctions/merge';
export type { CheckpointStore, CheckpointSchema, Versioned } from './state/checkpoint-store';
export { CheckpointConflictError, CheckpointFormatError, LeaseLostError } from './state/errors';
export { InMemoryCheckpointStore } from './state/in-memory-checkpoint-store';
export { FileCheckpointStore, type FileCheckpointStoreOptions } from './state/file-checkpoint-store';
export { CheckpointCommitter, type CheckpointCommitterOptions, type PartitionOffsets } from './state/checkpoint-committer';
export { withLease, type Lease, type LeasedGraph, type WithLeaseOptions } from './state/lease';
export { leasedGraph } from './state/leased-graph';
export { MergePreferred, MergePreferredShape } from './graph/junctions/merge-preferred';
export { MergePrioritized } from './graph/junctions/merge-prioritized';
export { MergeSorted } from './graph/junctions/merge-sorted';
export { MergeLatest } from './graph/junctions/merge-latest';
export { Concat, type ConcatOptions } from './graph/junctions/concat';
export { Interleave, type InterleaveOptions } from './graph/junctions/interleave';
export { Zip, ZipWith } from './graph/junctions/zip-with';
export { ZipLatest, ZipLatestWith } from './graph/junctions/zip-latest';
export { Unzip, UnzipWith } from './graph/junctions/unzip';
export { Partition, PartitionOutOfBoundsError, type PartitionOptions } from './graph/junctions/partition';
export { Balance, type BalanceOptions } from './graph/junctions/balance';
export { SourceWithContext } from './context/source-with-context';
export { FlowWithContext } from './context/flow-with-context';
export type { TrackedSourceWithContext, TrackedFlowWithContext } from './context/tracked';
export { Committer, type CommitterSettings } from './context/committer';
export type { CommitResult } from './context/committer-stage';
export type { CommitTracker, CommitTrackerOptions, CommitTrackerStats } from './context/commit-tracker';
export { CommitFailedError, OffsetOrderError, UntrackedOffsetError, UnacknowledgedOffsetsError } from './context/errors';
export { RestartFlow } from './retry/restart-flow';
export { RestartSink } from './retry/restart-sink';
export { RetryFlow } from './retry/retry-flow';
export { SubFlow, type SubFlowTag } from './dsl/flow-ops';
export type { GroupByOptions, GroupByOverflow } from './substreams/group-by';
export type { PrefixAndTailOptions } from './substreams/prefix-and-tail';
export type { SubstreamStats } from './substreams/split-merge-logic';
export { TooManySubstreamsError, SubscriptionTimeoutError, AlreadyMaterializedError } from './substreams/errors';
export { MergeHub } from './hubs/merge-hub';
export { BroadcastHub } from './hubs/broadcast-hub';
export { PartitionHub } from './hubs/partition-hub';
