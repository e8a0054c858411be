// The notes app's page: lists the notes of a notebook and adds and deletes notes and
// notebooks, through the bindings generated from the schema (`./data`). Changes from anywhere
// (this window, another device, a replay after being offline) arrive as events and re-render.

import {
  DataError,
  NOTE_COLOR_VALUES,
  connectionStatus,
  noteDelete,
  noteInsert,
  noteList,
  notebookInsert,
  notebookList,
  onConnectionStatus,
  onNoteChanged,
  onNotebookChanged,
  timestampFromDate,
  type ConnectionStatus,
  type Note,
  type NoteColor,
  type Notebook,
  type TableChange,
} from "./data";

const notes = new Map<string, Note>();
const notebooks = new Map<string, Notebook>();

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

const ui = {
  status: element<HTMLParagraphElement>("status"),
  error: element<HTMLParagraphElement>("error"),
  notebook: element<HTMLSelectElement>("notebook"),
  notebookForm: element<HTMLFormElement>("notebook-form"),
  notebookName: element<HTMLInputElement>("notebook-name"),
  noteForm: element<HTMLFormElement>("note-form"),
  title: element<HTMLInputElement>("title"),
  tags: element<HTMLInputElement>("tags"),
  color: element<HTMLSelectElement>("color"),
  body: element<HTMLTextAreaElement>("body"),
  list: element<HTMLUListElement>("notes"),
};

function option(value: string, label: string): HTMLOptionElement {
  const item = document.createElement("option");
  item.value = value;
  item.textContent = label;
  return item;
}

function showStatus(status: ConnectionStatus): void {
  ui.status.textContent = status.state === "connected" ? `Connected to ${status.server}` : `${status.state}: changes are kept on this device`;
}

/** Runs a write; a refusal (a taken name, the storage limit, ...) is shown with its kind. */
async function attempt(write: () => Promise<unknown>): Promise<void> {
  ui.error.textContent = "";
  try {
    await write();
  } catch (error) {
    ui.error.textContent = error instanceof DataError ? `${error.kind}: ${error.message}` : String(error);
  }
}

function render(): void {
  const selected = ui.notebook.value;
  ui.notebook.replaceChildren(...[...notebooks.values()].map((book) => option(book.id, book.name)));
  if (notebooks.has(selected)) ui.notebook.value = selected;

  const shown = [...notes.values()]
    .filter((note) => note.notebookId === ui.notebook.value)
    .sort((a, b) => Number(b.pinned) - Number(a.pinned) || Number(b.updatedAt - a.updatedAt));
  ui.list.replaceChildren(
    ...shown.map((note) => {
      const item = document.createElement("li");
      item.className = note.color;
      const title = document.createElement("strong");
      title.textContent = `${note.pinned ? "Pinned: " : ""}${note.title}`;
      const body = document.createElement("p");
      body.textContent = note.body;
      const tags = document.createElement("span");
      tags.className = "tags";
      tags.textContent = note.tags.map((tag) => `#${tag}`).join(" ");
      const remove = document.createElement("button");
      remove.textContent = "Delete";
      remove.onclick = () => void attempt(() => noteDelete(note.id, note.rowVersion));
      item.append(title, body, tags, " ", remove);
      return item;
    }),
  );
}

function apply<Row extends { id: string }>(rows: Map<string, Row>, change: TableChange<Row>): void {
  if (change.kind === "delete") rows.delete(change.row.id);
  else rows.set(change.row.id, change.row);
  render();
}

async function reload(): Promise<void> {
  const [books, all] = await Promise.all([notebookList(), noteList()]);
  notebooks.clear();
  books.forEach((book) => notebooks.set(book.id, book));
  notes.clear();
  all.forEach((note) => notes.set(note.id, note));
  render();
}

ui.color.replaceChildren(...NOTE_COLOR_VALUES.map((color) => option(color, color)));
ui.notebook.onchange = render;

ui.notebookForm.onsubmit = (event) => {
  event.preventDefault();
  const book = { id: crypto.randomUUID(), name: ui.notebookName.value.trim(), createdAt: timestampFromDate(new Date()) };
  void attempt(async () => {
    await notebookInsert(book);
    ui.notebookName.value = "";
    ui.notebook.value = book.id;
    render();
  });
};

ui.noteForm.onsubmit = (event) => {
  event.preventDefault();
  const now = timestampFromDate(new Date());
  const tags = ui.tags.value.split(",").map((tag) => tag.trim()).filter((tag) => tag !== "");
  void attempt(async () => {
    if (!ui.notebook.value) throw new Error("add a notebook first");
    await noteInsert({
      id: crypto.randomUUID(),
      notebookId: ui.notebook.value,
      title: ui.title.value.trim(),
      body: ui.body.value,
      color: ui.color.value as NoteColor,
      tags,
      pinned: false,
      createdAt: now,
      updatedAt: now,
    });
    ui.noteForm.reset();
  });
};

void onNoteChanged((change) => apply(notes, change));
void onNotebookChanged((change) => apply(notebooks, change));
void onConnectionStatus((status) => {
  showStatus(status);
  // Connected again: the server's rows may have moved on while this window was away.
  if (status.state === "connected") void attempt(reload);
});
void attempt(async () => {
  showStatus(await connectionStatus());
  await reload();
});
