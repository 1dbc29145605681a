/** Typed arrays ⇄ base64 for JSON snapshots. */
type Typed = Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array | Int8Array | Uint16Array;

export function toB64(a: Typed): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function fromB64<T extends Typed>(s: string, ctor: { new (buf: ArrayBuffer): T }): T {
  const b = Buffer.from(s, 'base64');
  const copy = new ArrayBuffer(b.byteLength);
  new Uint8Array(copy).set(b);
  return new ctor(copy);
}
