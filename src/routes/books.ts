import { and, desc, eq, sql } from "drizzle-orm";
import { Hono } from "hono";
import { type Database, preparedQuery } from "../db/client";
import { type Book, books, touched, users } from "../db/schema";
import type { AppEnv } from "../env";
import { unlessTaken } from "../lib/db-errors";
import { notFound, validationError } from "../lib/errors";
import { getObject } from "../middleware/get-object";
import {
  checkObjectPermission,
  IsAuthenticated,
  IsAuthenticatedOrReadOnly,
  IsOwnerOrReadOnly,
} from "../middleware/permissions";
import { permit } from "../middleware/permit";
import { validateJson } from "../middleware/validate";
import { created, describe, listOf, noContent, ok } from "../openapi/describe";
import {
  type BookInput,
  bookBody,
  bookPatch,
  bookResponse,
  bookValues,
  ISBN_TAKEN,
  serializeBook,
} from "../schemas/books";

type BookRow = { book: Book; ownerUsername: string };

const withOwner = (db: Database) =>
  db.select({ book: books, ownerUsername: users.username }).from(books).innerJoin(users, eq(users.id, books.ownerId));

// The public catalogue is the hottest read: its query is prepared once, not built per request.
export const listBooks = preparedQuery((db: Database) =>
  withOwner(db).orderBy(desc(books.createdAt), desc(books.id)).prepare(),
);
const oneBook = preparedQuery((db: Database) =>
  withOwner(db)
    .where(eq(books.id, sql.placeholder("id")))
    .prepare(),
);

/** ModelSerializer's UniqueValidator on isbn. */
const uniqueIsbn = <T>(write: Promise<T>) =>
  unlessTaken(write, { "books.isbn": () => validationError({ isbn: [ISBN_TAKEN] }) });

/**
 * DRF's get_object(): the book or 404 "No Book matches the given query.", then IsOwnerOrReadOnly
 * (403). Both come before the body is read, so a bad body on someone else's book is still 403.
 */
const bookObject = getObject<BookRow, AppEnv>(
  (c, id) => (id === null ? Promise.resolve(undefined) : oneBook.get(c.var.db, { id })),
  () => notFound("Book"),
  (c, found) => checkObjectPermission(c, found.book, IsOwnerOrReadOnly),
);

/**
 * The owner is part of every write's condition: the ownership check ran on a nearby replica, and the
 * write itself decides on the primary (a book deleted in between is simply not found).
 */
const ownBook = ({ book }: BookRow) => and(eq(books.id, book.id), eq(books.ownerId, book.ownerId));

async function updateBook(db: Database, found: BookRow, input: BookInput) {
  const [updated] = await uniqueIsbn(
    db
      .update(books)
      .set(touched(bookValues(input)))
      .where(ownBook(found))
      .returning(),
  );
  if (!updated) throw notFound("Book");
  return serializeBook(updated, found.ownerUsername);
}

/** The tutorial's BookViewSet: anyone reads, signed-in users create, only the owner changes or deletes. */
export const bookRoutes = new Hono<AppEnv>()
  .get(
    "/",
    describe({
      tag: "books",
      summary: "Every book",
      description: "Public: no token needed. Not paginated.",
      responses: ok("The books, newest first.", listOf(bookResponse)),
    }),
    permit([IsAuthenticatedOrReadOnly]),
    async (c) => {
      const rows = await listBooks.all(c.var.db);
      return c.json(rows.map((r) => serializeBook(r.book, r.ownerUsername)));
    },
  )
  // The tutorial's BookCreateThrottle (5/day per user) replaces the default throttles for create.
  .post(
    "/",
    describe({
      tag: "books",
      summary: "Add a book",
      description: "At most 5 books per user per day (the `book_create` throttle).",
      responses: created("The new book, owned by the caller.", bookResponse),
    }),
    permit([IsAuthenticated], { throttles: ["book_create"] }),
    validateJson(bookBody),
    async (c) => {
      const { db, caller } = c.var;
      const input = c.req.valid("json");
      const [book] = await uniqueIsbn(
        db
          .insert(books)
          .values({ ...bookValues(input), ownerId: caller.userId })
          .returning(),
      );
      return c.json(serializeBook(book!, (await c.var.user).username), 201);
    },
  )
  .get(
    "/:id{[0-9]+}/",
    describe({
      tag: "books",
      summary: "One book",
      description: "Public: no token needed.",
      responses: ok("The book.", bookResponse),
    }),
    permit([IsAuthenticatedOrReadOnly]),
    bookObject,
    (c) => c.json(serializeBook(c.var.found.book, c.var.found.ownerUsername)),
  )
  .put(
    "/:id{[0-9]+}/",
    describe({
      tag: "books",
      summary: "Replace a book (its owner)",
      description:
        "Another user's book is 403, checked before the body is read. An optional field left out keeps its value, as in DRF.",
      responses: ok("The changed book.", bookResponse),
      errors: [403],
    }),
    permit([IsAuthenticatedOrReadOnly]),
    bookObject,
    validateJson(bookBody),
    async (c) => c.json(await updateBook(c.var.db, c.var.found, c.req.valid("json"))),
  )
  .patch(
    "/:id{[0-9]+}/",
    describe({
      tag: "books",
      summary: "Change some fields of a book (its owner)",
      description: "Only the fields sent change. Another user's book is 403, checked before the body is read.",
      responses: ok("The changed book.", bookResponse),
      errors: [403],
    }),
    permit([IsAuthenticatedOrReadOnly]),
    bookObject,
    validateJson(bookPatch),
    async (c) => c.json(await updateBook(c.var.db, c.var.found, c.req.valid("json"))),
  )
  .delete(
    "/:id{[0-9]+}/",
    describe({
      tag: "books",
      summary: "Delete a book (its owner)",
      description: "For good: books have no trash. Another user's book is 403.",
      responses: noContent("Deleted."),
      errors: [403],
    }),
    permit([IsAuthenticatedOrReadOnly]),
    bookObject,
    async (c) => {
      const [deleted] = await c.var.db.delete(books).where(ownBook(c.var.found)).returning({ id: books.id });
      if (!deleted) throw notFound("Book");
      return c.body(null, 204);
    },
  );
