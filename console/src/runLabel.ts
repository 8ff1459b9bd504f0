/**
 * A run's short name: the end of its UUID. Run UUIDs begin with their time (UUIDv7), so runs
 * started together share their beginning; the end is random.
 */
export function runLabel(uuid: string): string {
  return `Run …${uuid.slice(-8)}`;
}
