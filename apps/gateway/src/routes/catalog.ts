import type { FastifyPluginAsync } from 'fastify';
import { describeService } from '../registry/service-view.js';

/** `GET /mcp/catalog` (every service) and `GET /mcp/service/:name` (one; 404 lists the known ones). */
export const catalogRoutes: FastifyPluginAsync = async (app) => {
  app.get('/mcp/catalog', async () => ({
    gateway: { version: app.config.version },
    services: app.registry.list().map(describeService),
  }));

  app.get<{ Params: { name: string } }>('/mcp/service/:name', async (request) => describeService(app.registry.require(request.params.name)));
};
