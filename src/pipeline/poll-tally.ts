/**
 * Polls counted between two summary lines. A poll that brings nothing new (304, or the same items again) is
 * logged at debug only: with thousands of feeds those lines were most of the log and about an eighth of the
 * daemon's CPU per poll. Polls with new items stay at info and failed ones at warn, one line each; the rest are
 * counted here, and the app logs the counts once a minute (`poll summary`, and once more at close).
 */
export interface PollCounts {
  polls: number;
  notModified: number;
  /** Answered 200 with no item it had not seen. */
  unchanged: number;
  withNewItems: number;
  failed: number;
  newItems: number;
}

export class PollTally {
  private counts: PollCounts = PollTally.zero();

  private static zero(): PollCounts {
    return { polls: 0, notModified: 0, unchanged: 0, withNewItems: 0, failed: 0, newItems: 0 };
  }

  add(poll: { failed: boolean; notModified: boolean; newItems: number }): void {
    const c = this.counts;
    c.polls++;
    if (poll.failed) c.failed++;
    else if (poll.notModified) c.notModified++;
    else if (poll.newItems > 0) c.withNewItems++;
    else c.unchanged++;
    c.newItems += poll.newItems;
  }

  /** The counts since the last call (null when there was no poll), and a fresh start. */
  take(): PollCounts | null {
    const c = this.counts;
    this.counts = PollTally.zero();
    return c.polls > 0 ? c : null;
  }
}
