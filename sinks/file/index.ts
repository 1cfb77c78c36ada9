/**
 * `tributary/sinks/file`: local file sinks.
 * @packageDocumentation
 */
export { ndjsonFileSink, type NdjsonFileSinkOptions, type NdjsonFileSummary } from './ndjson-file-sink';
