import { useState } from "react";

import * as db from "./heycat";
import { useStorage } from "./hooks/useStorage";
import { ConflictsView } from "./views/ConflictsView";
import { MigrationBanner } from "./views/MigrationBanner";
import { SettingsView } from "./views/SettingsView";
import { OpenStorage } from "./views/openStorage";
import { StatusBanner } from "./views/StatusBanner";
import { StorageBanner } from "./views/StorageBanner";
import { StorageView } from "./views/StorageView";
import { SyncBanner } from "./views/SyncBanner";
import { DictionaryView, RecordingsView, VoiceCommandsView, WindowContextsView } from "./views/tables";

const TABS = ["Dictionary", "Voice commands", "Recordings", "Window contexts", "Settings", "Storage"] as const;
type Tab = (typeof TABS)[number];

export function App() {
  const { status, retry } = db.useConnectionStatus();
  const [tab, setTab] = useState<Tab>("Dictionary");
  const sync = db.useSyncStatus();
  // Each (re)connect, and the end of syncing: the tables' hooks load their rows again, the
  // storage figures are measured again.
  const revision = db.useDataRevision();
  const conflicts = db.useConflicts();
  // Each list a page at a time (more as a person scrolls), in the order it is shown in: text in
  // code point order (capitals first), the newest recordings first.
  const dictionary = db.useDictionaryEntries({ window: { order: "trigger" } });
  const commands = db.useVoiceCommands({ window: { order: "trigger" } });
  const recordings = db.useRecordings({ window: { order: "createdAt", descending: true } });
  const contexts = db.useWindowContexts({ window: { order: "name" } });
  // The Storage tab's figures follow every change while it is shown.
  const storage = useStorage(revision, tab === "Storage");
  const openStorage = () => setTab("Storage");

  return (
    <OpenStorage.Provider value={openStorage}>
      <main>
        <header>
          <h1>heycat data</h1>
          <StatusBanner status={status} onRetry={() => void retry()} />
          <MigrationBanner />
          <SyncBanner status={sync} />
          <StorageBanner usage={storage.usage} onOpen={openStorage} />
          <nav>
            {TABS.map((t) => (
              <button key={t} type="button" aria-pressed={t === tab} onClick={() => setTab(t)}>
                {t}
              </button>
            ))}
          </nav>
        </header>
        <ConflictsView conflicts={conflicts} />
        {tab === "Dictionary" && <DictionaryView table={dictionary} />}
        {tab === "Voice commands" && <VoiceCommandsView table={commands} />}
        {tab === "Recordings" && <RecordingsView recordings={recordings} />}
        {tab === "Window contexts" && <WindowContextsView table={contexts} />}
        {tab === "Settings" && <SettingsView />}
        {tab === "Storage" && <StorageView storage={storage} />}
      </main>
    </OpenStorage.Provider>
  );
}
