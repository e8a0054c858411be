// The zoo's generated TypeScript against a mocked Tauri IPC (the vitest of tests/zoo's package):
// rows in wire form (samples.json, which the Rust tests get from the real commands) decode to
// exact TypeScript values and encode back to exactly the same wire form.
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";

import {
  commentInsert,
  ticketGet,
  ticketInsert,
  conflictList,
  drawingGet,
  drawingInsert,
  blobGet,
  blobInsert,
  extremesGet,
  extremesInsert,
  groupDelete,
  groupGet,
  groupInsert,
  maybeGet,
  maybeInsert,
  presetGet,
  presetInsert,
  presetUpdate,
  type Blob,
  type Drawing,
  type Shape,
  type Extremes,
  type Group,
  type Maybe,
  type Preset,
} from "../ts";
import samples from "./samples.json";

type Call = { cmd: string; args: Record<string, unknown> };

/** Answers every command with `answer` and records what was sent. */
function backend(answer: unknown): Call[] {
  const calls: Call[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: args as Record<string, unknown> });
    return answer;
  });
  return calls;
}

const withoutVersion = <T extends { rowVersion: unknown }>(row: T) => {
  const { rowVersion: _, ...rest } = row;
  return rest;
};

describe("bytes", () => {
  it("decode from base64 to Uint8Array exactly, wherever a column holds them", async () => {
    backend(samples.blob[0]);
    const blob = (await blobGet("s1")) as Blob;
    expect(blob.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(blob.data)).toEqual(Array.from({ length: 256 }, (_, i) => i));
    expect(blob.maybe).toEqual(new Uint8Array([]));
    expect(blob.chunks).toEqual([new Uint8Array([0, 255]), new Uint8Array([])]);
    expect(blob.picture).toEqual({ pixels: new Uint8Array([1, 2, 3]), thumbnails: [new Uint8Array([116, 104, 117, 109, 98])] });
    expect(blob.rowVersion).toBe(1n);
  });

  it("encode back to exactly the wire form the Rust side sends", async () => {
    for (const sample of samples.blob) {
      backend(sample);
      const row = (await blobGet(sample.id)) as Blob;
      const calls = backend(sample);
      await blobInsert(row);
      expect(calls[0].args.row).toEqual(sample);
      await blobInsert({ ...withoutVersion(row) });
      expect(calls[1].args.row).toEqual({ ...withoutVersion(sample), rowVersion: undefined });
    }
  });

  it("survive a megabyte both ways", async () => {
    const big = new Uint8Array(1 << 20).map((_, i) => (i * 2654435761) >>> 24);
    const calls = backend(null);
    await blobInsert({ id: "big", data: big, maybe: null, chunks: [], picture: { pixels: big, thumbnails: [] } }).catch(
      () => undefined,
    );
    const sent = (calls[0].args.row as { data: string }).data;
    expect(sent.length).toBe(Math.ceil(big.length / 3) * 4);
    backend({ ...samples.blob[1], data: sent, picture: { pixels: sent, thumbnails: [] } });
    const back = (await blobGet("big")) as Blob;
    // Compared byte by byte: a deep equality of a megabyte is slow.
    const same = (a: Uint8Array) => a.length === big.length && a.every((byte, i) => byte === big[i]);
    expect(same(back.data) && same(back.picture.pixels)).toBe(true);
  });
});

describe("the widest integers", () => {
  it("decode to exact bigints and encode back to the same decimal strings", async () => {
    backend(samples.extremes[0]);
    const row = (await extremesGet("s3")) as Extremes;
    expect(row).toEqual({
      id: "s3",
      big: 2n ** 128n - 1n,
      small: -(2n ** 127n),
      huge: 2n ** 256n - 1n,
      deep: -(2n ** 255n),
      wide: 2n ** 64n - 1n,
      low: -(2n ** 63n),
      tiny: -128,
      byte: 255,
      ratio: 1.5e300,
      rowVersion: 1n,
    });
    const calls = backend(samples.extremes[0]);
    await extremesInsert(row);
    expect(calls[0].args.row).toEqual(samples.extremes[0]);
  });
});

