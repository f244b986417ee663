import { routes, type IrisModule } from '../platform/modules/iris-module.js';
import { mcpRoutes } from './http.js';
import { registerRecordingResources } from './resources.js';
import { registerTools, type McpDeps } from './tools.js';

/**
 * The MCP endpoint at /mcp (outside the versioned REST API), serving every module's
 * tools; and the library's own tools and resources (search, recordings, context,
 * transcripts, frames). `host.modules` is read per request, so it may be the very list
 * this module is part of.
 */
export function mcpModule(host: { readonly modules: readonly IrisModule[] }, deps: McpDeps): IrisModule {
  return {
    name: 'mcp',
    routes: [routes(mcpRoutes, { host }, 'root')],
    mcp(server, principal) {
      registerTools(server, deps, principal);
      registerRecordingResources(server, deps, principal);
    },
  };
}
