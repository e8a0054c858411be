import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";

import type { TableState } from "../heycat";
import { display, fromForm, toForm, type Field, type FormValue } from "./fields";
import { Problem } from "./Problem";
import type { FormWords } from "./wording";

type Row = { id: string; rowVersion: bigint };

export interface CrudProps<R extends Row> {
  title: string;
  /** What one row is called ("entry") and its fields (shown, edited, and named in refusals). */
  words: FormWords;
  /** The rows (all of them, or the first pages of a long table), with their pending and conflict markers. */
  table: TableState<R>;
  /** The values of a new row's columns that the form does not edit (id, createdAt). */
  fresh: () => Omit<R, "rowVersion">;
  insert: (row: Omit<R, "rowVersion">) => Promise<R>;
  update: (row: R) => Promise<R>;
  /** Deletes the row, based on the version shown (a changed row makes it a conflict). */
  remove: (id: string, rowVersion: bigint) => Promise<void>;
  /** Extra content under a row (e.g. a recording's transcriptions). */
  details?: (row: R) => ReactNode;
}

/** A table's rows with add, edit and delete, for any table described by `fields`. */
export function CrudView<R extends Row>(props: CrudProps<R>) {
  const { title, words, table, fresh, insert, update, remove, details } = props;
  const { fields } = words;
  const [editing, setEditing] = useState<R | null>(null);
  const [form, setForm] = useState<Record<string, FormValue>>(() => formOf(fields, fresh()));
  const [problem, setProblem] = useState<unknown>(null);

  const startNew = () => {
    setEditing(null);
    setForm(formOf(fields, fresh()));
    setProblem(null);
  };
  const startEdit = (row: R) => {
    setEditing(row);
    setForm(formOf(fields, row));
    setProblem(null);
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const values = Object.fromEntries(fields.map((f) => [f.name, fromForm(f, form[f.name])]));
      if (editing) await update({ ...editing, ...values });
      else await insert({ ...fresh(), ...values });
      startNew();
    } catch (e) {
      setProblem(e);
    }
  };
  const del = async (row: R) => {
    try {
      await remove(row.id, row.rowVersion);
      if (editing?.id === row.id) startNew();
    } catch (e) {
      setProblem(e);
    }
  };

  return (
    <section aria-label={title}>
      <h2>{title}</h2>
      {table.error && <p className="problem">Could not load: {table.error.message}</p>}
      <table>
        <thead>
          <tr>
            {fields.map((f) => (
              <th key={f.name}>{f.label}</th>
            ))}
            <th />
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row) => (
            <RowView
              key={row.id}
              row={row}
              fields={fields}
              onEdit={startEdit}
              onDelete={del}
              details={details}
              pending={table.isPending(row)}
              conflict={table.hasConflict(row)}
            />
          ))}
          {table.rows.length === 0 && !table.more && !table.loading && (
            <tr>
              <td colSpan={fields.length + 1} className="empty">
                Nothing here yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {table.more && (
        <p className="more">
          Showing {table.rows.length} of {table.total}.{" "}
          <ShowMore onShow={table.loadMore} shown={table.rows.length} loading={table.loadingMore} />
        </p>
      )}
      <form onSubmit={submit} aria-label={editing ? `Edit ${title}` : `Add to ${title}`}>
        <h3>{editing ? "Edit" : "Add"}</h3>
        {fields.map((f) => (
          <FieldInput key={f.name} field={f} value={form[f.name]} onChange={(v) => setForm({ ...form, [f.name]: v })} />
        ))}
        {problem !== null && <Problem error={problem} words={words} />}
        <button type="submit">{editing ? "Save" : "Add"}</button>
        {editing && (
          <button type="button" onClick={startNew}>
            Cancel
          </button>
        )}
      </form>
    </section>
  );
}

/**
 * The button that loads the next rows; also pressed by itself when it scrolls into view (where
 * the browser can tell), so a person scrolling down a long list keeps seeing rows.
 */
function ShowMore({ onShow, shown, loading }: { onShow: () => void; shown: number; loading: boolean }) {
  const button = useRef<HTMLButtonElement>(null);
  // Watched again after each page (`shown`): a button still in view then loads the next one.
  useEffect(() => {
    const element = button.current;
    if (element === null || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && onShow());
    observer.observe(element);
    return () => observer.disconnect();
  }, [onShow, shown]);
  return (
    // aria-disabled, not disabled: a button that was pressed keeps the keyboard's focus.
    <button ref={button} type="button" onClick={onShow} aria-disabled={loading}>
      Show more
    </button>
  );
}

function formOf(fields: Field[], row: object): Record<string, FormValue> {
  const values = row as Record<string, unknown>;
  return Object.fromEntries(fields.map((f) => [f.name, toForm(f, values[f.name])]));
}

function RowView<R extends Row>(props: {
  row: R;
  fields: Field[];
  onEdit: (row: R) => void;
  onDelete: (row: R) => void;
  details?: (row: R) => ReactNode;
  pending: boolean;
  conflict: boolean;
}) {
  const { row, fields, onEdit, onDelete, details, pending, conflict } = props;
  const values = row as unknown as Record<string, unknown>;
  return (
    <>
      <tr>
        {fields.map((f) => (
          <td key={f.name}>{display(f, values[f.name])}</td>
        ))}
        <td className="actions">
          {pending && <span className="pending">not synced yet</span>}
          {conflict && <span className="conflicted">changed elsewhere too: see Conflicts</span>}
          <button type="button" onClick={() => onEdit(row)}>
            Edit
          </button>
          <button type="button" onClick={() => onDelete(row)}>
            Delete
          </button>
        </td>
      </tr>
      {details && (
        <tr className="details">
          <td colSpan={fields.length + 1}>{details(row)}</td>
        </tr>
      )}
    </>
  );
}

function FieldInput({ field, value, onChange }: { field: Field; value: FormValue; onChange: (v: FormValue) => void }) {
  const id = `field-${field.name}`;
  let input: ReactNode;
  if (field.kind === "bool") {
    input = <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
  } else if (field.kind === "choice" || field.kind === "optionalChoice") {
    input = (
      <select id={id} value={String(value)} onChange={(e) => onChange(e.target.value)}>
        {field.kind === "optionalChoice" && <option value="">—</option>}
        {field.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === "params") {
    input = <textarea id={id} value={String(value)} onChange={(e) => onChange(e.target.value)} placeholder="key=value" />;
  } else {
    input = <input id={id} value={String(value)} onChange={(e) => onChange(e.target.value)} />;
  }
  return (
    <label htmlFor={id} className="field">
      <span>{field.label}</span>
      {input}
    </label>
  );
}