describe("an option of an option", () => {
  it("keeps None, Some(None) and Some(value) apart both ways", async () => {
    const decoded: Maybe[] = [];
    for (const sample of samples.maybe) {
      backend(sample);
      const row = (await maybeGet(sample.id)) as Maybe;
      decoded.push(row);
      const calls = backend(sample);
      await maybeInsert(row);
      expect(calls[0].args.row).toEqual(sample);
    }
    expect(decoded.map((m) => [m.twice, m.label, m.thrice])).toEqual([
      [null, null, null],
      [{ some: null }, { some: null }, { some: null }],
      [{ some: 2n ** 64n - 1n }, { some: "" }, { some: { some: null } }],
      [{ some: 0n }, { some: "x" }, { some: { some: -(2n ** 127n) } }],
    ]);
  });
});

describe("names that are words in TypeScript or SQL", () => {
  it("are properties as they are, and a parameter gets a trailing underscore while its argument keeps the name", async () => {
    for (const sample of samples.group) {
      const calls = backend(sample);
      const row = (await groupGet(sample.class)) as Group;
      expect(calls[0]).toEqual({ cmd: "group_get", args: { class: sample.class } });
      expect(row.class).toBe(sample.class);
      expect(row.call).toBe(BigInt(sample.call));
      await groupInsert(row);
      expect(calls[1].args.row).toEqual(sample);
      await groupDelete(row.class, row.rowVersion);
      expect(calls[2]).toEqual({ cmd: "group_delete", args: { class: sample.class, rowVersion: "1" } });
    }
  });
});

describe("enums whose variants hold values", () => {
  /** What a `switch` on the tag narrows to: each variant's value, typed. */
  function describe_(shape: Shape): string {
    switch (shape.tag) {
      case "Empty":
        return "empty";
      case "Circle":
        return `circle ${shape.value.radius}`;
      case "Polygon":
        return `polygon of ${shape.value.length}`;
      case "Label":
        return `label ${shape.value}`;
      case "Filled":
        return shape.value.tag === "Solid" ? `filled ${shape.value.value}` : `filled ${shape.value.tag}`;
      case "Weight":
        return `weight ${shape.value + 1n}`;
      case "Stamp":
        return `stamp of ${shape.value.byteLength}`;
      case "Note":
        return `note ${shape.value.maybe === null ? "unset" : shape.value.maybe.some}`;
    }
  }

  it("decode to tagged unions a switch narrows, nested and in lists, options and structs", async () => {
    backend(samples.drawing[0]);
    const drawing = (await drawingGet("d1")) as Drawing;
    expect(drawing.shape).toEqual({ tag: "Circle", value: { radius: 1.5 } });
    expect(drawing.shapes.map(describe_)).toEqual([
      "empty",
      "circle 1.5",
      "polygon of 2",
      "polygon of 0",
      "label hi",
      "filled Green",
      "filled Gradient",
      "filled Clear",
      `weight ${2n ** 128n}`,
      "stamp of 2",
      "note null",
      `note ${-(2n ** 63n)}`,
      "note unset",
    ]);
    expect(drawing.layer.shapes[0]).toEqual({ tag: "Filled", value: { tag: "Gradient", value: ["Red", "Blue"] } });
  });

  it("encode back to exactly the wire form the Rust side sends", async () => {
    for (const sample of samples.drawing) {
      backend(sample);
      const drawing = (await drawingGet(sample.id)) as Drawing;
      const calls = backend(sample);
      await drawingInsert(drawing);
      expect(calls[0].args.row).toEqual(sample);
    }
  });

  it("refuse a tag the schema does not have, in words", async () => {
    backend({ ...samples.drawing[1], shape: { tag: "Hexagon", value: 6 } });
    await expect(drawingGet("d2")).rejects.toMatchObject({ kind: "badInput", message: expect.stringContaining("not a Shape") });
  });

  it("decode both versions of a conflict", async () => {
    const [mine, theirs] = samples.drawing;
    backend([
      {
        id: "op-1",
        key: '"d1"',
        operation: "update",
        baseVersion: "1",
        createdAt: "1700000000000000",
        table: "drawing",
        mine,
        theirs,
      },
    ]);
    const [conflict] = await conflictList();
    if (conflict.table !== "drawing") throw new Error("a drawing conflict");
    expect(conflict.mine?.shape).toEqual({ tag: "Circle", value: { radius: 1.5 } });
    expect(conflict.theirs?.maybe).toEqual({ tag: "Stamp", value: new Uint8Array([]) });
  });
});

