// A status as an icon and a word: never by colour alone.
const ICONS: Record<string, string> = {
  succeeded: "✓",
  failed: "✕",
  running: "◔",
  pending: "…",
  skipped: "⤼",
  cancelled: "⊘",
};

export function StatusText({ status }: { status: string }) {
  const label = status.charAt(0).toUpperCase() + status.slice(1);
  return (
    <span className={`status-text status-${status}`}>
      <span aria-hidden="true">{ICONS[status] ?? "•"}</span> {label}
    </span>
  );
}
