import { createContext } from "react";

/** Opens the storage view, where the user frees space (set by the app; null in isolation). */
export const OpenStorage = createContext<(() => void) | null>(null);
