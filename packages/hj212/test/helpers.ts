import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface FixtureLine {
  source: string;
  raw: string;
  crcValid: boolean;
  lengthValid?: boolean;
  version?: '2017' | '2005';
  expectReject: boolean;
  expectCode?: string;
  expect?: { ST: string; CN: string; MN: string; DataTime?: string; fields: Record<string, string> };
  note?: string;
}

export function readFixture(name: string): FixtureLine[] {
  const path = fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as FixtureLine);
}
