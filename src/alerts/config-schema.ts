/** Schema of the `alerts:` config section. (Placeholder until alert rules land; see issue 12.) */
import { z } from 'zod';

export const alertsSchema = z
  .object({
    rules: z.array(z.never()).default([]),
  })
  .strict()
  .prefault({});
