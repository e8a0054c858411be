import { useContext } from "react";

import { DataError } from "../heycat";
import { OpenStorage } from "./openStorage";

/** A failed command, in words; a write refused for storage offers the ways to free space. */
export function Problem({ error }: { error: unknown }) {
  const openStorage = useContext(OpenStorage);
  const message = error instanceof Error ? error.message : String(error);
  const storageFull = error instanceof DataError && error.kind === "storageFull";
  return (
    <p className="problem" role="alert">
      {message}
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
