-- 0008_boilerplate: boilerplate learned per site (src/store/boilerplate.ts has the rules).
--  boilerplate_paragraphs  one row per (host, paragraph key): a sample of its text, the distinct stories it was
--                          sighted in within the window (as of its last sighting), first and last sighting, and
--                          when it was learned as the host's boilerplate (NULL while it is only counted).
--  boilerplate_sightings   one row per (host, key, story): a story counts once however often it comes back.
--  boilerplate_hosts       per host: the re-cleaning cursor (the last article id done; NULL when none is pending).
-- Times are ISO 8601 UTC text with milliseconds, as in 0001. The runner wraps this file in a transaction.

CREATE TABLE boilerplate_paragraphs (
  host          TEXT NOT NULL,
  hash          TEXT NOT NULL,
  sample        TEXT NOT NULL,
  stories       INTEGER NOT NULL DEFAULT 0 CHECK (stories >= 0),
  first_seen_at TEXT NOT NULL,
  last_seen_at  TEXT NOT NULL,
  learned_at    TEXT,
  PRIMARY KEY (host, hash)
) STRICT, WITHOUT ROWID;

-- Pruning by age and capping per host (least recently seen first).
CREATE INDEX boilerplate_paragraphs_seen ON boilerplate_paragraphs (host, last_seen_at);

-- The host's learned set (read for every article): only the learned rows, not the host's every counted paragraph.
CREATE INDEX boilerplate_paragraphs_learned ON boilerplate_paragraphs (host, hash) WHERE learned_at IS NOT NULL;

CREATE TABLE boilerplate_sightings (
  host    TEXT NOT NULL,
  hash    TEXT NOT NULL,
  story   TEXT NOT NULL,
  seen_at TEXT NOT NULL,
  PRIMARY KEY (host, hash, story)
) STRICT, WITHOUT ROWID;

CREATE INDEX boilerplate_sightings_seen ON boilerplate_sightings (host, seen_at);

CREATE TABLE boilerplate_hosts (
  host          TEXT NOT NULL PRIMARY KEY,
  reclean_after INTEGER CHECK (reclean_after >= 0),
  learned_at    TEXT
) STRICT;
