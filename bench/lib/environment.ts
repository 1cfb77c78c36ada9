import { readFileSync } from 'node:fs';
import * as os from 'node:os';

/** The machine and runtime the numbers were taken on. */
export interface Environment {
  readonly node: string;
  readonly v8: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly rxjs: string;
  /** 1-minute load average when the suite started: other work on the machine skews the numbers. */
  readonly loadAverage: number;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1]!.trim();
  } catch {
    // not Linux: fall back to os.cpus()
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

export function environment(): Environment {
  const rxjs = (require('rxjs/package.json') as { version: string }).version;
  return {
    node: process.version,
    v8: process.versions.v8,
    cpu: cpuModel(),
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    rxjs,
    loadAverage: os.loadavg()[0]!,
  };
}
