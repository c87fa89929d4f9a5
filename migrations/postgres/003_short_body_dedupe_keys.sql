-- As migrations/003: body-hash dedupe keys keep the first 128 bits of the SHA-256. A database
-- made by this version already stores them so; the version is recorded so both stores share
-- their migration numbers.
UPDATE events SET dedupe_key = substr(dedupe_key, 1, 39)
 WHERE dedupe_key LIKE 'sha256:%' AND length(dedupe_key) = 71;