describe("keys the server gives", () => {
  it("are bigints like any u64 key, and a comment names its ticket's", async () => {
    backend(samples.ticket[0]);
    const ticket = await ticketGet(1n);
    expect(ticket).toEqual({ id: 1n, title: "the first", rowVersion: 1n });
    const calls = backend(samples.comment[0]);
    await commentInsert({ id: "c1", ticketId: ticket!.id, text: "on the first" });
    expect(calls[0].args.row).toEqual({ ...withoutVersion(samples.comment[0]), rowVersion: undefined });
  });

  it("may be left out of an insert: the module gives one", async () => {
    const calls = backend(samples.ticket[0]);
    const inserted = await ticketInsert({ title: "the first" });
    expect(calls[0].args.row).toEqual({ id: "0", title: "the first", rowVersion: undefined });
    expect(inserted.id).toBe(1n);
  });
});

describe("columns with a default", () => {
  it("decode and encode back to exactly the wire form the Rust side sends", async () => {
    for (const sample of samples.preset) {
      backend(sample);
      const row = (await presetGet(sample.id)) as Preset;
      const calls = backend(sample);
      await presetInsert(row);
      expect(calls[0].args.row).toEqual(sample);
    }
    backend(samples.preset[1]);
    expect(await presetGet("p2")).toEqual({
      id: "p2",
      name: "defaults",
      title: "untitled",
      pinned: true,
      count: 7,
      offset: -5n,
      big: 2n ** 128n - 1n,
      ratio: 2,
      share: 0.5,
      note: null,
      limit: 3n,
      twice: { some: null },
      level: "High",
      floor: "Low",
      mark: { tag: "Unset" },
      tags: [],
      data: new Uint8Array([]),
      rowVersion: 1n,
    });
  });

  it("may be left out of an insert, and are then not sent: the Rust side gives the row their defaults", async () => {
    const calls = backend(samples.preset[1]);
    const stored = await presetInsert({ id: "p2", name: "defaults" });
    // What crosses the IPC: `undefined` fields are left out of the JSON.
    expect(JSON.stringify(calls[0].args.row)).toBe('{"id":"p2","name":"defaults"}');
    expect(stored.title).toBe("untitled");
    await presetInsert({ id: "p3", name: "given", title: "mine", limit: null, mark: { tag: "Star", value: 5 } });
    expect(JSON.stringify(calls[1].args.row)).toBe('{"id":"p3","name":"given","title":"mine","limit":null,"mark":{"tag":"Star","value":5}}');
  });

  it("stay required where a whole row is meant: a column without a default, an update, a row read", async () => {
    backend(samples.preset[1]);
    // @ts-expect-error `name` has no default: an insert gives it.
    await presetInsert({ id: "p4" });
    const row = await presetUpdate({ ...(await presetInsert({ id: "p4", name: "n" })), title: "new" });
    const { title: _, ...withoutTitle } = row;
    // @ts-expect-error an update sends the whole row.
    await presetUpdate(withoutTitle);
    const title: string = row.title;
    expect(title).toBe("untitled");
  });
});
