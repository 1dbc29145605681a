import { describe, expect, it } from 'vitest';
import { RecentKeys } from '../src/dedup.js';

describe('RecentKeys', () => {
  it('remembers up to its capacity and forgets the least recently seen first', () => {
    const recent = new RecentKeys(3);
    for (const k of ['a', 'b', 'c']) recent.add(k);
    expect(recent.has('a')).toBe(true); // a is now the freshest
    recent.add('d'); // evicts b, the least recently seen
    expect(recent.size).toBe(3);
    expect(recent.has('b')).toBe(false);
    expect(['a', 'c', 'd'].every((k) => recent.has(k))).toBe(true);
  });

  it('keeps exactly the last N keys of a long stream (steady-state eviction)', () => {
    const recent = new RecentKeys(1_000);
    for (let i = 0; i < 50_000; i++) recent.add(`k${i}`);
    expect(recent.size).toBe(1_000);
    expect(recent.has('k48999')).toBe(false);
    expect(recent.has('k49000')).toBe(true);
    expect(recent.has('k49999')).toBe(true);
  });

  it('forgets a deleted key (a packet that did not reach the bus must get through when resent)', () => {
    const recent = new RecentKeys(10);
    recent.add('x');
    recent.delete('x');
    expect(recent.has('x')).toBe(false);
  });
});
