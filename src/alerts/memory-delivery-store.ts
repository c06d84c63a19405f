/**
 * DeliveryStore in memory: the reference behaviour for the SQLite and PostgreSQL versions, and the store of
 * unit tests. Not durable.
 */
import type { DeliveryRecord, DeliveryStore, NewMatch, PendingDelivery } from './deliver.js';

export class MemoryDeliveryStore implements DeliveryStore {
  private readonly matches = new Set<string>();
  private readonly rows: DeliveryRecord[] = [];
  private nextId = 1;

  async recordMatch(m: NewMatch): Promise<{ created: boolean }> {
    const key = JSON.stringify([m.rule, m.clusterId]);
    if (this.matches.has(key)) return { created: false };
    this.matches.add(key);
    for (const channel of m.channels) {
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
        status: 'pending',
        lastError: null,
        deliveredAt: null,
        updatedAt: m.matchedAt,
      });
    }
    return { created: true };
  }

  async pending(now: string, limit: number): Promise<PendingDelivery[]> {
    const t = Date.parse(now);
    return this.rows
      .filter((r) => r.status === 'pending' && Date.parse(r.dueAt) <= t)
      .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || a.id - b.id)
      .slice(0, limit)
      .map(({ id, rule, channel, clusterId, articleId, item, digest, attempts, dueAt }) => ({ id, rule, channel, clusterId, articleId, item: structuredClone(item), digest, attempts, dueAt }));
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
