// The generated comparators (`<TABLE>_ORDERS`) order rows exactly as the runtime pages them:
// orders.json holds rows in wire form and the orders the Rust test (tests/zoo/tests/pages.rs) got
// from the real `<table>_page` commands; here the same rows, decoded, are sorted by the
// comparators. Text that UTF-16 and code points order differently, capitals, accents, the widest
// integers, negative numbers, -0 and null are all in them.
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";

import {
  EXTREMES_ORDERS,
  GROUP_ORDERS,
  TICKET_ORDERS,
  extremesList,
  extremesPage,
  groupList,
  ticketList,
} from "../ts";
import found from "./orders.json";

type Found = { rows: unknown[]; orders: Record<string, { ascending: unknown[]; descending: unknown[] }> };

/** `rows` (wire form) as the generated `list` decodes them. */
async function decoded<Row>(list: () => Promise<Row[]>, rows: unknown[]): Promise<Row[]> {
  mockIPC(() => rows);
  return list();
}

/** Checks every order of a table against what the runtime paged: both ways, and no order more or less. */
async function checkOrders<Row>(
  list: () => Promise<Row[]>,
  orders: Record<string, (a: Row, b: Row) => number>,
  table: Found,
  key: (row: Row) => unknown,
) {
  const rows = await decoded(list, table.rows);
  expect(Object.keys(orders).sort()).toEqual(Object.keys(table.orders).sort());
  for (const [order, expected] of Object.entries(table.orders)) {
    const compare = orders[order];
    const ascending = [...rows].sort(compare).map(key);
    const descending = [...rows].sort((a, b) => compare(b, a)).map(key);
    expect({ order, ascending }).toEqual({ order, ascending: expected.ascending });
    expect({ order, descending }).toEqual({ order, descending: expected.descending });
  }
}

describe("the generated comparators", () => {
  it("order text by code point, numbers as numbers, null first, ties by key, as the runtime does", async () => {
    await checkOrders(groupList, GROUP_ORDERS, found.group, (row) => row.class);
  });

  it("order the widest integers, negative ones and floats (-0 before 0) as the runtime does", async () => {
    await checkOrders(extremesList, EXTREMES_ORDERS, found.extremes, (row) => row.id);
  });

  it("order 64-bit keys numerically (9 before 10), as the runtime does", async () => {
    await checkOrders(ticketList, TICKET_ORDERS, found.ticket, (row) => row.id.toString());
  });
});

describe("a page command", () => {
  it("sends its cursor row in wire form and decodes the rows it answers", async () => {
    const [wire, next] = found.extremes.rows;
    const [after] = await decoded(extremesList, [wire]);
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      return { rows: [next], more: true, total: 16 };
    });
    const page = await extremesPage("wide", true, after, 7);
    expect(calls).toEqual([{ cmd: "extremes_page", args: { order: "wide", descending: true, after: wire, limit: 7 } }]);
    const [decodedNext] = await decoded(extremesList, [next]);
    expect(page).toEqual({ rows: [decodedNext], more: true, total: 16 });
    expect(page.rows[0].wide).toBe(9007199254740993n);
  });
});
