import express from 'express';
import type { Dispatcher, Outcome } from '../dispatch/types.js';
import { HookdError } from '../errors.js';
import type { Store } from '../store/types.js';
import { detailJson, summaryJson } from './event-json.js';
import { decodeCursor, encodeCursor, eventQueryFrom } from './event-query.js';

export interface EventsApiDeps {
  store: Store;
  dispatcher: Dispatcher | undefined;
}

/**
 * `GET /api/events` (filters, newest first, cursor pages), `GET /api/events/:id`,
 * `GET /api/events/:id/raw` and `POST /api/events/:id/replay` (README → Admin API).
 */
export function eventsApi({ store, dispatcher }: EventsApiDeps): express.Router {
  const router = express.Router();
  const outcomesOf = async (id: string): Promise<Outcome[]> => (dispatcher ? dispatcher.outcomesFor(id) : []);
  const find = async (id: string) => {
    const event = await store.getEvent(id);
    if (!event) throw new HookdError(404, 'event_not_found', `no event with id '${id}'`);
    return event;
  };

  router.get('/api/events', async (req, res) => {
    const p = (name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : undefined);
    const query = eventQueryFrom({
      source: p('source'),
      status: p('status'),
      schema: p('schema'),
      since: p('since'),
      until: p('until'),
      search: p('search') ?? p('q'),
      plugin: p('plugin'),
      outcome: p('outcome'),
      limit: p('limit'),
    });
    const cursor = p('cursor');
    const before = p('before');
    if (cursor) query.beforeSeq = decodeCursor(cursor);
    else if (before) query.beforeSeq = (await store.seqOf(before)) ?? (await find(before)).seq;
    // One extra row says whether another page exists without a COUNT.
    const rows = await store.searchEvents({ ...query, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    const next = rows.length > query.limit ? encodeCursor(page[page.length - 1]!.seq) : null;
    const outcomes = await Promise.all(page.map((e) => outcomesOf(e.id)));
    res.json({ events: page.map((e, i) => summaryJson(e, outcomes[i]!)), next });
  });

  router.get('/api/events/:id', async (req, res) => {
    const event = await find(req.params.id);
    res.json(detailJson(event, await outcomesOf(event.id)));
  });

  router.get('/api/events/:id/raw', async (req, res) => {
    const event = await find(req.params.id);
    // The exact bytes, never sniffed or rendered by a browser as a page of this origin.
    // setHeader, not res.set: Express would add a charset the sender never sent.
    res.setHeader('Content-Type', event.contentType ?? 'application/octet-stream');
    res.setHeader('Content-Disposition', `inline; filename="${event.id}.json"`);
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.end(event.body);
  });

  router.post('/api/events/:id/replay', express.json({ limit: '16kb' }), async (req, res) => {
    const event = await find(req.params.id);
    if (!dispatcher) throw new HookdError(503, 'dispatch_unavailable', 'no dispatcher is running; nothing to replay to');
    if (event.status === 'quarantined') {
      throw new HookdError(409, 'quarantined', 'a quarantined event is not handed to plugins; fix the schema or sender and run `hookd events revalidate`');
    }
    const plugin = typeof req.body?.plugin === 'string' ? req.body.plugin : undefined;
    if (plugin !== undefined && !(await dispatcher.list()).some((p) => p.name === plugin)) {
      throw new HookdError(404, 'plugin_not_found', `no plugin named '${plugin}'`);
    }
    const queued = await dispatcher.replay([event.id], plugin);
    res.status(202).json({ id: event.id, queued, ...(plugin ? { plugin } : {}) });
  });

  return router;
}
