// A status as an icon and a word: never by colour alone.
/** The icon beside each status word, on the graph and in tables. */
export const STATUS_ICONS: Record<string, string> = {
  succeeded: "✓",
  failed: "✕",
  running: "◔",
  pending: "…",
  skipped: "⤼",
  cancelled: "⊘",
  dead: "–",
};

export function StatusText({ status }: { status: string }) {
  const label = status.charAt(0).toUpperCase() + status.slice(1);
  return (
    <span className={`status-text status-${status}`}>
      <span aria-hidden="true">{STATUS_ICONS[status] ?? "•"}</span> {label}
    </span>
  );
}
