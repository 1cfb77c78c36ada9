/**
 * The metric names Tributary emits, relative to the client's prefix (default `tributary.stream`, so
 * `rows.incoming` is sent as `tributary.stream.rows.incoming`; with `arcaneCompatible` it is
 * `arcane.stream.rows.incoming`, Arcane's declared metric).
 */
export const MetricNames = {
  /** Counter: rows (change records) read from the source. */
  rowsIncoming: 'rows.incoming',
  /** Counter: rows written by the sink. */
  rowsOutgoing: 'rows.outgoing',
  /** Counter: batches written by the sink. */
  batches: 'batches',
  /** Counter: failures (tag `error_kind`). */
  errors: 'errors',
  /** Counter: restarts of a restartable source or flow. */
  restarts: 'restarts',
  /** Gauge: how far the source is behind its head, in milliseconds (fed by the source). */
  lag: 'lag',
  /** Gauge per buffering stage (tags `stage`, `stage_path`): elements held, waiting to be pushed. */
  stageBuffered: 'stage.buffered',
  /** Gauge per buffering stage: elements being processed (e.g. `mapAsync` calls not yet resolved). */
  stageInFlight: 'stage.in_flight',
  /** Gauge per buffering stage: the most it may hold. */
  stageCapacity: 'stage.capacity',
} as const;
