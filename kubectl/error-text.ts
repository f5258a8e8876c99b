// Go's err.Error() for the errors kubectl wraps into its own messages ("failed to
// patch: %v", "failed restoring revision %d: %v"): a server error is its Status
// message alone, without the "Error from server (Reason):" that CheckErr adds.
import { StatusError } from '../api/errors.js';

export function errorText(err: unknown): string {
  if (err instanceof StatusError) return err.status.message ?? '';
  return err instanceof Error ? err.message : String(err);
}
