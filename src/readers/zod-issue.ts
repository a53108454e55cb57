/**
 * The first problem zod found, as a dotted field path and a message. Apart from the JSON
 * reader (json.ts), whose schemas every read would otherwise build just to import this.
 */
import type { z } from 'zod';

export function zodIssue(error: z.ZodError): { path: string; message: string } {
  const issue = error.issues[0]!;
  const path = issue.path.map(String).join('.');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return { path, message };
}
