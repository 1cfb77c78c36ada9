import type { Workload } from '../lib/workload';
import { workloadA } from './a-pipeline';
import { workloadB } from './b-map-async';
import { workloadC } from './c-slow-sink';
import { workloadD } from './d-graph';
import { workloadE } from './e-grouped-within';
import { workloadF } from './f-restarts';
import { workloadG } from './g-map-chain';
import { workloadQ } from './q-cdc';
import { workloadR } from './r-lake';
import { workloadS } from './s-service-bus';

/** Every workload by id. */
export const WORKLOADS: Readonly<Record<string, Workload>> = { A: workloadA, B: workloadB, C: workloadC, D: workloadD, E: workloadE, F: workloadF, G: workloadG, Q: workloadQ, R: workloadR, S: workloadS };
