#!/usr/bin/env node
/**
 * hj212 parse | build: stdin → stdout, one output line per input line. Contract in README.md.
 * I/O lives here only; everything else in the package is pure.
 */
import { once } from 'node:events';
import { z } from 'zod';
import { buildPacket } from './build.js';
import { packetJson, toBuildInput } from './cli-shape.js';
import { Hj212Error } from './errors.js';
import { readLines } from './lines.js';
import { parsePacket } from './packet.js';

const MAX_LINE_BYTES = 1 << 20;
const USAGE = 'usage: hj212 parse|build [--crlf]\n  parse: frames in (one per line) → JSON lines out\n  build: JSON lines in → frames out\n';

function errorLine(code: string, message: string): string {
  return JSON.stringify({ ok: false, error: { code, message } });
}

function describe(err: unknown): string {
  if (err instanceof Hj212Error) return JSON.stringify({ ok: false, error: err.toJSON() });
  if (err instanceof z.ZodError) {
    const issues = err.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ');
    return errorLine('BAD_INPUT', issues);
  }
  return errorLine('INTERNAL', err instanceof Error ? err.message : String(err));
}

function parseLine(bytes: Buffer): string {
  if (bytes.every((b) => b === 0x20 || b === 0x09)) return errorLine('EMPTY_LINE', 'empty line (no frame)');
  try {
    return JSON.stringify({ ok: true, packet: packetJson(parsePacket(bytes)) });
  } catch (err) {
    return describe(err);
  }
}

function buildLine(bytes: Buffer, crlf: boolean): string {
  const text = bytes.toString('utf8');
  if (text.trim() === '') return errorLine('EMPTY_LINE', 'empty line (no JSON)');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return errorLine('BAD_JSON', `not JSON: ${(err as Error).message}`);
  }
  if (json !== null && typeof json === 'object' && (json as { ok?: unknown }).ok === false) {
    return errorLine('BAD_INPUT', 'input line is an error result ({"ok":false}): nothing to build');
  }
  try {
    return buildPacket(toBuildInput(json), { crlf: false }) + (crlf ? '\r' : '');
  } catch (err) {
    return describe(err);
  }
}

async function main(argv: string[]): Promise<number> {
  const [mode, ...flags] = argv;
  if (mode !== 'parse' && mode !== 'build') {
    process.stderr.write(USAGE);
    return mode === '--help' || mode === '-h' ? 0 : 2;
  }
  const crlf = flags.includes('--crlf');
  let internal = 0;
  for await (const line of readLines(process.stdin, MAX_LINE_BYTES)) {
    let out: string;
    if (line.bytes === undefined) out = errorLine('TOO_LONG', `input line of ${line.tooLong} bytes exceeds ${MAX_LINE_BYTES}`);
    else out = mode === 'parse' ? parseLine(line.bytes) : buildLine(line.bytes, crlf);
    if (out.includes('"code":"INTERNAL"')) internal++;
    if (!process.stdout.write(out + '\n')) await once(process.stdout, 'drain');
  }
  return internal > 0 ? 1 : 0;
}

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`hj212: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
