// A big ShotGrid batch, signed as ShotGrid signs it: `X-SG-Signature: sha1=<hex HMAC-SHA1 of the
// raw body>` (src/senders/kinds.ts). The batched shape is `{"timestamp", "data": {"deliveries":
// [...]}}` (README → Senders, src/ingest/schema-check.ts splitShotgridBatch); each delivery is the seed's
// attribute change (test/fixtures/iglu/shotgrid-delivery.json) with a large new_value, as a text
// field edit near ShotGrid's 1 MB per-delivery limit would carry.
import { createHmac } from 'node:crypto';
import http from 'node:http';

export const SG_SECRET = 'shotgrid-secret-not-real';
export const SG_SIG_HEADER = 'x-sg-signature';

let batchNo = 0;

/** `count` deliveries of about `deliveryBytes` each, every delivery_id new to this process. */
export function shotgridBatch({ count = 50, deliveryBytes = 900 * 1024, secret = SG_SECRET } = {}) {
  const tag = `${process.pid}-${Date.now()}-${++batchNo}`;
  // Text-like filler (no escapes needed, so its JSON size is its length).
  const words = 'the hero tree asset was updated with new leaves branches and bark textures for shot 042 ';
  const filler = words.repeat(Math.ceil(deliveryBytes / words.length)).slice(0, deliveryBytes - 900);
  const deliveries = [];
  for (let i = 0; i < count; i++) {
    deliveries.push({
      id: `119.110.${i}`,
      event_log_entry_id: 479004 + i,
      event_type: 'Shotgun_Asset_Change',
      operation: 'update',
      user: { type: 'HumanUser', id: 24 },
      entity: { type: 'Asset', id: 1419 + i },
      project: { type: 'Project', id: 127 },
      meta: {
        type: 'attribute_change',
        attribute_name: 'description',
        entity_type: 'Asset',
        entity_id: 1419 + i,
        field_data_type: 'text',
        old_value: 'Hero tree',
        new_value: `${i} ${filler}`,
      },
      created_at: '2021-02-22 17:40:23.202136',
      attribute_name: 'description',
      session_uuid: 'c9f3e2a4-752b-11eb-9b5c-0242ac110002',
      delivery_id: `bench-${tag}-${i}`,
    });
  }
  const body = Buffer.from(JSON.stringify({ timestamp: '2021-02-22T17:40:27Z', data: { deliveries } }));
  const sig = 'sha1=' + createHmac('sha1', Buffer.from(secret, 'utf8')).update(body).digest('hex');
  return { body, headers: { 'content-type': 'application/json', [SG_SIG_HEADER]: sig } };
}

/** POSTs `body` on a fresh connection; ms from the first byte written to the end of the answer. */
export function postTimed(url, body, headers, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': body.length }, agent: false, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
