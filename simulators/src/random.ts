import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** 32-bit FNV-1a: turns (seed, labels) into independent stream seeds. */
export function deriveSeed(seed: number, ...labels: (string | number)[]): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (const ch of labels.join('|')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/**
 * Seeded random source. Generation never touches Math.random or the wall clock, so the same
 * seed yields the same bytes.
 */
export class Rng {
  private readonly gen: RandomGenerator;
  private spare: number | null = null;

  constructor(seed: number) {
    this.gen = xoroshiro128plus(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return uniformFloat64(this.gen);
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(lo: number, hiInclusive: number): number {
    return lo + Math.floor(this.next() * (hiInclusive - lo + 1));
  }

  /** Standard normal (Marsaglia polar method). */
  gauss(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = this.next() * 2 - 1;
      v = this.next() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    return u * m;
  }

  normal(mean: number, sd: number): number {
    return mean + sd * this.gauss();
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

/**
 * AR(1) (Ornstein-Uhlenbeck sampled at a fixed step): slow, realistic wander around 0 with a
 * stationary standard deviation `sd` and correlation time `tauMs`.
 */
export class Wander {
  private x: number;
  private readonly phi: number;
  private readonly innovation: number;

  constructor(
    private readonly rng: Rng,
    sd: number,
    tauMs: number,
    stepMs: number,
  ) {
    this.phi = Math.exp(-stepMs / tauMs);
    this.innovation = sd * Math.sqrt(1 - this.phi * this.phi);
    this.x = sd * rng.gauss();
  }

  step(): number {
    this.x = this.phi * this.x + this.innovation * this.rng.gauss();
    return this.x;
  }
}
