/**
 * What a source with durable positions offers the committer (Alpakka's committable offsets): offsets are opaque
 * to the engine and ordered per partition. `commit` persists, for each partition present, that everything up to
 * and including the given offset has been processed. Sources (SQL Server CDC, Service Bus, user sources) and
 * checkpoint stores implement it, so one committer serves them all.
 */
export interface Committable<Offset> {
  /** The partition an offset belongs to (offsets of one partition are totally ordered). */
  partitionOf(offset: Offset): string;
  /** Persists the given offsets (at most one per partition, the highest processed). */
  commit(offsets: readonly Offset[]): Promise<void>;
}
