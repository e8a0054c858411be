import type { CommandParameter } from "../heycat";

/** How one column is shown and edited. */
export type Field =
  | { name: string; label: string; kind: "text" | "optionalText" | "bool" | "number" | "bigint" | "list" | "params" }
  | { name: string; label: string; kind: "choice" | "optionalChoice"; options: readonly string[] };

/** What a form holds for a field: text inputs hold strings, checkboxes booleans. */
export type FormValue = string | boolean;

export function toForm(field: Field, value: unknown): FormValue {
  switch (field.kind) {
    case "bool":
      return Boolean(value);
    case "list":
      return ((value as string[] | null) ?? []).join(", ");
    case "params":
      return ((value as CommandParameter[] | null) ?? []).map((p) => `${p.key}=${p.value}`).join("\n");
    default:
      return value === null || value === undefined ? "" : String(value);
  }
}

/** The column value a form value stands for; throws a message for the user when it is invalid. */
export function fromForm(field: Field, value: FormValue): unknown {
  const text = typeof value === "string" ? value.trim() : "";
  switch (field.kind) {
    case "bool":
      return Boolean(value);
    case "text":
    case "choice":
      return text;
    case "optionalText":
    case "optionalChoice":
      return text === "" ? null : text;
    case "number": {
      const n = Number(text);
      if (text === "" || !Number.isFinite(n)) throw new Error(`${field.label} must be a number`);
      return n;
    }
    case "bigint":
      if (!/^-?\d+$/.test(text)) throw new Error(`${field.label} must be a whole number`);
      return BigInt(text);
    case "list":
      return text === "" ? [] : text.split(",").map((s) => s.trim()).filter((s) => s !== "");
    case "params":
      return text
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "")
        .map((line) => {
          const at = line.indexOf("=");
          if (at < 1) throw new Error(`${field.label}: write each parameter as key=value`);
          return { key: line.slice(0, at).trim(), value: line.slice(at + 1).trim() };
        });
  }
}

/** A column value as text in a table cell. */
export function display(field: Field, value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (field.kind === "bool") return value ? "yes" : "no";
  if (field.kind === "list") return (value as string[]).join(", ") || "—";
  if (field.kind === "params") return (value as CommandParameter[]).map((p) => `${p.key}=${p.value}`).join(", ") || "—";
  return String(value);
}
