/**
 * Tributary's testing kit: a virtual clock, probes, marble helpers and boundedness assertions.
 * @packageDocumentation
 */
export { TestClock } from './test-clock';
export { TestSink, TestSource, SinkProbe, SourceProbe, ProbeAssertionError, deepEqual } from './probes';
