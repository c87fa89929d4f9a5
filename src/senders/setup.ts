import type { Kind } from './kinds.js';

/**
 * What to run or paste on the sender's side once hookd has generated a secret for a source,
 * printed once at first start. `url` is the public URL of the source (e.g. an ngrok address).
 */
export function senderSetup(kind: Kind, source: string, secret: string, url: string): string {
  switch (kind) {
    case 'jobserv':
      return [
        `Foundries.io (JobServ): install the secret and point factory-config.yml at hookd:`,
        `  fioctl secrets update ${source}=${secret}`,
        `  # ci-scripts.git factory-config.yml`,
        `  notify:`,
        `    webhooks:`,
        `      - url: ${url}`,
        `        secret_name: ${source}`,
      ].join('\n');
    case 'shotgrid':
      return `Flow Production Tracking (ShotGrid): Webhooks page → your webhook → URL ${url}, "Secret token": ${secret}`;
    case 'github':
      return `GitHub: repository Settings → Webhooks → Payload URL ${url}, Content type application/json, Secret: ${secret}`;
    case 'standard':
      return `Standard Webhooks / Svix: endpoint URL ${url}, signing secret ${secret}`;
    case 'iglu':
      return `Snowplow Factotum: factotum run <factfile> --webhook "${url}?token=${secret}"`;
    case 'hkube':
      return `HKube: in the pipeline, "webhooks": {"progress": "${url}?token=${secret}", "result": "${url}?token=${secret}"}`;
    case 'aurora':
      return `Apache Aurora: in -webhook_config, "targetURL": "${url}", "headers": {"X-Hookd-Token": "${secret}", "Content-Type": "application/vnd.kafka.json.v1+json"}`;
    case 'hmac':
      return `Generic HMAC sender: URL ${url}, shared secret ${secret}`;
  }
}
