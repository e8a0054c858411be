import type { StorageUsage } from "../heycat";
import { formatBytes, percent } from "./bytes";

/** Near or at the storage limit: says so, with a way to free space. */
export function StorageBanner({ usage, onOpen }: { usage: StorageUsage | null; onOpen: () => void }) {
  if (usage === null || usage.level === "ok") return null;
  const full = usage.level === "full";
  return (
    <div className={`banner ${full ? "banner-error" : "banner-info"}`} role="alert" aria-label="Storage">
      {usage.diskNearlyFull ? (
        <strong>The disk holding heycat's data is nearly full ({formatBytes(usage.diskFreeBytes)} left). </strong>
      ) : (
        <strong>
          heycat's data uses {percent(usage.usedBytes, usage.quotaBytes)}% of its {formatBytes(usage.quotaBytes)} limit
          {full ? "; new changes are refused until space is freed. " : ". "}
        </strong>
      )}
      <button type="button" onClick={onOpen}>
        Free space…
      </button>
    </div>
  );
}
