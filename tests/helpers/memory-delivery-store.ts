/**
 * DeliveryStore in memory, for unit tests of src/alerts/deliver.ts: one store instance, so claims only matter as
 * far as this instance holds them (every pending delivery is its own); it records the message ids given and the
 * claim renewals asked for. Not durable. The SQLite and PostgreSQL stores are proven by tests/store/alerts-contract.ts.
 */
import type { DeliveryRecord, DeliveryStore, NewMatch, PendingDelivery } from '../../src/alerts/deliver.js';

export class MemoryDeliveryStore implements DeliveryStore {
  private readonly matches = new Set<string>();
  private readonly rows: DeliveryRecord[] = [];
  private nextId = 1;
  /** Every `renewClaims` call: [now, leaseMs]. */
  readonly renewals: Array<[string, number]> = [];
  /** Every `pending` call's lease. */
  readonly leases: Array<number | undefined> = [];
  /** Ids `assignMessage` must refuse, as if another worker had taken them meanwhile. */
  readonly lostClaims = new Set<number>();

  async recordMatch(m: NewMatch): Promise<{ created: boolean }> {
    const key = JSON.stringify([m.rule, m.clusterId]);
    if (this.matches.has(key)) return { created: false };
    this.matches.add(key);
    for (const channel of new Set(m.channels)) {
      this.rows.push({
        id: this.nextId++,
        rule: m.rule,
        channel,
        clusterId: m.clusterId,
        articleId: m.articleId,
        item: structuredClone(m.item),
        digest: m.digest,
        attempts: 0,
        dueAt: m.dueAt,
        messageId: null,
        status: 'pending',
        lastError: null,
        deliveredAt: null,
        updatedAt: m.matchedAt,
      });
    }
    return { created: true };
  }

  async pending(now: string, limit: number, opts: { leaseMs?: number } = {}): Promise<PendingDelivery[]> {
    this.leases.push(opts.leaseMs);
    const t = Date.parse(now);
    return this.rows
      .filter((r) => r.status === 'pending' && Date.parse(r.dueAt) <= t)
      .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || a.id - b.id)
      .slice(0, limit)
      .map(({ id, rule, channel, clusterId, articleId, item, digest, attempts, dueAt, messageId }) => ({
        id,
        rule,
        channel,
        clusterId,
        articleId,
        item: structuredClone(item),
        digest,
        attempts,
        dueAt,
        messageId,
      }));
  }

  async renewClaims(now: string, leaseMs: number): Promise<void> {
    this.renewals.push([now, leaseMs]);
  }

  async assignMessage(ids: number[], messageId: string): Promise<boolean> {
    let all = true;
    for (const id of ids) {
      const r = this.get(id);
      if (r.status !== 'pending' || r.messageId !== null || this.lostClaims.has(id)) all = false;
      else r.messageId = messageId;
    }
    return all;
  }

  async markDelivered(id: number, f: { attempts: number; at: string }): Promise<void> {
    const r = this.get(id);
    r.status = 'delivered';
    r.attempts = f.attempts;
    r.deliveredAt = f.at;
    r.updatedAt = f.at;
  }

  async markFailed(id: number, f: { attempts: number; error: string; retryAt: string | null; at: string }): Promise<void> {
    const r = this.get(id);
    r.attempts = f.attempts;
    r.lastError = f.error;
    r.updatedAt = f.at;
    if (f.retryAt === null) r.status = 'failed';
    else r.dueAt = f.retryAt;
  }

  /** Every delivery recorded, in creation order (copies). */
  all(): DeliveryRecord[] {
    return this.rows.map((r) => structuredClone(r));
  }

  private get(id: number): DeliveryRecord {
    const r = this.rows.find((x) => x.id === id);
    if (!r) throw new Error(`no delivery ${id}`);
    return r;
  }
}
