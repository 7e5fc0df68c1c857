import type { FastifyPluginAsync } from 'fastify';
import { describeLocalReference, describeService } from '../registry/service-view.js';

/**
 * `GET /mcp/catalog` (every service the caller may use, with only the tools it may call, then the
 * local references: `location: "local"`, how to run them) and `GET /mcp/service/:name` (one; 403
 * outside the caller's scopes, 404 lists the known ones).
 */
export const catalogRoutes: FastifyPluginAsync = async (app) => {
  app.get('/mcp/catalog', async (request) => {
    const scopes = request.caller.scopes;
    return {
      gateway: { version: app.config.version },
      services: app.registry
        .list()
        .filter((entry) => scopes.seesService(entry.name))
        .map((entry) => describeService(entry, scopes.toolFilter(entry)))
        .concat(app.registry.localReferences().filter((ref) => scopes.seesService(ref.name)).map(describeLocalReference)),
    };
  });

  app.get<{ Params: { name: string } }>('/mcp/service/:name', async (request) => {
    const scopes = request.caller.scopes;
    scopes.requireService(request.params.name);
    const local = app.registry.localReference(request.params.name);
    if (local) return describeLocalReference(local);
    const entry = app.registry.require(request.params.name, (s) => scopes.seesService(s));
    return describeService(entry, scopes.toolFilter(entry));
  });
};
