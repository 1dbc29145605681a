import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';

/** An embedded MQTT 3.1.1 broker on a random loopback port (the all-in-one's default broker). */
export async function startAedes(): Promise<{ url: string; broker: Aedes; close(): Promise<void> }> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    broker,
    async close() {
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
