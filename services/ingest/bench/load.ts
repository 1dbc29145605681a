/**
 * Load generator for ingest.bench.ts, run as a child process so that devices do not share the
 * event loop with the ingest under test. Protocol over IPC: the parent sends `{ cmd: 'run', ... }`
 * and a stream of `{ cmd: 'seen', n }` (packets seen on the bus); the child answers
 * `{ done: true, published }`. Closed loop: at most `outstanding` packets published but not seen.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import mqtt from 'mqtt';
import { buildPacket } from '@offsite/hj212';
import { formatDataTime } from '@offsite/domain';

export const POLLUTANTS = ['a21026', 'a21002', 'a34013', 'a19001', 'a01012', 'a01013', 'a01014', 'a00000', 'a21005', 'a21024', 'a01011', 'a05002', 'a24088', 'a21001'];

export interface RunCommand {
  cmd: 'run';
  kind: 'mqtt' | 'tcp';
  url?: string;
  port?: number;
  topicPrefix?: string;
  durationMs: number;
  outstanding: number;
  publishers: number;
  devices: number;
  run: string;
  phase: string;
}

let seq = 0;
const lastQn = new Map<string, number>();
/** A real-time upload with 14 factors (~700 bytes), unique QN per MN and values per packet. */
function packet(mn: string, now: number): string {
  seq++;
  const cp: Record<string, string> = { DataTime: formatDataTime(now) };
  for (const [i, code] of POLLUTANTS.entries()) {
    // the first value carries the sequence number, so no two packets of a device are identical
    cp[`${code}-Rtd`] = i === 0 ? (seq / 100).toFixed(2) : (10 + ((seq * (i + 3)) % 900) / 10).toFixed(2);
    cp[`${code}-Flag`] = 'N';
  }
  // QN is the request id: strictly increasing per MN, or ingest rightly takes the packet for a resend
  const qnAt = Math.max(now, (lastQn.get(mn) ?? 0) + 1);
  lastQn.set(mn, qnAt);
  return buildPacket({ qn: formatDataTime(qnAt, true), st: '31', cn: '2011', pw: '123456', mn, flag: 5, cp });
}

let seen = 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runMqtt(c: RunCommand): Promise<number> {
  const clients = await Promise.all(Array.from({ length: c.publishers }, (_, i) => mqtt.connectAsync(c.url!, { clientId: `bench-pub-${c.run}-${c.phase}-${i}` })));
  let published = 0;
  const stopAt = Date.now() + c.durationMs;
  await Promise.all(
    clients.map(async (client, ci) => {
      let i = ci;
      while (Date.now() < stopAt) {
        if (published - seen >= c.outstanding) {
          await sleep(2);
          continue;
        }
        const burst: Array<Promise<unknown>> = [];
        for (let k = 0; k < 50; k++, i += c.publishers) {
          const mn = `BENCH${c.run}${String(i % c.devices).padStart(6, '0')}`;
          burst.push(client.publishAsync(`${c.topicPrefix ?? ''}hj212/${mn}/up`, packet(mn, Date.now()), { qos: 1 }));
          published++;
        }
        await Promise.all(burst);
      }
    }),
  );
  await Promise.all(clients.map((cl) => cl.endAsync()));
  return published;
}

async function runTcp(c: RunCommand): Promise<number> {
  let published = 0;
  const stopAt = Date.now() + c.durationMs;
  const perConnection = Math.max(1, Math.floor(c.outstanding / c.publishers));
  await Promise.all(
    Array.from({ length: c.publishers }, async (_, ci) => {
      const socket: Socket = tcpConnect(c.port!, '127.0.0.1');
      await new Promise<void>((r) => socket.once('connect', () => r()));
      let acked = 0;
      socket.on('data', (b) => (acked += b.toString('latin1').split('CN=9014').length - 1));
      // one logger per connection, speaking for its own block of MNs (a gateway)
      const devicesHere = Math.max(1, Math.floor(c.devices / c.publishers));
      let sent = 0;
      while (Date.now() < stopAt) {
        if (sent - acked >= perConnection || published - seen >= c.outstanding) {
          await sleep(2);
          continue;
        }
        let chunk = '';
        for (let k = 0; k < 20; k++) chunk += packet(`BENCH${c.run}${String(ci * devicesHere + ((sent + k) % devicesHere)).padStart(6, '0')}`, Date.now());
        sent += 20;
        published += 20;
        if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
      }
      const deadline = Date.now() + 20_000;
      while (acked < sent && Date.now() < deadline) await sleep(10);
      socket.destroy();
    }),
  );
  return published;
}

process.on('message', (msg: RunCommand | { cmd: 'seen'; n: number } | { cmd: 'exit' }) => {
  if (msg.cmd === 'seen') seen = msg.n;
  else if (msg.cmd === 'exit') process.exit(0);
  else if (msg.cmd === 'run') {
    seen = 0;
    (msg.kind === 'mqtt' ? runMqtt(msg) : runTcp(msg)).then(
      (published) => process.send?.({ done: true, published }),
      (err: unknown) => process.send?.({ done: true, published: -1, error: String(err) }),
    );
  }
});
process.send?.({ ready: true });
