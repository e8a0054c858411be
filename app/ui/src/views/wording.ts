import type { ErrorKind } from "../heycat";
import type { Field } from "./fields";

/** A refusal as a command's `DataError` or a write refused on replay (`sync:status`) carries it. */
export interface Refusal {
  kind: ErrorKind;
  /** The technical account: what is shown when the form has no better words. */
  message: string;
  table?: string | null;
  field?: string | null;
  value?: string | null;
}

/** How a form speaks of its table: what one row is called and the labels of its fields. */
export interface FormWords {
  noun: string;
  fields: Field[];
}

/**
 * A refusal as a person who filled in the form reads it: the form's label for the field and its
 * noun for the row ("The trigger "brb" is already used by another entry."); its own message when
 * the form has no words for what was refused.
 */
export function inWords(refusal: Refusal, { noun, fields }: FormWords): string {
  const label = fields.find((f) => f.name === refusal.field)?.label.toLowerCase();
  const named = refusal.table != null;
  switch (refusal.kind) {
    case "uniqueViolation":
      if (label && refusal.value != null) return `The ${label} "${refusal.value}" is already used by another ${noun}.`;
      break;
    case "badInput":
      if (label && refusal.value == null) return `The ${label} must not be empty.`;
      break;
    case "notFound":
      if (named) return `This ${noun} is no longer there: it was deleted meanwhile.`;
      break;
    case "inUse":
      if (named) return `This ${noun} is still used elsewhere; delete what uses it first.`;
      break;
  }
  return refusal.message;
}

/** How many rows, over every table. */
export function total(byTable: Partial<Record<string, number>>) {
  return Object.values(byTable).reduce<number>((sum, n) => sum + (n ?? 0), 0);
}

/** "1 item", "3 items". */
export function items(n: number) {
  return n === 1 ? "1 item" : `${n} items`;
}

/** "1 item was", "3 items were". */
export function itemsWere(n: number) {
  return `${items(n)} ${n === 1 ? "was" : "were"}`;
}
