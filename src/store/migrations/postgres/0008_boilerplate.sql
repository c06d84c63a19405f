-- 0008_boilerplate: boilerplate learned per site (src/store/boilerplate.ts has the rules).
--  boilerplate_paragraphs  one row per (host, paragraph key): a sample of its text, the distinct stories it was
--                          sighted in within the window (as of its last sighting), first and last sighting, and
--                          when it was learned as the host's boilerplate (NULL while it is only counted).
--  boilerplate_sightings   one row per (host, key, story): a story counts once however often it comes back.
--  boilerplate_hosts       per host: the re-cleaning cursor (the last article id done; NULL when none is pending).
--  articles_host_prefix    the articles of a host by the start of their canonical URL (https://host/…): a range
--                          scan; the full URL can be longer than a btree entry allows, its first 200 characters not.
-- The runner wraps this file in a transaction under an advisory lock: no BEGIN/COMMIT here.

CREATE TABLE boilerplate_paragraphs (
  host          text COLLATE "C" NOT NULL,
  hash          text COLLATE "C" NOT NULL,
  sample        text NOT NULL,
  stories       integer NOT NULL DEFAULT 0 CHECK (stories >= 0),
  first_seen_at timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  learned_at    timestamptz,
  PRIMARY KEY (host, hash)
);

CREATE INDEX boilerplate_paragraphs_seen ON boilerplate_paragraphs (host, last_seen_at);

-- The host's learned set (read for every article): only the learned rows, not the host's every counted paragraph.
CREATE INDEX boilerplate_paragraphs_learned ON boilerplate_paragraphs (host, hash) WHERE learned_at IS NOT NULL;

CREATE TABLE boilerplate_sightings (
  host    text COLLATE "C" NOT NULL,
  hash    text COLLATE "C" NOT NULL,
  story   text COLLATE "C" NOT NULL,
  seen_at timestamptz NOT NULL,
  PRIMARY KEY (host, hash, story)
);

CREATE INDEX boilerplate_sightings_seen ON boilerplate_sightings (host, seen_at);

CREATE TABLE boilerplate_hosts (
  host          text COLLATE "C" NOT NULL PRIMARY KEY,
  reclean_after bigint CHECK (reclean_after >= 0),
  learned_at    timestamptz
);

CREATE INDEX articles_host_prefix ON articles ((left(canonical_url, 200)) COLLATE "C");
