/** The parts a process can play: `all` runs everything; `scheduler` and `worker` split the bullmq driver's work. */
export const ROLES = ['all', 'scheduler', 'worker'] as const;
export type Role = (typeof ROLES)[number];
