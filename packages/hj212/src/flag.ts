/** The header `Flag` byte: bit0 A (ack requested), bit1 D (split packet), bits 2..7 protocol version. */
export interface FlagBits {
  value: number;
  /** 0 = HJ/T 212-2005, 1 = HJ 212-2017; higher values are unknown future versions. */
  version: number;
  ackRequested: boolean;
  subPacket: boolean;
}

export function decodeFlag(value: number): FlagBits {
  return { value, version: value >>> 2, ackRequested: (value & 1) === 1, subPacket: (value & 2) === 2 };
}

export function encodeFlag(bits: { version: number; ackRequested: boolean; subPacket: boolean }): number {
  return ((bits.version & 0x3f) << 2) | (bits.subPacket ? 2 : 0) | (bits.ackRequested ? 1 : 0);
}
