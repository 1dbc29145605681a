import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

/** The monitoring-centre page: plain ES modules and CSS, no build step. */
export async function staticRoutes(app: FastifyInstance, opts: { root: string }): Promise<void> {
  await app.register(fastifyStatic, { root: opts.root, prefix: '/', index: ['index.html'], cacheControl: true, maxAge: 0 });
}
