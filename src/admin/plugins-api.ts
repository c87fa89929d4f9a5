import express from 'express';
import type { Dispatcher } from '../dispatch/types.js';
import { HookdError } from '../errors.js';

/** `GET /api/plugins`, `POST /api/plugins/:name/enable|disable` (README → Admin API). */
export function pluginsApi({ dispatcher }: { dispatcher: Dispatcher | undefined }): express.Router {
  const router = express.Router();

  router.get('/api/plugins', async (_req, res) => {
    res.json({ plugins: dispatcher ? await dispatcher.list() : [] });
  });

  router.post('/api/plugins/:name/:action', async (req, res) => {
    const { name, action } = req.params;
    if (action !== 'enable' && action !== 'disable') throw new HookdError(404, 'not_found', 'not found; use /enable or /disable');
    const plugin = dispatcher && (await dispatcher.list()).find((p) => p.name === name);
    if (!dispatcher || !plugin) throw new HookdError(404, 'plugin_not_found', `no plugin named '${name}'`);
    await (action === 'enable' ? dispatcher.enable(name) : dispatcher.disable(name));
    res.json({ plugin: (await dispatcher.list()).find((p) => p.name === name) ?? null });
  });

  return router;
}
