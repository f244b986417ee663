import { routes, type IrisModule } from '../../platform/modules/iris-module.js';
import { webRoutes } from './web.routes.js';

/** The dashboard at `/` (the built web app), mounted after every other module. */
export function webModule(): IrisModule {
  return { name: 'web', routes: [routes(webRoutes, {}, 'root')] };
}
