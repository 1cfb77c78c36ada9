/**
 * Tributary's testing kit: a virtual clock, probes, marble helpers and boundedness assertions.
 * @packageDocumentation
 */
export { TestClock } from './test-clock';
export { TestSink, TestSource, SinkProbe, SourceProbe, ProbeAssertionError, deepEqual } from './probes';
export {
  testFlow,
  marbleTest,
  assertMarbleEqual,
  type MarbleContext,
  type MarbleTestOptions,
  type TestFlowOptions,
} from './marbles';
export { MarbleSource, MarbleSink } from './marble-ports';
export {
  MarbleAssertionError,
  type MarbleAssert,
  type MarbleEvent,
  type MarbleNotification,
  type SubscriptionFrames,
} from './marble-format';
export {
  expectBounded,
  BoundednessError,
  type BoundedReport,
  type BoundedStage,
  type ExpectBoundedOptions,
} from './expect-bounded';
