import { useContext } from "react";

import { DataError } from "../heycat";
import { OpenStorage } from "./openStorage";
import { inWords, type FormWords } from "./wording";

/**
 * A failed command, in the form's words: a refused row is said with the form's label for the
 * field and its noun for the row ("The trigger "brb" is already used by another entry."); the
 * error's own message (the technical account) when the form has no better words. A write
 * refused for storage offers the ways to free space.
 */
export function Problem({ error, words }: { error: unknown; words: FormWords }) {
  const openStorage = useContext(OpenStorage);
  const storageFull = error instanceof DataError && error.kind === "storageFull";
  return (
    <p className="problem" role="alert">
      {error instanceof DataError ? inWords(error, words) : error instanceof Error ? error.message : String(error)}
      {storageFull && openStorage && (
        <>
          {" "}
          <button type="button" onClick={openStorage}>
            Free space…
          </button>
        </>
      )}
    </p>
  );
}
