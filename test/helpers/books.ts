import { expect } from "vitest";
import { post } from "./http";
import type { TestUser } from "./users";

export type BookJson = Record<string, unknown> & { id: number };

/** A body POST /api/books/ accepts, with `fields` in place of (or beside) the defaults. */
export const validBook = (fields: Record<string, unknown> = {}) => ({
  title: "Dune",
  author: "Frank Herbert",
  published_date: "1965-08-01",
  ...fields,
});

/** POST /api/books/ as `user` with a valid body (and `fields`): the response, whatever it is. */
export const postBook = (user: TestUser, fields: Record<string, unknown> = {}) =>
  post("/api/books/", validBook(fields), { token: user.access });

/** A new book of `user`'s (the creation must succeed). */
export async function createBook(user: TestUser, fields: Record<string, unknown> = {}): Promise<BookJson> {
  const res = await postBook(user, fields);
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}
