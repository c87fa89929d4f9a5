-- Body-hash dedupe keys keep the first 128 bits of the SHA-256 (32 hex digits) instead of all 256
-- (src/ingest/dedupe.ts says why). Keys stored before are cut the same way, so a resend of a
-- webhook received before the upgrade is still found a duplicate. About 13 s per million events,
-- once. Header and field keys (`header:…`, `field:…`) are left as they are.
UPDATE events SET dedupe_key = substr(dedupe_key, 1, 39)
 WHERE dedupe_key LIKE 'sha256:%' AND length(dedupe_key) = 71;
