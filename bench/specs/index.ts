import type { Spec } from '../lib/spec';
import { specA } from './a';
import { specB } from './b';
import { specC } from './c';
import { specD } from './d';
import { specE } from './e';
import { specF } from './f';
import { specG } from './g';
import { specQ } from './q';
import { specR } from './r';
import { specS } from './s';

/** The suite, in the order it runs. */
export const SPECS: readonly Spec[] = [specA, specB, specC, specD, specE, specF, specG, specQ, specR, specS];
